"""A task's mail reaches each person once, however many tasks open at the same moment.

A for_each of five controllers' tasks opens them together; each opening sends what the
outbox holds. Two sends that read the outbox before either marked a message sent both send
it: on the dev stack two controllers of a month-end close got their "New task" mail twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlmodel import Session, select

from backoffice.tasks.outbox import CLAIM_LAPSE_SECONDS, SEND_TIMEOUT_SECONDS, send_pending
from backoffice.tasks.store import NotificationRow
from tests.support.network import free_port
from tests.support.records import records_url_in, upgraded_at

WAIT_SECONDS = 10.0  # a bound for a hung test, never a measure
# The sink holds a message at most this long: less than the sender's own socket timeout,
# so a sender left alone is answered before it gives up on the sink.
HOLD_SECONDS = SEND_TIMEOUT_SECONDS / 2


class SecondSenderFirst:
    """An SMTP sink that answers the first message only once a second sender has connected,
    so the two sends surely overlap as they did when the tasks opened together."""

    def __init__(self) -> None:
        self.connected = 0
        self.both = asyncio.Event()  # set and awaited on the sink's own loop
        self.received: list[str] = []
        self.lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.connected += 1
            if self.connected >= 2:
                self.both.set()
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        # The second sender connects only after it read the outbox, and the first marks its
        # message sent only after this answer: held until then, the two surely overlap. A
        # sender that waits its turn never connects; the bound then lets the first go on.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.both.wait(), HOLD_SECONDS)
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 OK"


def _outbox_with_carols_mail(tmp_path: Path, **claim: Any) -> Engine:
    engine = upgraded_at(records_url_in(tmp_path))
    with Session(engine) as session:
        session.add(
            NotificationRow(
                key="close[2]#carol",
                task_id="month-end-close/2026-11/close[2]/confirm_close",
                person_id="carol",
                email="carol@acme.example",
                subject="[month-end-close] New task: Confirm the close of Acme France",
                body="New task",
                created_at=datetime.now(UTC),
                **claim,
            )
        )
        session.commit()
    return engine


def _mailed_by_one_send(engine: Engine) -> list[str]:
    sink = SecondSenderFirst()
    sink.both.set()  # one sender: nothing to wait for
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_pending(engine, f"smtp://127.0.0.1:{port}", "bo@localhost")
    finally:
        controller.stop()
    return sink.received


def _row(engine: Engine) -> NotificationRow:
    with Session(engine) as session:
        return session.exec(select(NotificationRow)).one()


def test_two_tasks_opening_together_mail_each_person_once(tmp_path: Path) -> None:
    engine = _outbox_with_carols_mail(tmp_path)
    sink = SecondSenderFirst()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        senders = [
            threading.Thread(
                target=send_pending, args=(engine, f"smtp://127.0.0.1:{port}", "bo@localhost")
            )
            for _ in range(2)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(WAIT_SECONDS * 3)
    finally:
        controller.stop()
    assert sink.received == ["carol@acme.example"]
    row = _row(engine)
    assert row.sent_at is not None
    assert row.claimed_by is None


def test_a_mail_claimed_by_a_sender_that_died_is_sent_once_its_claim_lapsed(
    tmp_path: Path,
) -> None:
    lapsed = datetime.now(UTC) - timedelta(seconds=CLAIM_LAPSE_SECONDS + 60)
    engine = _outbox_with_carols_mail(tmp_path, claimed_by="gone", claimed_at=lapsed)
    assert _mailed_by_one_send(engine) == ["carol@acme.example"]
    assert _mailed_by_one_send(engine) == []


def test_a_mail_claimed_by_a_live_sender_is_left_to_it(tmp_path: Path) -> None:
    engine = _outbox_with_carols_mail(tmp_path, claimed_by="busy", claimed_at=datetime.now(UTC))
    assert _mailed_by_one_send(engine) == []
    assert _row(engine).sent_at is None


def test_a_send_that_fails_gives_its_claim_back_for_the_next_send(tmp_path: Path) -> None:
    engine = _outbox_with_carols_mail(tmp_path)
    nobody_listens = f"smtp://127.0.0.1:{free_port()}"
    assert send_pending(engine, nobody_listens, "bo@localhost") == 0
    row = _row(engine)
    assert (row.sent_at, row.claimed_by, row.claimed_at) == (None, None, None)
    assert _mailed_by_one_send(engine) == ["carol@acme.example"]
