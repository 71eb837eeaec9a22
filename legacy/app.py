"""Assembling a legacy system into a Starlette application, and seeding its database."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy import admin, login
from legacy.context import AppContext, SystemSpec
from legacy.faults import FaultInjector, FaultSettings
from legacy.middleware import FaultGate, SessionGate
from legacy.screens import render
from legacy.seeding import seed_database
from legacy.sessions import SessionStore
from legacy.storage import Database

# The pages every system shares (frame, login, errors); each system keeps its own screens
# in its folder's templates/, which templates name by the system ("erp/po.html").
TEMPLATES = Path(__file__).parent / "templates"
SYSTEMS: tuple[str, ...] = ("erp", "hr", "treasury")
DEFAULT_PORTS: dict[str, int] = {"erp": 8301, "hr": 8302, "treasury": 8303}


def system_spec(system: str) -> SystemSpec:
    """The description of a system by name; the error lists the names there are."""
    # Each system is imported only when asked for, so importing ``legacy`` stays cheap.
    if system == "erp":
        from legacy.erp.system import ERP

        return ERP
    if system == "hr":
        from legacy.hr.system import HR

        return HR
    if system == "treasury":
        from legacy.treasury.system import TREASURY

        return TREASURY
    raise ValueError(f"unknown legacy system {system!r}: choose one of {', '.join(SYSTEMS)}")


def database_path(system: str, data_dir: Path | str) -> Path:
    return Path(data_dir) / f"{system}.db"


def seed(system: str, data_dir: Path | str, users: Mapping[str, str] | None = None) -> Path:
    """Create the system's database with its demo master data, and set up login users.

    Safe to repeat: master data that exists is left alone (records entered since stay),
    and each user is created or given the password named here (which also unlocks it).

    Args:
        system: ``erp``, ``hr`` or ``treasury``.
        data_dir: Directory of the database file (``DATA_DIR/SYSTEM.db``).
        users: User name to password.

    Returns:
        The path of the database file.
    """
    spec = system_spec(system)
    db = Database(database_path(system, data_dir), spec.base)
    try:
        seed_database(db, spec, users or {})
    finally:
        db.close()
    return db.path


async def home(request: Request) -> Response:
    return render(request, "home.html")


def create_app(
    system: str,
    data_dir: Path | str,
    *,
    faults: FaultSettings | None = None,
    session_minutes: float = 15.0,
    lockout_attempts: int = 5,
    page_size: int = 10,
    clock: Callable[[], float] = time.monotonic,
) -> Starlette:
    """The web application of one legacy system, with its data in ``DATA_DIR/SYSTEM.db``.

    The database is created if missing (seed it with :func:`seed` to have master data
    and users).

    Args:
        system: ``erp``, ``hr`` or ``treasury``.
        data_dir: Directory of the database file.
        faults: Fault settings at start (none injects no faults); ``/__admin/faults``
            changes them while it runs.
        session_minutes: Idle time after which a login session ends.
        lockout_attempts: Failed logins in a row after which an account is locked.
        page_size: Rows per page of search results and of a document's line items.
        clock: Seconds on a monotonic clock, for session idleness (tests move it).
    """
    if session_minutes <= 0 or lockout_attempts < 1 or page_size < 1:
        raise ValueError("session_minutes, lockout_attempts and page_size must be positive")
    spec = system_spec(system)
    db = Database(database_path(system, data_dir), spec.base)
    templates = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.FileSystemLoader(TEMPLATES),
                jinja2.PrefixLoader(
                    {
                        name: jinja2.FileSystemLoader(TEMPLATES.parent / name / "templates")
                        for name in SYSTEMS
                    }
                ),
            ]
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    context = AppContext(
        spec=spec,
        db=db,
        faults=FaultInjector(faults),
        sessions=SessionStore(session_minutes * 60, clock),
        templates=templates,
        page_size=page_size,
        lockout_attempts=lockout_attempts,
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            db.close()

    app = Starlette(
        routes=[*admin.ROUTES, *login.ROUTES, Route("/", home, methods=["GET"]), *spec.routes],
        middleware=[
            Middleware(FaultGate, context=context),
            Middleware(SessionGate, context=context),
        ],
        lifespan=lifespan,
    )
    app.state.legacy = context
    return app
