"""Security incidents about an employee: a login found after their access was revoked.

The incident is kept in the pack's records with its findings, filed under a retention
category so that the leaver's purge of that category deletes it. Telling the security
officer is the definition's: a task for them, with the incident id.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.inputs import BadInput, check
from activities.workforce.moments import utc_text
from activities.workforce.records import IncidentRow
from backoffice import packs
from backoffice.packs import get_logger, records_engine

log = get_logger(__name__)


class Incident(BaseModel):
    severity: Literal["P1", "P2"]
    summary: str
    employee_id: str
    findings: list[str] = Field(default_factory=list, description="What was found, each a line.")
    retention_category: str = Field(
        default="security_incident",
        description="The retention category whose purge deletes the incident.",
    )


class IncidentRecord(BaseModel):
    incident_id: str
    opened_at: str  # UTC


def incident_id_for(call: str) -> str:
    """One id per activity call: every attempt of that call keeps the same incident."""
    return f"INC-{hashlib.sha256(call.encode()).hexdigest()[:10].upper()}"


def keep_incident(engine: Engine, incident_id: str, incident: Incident) -> IncidentRow:
    with Session(engine, expire_on_commit=False) as session:
        kept = session.get(IncidentRow, incident_id)
        if kept is not None:
            return kept
        row = IncidentRow(
            incident_id=incident_id,
            severity=incident.severity,
            summary=incident.summary,
            employee_id=incident.employee_id,
            findings_json=json.dumps(incident.findings),
            retention_category=incident.retention_category,
            opened_at=datetime.now(UTC),
        )
        session.add(row)
        try:
            session.commit()
        except IntegrityError:  # another attempt of the same call kept it a moment ago
            session.rollback()
            found = session.get(IncidentRow, incident_id)
            if found is None:  # pragma: no cover - only the id is unique
                raise
            return found
        return row


@packs.activity(errors=["BadIncident"])
@activity.defn(name="workforce.raise_incident")
async def raise_incident(incident: Incident) -> IncidentRecord:
    """Open a security incident (P1 or P2) about an employee, once per step."""
    try:
        check(incident)
    except BadInput as error:
        raise ApplicationError(str(error), type="BadIncident", non_retryable=True) from None
    info = activity.info()
    call = f"{info.workflow_id}/{info.workflow_run_id}/{info.activity_id}"
    row = await asyncio.to_thread(keep_incident, records_engine(), incident_id_for(call), incident)
    # The id and severity only: findings may name people and systems, and stay in the records.
    log.warning("security incident opened", incident=row.incident_id, severity=row.severity)
    return IncidentRecord(incident_id=row.incident_id, opened_at=utc_text(row.opened_at))
