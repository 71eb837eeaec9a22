"""A bot's turn on its legacy system: only while the system answers, with a licence held.

Before a bot opens a browser it waits, bounded, for two things every worker of the
deployment agrees on through the records database:

- the system is not paused. A system whose attempts keep failing (``pause_after`` in a
  row, over all runs) is paused for everyone: no bot burns an attempt on it, one waiting
  bot asks it every ``probe_seconds`` whether it answers, and when it does the paused
  work resumes by itself. Ops are told in the log, in the metric
  ``backoffice_system_paused`` and by ``backoffice systems``.
- a licence is free. ``concurrency`` counts the system's accounts or licences across all
  workers: each attempt leases a slot, renews it while it works and frees it after; a
  killed worker's lease lapses after ``LEASE_SECONDS``.

A turn that cannot start in its share of the attempt's time fails as ``BotSystemPaused``
or ``BotSystemBusy``, both retried. Every retryable failure is retried for the system's
``retry_hours``, counted from the step's first attempt; after that it is final.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import database
from backoffice.audit import steps as step_audit
from backoffice.logs import get_logger
from backoffice.settings import Settings, SystemSettings
from backoffice.systems import store
from bots.kit.errors import TransientFailure

log = get_logger("backoffice.bots")

PAUSED = "BotSystemPaused"
BUSY = "BotSystemBusy"
# Failures that say the system could not do the work now; any other answer (a business
# rule, a drifted screen, a refused login) shows it is up.
SYSTEM_FAILURES = (TransientFailure.type,)
# Failures that say nothing either way about the system: the worker's own trouble, or a
# session that ended (the next attempt logs in again).
NO_ANSWER = ("BotSessionExpired", "BotWorkerError")
LEASE_SECONDS = 30
RENEW_SECONDS = 5
POLL_SECONDS = 1.0
PROBE_TIMEOUT_SECONDS = 10
WAIT_SHARE = 0.5  # of the attempt's time, at most spent waiting for the turn
WAIT_CAP = timedelta(minutes=5)


def _activity_info() -> activity.Info | None:
    try:
        return activity.info()
    except RuntimeError:  # a bot run outside Temporal (tests of bots alone, scripts)
        return None


def _wait_deadline(info: activity.Info | None) -> datetime:
    now = datetime.now(UTC)
    budget = WAIT_CAP
    if info is not None and info.start_to_close_timeout:
        budget = min(budget, info.start_to_close_timeout * WAIT_SHARE)
    return now + budget


def _metric(name: str, system: str, value: int) -> None:
    with contextlib.suppress(RuntimeError):
        meter = activity.metric_meter()
        if name == "backoffice_system_paused":
            gauge = meter.create_gauge(name, "1 while the legacy system is paused for everyone")
            gauge.set(value, {"system": system})
        else:
            meter.create_counter(name, "times the legacy system was paused").add(
                value, {"system": system}
            )


async def _answers(url: str) -> bool:
    """Whether the system serves its front page (its login page) without an error."""
    try:
        async with httpx.AsyncClient(timeout=PROBE_TIMEOUT_SECONDS) as client:
            response = await client.get(url, follow_redirects=True)
    except httpx.HTTPError:
        return False
    return response.status_code < 500


class SystemTurn:
    def __init__(self, settings: Settings, name: str, system: SystemSettings) -> None:
        self.name = name
        self.system = system
        self.engine: Engine = database.engine(settings)
        self.info = _activity_info()
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self.slot: int | None = None
        self.probe_every = timedelta(seconds=system.probe_seconds)
        self.began = datetime.now(UTC)

    # --- waiting for the turn -----------------------------------------------------------

    async def wait_for_turn(self) -> None:
        deadline = _wait_deadline(self.info)
        await self._until_answering(deadline)
        await self._until_licensed(deadline)
        step_audit.mark_started()  # the audit counts time on the system, not in the queue

    async def _until_answering(self, deadline: datetime) -> None:
        told = False
        for _ in range(100_000):  # bounded by the deadline; the range only guards the loop
            current = await asyncio.to_thread(store.state, self.engine, self.name)
            if current is None or current.paused_since is None:
                return
            if not told:
                log.info("bot waits: system paused", system=self.name)
                told = True
            if await asyncio.to_thread(
                store.claim_probe, self.engine, self.name, self.probe_every
            ) and await _answers(self.system.url):
                await self.succeeded()
                return
            if datetime.now(UTC) >= deadline:
                since = current.paused_since.replace(tzinfo=UTC)
                raise self._retry_or_final(
                    ApplicationError(
                        f"the system {self.name} is paused since {since:%Y-%m-%d %H:%M} UTC "
                        f"after {current.failures} failed attempts in a row (last: "
                        f"{current.last_error}); the step resumes when it answers again",
                        {"kind": PAUSED, "system": self.name},
                        type=PAUSED,
                        next_retry_delay=self.probe_every,
                    )
                )
            await asyncio.sleep(POLL_SECONDS)

    async def _until_licensed(self, deadline: datetime) -> None:
        ttl = timedelta(seconds=LEASE_SECONDS)
        for _ in range(100_000):  # bounded by the deadline
            self.slot = await asyncio.to_thread(
                store.acquire, self.engine, self.name, self.system.concurrency, self.holder, ttl
            )
            if self.slot is not None:
                return
            if datetime.now(UTC) >= deadline:
                raise self._retry_or_final(
                    ApplicationError(
                        f"all {self.system.concurrency} licences of {self.name} are in use "
                        "by other bots; the step waits its turn",
                        {"kind": BUSY, "system": self.name},
                        type=BUSY,
                        next_retry_delay=timedelta(seconds=POLL_SECONDS * 5),
                    )
                )
            await asyncio.sleep(POLL_SECONDS)

    async def keep_licence(self) -> None:
        """Renew the lease while the bot works (run as a task, cancelled at the end)."""
        ttl = timedelta(seconds=LEASE_SECONDS)
        while self.slot is not None:
            await asyncio.sleep(RENEW_SECONDS)
            kept = await asyncio.to_thread(
                store.renew, self.engine, self.name, self.slot, self.holder, ttl
            )
            if not kept:
                log.warning("bot licence lapsed while working", system=self.name)
                return

    async def release(self) -> None:
        if self.slot is not None:
            slot, self.slot = self.slot, None
            await asyncio.to_thread(store.release, self.engine, self.name, slot, self.holder)

    # --- what the attempt showed ---------------------------------------------------------

    async def succeeded(self) -> None:
        if await asyncio.to_thread(store.record_success, self.engine, self.name):
            await self._told_resumed()

    async def failed(self, error: ApplicationError) -> ApplicationError:
        """Count a failure the system caused; the error to raise (final once out of time)."""
        if error.type in SYSTEM_FAILURES:
            paused = await asyncio.to_thread(
                store.record_failure,
                self.engine,
                self.name,
                str(error),
                self.system.pause_after,
                self.probe_every,
            )
            if paused:
                log.warning(
                    "system paused: its bots wait until it answers again",
                    system=self.name,
                    after_failures=self.system.pause_after,
                    error=str(error)[:200],
                )
                _metric("backoffice_system_paused", self.name, 1)
                _metric("backoffice_system_pauses", self.name, 1)
        elif error.type not in NO_ANSWER:
            await self.succeeded()  # the system answered, even if with a refusal
        return self._retry_or_final(error)

    async def _told_resumed(self) -> None:
        log.warning("system answers again: its paused bots resume", system=self.name)
        _metric("backoffice_system_paused", self.name, 0)

    def _retry_or_final(self, error: ApplicationError) -> ApplicationError:
        """The error as it is while the retry window lasts; a final one after it."""
        if error.non_retryable or self.info is None:
            return error
        window = timedelta(hours=self.system.retry_hours)
        # The server's clock up to this attempt (it may skip time, as in tests), this
        # worker's since: the two are never compared with each other.
        spent = (self.info.started_time - self.info.scheduled_time) + (
            datetime.now(UTC) - self.began
        )
        if spent < window:
            return error
        hours = spent.total_seconds() / 3600
        return ApplicationError(
            f"{error.message}; gave up after {hours:.1f} h of retries (the retry window of "
            f"{self.name}, systems.{self.name}.retry_hours = {self.system.retry_hours:g})",
            *error.details,
            type=error.type,
            non_retryable=True,
        )


@contextlib.asynccontextmanager
async def system_turn(
    settings: Settings, name: str, system: SystemSettings
) -> AsyncIterator[SystemTurn]:
    """Wait for the system's turn, hold its licence while the body runs, then free it."""
    turn = SystemTurn(settings, name, system)
    await turn.wait_for_turn()
    keeping = asyncio.create_task(turn.keep_licence())
    try:
        yield turn
    finally:
        keeping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeping
        await turn.release()
