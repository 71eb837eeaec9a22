"""Serving over TLS with client certificates, and telling the application whose they are.

With a client CA configured, the TLS handshake itself turns away every connection that
shows no certificate the CA signed. Which certificate a connection showed reaches the
application as the ASGI TLS extension's ``client_cert_name`` (the subject as an RFC 4514
name), set per connection by the protocol below, since uvicorn does not set it: the
inbox believes the sign-on proxy's user header from the connection whose certificate
names the proxy.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from backoffice.settings import Settings, SettingsError

Scope = MutableMapping[str, Any]
App = Callable[[Scope, Any, Any], Awaitable[None]]

# RFC 4514 attribute names for the fields Python's ssl module reports.
_SHORT_NAMES = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "domainComponent": "DC",
}


@dataclass(frozen=True)
class TlsFiles:
    """The inbox's certificate and key, and the CA its clients' certificates come from."""

    certificate: Path
    key: Path
    client_ca: Path | None = None

    def uvicorn_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "ssl_certfile": str(self.certificate),
            "ssl_keyfile": str(self.key),
        }
        if self.client_ca is not None:
            options |= {
                "ssl_ca_certs": str(self.client_ca),
                "ssl_cert_reqs": ssl.CERT_REQUIRED,
                "http": CertificateNamingProtocol,
            }
        return options


def inbox_tls(settings: Settings) -> TlsFiles | None:
    """The inbox's TLS files, checked to exist; None when it serves plain HTTP."""
    if settings.inbox_tls_certificate is None or settings.inbox_tls_key is None:
        return None
    files = TlsFiles(
        settings.inbox_tls_certificate, settings.inbox_tls_key, settings.inbox_client_ca
    )
    for variable, path in (
        ("BACKOFFICE_INBOX_TLS_CERTIFICATE", files.certificate),
        ("BACKOFFICE_INBOX_TLS_KEY", files.key),
        ("BACKOFFICE_INBOX_CLIENT_CA", files.client_ca),
    ):
        if path is not None and not path.is_file():
            raise SettingsError(f"{variable}={path}: no such file (a PEM file is expected)")
    return files


def rfc4514_name(subject: Any) -> str:
    """A certificate subject as ``ssl`` reports it, as an RFC 4514 name (``CN=x,O=y``)."""
    parts = []
    for rdn in reversed(subject or ()):
        parts.append("+".join(f"{_SHORT_NAMES.get(k, k)}={_escape(v)}" for k, v in rdn))
    return ",".join(parts)


def _escape(value: str) -> str:
    escaped = re.sub(r'([,+"\\<>;=])', r"\\\1", value)
    if escaped.startswith((" ", "#")):
        escaped = "\\" + escaped
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return escaped


_ATTRIBUTE = re.compile(r"(?:^|[,+])([A-Za-z][\w.-]*)=((?:\\.|[^,+\\])*)")


def common_name(name: str | None) -> str | None:
    """The CN of an RFC 4514 name, unescaped; None when it has none."""
    for key, value in _ATTRIBUTE.findall(name or ""):
        if key.upper() == "CN":
            return re.sub(r"\\(.)", r"\1", value)
    return None


def client_certificate_name(scope: Scope) -> str | None:
    """The subject of the certificate the request's connection showed, if it showed one."""
    tls = scope.get("extensions", {}).get("tls", {})
    name = tls.get("client_cert_name")
    return name if isinstance(name, str) else None


class CertificateNamingProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, telling the application each connection's client
    certificate (verified by the handshake) through the ASGI TLS extension."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        certificate = ssl_object.getpeercert() if ssl_object is not None else None
        if not certificate:
            return
        name = rfc4514_name(certificate.get("subject"))
        inner: App = self.app

        async def with_certificate(scope: Scope, receive: Any, send: Any) -> None:
            extensions = scope.setdefault("extensions", {})
            extensions["tls"] = {**extensions.get("tls", {}), "client_cert_name": name}
            await inner(scope, receive, send)

        self.app = with_certificate
