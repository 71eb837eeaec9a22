"""The packs the engine has: each registers itself once, and the engine finds them by folder.

Kept apart from the surface packs import (``backoffice.packs``) so the records' migrations
can ask for the packs' tables and revisions without importing what packs use.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from backoffice.errors import BackofficeError
from backoffice.pack_demo import DemoContext

PACKS_PACKAGE = "activities"
COMMON = "common"  # activities any process may call: not a pack


@dataclass(frozen=True)
class Demo:
    """A batch of runs ``backoffice demo`` starts in the running stack.

    ``run`` gets the stack and the batch name the user gave (None: make one up) and
    prints what each run will do and where to watch it.
    """

    summary: str  # one line for `backoffice demo --help` and the dev banner
    run: Callable[[DemoContext, str | None], Awaitable[None]]
    needs_systems: tuple[str, ...] = ()  # sandbox systems the batch drives


@dataclass(frozen=True)
class Pack:
    """One business domain: its processes and what the engine keeps for it."""

    name: str
    title: str
    processes: tuple[str, ...]  # the definitions (process names) it serves
    # Modules that declare the pack's tables: what its migrations must make of them.
    tables: tuple[str, ...] = ()
    # The folder of the pack's alembic revisions (a branch named as the pack), if any.
    migrations: Path | None = None
    demo: Demo | None = None
    docs: tuple[str, ...] = field(default=())  # its guides under docs/processes/


_packs: dict[str, Pack] = {}


class PackError(BackofficeError):
    """Two packs by one name, or a name that is not a pack."""


def register_pack(pack: Pack) -> Pack:
    """Tell the engine of a pack; call it once, from the pack's ``__init__``."""
    known = _packs.get(pack.name)
    if known is not None and known is not pack:
        raise PackError(f"two packs are named '{pack.name}': give one another name")
    _packs[pack.name] = pack
    return pack


def packs(plugins: Iterable[str] = ()) -> list[Pack]:
    """Every pack, by name: those under ``activities/`` and any a plugin registers."""
    package = importlib.import_module(PACKS_PACKAGE)
    for found in pkgutil.iter_modules(package.__path__, prefix=f"{PACKS_PACKAGE}."):
        if found.ispkg and found.name != f"{PACKS_PACKAGE}.{COMMON}":
            importlib.import_module(found.name)
    for plugin in plugins:
        importlib.import_module(plugin)
    return [_packs[name] for name in sorted(_packs)]


def pack_named(name: str, plugins: Iterable[str] = ()) -> Pack:
    found = {pack.name: pack for pack in packs(plugins)}
    if name not in found:
        raise PackError(f"no pack is named '{name}': the packs are {', '.join(found) or 'none'}")
    return found[name]
