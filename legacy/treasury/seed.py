"""The portal's demo deals (the FX spot and money-market deposit of the reference examples)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from legacy.demo_tables import read_table
from legacy.storage import ensure_number_range
from legacy.treasury.models import RESPONSE_RANGE, Deal

DATA = Path(__file__).parent / "data"
FIRST_RESPONSE = 1


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def seed_master(session: Session) -> None:
    """Add whatever of the demo deals is missing."""
    for row in read_table(DATA / "deals.csv"):
        if session.get(Deal, row["deal_id"]) is not None:
            continue
        session.add(
            Deal(
                deal_id=row["deal_id"],
                event=row["event"],
                product=row["product"],
                trade_date=date.fromisoformat(row["trade_date"]),
                trade_time=datetime.fromisoformat(row["trade_time"]).replace(tzinfo=None),
                value_date=date.fromisoformat(row["value_date"]),
                maturity_date=_date(row["maturity_date"]),
                counterparty_id=row["counterparty_id"],
                counterparty_name=row["counterparty_name"],
                counterparty_bic=row["counterparty_bic"],
                dealer_id=row["dealer_id"],
                dealing_method=row["dealing_method"],
                bought_ccy=row["bought_ccy"] or None,
                bought_amount=_decimal(row["bought_amount"]),
                sold_ccy=row["sold_ccy"] or None,
                sold_amount=_decimal(row["sold_amount"]),
                rate=Decimal(row["rate"]),
                role=row["role"] or None,
                principal_ccy=row["principal_ccy"] or None,
                principal_amount=_decimal(row["principal_amount"]),
                day_count=row["day_count"] or None,
                interest_amount=_decimal(row["interest_amount"]),
                cls_eligible=row["cls_eligible"] == "yes",
                status=row["status"],
            )
        )
    ensure_number_range(session, RESPONSE_RANGE, FIRST_RESPONSE)
