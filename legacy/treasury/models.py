"""The confirmation portal's tables: deals as the counterparty booked them, and responses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from legacy.storage import EXACT_DECIMALS, utcnow

RESPONSE_RANGE = "confirmation"


class TreasuryBase(DeclarativeBase):
    type_annotation_map = EXACT_DECIMALS


class Deal(TreasuryBase):
    """A deal awaiting our response; FX deals have two legs, money-market ones a principal."""

    __tablename__ = "deal"

    deal_id: Mapped[str] = mapped_column(String(24), primary_key=True)
    event: Mapped[str] = mapped_column(String(10))
    product: Mapped[str] = mapped_column(String(12))
    trade_date: Mapped[date]
    trade_time: Mapped[datetime]
    value_date: Mapped[date]
    maturity_date: Mapped[date | None]
    counterparty_id: Mapped[str] = mapped_column(String(12), index=True)
    counterparty_name: Mapped[str]
    counterparty_bic: Mapped[str] = mapped_column(String(11))
    dealer_id: Mapped[str]
    dealing_method: Mapped[str] = mapped_column(String(4))
    bought_ccy: Mapped[str | None] = mapped_column(String(3))
    bought_amount: Mapped[Decimal | None]
    sold_ccy: Mapped[str | None] = mapped_column(String(3))
    sold_amount: Mapped[Decimal | None]
    rate: Mapped[Decimal]
    role: Mapped[str | None] = mapped_column(String(1))  # L lender, B borrower
    principal_ccy: Mapped[str | None] = mapped_column(String(3))
    principal_amount: Mapped[Decimal | None]
    day_count: Mapped[str | None]
    interest_amount: Mapped[Decimal | None]
    cls_eligible: Mapped[bool]
    status: Mapped[str] = mapped_column(
        String(10)
    )  # AWAITING CONFIRMED AFFIRMED DISPUTED CANCELLED


class Confirmation(TreasuryBase):
    """One response to a deal: a confirmation, an affirmation or a dispute."""

    __tablename__ = "confirmation"

    reference: Mapped[str] = mapped_column(String(20), primary_key=True)
    deal_id: Mapped[str] = mapped_column(ForeignKey("deal.deal_id"), index=True)
    action: Mapped[str] = mapped_column(String(10))  # CONFIRM, AFFIRM or DISPUTE
    remarks: Mapped[str | None]
    created_by: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
