"""Serve one sandbox system: ``python -m sandbox SYSTEM --port N --data DIR``.

Bearer tokens come from ``SANDBOX_TOKEN_<CLIENT>`` environment variables (``backoffice
dev`` sets ``SANDBOX_TOKEN_BACKOFFICE`` from the secrets file): a command line is readable
by every user of the machine, the environment of a process is not.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from sandbox import (
    DEFAULT_PORTS,
    SYSTEMS,
    TOKEN_ENV_PREFIX,
    SandboxMissing,
    create_app,
    tokens_from,
)

GRACEFUL_SHUTDOWN_SECONDS = 5


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Serve a sandbox API system on 127.0.0.1 (data in DIR/SYSTEM.db); bearer "
        f"tokens from {TOKEN_ENV_PREFIX}<CLIENT> environment variables.",
    )
    cli.add_argument("system", choices=SYSTEMS)
    ports = ", ".join(f"{name} {port}" for name, port in DEFAULT_PORTS.items())
    cli.add_argument("--port", type=int, help=f"default: {ports}")
    cli.add_argument("--data", required=True, metavar="DIR", help="directory of the database")
    return cli


def main(argv: Sequence[str] | None = None) -> None:
    cli = parser()
    args = cli.parse_args(argv)
    tokens = tokens_from(os.environ)
    if not tokens:
        cli.error(
            f"no bearer token: set {TOKEN_ENV_PREFIX}<CLIENT>=<token> in the environment "
            f"(for example {TOKEN_ENV_PREFIX}BACKOFFICE)"
        )
    try:
        app = create_app(args.system, Path(args.data), tokens)
    except (SandboxMissing, ValueError) as error:
        cli.error(str(error))
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port or DEFAULT_PORTS[args.system],
        ws="none",
        lifespan="on",
        log_level="warning",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
