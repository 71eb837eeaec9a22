"""``backoffice tasks``, ``decide``, ``claim``, ``delegate``, ``reassign``, ``reschedule``.

The inbox at the command line: the same actions as the web inbox, through
:mod:`backoffice.tasks.actions`. Each acts as an :class:`~backoffice.cli.identity.Actor`
who proved who they are (the ``--as`` person, or an operator for them), recorded with
the machine's name as where the action came from.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import typer
from sqlalchemy import Engine
from temporalio.client import Client

from backoffice import database
from backoffice.cli.identity import Actor
from backoffice.cli.runs import client_for
from backoffice.engine.contracts import (
    DECIDE_SIGNAL,
    Claim,
    Decision,
    Delegate,
    Reassign,
    Reschedule,
    TaskView,
)
from backoffice.engine.runs import RunError
from backoffice.language.list_fields import wire_number
from backoffice.links import task_url
from backoffice.settings import Settings
from backoffice.tasks import actions, guest_links, uploads
from backoffice.tasks.outbox import send_pending
from backoffice.tasks.queries import is_overdue, open_tasks_for

R = TypeVar("R")


def list_tasks(settings: Settings, person: str) -> None:
    rows = open_tasks_for(database.engine(settings), person)
    if not rows:
        typer.echo(f"{person} has no open tasks")
        return
    now = datetime.now(UTC)
    for row in rows:
        due = f"due {row.due_at:%Y-%m-%d %H:%M} UTC" if row.due_at else "no due date"
        if is_overdue(row, now):
            due += ", OVERDUE"
        claimed = f", claimed by {row.claimed_by}" if row.claimed_by else ""
        # Quoted where a shell would split or cut it, so the line can be pasted into
        # `backoffice decide` as it is.
        typer.echo(
            f"{shlex.quote(row.id)}\n    {row.title}  ({row.process} {row.business_key}, "
            f"{due}{claimed})\n    {task_url(settings.inbox_url, row.id)}"
        )


def parse_fields(fields: list[str]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for item in fields:
        name, separator, value = item.partition("=")
        if not separator or not name:
            raise RunError(f"--field {item!r}: write NAME=VALUE")
        try:
            # Decimals, not floats: the lines of a list field carry amounts exactly.
            parsed[name] = _exact(json.loads(value, parse_float=Decimal))
        except json.JSONDecodeError:
            parsed[name] = value
    return parsed


def _exact(value: Any) -> Any:
    """JSON's numbers as amounts travel: a number when a double holds it, else exact text."""
    if isinstance(value, Decimal):
        return wire_number(value)
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    return value


async def act(
    settings: Settings,
    port: int | None,
    action: Callable[[Client, Engine], Awaitable[R]],
    what: str = "refused",
) -> R:
    """Run an action against the task's process; a refusal becomes a RunError."""
    client = await client_for(settings, port)
    try:
        return await action(client, database.engine(settings))
    except actions.TaskRefused as refused:
        raise RunError(f"{what}: {refused}") from None


async def decide(
    settings: Settings,
    task_id: str,
    actor: Actor,
    outcome: str,
    comment: str | None,
    fields: dict[str, Any],
    port: int | None,
    by_signal: bool = False,
) -> None:
    person = actor.person
    form = _form_of(settings, task_id, person)
    fields = _uploaded(settings, task_id, form, fields)
    decision = Decision(
        task_id=task_id, user=person, outcome=outcome, comment=comment, fields=fields,
        **actor.origin(),
    )  # fmt: skip
    if by_signal:
        row = actions.find_task(database.engine(settings), task_id, person)
        client = await client_for(settings, port)
        await client.get_workflow_handle(row.workflow_id).signal(DECIDE_SIGNAL, decision)
        typer.echo(
            f"{outcome} by {actor.describe()} on {task_id} sent: it applies when a worker runs the "
            "process, and is dropped (with a warning in the worker log) if not allowed"
        )
        return
    view: TaskView = await act(
        settings,
        port,
        lambda client, engine: actions.decide(client, engine, decision),
        "decision refused",
    )
    uploads.keep_decided(settings, task_id, form, fields)
    state = "decided" if view.status == "decided" else "recorded; more approvals are needed"
    if view.status == "decided":
        await actions.settled(database.engine(settings), task_id)
    typer.echo(f"{outcome} by {actor.describe()} on {task_id}: {state}")


