"""The confirmation portal as a legacy system: menu, screens and countable records."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legacy.context import SystemSpec, Theme
from legacy.treasury import screens
from legacy.treasury.models import Confirmation, TreasuryBase
from legacy.treasury.seed import seed_master

COUNT_KINDS = {
    "confirmation": "deal ID (counts every response; optional action=CONFIRM|AFFIRM|DISPUTE)",
}


def count(session: Session, kind: str, key: str, params: Mapping[str, str]) -> int:
    statement = select(func.count()).where(Confirmation.deal_id == key)
    if params.get("action"):
        statement = statement.where(Confirmation.action == params["action"].upper())
    return int(session.execute(statement).scalar_one())


TREASURY = SystemSpec(
    name="treasury",
    title="CONFIRM-NET Counterparty Confirmation Portal",
    base=TreasuryBase,
    menu=(
        ("Deals awaiting confirmation", "/deals"),
        ("All deals", "/deals?status=ALL"),
        ("Confirmations", "/confirmations"),
    ),
    routes=tuple(screens.ROUTES),
    seed_master=seed_master,
    count_kinds=COUNT_KINDS,
    count=count,
    theme=Theme(banner="#1f3d1f", menu="#e6efe6", accent="#2e6b2e"),
)
