"""What a bot is: a page object for one legacy screen, with its one irreversible submit.

A bot is plain async code over a Playwright page, testable without Temporal. It says
which legacy system it drives, how to log in, the business key of its input, how to find
an existing record for that key, and how to submit. The runner (``bots/kit/runner.py``) adds
the rest: browser and context, credentials, heartbeats, read before write, evidence.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from playwright.async_api import Page
from pydantic import BaseModel, ConfigDict

from bots.kit.errors import BotError


class BotInput(BaseModel):
    """Every bot's input: its own fields, and optionally the credential to log in with."""

    model_config = ConfigDict(extra="forbid")

    credential: str | None = None  # default: the system's credential in the settings


In = TypeVar("In", bound=BotInput)
Out = TypeVar("Out", bound=BaseModel)


class Bot(ABC, Generic[In, Out]):
    """One screen's work on one legacy system."""

    system: ClassVar[str]
    # The texts of confirm() dialogs this bot expects and accepts; any other dialog is
    # dismissed and noted as unexpected.
    confirms: ClassVar[tuple[str, ...]] = ()

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.on_submitting: Callable[[], None] = lambda: None
        self.downloads: list[Path] = []  # files the pages downloaded, saved by the runner

    async def submitting(self) -> None:
        """Say so right before the irreversible click: from then on, a submit that gets no
        answer has an unknown outcome (before it, a failure is an ordinary one)."""
        self.on_submitting()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    @abstractmethod
    def business_key(self, data: In) -> str:
        """What identifies the record in the legacy system (an invoice's reference...)."""

    @abstractmethod
    async def is_login_page(self, page: Page) -> bool:
        """Whether the system has sent the page to its login screen."""

    @abstractmethod
    async def login(self, page: Page, credentials: Mapping[str, str]) -> None:
        """Log in; raise CredentialRejected if the system refuses the login."""

    @abstractmethod
    async def find(self, page: Page, data: In) -> Out | None:
        """The existing record for the business key, or None: read before every write."""

    @abstractmethod
    async def submit(self, page: Page, data: In) -> Out:
        """Fill in, then (after ``submitting()``) the irreversible action; returns the record
        as the system confirms it."""

    async def check(self, page: Page) -> None:
        """Raise the right BotError if the page shows a known failure (error page...)."""


class BotDefinitionError(BotError):
    """A bot is declared wrongly (no system...)."""
