"""The background-check vendor's records and its clock: orders complete when their outcome
is due, and each completion is pushed to the subscriber as a signed webhook, retried.

Which outcome a candidate gets is the test's or the demo's choice (``/__admin/outcomes``):
``clear`` or ``adverse`` after some seconds, or ``never`` (the vendor stays silent). Each
completion waits in an outbox until the subscriber takes it (2xx); a failed delivery is
tried again after 1, 2, 4 ... seconds up to ``max_retry_seconds``, at most
``max_attempts`` times, then given up. The signature is the one docs/events.md describes:
``v1=`` hex HMAC-SHA256 of ``<id>.<timestamp>.<body>`` under the shared secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field

from legacy.webhook_sender import Subscription, sign
from sandbox.api_kit import Refusal, Store, dumps, rows_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, reference TEXT UNIQUE NOT NULL, given_name TEXT NOT NULL,
    family_name TEXT NOT NULL, email TEXT NOT NULL, package TEXT NOT NULL,
    consent_ref TEXT NOT NULL, status TEXT NOT NULL, outcome TEXT NOT NULL, due_at REAL,
    report_ref TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, completed_at TEXT,
    reminders INTEGER NOT NULL DEFAULT 0, last_reminded_at TEXT);
CREATE TABLE IF NOT EXISTS notices (
    notice_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, kind TEXT NOT NULL,
    sent_at TEXT NOT NULL, UNIQUE (order_id, kind));
CREATE TABLE IF NOT EXISTS outcomes (
    reference TEXT PRIMARY KEY, outcome TEXT NOT NULL, after_seconds REAL NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT UNIQUE NOT NULL,
    payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at REAL NOT NULL,
    delivered_at TEXT, given_up_at TEXT, last_error TEXT);
"""
TABLES = ("orders", "notices", "outcomes", "events")
PACKAGES = ("basic", "standard", "extended")
Outcome = Literal["clear", "adverse", "never"]
# The enclosures of a pre-adverse notice: FCRA section 604(b)(3) asks for a copy of the
# report and the CFPB's summary of rights before any adverse action is taken.
PRE_ADVERSE_ENCLOSURES = (
    "pre-adverse action notice",
    "copy of the consumer report",
    "A Summary of Your Rights Under the Fair Credit Reporting Act",
)
FINAL_ADVERSE_ENCLOSURES = (
    "adverse action notice",
    "A Summary of Your Rights Under the Fair Credit Reporting Act",
)
LONGEST_SLEEP_SECONDS = 30.0  # the clock looks again at least this often
ERROR_TEXT_LENGTH = 200


class OutcomeSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome = "clear"
    after_seconds: float = Field(default=5.0, ge=0, le=30 * 86400)


class Candidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)


class NewOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=80)
    candidate: Candidate
    package: Literal["basic", "standard", "extended"] = "standard"
    consent_ref: str = Field(min_length=1, max_length=200)


def _iso(moment: float) -> str:
    shown = datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")
    return shown.replace("+00:00", "Z")


