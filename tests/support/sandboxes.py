"""Sandbox API systems served for a test as the dev stack serves them: a real process.

``start_sandbox("idp", tmp_path)`` runs ``python -m sandbox idp`` on a free port of
127.0.0.1 with a fresh bearer token in its environment, waits until it answers, and
stops it (by its own pid) when the block ends. Any system of ``sandbox.SYSTEMS`` works.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.network import free_port

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30.0
STOP_SECONDS = 10.0
CLIENT = "backoffice"


@dataclass(frozen=True)
class Sandbox:
    system: str
    url: str
    token: str
    data_dir: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _wait_answering(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox exited ({process.returncode}): {log.read_text()}")
        try:
            httpx.get(f"{url}/__admin/faults", timeout=2)
            return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sandbox did not answer on {url}: {log.read_text()}")
        time.sleep(0.1)


@contextlib.contextmanager
def start_sandbox(
    system: str, tmp_path: Path, *, token: str | None = None, port: int | None = None
) -> Iterator[Sandbox]:
    """Serve ``system`` with its data in ``tmp_path/<system>-data``; give it again the same
    ``token`` and ``port`` to restart it over the data it kept."""
    token = token or secrets.token_urlsafe(18)
    port = port or free_port()
    data_dir = tmp_path / f"{system}-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = tmp_path / f"{system}.log"
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_TOKEN_")},
        f"SANDBOX_TOKEN_{CLIENT.upper()}": token,
        "PYTHONPATH": str(ROOT),
    }
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "sandbox", system, "--port", str(port), "--data",
             str(data_dir)],
            cwd=ROOT, env=environ, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_answering(url, process, log)
        yield Sandbox(system, url, token, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_SECONDS)
