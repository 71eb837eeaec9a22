"""Filling a system's database: demo master data and login users, both idempotent."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from legacy.context import SystemSpec
from legacy.login import upsert_users
from legacy.storage import Database


def seed_database(db: Database, spec: SystemSpec, users: Mapping[str, str]) -> None:
    """Add the demo master data that is missing, and create or update the users."""

    def work(session: Session) -> None:
        spec.seed_master(session)
        session.flush()
        upsert_users(session, users)

    db.write(work)