class Vendor:
    """The orders, the outcome settings, the outbox, and the task that moves them on."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.default = OutcomeSetting()
        self.subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    # --- orders
    def order(self, order_id: str) -> dict[str, Any]:
        row = self.store.one("SELECT * FROM orders WHERE order_id = ?", order_id)
        if row is None:
            raise Refusal(404, f"there is no order {order_id}")
        return self._shown(dict(row))

    def _shown(self, row: dict[str, Any]) -> dict[str, Any]:
        notices = self.store.all(
            "SELECT notice_id, kind, sent_at FROM notices WHERE order_id = ? ORDER BY rowid",
            row["order_id"],
        )
        return {
            "order_id": row["order_id"],
            "reference": row["reference"],
            "candidate": {"given_name": row["given_name"], "family_name": row["family_name"]},
            "package": row["package"],
            "consent_ref": row["consent_ref"],
            "status": row["status"],
            "report_ref": row["report_ref"],
            "created_at": row["created_at"],
            "completed_at": row["completed_at"],
            "reminders": row["reminders"],
            "last_reminded_at": row["last_reminded_at"],
            "notices": rows_of(notices),
        }

    def by_reference(self, reference: str) -> list[dict[str, Any]]:
        rows = self.store.all("SELECT * FROM orders WHERE reference = ?", reference)
        return [self._shown(dict(row)) for row in rows]

    def place(self, new: NewOrder) -> tuple[int, dict[str, Any]]:
        existing = self.by_reference(new.reference)
        if existing:
            return 200, existing[0]  # the client's reference makes a repeated order one
        setting = self.outcome_for(new.reference)
        now = self.clock()
        order_id = "CHK-" + hashlib.sha256(new.reference.encode()).hexdigest()[:10].upper()
        due = None if setting.outcome == "never" else now + setting.after_seconds
        self.store.run(
            "INSERT INTO orders (order_id, reference, given_name, family_name, email, package, "
            "consent_ref, status, outcome, due_at, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
            order_id, new.reference, new.candidate.given_name, new.candidate.family_name,
            new.candidate.email, new.package, new.consent_ref, setting.outcome, due, _iso(now),
        )  # fmt: skip
        self.kick()
        return 201, self.order(order_id)

    def remind(self, order_id: str) -> dict[str, Any]:
        shown = self.order(order_id)
        if shown["status"] != "pending":
            raise Refusal(409, f"order {order_id} is {shown['status']}: nothing to remind of")
        at = _iso(self.clock())
        self.store.run(
            "UPDATE orders SET reminders = reminders + 1, last_reminded_at = ? "
            "WHERE order_id = ?",
            at, order_id,
        )  # fmt: skip
        return {"order_id": order_id, "reminded_at": at, "reminders": shown["reminders"] + 1}

    def notice(self, order_id: str, kind: Literal["pre_adverse", "final_adverse"]) -> Any:
        shown = self.order(order_id)
        if shown["status"] != "adverse":
            raise Refusal(
                409, f"order {order_id} is {shown['status']}: adverse action notices are "
                "sent only for an adverse report"
            )  # fmt: skip
        sent = {n["kind"]: n for n in shown["notices"]}
        if kind == "final_adverse" and "pre_adverse" not in sent:
            raise Refusal(
                409, f"order {order_id} has no pre-adverse notice yet: send it first and "
                "give the candidate time to answer"
            )  # fmt: skip
        if kind not in sent:
            notice_id = (
                f"NTC-{order_id.removeprefix('CHK-')}-{'P' if kind == 'pre_adverse' else 'F'}"
            )
            self.store.run(
                "INSERT INTO notices VALUES (?, ?, ?, ?)",
                notice_id, order_id, kind, _iso(self.clock()),
            )  # fmt: skip
            sent = {n["kind"]: n for n in self.order(order_id)["notices"]}
        enclosures = PRE_ADVERSE_ENCLOSURES if kind == "pre_adverse" else FINAL_ADVERSE_ENCLOSURES
        return {**sent[kind], "order_id": order_id, "enclosures": list(enclosures)}

    # --- outcomes
    def outcome_for(self, reference: str) -> OutcomeSetting:
        row = self.store.one("SELECT * FROM outcomes WHERE reference = ?", reference)
        if row is None:
            return self.default
        return OutcomeSetting(outcome=row["outcome"], after_seconds=row["after_seconds"])

    def choose(self, reference: str, setting: OutcomeSetting) -> dict[str, Any]:
        """The outcome of ``reference``; an order of it still pending takes it from now."""
        self.store.run(
            "INSERT INTO outcomes VALUES (?, ?, ?) ON CONFLICT(reference) DO UPDATE SET "
            "outcome = excluded.outcome, after_seconds = excluded.after_seconds",
            reference, setting.outcome, setting.after_seconds,
        )  # fmt: skip
        due = None if setting.outcome == "never" else self.clock() + setting.after_seconds
        self.store.run(
            "UPDATE orders SET outcome = ?, due_at = ? WHERE reference = ? AND status = 'pending'",
            setting.outcome, due, reference,
        )  # fmt: skip
        self.kick()
        return {"reference": reference, **setting.model_dump()}

    # --- the clock and the outbox
    def kick(self) -> None:
        """Look at what is due now (after every change, and when a subscriber comes)."""
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="screening")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        async with httpx.AsyncClient() as client:
            while True:
                self._wake.clear()
                self._complete_due()
                if self.subscription is not None:
                    for event in self._due_events():
                        await self._send(client, event)
                pause = self._next_in()
                if self._wake.is_set():
                    continue
                if pause is None:
                    return  # nothing will fall due: the next change starts the clock again
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=pause)

    def _complete_due(self) -> None:
        now = self.clock()
        for row in self.store.all(
            "SELECT order_id, reference, outcome FROM orders WHERE status = 'pending' "
            "AND due_at IS NOT NULL AND due_at <= ?",
            now,
        ):
            report_ref = "RPT-" + row["order_id"].removeprefix("CHK-")
            self.store.run(
                "UPDATE orders SET status = ?, report_ref = ?, completed_at = ?, due_at = NULL "
                "WHERE order_id = ?",
                row["outcome"], report_ref, _iso(now), row["order_id"],
            )  # fmt: skip
            event_id = f"evt-{row['order_id'].lower()}-completed"
            payload = {
                "id": event_id,
                "type": "check.completed",
                "created_at": _iso(now),
                "data": {"reference": row["reference"], "order_id": row["order_id"],
                         "status": row["outcome"]},
            }  # fmt: skip
            self.store.run(
                "INSERT OR IGNORE INTO events (event_id, payload, next_attempt_at) "
                "VALUES (?, ?, ?)",
                event_id, dumps(payload), now,
            )  # fmt: skip

    def _due_events(self) -> list[dict[str, Any]]:
        return rows_of(
            self.store.all(
                "SELECT * FROM events WHERE delivered_at IS NULL AND given_up_at IS NULL "
                "AND next_attempt_at <= ? ORDER BY id LIMIT 20",
                self.clock(),
            )
        )

    def _next_in(self) -> float | None:
        """Seconds until something falls due, or None when nothing will."""
        moments = [
            self.store.one(
                "SELECT MIN(due_at) AS at FROM orders WHERE status = 'pending' "
                "AND due_at IS NOT NULL"
            )
        ]
        if self.subscription is not None:
            moments.append(
                self.store.one(
                    "SELECT MIN(next_attempt_at) AS at FROM events WHERE delivered_at IS NULL "
                    "AND given_up_at IS NULL"
                )
            )
        due = [float(row["at"]) for row in moments if row is not None and row["at"] is not None]
        if not due:
            return None
        return min(max(min(due) - self.clock(), 0.0), LONGEST_SLEEP_SECONDS)

    async def _send(self, client: httpx.AsyncClient, event: dict[str, Any]) -> None:
        subscription = self.subscription
        if subscription is None:
            return
        body = event["payload"].encode()
        stamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "Webhook-Id": event["event_id"],
            "Webhook-Timestamp": str(stamp),
            "Webhook-Signature": sign(subscription.secret, event["event_id"], stamp, body),
        }
        error: str | None = None
        try:
            answer = await client.post(
                subscription.url, content=body, headers=headers,
                timeout=subscription.timeout_seconds,
            )  # fmt: skip
            if not answer.is_success:
                error = f"HTTP {answer.status_code}: {answer.text[:ERROR_TEXT_LENGTH]}"
        except httpx.HTTPError as failed:
            error = f"{type(failed).__name__}: {failed}"[:ERROR_TEXT_LENGTH]
        self._record(event, subscription, error)

    def _record(self, event: dict[str, Any], subscription: Subscription, error: str | None) -> None:
        now = self.clock()
        attempts = int(event["attempts"]) + 1
        if error is None:
            self.store.run(
                "UPDATE events SET attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?",
                attempts, _iso(now), event["id"],
            )  # fmt: skip
            return
        if attempts >= subscription.max_attempts:
            self.store.run(
                "UPDATE events SET attempts = ?, given_up_at = ?, last_error = ? WHERE id = ?",
                attempts, _iso(now), error, event["id"],
            )  # fmt: skip
            return
        pause = min(subscription.first_retry_seconds * 2 ** (attempts - 1),
                    subscription.max_retry_seconds)  # fmt: skip
        self.store.run(
            "UPDATE events SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            attempts, now + pause, error, event["id"],
        )  # fmt: skip

    def outbox(self) -> dict[str, Any]:
        def count(where: str) -> int:
            row = self.store.one(f"SELECT COUNT(*) AS n FROM events WHERE {where}")  # noqa: S608
            return int(row["n"]) if row else 0

        last = self.store.one(
            "SELECT last_error FROM events WHERE last_error IS NOT NULL ORDER BY id DESC LIMIT 1"
        )
        attempts = self.store.one("SELECT COALESCE(SUM(attempts), 0) AS n FROM events")
        return {
            "delivered": count("delivered_at IS NOT NULL"),
            "pending": count("delivered_at IS NULL AND given_up_at IS NULL"),
            "given_up": count("given_up_at IS NOT NULL"),
            "attempts": int(attempts["n"]) if attempts else 0,
            "last_error": last["last_error"] if last else None,
        }

    def events(self) -> list[dict[str, Any]]:
        rows = rows_of(self.store.all("SELECT * FROM events ORDER BY id"))
        return [{**row, "payload": json.loads(row["payload"])} for row in rows]

    def state(self) -> dict[str, Any]:
        return {
            "orders": [self.order(r["order_id"]) for r in self.store.all(
                "SELECT order_id FROM orders ORDER BY rowid")],
            "default_outcome": self.default.model_dump(),
            "outcomes": rows_of(self.store.all("SELECT * FROM outcomes ORDER BY reference")),
            "subscription": self.subscription.shown() if self.subscription else None,
            "outbox": self.outbox(),
            "events": self.events(),
        }  # fmt: skip

    def reset(self) -> None:
        self.store.wipe(TABLES)
        self.default = OutcomeSetting()
