"""The migrations make the workforce pack's tables, and the register's partial index counts
one onboarding per applicant that is not cancelled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from activities.workforce.records import COUNTED_ONBOARDING_INDEX, OnboardingRow
from backoffice import database, migrations
from tests.support.records import records_url_in

TABLES = {
    "workforce_onboarding",
    "workforce_retention",
    "workforce_legal_hold",
    "workforce_deletion_certificate",
    "workforce_incident",
}


def _onboarding(onboarding_id: str, status: str) -> OnboardingRow:
    now = datetime.now(UTC)
    return OnboardingRow(
        onboarding_id=onboarding_id,
        job_applicant="HR-APP-1",
        date_of_joining=date(2025, 7, 7),
        status=status,
        opened_at=now,
        changed_at=now,
    )


def test_an_upgrade_makes_the_workforce_tables_on_their_own_branch(tmp_path: Path) -> None:
    records = database.upgrade(records_url_in(tmp_path))

    assert set(inspect(records).get_table_names()) >= TABLES
    assert migrations.current(records)["workforce"] == "workforce_0001"
    assert migrations.drift(records) == []
    indexes = {index["name"] for index in inspect(records).get_indexes("workforce_onboarding")}
    assert COUNTED_ONBOARDING_INDEX in indexes


def test_the_database_itself_refuses_a_second_counted_onboarding(tmp_path: Path) -> None:
    records = database.upgrade(records_url_in(tmp_path))
    with Session(records) as session:
        session.add(_onboarding("ONB-1", "In Process"))
        session.add(_onboarding("ONB-2", "Cancelled"))
        session.add(_onboarding("ONB-3", "Cancelled"))
        session.commit()
    with Session(records) as session:
        session.add(_onboarding("ONB-4", "Pending"))
        with pytest.raises(IntegrityError):
            session.commit()
