"""The engine's face to process packs: what a pack tells the engine, and all it may use.

A pack is one business domain with its processes (supplier invoice approval; onboarding
and offboarding, which share HR records), kept in ``activities/<pack>/``. The engine knows
no pack by name: it imports the subpackages of ``activities`` (and the plugins), each of
which calls :func:`register_pack` with its tables' migrations and demo batch. A pack imports
nothing of the engine but this module (import-linter holds it to that in CI), so the
engine's insides can change without touching a pack.
"""

from __future__ import annotations

from backoffice import registry, runtime
from backoffice.audit.steps import trail as step_trail
from backoffice.database import RecordsDatabaseError, hold_lock
from backoffice.logs import get_logger
from backoffice.money import (
    CENT,
    Amount,
    MoneyError,
    exact,
    format_money,
    minor_unit,
    parse_amount,
    round_money,
)
from backoffice.pack_demo import DemoContext, DemoError
from backoffice.pack_registry import Demo, Pack, PackError, pack_named, packs, register_pack
from backoffice.secrets import SecretNotFound, field_of, secret_store
from backoffice.settings import Settings
from backoffice.tasks.queries import tasks_of_run
from backoffice.tasks.records import records_engine

__all__ = [
    "CENT",
    "Amount",
    "Demo",
    "DemoContext",
    "DemoError",
    "MoneyError",
    "Pack",
    "PackError",
    "RecordsDatabaseError",
    "SecretNotFound",
    "Settings",
    "activity",
    "exact",
    "format_money",
    "get_logger",
    "hold_lock",
    "minor_unit",
    "pack_named",
    "packs",
    "parse_amount",
    "records_engine",
    "register_pack",
    "round_money",
    "secret_field",
    "settings",
    "step_trail",
    "tasks_of_run",
]

activity = registry.activity
settings = runtime.settings


def secret_field(name: str, field: str) -> str:
    """One field of a secret (an API token, a signing key) from the configured secret store.

    Activities read a system's credential here each time they need it, by name only, so
    the value never enters a run's input, history or logs. SecretNotFound names where it
    looked and what to add.
    """
    return field_of(secret_store(runtime.settings()), name, field)
