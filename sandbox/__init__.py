"""Sandbox systems with an API, run by ``backoffice dev`` and the tests on 127.0.0.1.

The legacy systems the bots drive through screens are in ``legacy/``; these are the
modern ones the activities call: an identity provider speaking SCIM 2.0, an HRIS, an IT
asset register and a background-check vendor that answers by webhook. Each runs as its own
process on its own port with its own SQLite file, as separate systems do.

Run one with ``python -m sandbox idp --port 8304 --data DIR``; its bearer tokens come from
the environment (``SANDBOX_TOKEN_<CLIENT>=...``, one per client that may call it), never
from the command line. Each system's ``create_app(data_dir, tokens, ...)`` is in
``sandbox/<system>/app.py``; ``tokens`` maps a client's name to its bearer token.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

# Each system's module, imported only when the system is served: one may be missing.
SYSTEMS: dict[str, str] = {
    "idp": "sandbox.idp.app",
    "hris": "sandbox.hris.app",
    "assets": "sandbox.assets.app",
    "screening": "sandbox.screening.app",
}
DEFAULT_PORTS: dict[str, int] = {"idp": 8304, "hris": 8305, "assets": 8306, "screening": 8307}
TOKEN_ENV_PREFIX = "SANDBOX_TOKEN_"  # noqa: S105 - a name prefix, not a secret


class SandboxMissing(Exception):
    """A sandbox system's module is not there (or does not import)."""


AppFactory = Callable[..., Any]


def app_factory(system: str) -> AppFactory:
    """The ``create_app`` of ``system``; SandboxMissing says what is missing."""
    if system not in SYSTEMS:
        raise SandboxMissing(f"no sandbox system '{system}' (there are: {', '.join(SYSTEMS)})")
    try:
        module = importlib.import_module(SYSTEMS[system])
    except ImportError as error:
        raise SandboxMissing(
            f"the sandbox system '{system}' cannot be loaded ({SYSTEMS[system]}: {error})"
        ) from error
    factory = getattr(module, "create_app", None)
    if not callable(factory):
        raise SandboxMissing(f"{SYSTEMS[system]} has no create_app(data_dir, tokens)")
    return cast(AppFactory, factory)


def available(system: str) -> bool:
    try:
        app_factory(system)
    except SandboxMissing:
        return False
    return True


def tokens_from(environ: Mapping[str, str]) -> dict[str, str]:
    """The bearer tokens in ``SANDBOX_TOKEN_<CLIENT>`` variables, by client name."""
    return {
        key[len(TOKEN_ENV_PREFIX) :].lower(): value
        for key, value in environ.items()
        if key.startswith(TOKEN_ENV_PREFIX) and value
    }


def create_app(system: str, data_dir: Path, tokens: Mapping[str, str]) -> Any:
    """The ASGI application of ``system`` with its data in ``data_dir``."""
    return app_factory(system)(data_dir, tokens)


__all__ = [
    "DEFAULT_PORTS",
    "SYSTEMS",
    "TOKEN_ENV_PREFIX",
    "SandboxMissing",
    "app_factory",
    "available",
    "create_app",
    "tokens_from",
]
