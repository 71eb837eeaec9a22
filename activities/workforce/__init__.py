"""Workforce: hiring and onboarding, and offboarding (``definitions/onboarding.yaml``,
``definitions/offboarding.yaml``).

Both processes share the pack's activities and records: the people they start and end
are the same employees, on the same identity provider, HRIS, asset register and HR
intranet.
"""

from __future__ import annotations

from pathlib import Path

from activities.workforce.demo import DEMO
from backoffice.packs import Pack, register_pack

PACK = register_pack(
    Pack(
        name="workforce",
        title="Workforce",
        processes=("onboarding", "offboarding"),
        tables=("activities.workforce.records",),
        migrations=Path(__file__).parent / "migrations",
        demo=DEMO,
        docs=(
            "docs/processes/onboarding.md",
            "docs/processes/offboarding.md",
            "docs/processes/workforce_rules.md",
        ),
    )
)
