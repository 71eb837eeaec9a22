"""What one running legacy system knows: its description, data, sessions and faults."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import jinja2
from sqlalchemy.orm import DeclarativeBase, Session
from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute

from legacy.faults import FaultInjector
from legacy.sessions import SessionStore
from legacy.storage import Database

CountRecords = Callable[[Session, str, str, Mapping[str, str]], int]


@dataclass(frozen=True)
class Theme:
    """Colours of a system's screens: each vendor had its own idea of beauty."""

    banner: str
    menu: str
    accent: str


@dataclass(frozen=True)
class SystemSpec:
    """A legacy system: its screens, tables, demo master data and countable records.

    Attributes:
        name: The system's name (``erp``, ``hr``, ``treasury``).
        title: The product name in the banner and the window title.
        base: The declarative base its own tables hang on.
        menu: The menu entries, as (label, path).
        routes: The screens, as Starlette routes.
        seed_master: Adds the demo master data that is missing (idempotent).
        count_kinds: The record kinds ``/__admin/count`` knows, with what their key is.
        count: Counts records of a kind by business key.
        theme: Colours of its screens.
        date_format: How its screens show dates (``strftime`` pattern).
    """

    name: str
    title: str
    base: type[DeclarativeBase]
    menu: tuple[tuple[str, str], ...]
    routes: Sequence[BaseRoute]
    seed_master: Callable[[Session], None]
    count_kinds: Mapping[str, str]
    count: CountRecords
    theme: Theme
    date_format: str = "%Y-%m-%d"


@dataclass
class AppContext:
    """Everything a screen of a running system needs, held in ``app.state.legacy``."""

    spec: SystemSpec
    db: Database
    faults: FaultInjector
    sessions: SessionStore
    templates: jinja2.Environment
    page_size: int = 10
    lockout_attempts: int = 5


def context_of(connection: HTTPConnection) -> AppContext:
    """The context of the system that serves this request."""
    return cast(AppContext, connection.app.state.legacy)
