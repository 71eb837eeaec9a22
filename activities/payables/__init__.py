"""Payables: supplier invoices from receipt to payment (``definitions/invoice_approval.yaml``).

The pack keeps the invoice register (duplicates), the match lines and the archive of each
case; its demo is a morning's invoices, one for every path of the process.
"""

from __future__ import annotations

from pathlib import Path

from activities.payables.demo import DEMO
from backoffice.packs import Pack, register_pack

PACK = register_pack(
    Pack(
        name="payables",
        title="Payables",
        processes=("invoice-approval",),
        tables=("activities.payables.register", "activities.payables.tables"),
        migrations=Path(__file__).parent / "migrations",
        demo=DEMO,
        docs=("docs/processes/invoice_approval.md",),
    )
)
