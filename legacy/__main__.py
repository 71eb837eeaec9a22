"""Serve one legacy system: ``python -m legacy SYSTEM --port N --data DIR``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn
from pydantic import ValidationError

from legacy.app import DEFAULT_PORTS, SYSTEMS, create_app, seed
from legacy.faults import FaultSettings

# Long enough for answers in flight, short enough that a held lost response never
# keeps Ctrl-C waiting for long.
GRACEFUL_SHUTDOWN_SECONDS = 5


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m legacy",
        description="Serve a sandbox legacy system on 127.0.0.1 (data in DIR/SYSTEM.db).",
    )
    cli.add_argument("system", choices=SYSTEMS)
    cli.add_argument("--port", type=int, help="default: erp 8301, hr 8302, treasury 8303")
    cli.add_argument("--data", required=True, metavar="DIR", help="directory of the database")
    cli.add_argument(
        "--faults",
        default="{}",
        metavar="JSON",
        help='fault settings at start, e.g. \'{"error_rate": 0.1, "seed": 7}\'',
    )
    cli.add_argument("--session-minutes", type=float, default=15.0, metavar="M")
    cli.add_argument("--lockout-attempts", type=int, default=5, metavar="N")
    cli.add_argument("--page-size", type=int, default=10, metavar="N")
    cli.add_argument(
        "--user",
        action="append",
        default=[],
        metavar="NAME=PASSWORD",
        help="create or update a login user before serving (repeatable; sandbox use only)",
    )
    return cli


def main(argv: Sequence[str] | None = None) -> None:
    cli = parser()
    args = cli.parse_args(argv)
    try:
        faults = FaultSettings.model_validate_json(args.faults)
    except ValidationError as error:
        cli.error(f"--faults: {error}")
    users = {}
    for entry in args.user:
        name, sep, password = entry.partition("=")
        if not sep or not name or not password:
            cli.error(f"--user {entry!r}: write NAME=PASSWORD")
        users[name] = password
    # Master data is added when missing, so a fresh directory gives a usable system.
    seed(args.system, args.data, users)
    try:
        app = create_app(
            args.system,
            args.data,
            faults=faults,
            session_minutes=args.session_minutes,
            lockout_attempts=args.lockout_attempts,
            page_size=args.page_size,
        )
    except ValueError as error:
        cli.error(str(error))
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port or DEFAULT_PORTS[args.system],
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