def _form_of(settings: Settings, task_id: str, person: str) -> dict[str, Any]:
    """The task's form as recorded, or none when the task is not known (refused later)."""
    try:
        row = actions.find_task(database.engine(settings), task_id, person)
    except actions.TaskRefused:
        return {}
    return dict(json.loads(row.form_json or "{}"))


def _uploaded(
    settings: Settings, task_id: str, form: dict[str, Any], fields: dict[str, Any]
) -> dict[str, Any]:
    """File fields given as ``@path``: kept in the artifacts store, their reference sent."""
    given = dict(fields)
    for name in uploads.file_field_ids(form):
        value = given.get(name)
        if isinstance(value, str) and value.startswith("@"):
            try:
                given[name] = uploads.store_path(settings, task_id, name, Path(value[1:]))
            except uploads.UploadRefused as refused:
                raise RunError(f"--field {name}: {refused}") from None
    return given


def resend_link(settings: Settings, task_id: str, actor: Actor) -> None:
    """Mail the task's guest a fresh link (voiding the one before)."""
    engine = database.engine(settings)
    try:
        link = guest_links.resend(engine, task_id, actor.person)
    except guest_links.ResendRefused as refused:
        raise RunError(f"refused: {refused}") from None
    send_pending(engine, settings.smtp_url, settings.mail_from)
    typer.echo(
        f"{task_id}: a fresh link was mailed to the guest, valid until "
        f"{link.expires_at:%Y-%m-%d %H:%M} UTC; the one before no longer works"
    )


async def claim(
    settings: Settings, task_id: str, actor: Actor, release: bool, port: int | None
) -> None:
    request = Claim(task_id=task_id, user=actor.person, release=release, operator=actor.operator)
    await act(settings, port, lambda client, engine: actions.claim(client, engine, request))
    typer.echo(f"{task_id} {'released' if release else 'claimed'} by {actor.describe()}")


async def delegate(
    settings: Settings, task_id: str, actor: Actor, to: str, comment: str | None, port: int | None
) -> None:
    request = Delegate(task_id=task_id, user=actor.person, to=to, comment=comment, **actor.origin())
    await act(settings, port, lambda client, engine: actions.delegate(client, engine, request))
    typer.echo(f"{task_id} delegated by {actor.describe()} to {to}")


async def reassign(
    settings: Settings,
    task_id: str,
    actor: Actor,
    to: list[str],
    comment: str | None,
    port: int | None,
) -> None:
    request = Reassign(task_id=task_id, user=actor.person, to=to, comment=comment, **actor.origin())
    await act(settings, port, lambda client, engine: actions.reassign(client, engine, request))
    typer.echo(f"{task_id} reassigned by {actor.describe()} to {', '.join(to)}")


async def reschedule(
    settings: Settings,
    task_id: str,
    actor: Actor,
    deadline: datetime,
    due: datetime | None,
    comment: str | None,
    port: int | None,
) -> None:
    request = Reschedule(
        task_id=task_id,
        user=actor.person,
        deadline=_utc(deadline),
        due_at=_utc(due) if due else None,
        comment=comment,
        **actor.origin(),
    )
    view = await act(
        settings, port, lambda client, engine: actions.reschedule(client, engine, request)
    )
    typer.echo(f"{task_id}: deadline now {view.deadline:%Y-%m-%d %H:%M} UTC")


def _utc(moment: datetime) -> datetime:
    # Times typed without a zone are UTC, as every time the CLI prints.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_FROM_NOW = re.compile(r"^\+(\d{1,4})([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def moment(text: str, option: str) -> datetime:
    """A time as typed: ISO 8601 (UTC unless it says otherwise), or ``+5d``/``+36h`` from now."""
    written = text.strip()
    relative = _FROM_NOW.match(written)
    if relative:
        amount, unit = relative.groups()
        return datetime.now(UTC) + timedelta(**{_UNITS[unit]: int(amount)})
    try:
        return _utc(datetime.fromisoformat(written))
    except ValueError:
        raise RunError(
            f"{option} {text!r}: write a time such as 2026-12-15T17:00 (UTC), or a time from "
            "now such as +5d, +36h or +90m"
        ) from None
