"""Where an invoice stands in the engine's records, and its archive with the full audit.

``invoice.record_status`` keeps the duplicate register current (a posted invoice with its
document number, a rejected or reversed one no longer counted). ``invoice.archive`` keeps
the invoice with its outcome, match result, every decision and every step attempt, with a
SHA-256 of the whole and the date until which it must be retained.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.payables.register import CountedTwice, set_status
from activities.payables.tables import ArchiveRow, keep_archive, match_lines
from backoffice import packs
from backoffice.packs import records_engine, step_trail, tasks_of_run

Status = Literal["received", "posted", "cancelled", "reversed"]


class StatusChange(BaseModel):
    invoice_id: str
    status: Status
    document_number: str | None = None
    reason_code: str | None = None


class InvoiceStatus(BaseModel):
    invoice_id: str
    status: str
    document_number: str | None
    reason_code: str | None


@packs.activity(errors=["DuplicateInvoice"])
@activity.defn(name="invoice.record_status")
async def record_status(change: StatusChange) -> InvoiceStatus:
    """Record where an invoice stands (posted, cancelled, reversed) for later checks."""
    try:
        kept = await asyncio.to_thread(
            set_status,
            records_engine(),
            change.invoice_id,
            change.status,
            change.document_number,
            change.reason_code,
        )
    except CountedTwice as error:  # a duplicate posted after all: no retry changes that
        raise ApplicationError(str(error), type="DuplicateInvoice", non_retryable=True) from None
    return InvoiceStatus(
        invoice_id=kept.invoice_id,
        status=kept.status,
        document_number=kept.document_number,
        reason_code=kept.reason_code,
    )


class ArchiveRequest(BaseModel):
    invoice_id: str
    invoice: dict[str, Any] = Field(description="The invoice as it arrived (the run's input).")
    outcome: str = Field(description="POSTED, DUPLICATE, NOT_PROCESSED...")
    reason_codes: list[str] = Field(default_factory=list)
    document_number: str | None = None
    payment: dict[str, Any] | None = None
    document_url: str | None = None
    retention_years: int = Field(default=10, ge=1, le=30)


class ArchiveReceipt(BaseModel):
    archive_ref: str
    sha256: str
    retain_until: date
    decisions: int
    step_events: int


def _reference(workflow_id: str, run_id: str, outcome: str) -> str:
    # One archive per run and outcome: a posting reversed later is archived again as such.
    return "ARC-" + hashlib.sha256(f"{workflow_id}|{run_id}|{outcome}".encode()).hexdigest()[:16]


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year + years, day=28)


def _archive(request: ArchiveRequest, workflow_id: str, run_id: str) -> ArchiveRow:
    engine = records_engine()
    now = datetime.now(UTC)
    steps = [
        row.model_dump(mode="json", exclude={"id", "key", "workflow_id", "process"})
        for row in step_trail(engine, workflow_id)
        if row.run_id == run_id
    ]
    content = {
        "invoice_id": request.invoice_id,
        "invoice": request.invoice,
        "outcome": request.outcome,
        "reason_codes": request.reason_codes,
        "document_number": request.document_number,
        "payment": request.payment,
        "match": [
            row.model_dump(mode="json", exclude={"invoice_id"})
            for row in match_lines(engine, request.invoice_id)
        ],
        "decisions": tasks_of_run(engine, workflow_id),
        "steps": steps,
        "workflow_id": workflow_id,
        "run_id": run_id,
    }
    text = json.dumps(content, sort_keys=True, default=str)
    retain_until = _years_after(now.date(), request.retention_years)
    return keep_archive(
        engine,
        ArchiveRow(
            archive_ref=_reference(workflow_id, run_id, request.outcome),
            invoice_id=request.invoice_id,
            workflow_id=workflow_id,
            run_id=run_id,
            outcome=request.outcome,
            document_url=request.document_url,
            content_json=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            archived_at=now,
            retain_until=retain_until,
        ),
    )


@packs.activity()
@activity.defn(name="invoice.archive")
async def archive_invoice(request: ArchiveRequest) -> ArchiveReceipt:
    """Archive the invoice with its outcome, match, decisions and step audit; retained for
    ``retention_years``. A retried archive returns the record kept first."""
    info = activity.info()
    row = await asyncio.to_thread(
        _archive, request, info.workflow_id or "", info.workflow_run_id or ""
    )
    content = json.loads(row.content_json)
    return ArchiveReceipt(
        archive_ref=row.archive_ref,
        sha256=row.sha256,
        retain_until=row.retain_until,
        decisions=len(content["decisions"]),
        step_events=len(content["steps"]),
    )
