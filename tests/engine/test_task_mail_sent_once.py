"""A task's mail reaches each person once, however many tasks open at the same moment.

A for_each of five controllers' tasks opens them together; each opening sends what the
outbox holds. Two sends that read the outbox before either marked a message sent both send
it: on the dev stack two controllers of a month-end close got their "New task" mail twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session

from backoffice.tasks.outbox import send_pending
from backoffice.tasks.store import NotificationRow
from tests.support.network import free_port
from tests.support.records import upgraded_at

WAIT_SECONDS = 10.0  # a bound for a hung test, never a measure


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
            await asyncio.wait_for(self.both.wait(), WAIT_SECONDS)
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 OK"


@pytest.mark.xfail(
    strict=True,
    reason="two sends of the outbox at once both send what neither has marked sent yet",
)
def test_two_tasks_opening_together_mail_each_person_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'records.db'}"
    engine = upgraded_at(url)
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
            )
        )
        session.commit()
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
