"""Certificates for mutual TLS tests, made with the openssl command: a CA, the inbox's
server certificate, and client certificates the CA (or another) signs."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Issued:
    certificate: Path
    key: Path


def _openssl(*args: str) -> None:
    binary = shutil.which("openssl")
    assert binary, "these tests make their certificates with openssl: apt-get install openssl"
    subprocess.run([binary, *args], check=True, capture_output=True, timeout=60)


def authority(directory: Path, name: str) -> Issued:
    """A self-signed CA called ``name``."""
    directory.mkdir(parents=True, exist_ok=True)
    issued = Issued(directory / f"{name}.pem", directory / f"{name}.key")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={name}", "-keyout", str(issued.key), "-out", str(issued.certificate),
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    return issued


def signed(ca: Issued, directory: Path, name: str, *, server: bool = False) -> Issued:
    """A certificate for ``name`` signed by ``ca``: a server's for 127.0.0.1, or a client's."""
    issued = Issued(directory / f"{name}.pem", directory / f"{name}.key")
    request = directory / f"{name}.csr"
    extensions = directory / f"{name}.ext"
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}/O=Acme",
        "-keyout", str(issued.key), "-out", str(request),
    )  # fmt: skip
    usage = "serverAuth" if server else "clientAuth"
    lines = [f"extendedKeyUsage={usage}", "basicConstraints=CA:FALSE"]
    if server:
        lines.append("subjectAltName=IP:127.0.0.1,DNS:localhost")
    extensions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _openssl(
        "x509", "-req", "-in", str(request), "-CA", str(ca.certificate), "-CAkey", str(ca.key),
        "-CAcreateserial", "-days", "2", "-extfile", str(extensions), "-out",
        str(issued.certificate),
    )  # fmt: skip
    return issued
