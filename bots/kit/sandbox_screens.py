"""What the sandbox legacy systems share: their login page, error page and pop-ups.

Real back-office systems of one vendor share these too; a bot for another system
subclasses :class:`~bots.kit.page_object.Bot` directly with that system's screens.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from playwright.async_api import FrameLocator, Page

from backoffice.money import parse_amount, round_money
from bots.kit.errors import (
    BusinessRuleViolation,
    CredentialRejected,
    SessionExpired,
    TransientFailure,
)
from bots.kit.page_object import Bot

LOGIN_TIMEOUT_MS = 30_000
LOGIN_TRIES = 3


# The sandbox systems show numbers the English way: 12,450.00 (a comma groups thousands).
DECIMAL_MARK = "."


def amount(text: str, decimal_mark: str = DECIMAL_MARK) -> Decimal:
    """``12,450.00`` (or ``12,450.00 USD``) as the screens show it, exactly.

    An empty cell is nothing (0), as the screens leave a quantity not yet received.
    """
    return parse_amount(text, decimal_mark) if text.strip() else Decimal(0)


def typed(value: Decimal, currency: str) -> str:
    """An amount as a sandbox form takes it: to the currency's minor unit, no grouping."""
    return f"{round_money(value, currency):f}"


class SandboxScreens(Bot[Any, Any]):
    """Login, error page and the system-message pop-up of the sandbox systems."""

    system: ClassVar[str] = ""
    label: ClassVar[str] = ""  # how messages name the system: "ERP", "HR system"...

    async def alert_text(self, page: Page | FrameLocator) -> str | None:
        """The error the screen shows (its alert), if any."""
        alert = page.get_by_role("alert")
        return (await alert.first.text_content() or "").strip() if await alert.count() else None

    async def refused(self, page: Page | FrameLocator, what: str) -> None:
        """Raise BusinessRuleViolation if the screen shows the system refusing ``what``."""
        message = await self.alert_text(page)
        if message:
            raise BusinessRuleViolation(f"the {self.label} refused the {what}: {message}")

    async def is_login_page(self, page: Page) -> bool:
        return await page.locator("form[name=logonForm]").count() > 0

    async def login(self, page: Page, credentials: Mapping[str, str]) -> None:
        for _ in range(LOGIN_TRIES):  # a session may end again right after the login
            await page.get_by_label("User name").fill(credentials["username"])
            await page.get_by_label("Password").fill(credentials["password"])
            await page.get_by_role("button", name="Log in").click()
            await page.wait_for_load_state("domcontentloaded", timeout=LOGIN_TIMEOUT_MS)
            await self.check(page)
            if not await self.is_login_page(page):
                return
            message = await self.alert_text(page)
            if message:
                raise CredentialRejected(f"the {self.system} refused the login: {message}")
        raise SessionExpired(f"the {self.system} ended the session right after each login")

    async def check(self, page: Page) -> None:
        title = await page.title()
        if "System temporarily unavailable" in title:
            raise TransientFailure(f"the {self.system} answered with an error page: {title}")
        # The maintenance notice covers the page now and then: close it, as a person would.
        # (Checked after every page rather than with a locator handler, whose pending
        # checks stall every later call on a page whose submit went unanswered.)
        notice = page.get_by_role("dialog", name="System message")
        if await notice.count() and await notice.is_visible():
            await notice.get_by_role("button", name="OK").click()

    async def value(self, page: Page, label: str) -> str:
        """A read-only field of a display screen, by its label."""
        return await page.get_by_label(label, exact=True).input_value()
