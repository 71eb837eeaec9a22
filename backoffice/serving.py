"""Serving a web application inside another command's event loop (the inbox in
``backoffice dev`` and ``backoffice inbox``, the sandbox systems in tests).

uvicorn normally takes over SIGINT and SIGTERM; here the hosting command owns them (it
stops the worker gracefully first), so the server stops when told to instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn
from starlette.applications import Starlette

from backoffice.client_certificates import TlsFiles

STARTUP_TIMEOUT_SECONDS = 30.0


class _EmbeddedServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the hosting command handles signals and sets should_exit


class EmbeddedServer:
    """An ASGI application on ``host:port``, started and stopped by the hosting command."""

    def __init__(
        self,
        app: Starlette,
        host: str,
        port: int,
        name: str = "inbox",
        tls: TlsFiles | None = None,
    ) -> None:
        # No proxy headers: uvicorn would otherwise take X-Forwarded-For from any local
        # process as the client's address; the inbox decides itself whom to believe.
        config = uvicorn.Config(
            app, host=host, port=port, log_level="warning", lifespan="off", access_log=False,
            proxy_headers=False, **(tls.uvicorn_options() if tls else {}),
        )  # fmt: skip
        self.server = _EmbeddedServer(config)
        self.port = port
        self.name = name
        self.task: asyncio.Task[None] | None = None
        scheme = "https" if tls else "http"
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host  # noqa: S104
        self.url = f"{scheme}://{shown}:{port}"

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve(), name=self.name)
        for _ in range(int(STARTUP_TIMEOUT_SECONDS / 0.05)):
            if self.server.started:
                return
            if self.task.done():
                self.task.result()  # raises why it could not start (port taken...)
                raise OSError(f"the {self.name} stopped while starting")
            await asyncio.sleep(0.05)
        raise TimeoutError(f"the {self.name} did not start within {STARTUP_TIMEOUT_SECONDS:.0f} s")

    async def stop(self) -> None:
        if self.task is None:
            return
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, timeout=10)
        self.task = None
