"""Serve an ASGI application on 127.0.0.1 for a test, with uvicorn in a thread of its own.

Its own thread means its own event loop: a sandbox system keeps answering (and sending its
webhooks) while the test's loop waits on a run, as a separate process would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from tests.support.network import free_port

START_SECONDS = 20.0
STOP_SECONDS = 10.0


@contextmanager
def serve_app(app: ASGIApp) -> Iterator[str]:
    """Serve ``app`` while the block runs; the base URL (``http://127.0.0.1:PORT``)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
        lifespan="on",
    )  # fmt: skip
    server = uvicorn.Server(config)
    # In a thread that is not the main one, uvicorn leaves the signals to the test process.
    thread = threading.Thread(target=server.run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the server on port {port} stopped while starting")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the server on port {port} did not start in {START_SECONDS} s")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=STOP_SECONDS)
