"""What every HR intranet bot shares: the system's name, its formats, evidence of a record.

The intranet shows dates as MM/DD/YYYY and timestamps as ``2025-06-27 18:00:03 UTC``;
bots take and give ISO dates and UTC ISO timestamps, so these are turned around here.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from playwright.async_api import Page

from bots.kit.record_evidence import record_screenshot
from bots.kit.sandbox_screens import SandboxScreens

SYSTEM = "hr"
PAYROLL_CURRENCY = "USD"  # the legacy payroll pays in dollars (a US payroll)
SHOWN_DATE = "%m/%d/%Y"
SHOWN_TIMESTAMP = "%Y-%m-%d %H:%M:%S UTC"


class HrScreens(SandboxScreens):
    system: ClassVar[str] = SYSTEM
    label: ClassVar[str] = "HR system"

    async def evidence(self, page: Page, record: str) -> str:
        """A screenshot of the record page in front of the bot; its path."""
        return await record_screenshot(page, type(self).__name__, record)


def same_date(shown: str, iso: str) -> bool:
    # The intranet shows MM/DD/YYYY; inputs are ISO dates.
    year, month, day = iso.split("-")
    return shown in (iso, f"{month}/{day}/{year}")


def iso_date(shown: str) -> str:
    """A date as the intranet shows it, as an ISO date (one already ISO stays)."""
    if "/" not in shown:
        return shown
    return datetime.strptime(shown, SHOWN_DATE).date().isoformat()


def iso_timestamp(shown: str) -> str:
    """A timestamp as the intranet shows it, in UTC ISO form; empty for none ("never")."""
    if not shown or shown == "never":
        return ""
    return datetime.strptime(shown, SHOWN_TIMESTAMP).strftime("%Y-%m-%dT%H:%M:%SZ")
