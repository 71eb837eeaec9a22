"""Fault injection: the failures bots meet on real legacy screens, on demand.

Each fault kind has a rate (0..1, drawn from a random generator that a seed makes
repeatable) and a counter of the next requests it hits for certain. A counter is used up
first; only when it is zero does the rate decide. Tests use the counters, demos the rates.

Which requests a kind can hit:

- ``error``: any page (an HTML 500 or 503 "System temporarily unavailable").
- ``latency``: any page (``latency_seconds`` more before it is handled).
- ``session_expiry``: any page of a logged-in session (the session ends before the page).
- ``lost_response``: an irreversible submit; the write is committed, then no answer comes.
- ``popup``: a screen shown with the menu (a system-message modal or a JavaScript alert).

The admin endpoints and ``/favicon.ico`` are never hit, so browsers fetching icons do not
use up counters.
"""

from __future__ import annotations

import random
import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FaultKind = Literal["error", "latency", "session_expiry", "lost_response", "popup"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "error",
    "latency",
    "session_expiry",
    "lost_response",
    "popup",
)

Rate = Field(default=0.0, ge=0.0, le=1.0)
Count = Field(default=0, ge=0)


class FaultSettings(BaseModel):
    """What goes wrong, how often, and how badly; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    seed: int | None = Field(
        default=None, description="Seed of the random draws; none draws differently each run."
    )

    error_rate: float = Rate
    error_next: int = Count
    error_status: Literal[500, 503] = Field(
        default=503, description="HTTP status of an injected error page."
    )

    latency_rate: float = Rate
    latency_next: int = Count
    latency_seconds: float = Field(
        default=3.0, ge=0.0, le=600.0, description="Extra time an affected page takes."
    )

    session_expiry_rate: float = Rate
    session_expiry_next: int = Count

    lost_response_rate: float = Rate
    lost_response_next: int = Count
    lost_response_mode: Literal["hold", "drop"] = Field(
        default="hold",
        description=(
            "hold: keep the connection open until the client gives up (at most "
            "lost_response_max_seconds), then drop it; drop: drop it at once."
        ),
    )
    lost_response_max_seconds: float = Field(default=120.0, ge=0.0, le=3600.0)

    popup_rate: float = Rate
    popup_next: int = Count
    popup_kind: Literal["modal", "alert"] = Field(
        default="modal",
        description="modal: a system-message box over the page; alert: a JavaScript alert().",
    )

    screen_delay_seconds: float = Field(
        default=0.3,
        ge=0.0,
        le=60.0,
        description="Built-in slowness of search and posting screens (0 turns it off).",
    )


class FaultInjector:
    """Decides, request by request, whether a fault strikes; safe to share between threads."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._random = random.Random()  # noqa: S311 - fault draws, not secrets
        self.replace(settings or FaultSettings())

    @property
    def settings(self) -> FaultSettings:
        """A copy of the current settings, with the counters as they stand now."""
        with self._lock:
            return self._settings.model_copy()

    def replace(self, settings: FaultSettings) -> None:
        """Use new settings from now on; a seed restarts the random draws."""
        with self._lock:
            self._settings = settings.model_copy()
            self._random = random.Random(settings.seed)  # noqa: S311 - fault draws, not secrets

    def strikes(self, kind: FaultKind) -> bool:
        """Whether the fault ``kind`` hits this request (uses up one of its counter)."""
        with self._lock:
            remaining: int = getattr(self._settings, f"{kind}_next")
            if remaining > 0:
                setattr(self._settings, f"{kind}_next", remaining - 1)
                return True
            rate: float = getattr(self._settings, f"{kind}_rate")
            return rate > 0 and self._random.random() < rate
