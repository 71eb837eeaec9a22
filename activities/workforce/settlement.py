"""The net of a full-and-final statement: what the company owes the leaver, after what the
leaver owes it.

As hrms's full-and-final statement counts it: every payable row (gratuity, expense claims,
bonus, leave encashment, withheld salary), less every receivable row (advances, loans),
less the cost of each asset whose action is Recover Cost (a laptop not returned). A
negative net is what the leaver owes. Amounts are exact decimals, never rounded here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import packs
from backoffice.packs import Amount


class Row(BaseModel):
    component: str = Field(description="Gratuity, Expense Claim, Employee Advance...")
    amount: Amount
    status: Literal["Settled", "Unsettled"] = "Unsettled"


class AssetRow(BaseModel):
    asset: str
    action: Literal["Return", "Recover Cost"]
    status: Literal["Owned", "Returned"] = "Owned"
    amount: Amount = Decimal(0)


class Settlement(BaseModel):
    payables: list[Row] = Field(default_factory=list)
    receivables: list[Row] = Field(default_factory=list)
    assets: list[AssetRow] = Field(default_factory=list)


class Net(BaseModel):
    net_payable: Amount
    payables_total: Amount
    receivables_total: Amount
    recovered_total: Amount


def net_of(settlement: Settlement) -> Net:
    payables = sum((row.amount for row in settlement.payables), Decimal(0))
    receivables = sum((row.amount for row in settlement.receivables), Decimal(0))
    recovered = sum(
        (row.amount for row in settlement.assets if row.action == "Recover Cost"), Decimal(0)
    )
    return Net(
        net_payable=payables - receivables - recovered,
        payables_total=payables,
        receivables_total=receivables,
        recovered_total=recovered,
    )


@packs.activity()
@activity.defn(name="workforce.net_settlement")
async def net_settlement(settlement: Settlement) -> Net:
    """Payables less receivables less the cost of assets recovered, exactly."""
    return net_of(settlement)
