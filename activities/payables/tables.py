"""What the engine keeps of each supplier invoice beyond the duplicate register: the match
result per line, and the archive record (the invoice, its outcome and its whole audit).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Numeric
from sqlmodel import Field, Session, SQLModel, col, delete, select


class MatchLineRow(SQLModel, table=True):
    """The latest match of one invoice line (a re-check after a goods receipt replaces it)."""

    __tablename__ = "invoice_match_line"

    invoice_id: str = Field(primary_key=True)
    line: int = Field(primary_key=True)
    po_number: str | None = None
    po_line: int | None = None
    route: str
    status: str  # the invoice's: matched, exception, awaiting_gr
    # From unit prices with more decimals than an amount's: 6 after the point, 14 before.
    price_variance: Decimal = Field(sa_type=Numeric(20, 6))
    quantity_variance: Decimal = Field(sa_type=Numeric(20, 6))
    reason_codes: str  # comma-separated
    warnings: str = ""
    matched_at: datetime


class ArchiveRow(SQLModel, table=True):
    """An invoice as archived: its data, outcome and audit, with a content hash."""

    __tablename__ = "invoice_archive"

    archive_ref: str = Field(primary_key=True)
    invoice_id: str = Field(index=True)
    workflow_id: str = Field(index=True)
    run_id: str
    outcome: str
    document_url: str | None = None
    content_json: str
    sha256: str
    archived_at: datetime
    retain_until: date


def keep_match(engine: Engine, invoice_id: str, rows: list[MatchLineRow]) -> None:
    """Replace the invoice's match lines with these (idempotent)."""
    with Session(engine) as session:
        session.exec(delete(MatchLineRow).where(col(MatchLineRow.invoice_id) == invoice_id))
        for row in rows:
            session.add(row)
        session.commit()


def match_lines(engine: Engine, invoice_id: str) -> list[MatchLineRow]:
    with Session(engine) as session:
        statement = select(MatchLineRow).where(MatchLineRow.invoice_id == invoice_id)
        return list(session.exec(statement.order_by(col(MatchLineRow.line))))


def keep_archive(engine: Engine, row: ArchiveRow) -> ArchiveRow:
    """Keep the archive record once; a retried archive returns the one kept first."""
    with Session(engine, expire_on_commit=False) as session:
        kept = session.get(ArchiveRow, row.archive_ref)
        if kept is not None:
            return kept
        session.add(row)
        session.commit()
        return row


def archived(engine: Engine, invoice_id: str) -> list[dict[str, Any]]:
    with Session(engine) as session:
        statement = select(ArchiveRow).where(ArchiveRow.invoice_id == invoice_id)
        return [row.model_dump() for row in session.exec(statement)]
