"""``backoffice start``, ``status``, ``send``, ``cancel`` and ``history``: steering runs."""

from __future__ import annotations

import asyncio
import json
import shlex
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.service import RPCError

from backoffice import json_data, search_attributes
from backoffice.catalog import build_catalog
from backoffice.connection import connect, dev_server_connection
from backoffice.engine.contracts import Progress
from backoffice.engine.overrides import OverrideError, parse_assignment, shown
from backoffice.engine.runs import (
    Definitions,
    RunError,
    progress,
    send_event,
    start_run,
)
from backoffice.links import query_text, run_url, runs_list_url
from backoffice.running_stack import with_stack_on_port
from backoffice.settings import Settings


def parse_data(text: str | None, what: str, root: str = "input") -> Any:
    """JSON given inline, or the path of a JSON file (``@file`` or a plain existing path).

    ``root`` names the data in messages about a field (``input.lines[0].amount``).
    """
    if text is None:
        return None
    source = text[1:] if text.startswith("@") else text
    path = Path(source)
    inline = text.lstrip().startswith(("{", "[", '"'))
    if text.startswith("@") or (not inline and path.exists()):
        source = _read(path, what)
    elif not inline and (source.endswith(".json") or "/" in source):
        raise RunError(
            f"{what}: there is no file {path}; give the path of a .json file that exists, "
            "or the JSON itself"
        )
    try:
        return json_data.parse(source, what, root)
    except json_data.DataError as error:
        raise RunError(str(error)) from None


def _read(path: Path, what: str) -> str:
    try:
        size = path.stat().st_size
        if size > json_data.MAX_BYTES:  # refused before reading it at all
            raise RunError(json_data.too_large(f"{what} {path}", size))
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise RunError(f"{what}: cannot read {path}: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise RunError(f"{what}: {path} is not UTF-8 text ({error.reason})") from None


async def client_for(settings: Settings, port: int | None) -> Client:
    return await connect(settings, dev_server_connection(port) if port else None)


async def connected(settings: Settings, port: int | None) -> tuple[Client, Settings]:
    """The client, and the settings with the links of the dev stack on ``port`` if named.

    Commands given ``--port`` load their settings without following the state directory's
    stack (see ``running_stack``): the stack on that port decides.
    """
    client = await client_for(settings, port)
    if port is not None:
        settings = await with_stack_on_port(settings, client)
    return client, settings


def link(settings: Settings, client: Client, workflow_id: str, run_id: str | None) -> str:
    return run_url(settings.temporal_ui_url, client.namespace, workflow_id, run_id)


def parse_assignments(texts: list[str]) -> dict[str, Any]:
    """``--set name=value`` options as the variables they set."""
    found: dict[str, Any] = {}
    for text in texts:
        try:
            name, value = parse_assignment(text)
        except OverrideError as error:
            raise RunError(f"{error}; nothing was started") from None
        found[name] = value
    return found


async def start(
    settings: Settings,
    name: str,
    data: Any,
    port: int | None,
    wait: bool,
    *,
    restart: bool = False,
    variables: dict[str, Any] | None = None,
) -> None:
    client, settings = await connected(settings, port)
    definitions = Definitions(settings.definitions_dir, build_catalog(plugins=settings.plugins))
    started = await start_run(
        client, name, data if data is not None else {}, task_queue=settings.task_queue,
        definitions=definitions, restart=restart, variables=variables,
    )  # fmt: skip
    handle = started.handle
    run_id = handle.first_execution_run_id or handle.result_run_id
    typer.echo(f"started {handle.id}\n{link(settings, client, handle.id, run_id)}")
    if started.replaced is not None:
        replaced = started.replaced
        typer.echo(f"replaces run {replaced.run_id}, which {replaced.how()}")
    if started.overrides:
        typer.echo(
            "variables set for this run (not the definition's): "
            + ", ".join(f"{key}={shown(value)}" for key, value in started.overrides.items())
        )
    if wait:
        result = await handle.result()
        typer.echo(json.dumps(result, indent=2, default=str))


CLOSED_STATES = {
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "cancelled",
    WorkflowExecutionStatus.TERMINATED: "terminated",
    WorkflowExecutionStatus.TIMED_OUT: "timed_out",
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "continued",
}


async def status(settings: Settings, workflow_id: str, port: int | None) -> None:
    client, settings = await connected(settings, port)
    handle = client.get_workflow_handle(workflow_id)
    try:
        described = await handle.describe()
    except RPCError as error:
        raise RunError(f"no run {workflow_id}: {error.message}") from None
    state = described.status.name.lower() if described.status else "unknown"
    typer.echo(f"{workflow_id}  ({described.workflow_type}, {state})")
    typer.echo(link(settings, client, workflow_id, described.run_id))
    try:
        current = await progress(client, workflow_id)
    except RPCError as error:
        typer.echo(f"(no step progress: {error.message}; is a worker running?)")
        current = None
    if current is not None:
        closed = CLOSED_STATES.get(described.status) if described.status else None
        typer.echo(render_progress(as_ended(current, closed)))
    if described.status == WorkflowExecutionStatus.COMPLETED:
        typer.echo("result: " + json.dumps(await handle.result(), default=str))
    elif described.status == WorkflowExecutionStatus.FAILED:
        try:
            await handle.result()
        except Exception as error:
            cause = getattr(error, "cause", None)
            typer.echo(f"failed: {cause or error}")


def as_ended(current: Progress, closed: str | None) -> Progress:
    """The run's progress as the server knows it ended.

    A run terminated or timed out by the server never learns it: its last progress still
    says running and waiting. The server's word wins, and its open steps read as stopped.
    """
    if closed is None or current.status not in ("running", "waiting", "watching", "compensating"):
        return current
    steps = [
        step.model_copy(update={"status": "cancelled", "waiting_for": None, "until": None})
        if step.status in ("running", "waiting")
        else step
        for step in current.steps
    ]
    tasks = [
        task.model_copy(update={"status": "cancelled"}) if task.status == "open" else task
        for task in current.tasks
    ]
    return current.model_copy(
        update={
            "status": closed,
            "steps": steps,
            "tasks": tasks,
            "events_awaited": [],
            "events_possible": [],
            "waiting_since": None,
        }
    )


def render_progress(current: Progress) -> str:
    lines = [f"process {current.process} v{current.version}, key {current.business_key}"]
    status = current.status + (f" ({current.reason})" if current.reason else "")
    if current.waiting_since and current.status in ("waiting", "watching"):
        status += f", waiting since {current.waiting_since:%Y-%m-%d %H:%M} UTC"
    lines.append(f"status: {status}")
    for step in current.steps:
        line = f"  {step.status:<11} {step.step_id}  {step.title}"
        if step.waiting_for:
            line += f"  [waiting for {step.waiting_for}"
            if step.waiting_since:
                line += f" since {step.waiting_since:%Y-%m-%d %H:%M} UTC"
            line += f" until {step.until:%Y-%m-%d %H:%M} UTC]" if step.until else "]"
        if step.error:
            line += f"  error: {step.error}"
        lines.append(line)
    for task in current.tasks:
        if task.status == "open":
            lines.append(
                f"  open task {shlex.quote(task.task_id)}: {task.title} for "
                f"{', '.join(task.assignees)} (deadline {task.deadline:%Y-%m-%d %H:%M} UTC)"
            )
            for planned in task.planned:
                whom = f" ({', '.join(planned.to)})" if planned.to else ""
                lines.append(
                    f"    next: {planned.what} {planned.number}{whom} "
                    f"at {planned.at:%Y-%m-%d %H:%M} UTC"
                )
    if current.events_received:
        lines.append("events received, not yet taken: " + ", ".join(current.events_received))
    if current.status in ("running", "waiting", "watching") and current.events_possible:
        lines.append("events it may take: " + ", ".join(current.events_possible))
    if current.variables:
        lines.append("variables: " + json.dumps(current.variables, default=str))
    if current.continued:
        lines.append(f"continued as new {current.continued} times")
    return "\n".join(lines)


async def send(
    settings: Settings, workflow_id: str, event: str, data: Any, port: int | None
) -> None:
    client = await client_for(settings, port)
    definitions = Definitions(settings.definitions_dir, build_catalog(plugins=settings.plugins))
    try:
        verdict = await send_event(client, workflow_id, event, data, definitions)
    except RPCError as error:
        raise RunError(f"cannot send {event} to {workflow_id}: {error.message}") from None
    typer.echo(f"{event} {verdict}")


async def cancel(settings: Settings, workflow_id: str, port: int | None) -> None:
    client = await client_for(settings, port)
    try:
        await client.get_workflow_handle(workflow_id).cancel()
    except RPCError as error:
        raise RunError(f"cannot cancel {workflow_id}: {error.message}") from None
    typer.echo(f"cancellation requested for {workflow_id}: completed steps are being undone")


async def history(
    settings: Settings, workflow_id: str, output: Path | None, port: int | None
) -> None:
    client = await client_for(settings, port)
    try:
        fetched = await client.get_workflow_handle(workflow_id).fetch_history()
    except RPCError as error:
        raise RunError(f"no history for {workflow_id}: {error.message}") from None
    text = fetched.to_json()
    if output is None:
        typer.echo(text)
    else:
        await asyncio.to_thread(output.write_text, text, encoding="utf-8")
        typer.echo(f"wrote {len(fetched.events)} events of {workflow_id} to {output}")


LIST_BOUND = 2000  # runs read for the counts; the table shows the newest --limit of them


async def list_runs(
    settings: Settings, process: str | None, state: str | None, limit: int, port: int | None
) -> None:
    """``backoffice status`` without an id: runs by process, status, step and waiting-on."""
    client = await client_for(settings, port)
    clauses = []
    if process:
        clauses.append(f"{search_attributes.PROCESS.name} = {query_text(process)}")
    query = " AND ".join(clauses)
    rows: list[RunRow] = []
    try:
        async for execution in client.list_workflows(query or None, limit=LIST_BOUND):
            row = RunRow.of(execution)
            if row is not None and (state is None or row.status == state):
                rows.append(row)
    except RPCError as error:
        raise RunError(f"cannot list runs: {error.message}") from None
    typer.echo(render_run_table(rows, limit, settings, client.namespace))


@dataclass
class RunRow:
    workflow_id: str
    process: str
    status: str
    steps: list[str]
    waiting_on: list[str]
    since: datetime | None
    reason: str | None

    @classmethod
    def of(cls, execution: WorkflowExecution) -> RunRow | None:
        held = execution.typed_search_attributes
        process = held.get(search_attributes.PROCESS)
        if process is None:
            return None  # not a process run (the smoke check, say)
        status = held.get(search_attributes.PROCESS_STATUS) or "running"
        closed = CLOSED_STATES.get(execution.status) if execution.status else None
        if closed is not None and status in ("running", "waiting", "watching", "compensating"):
            status = closed  # terminated or timed out: the run could not say so itself
        open_run = closed is None
        return cls(
            workflow_id=execution.id,
            process=process,
            status=status,
            steps=list(held.get(search_attributes.CURRENT_STEP) or []) if open_run else [],
            waiting_on=list(held.get(search_attributes.WAITING_ON) or []) if open_run else [],
            since=held.get(search_attributes.WAITING_SINCE) if open_run else None,
            reason=held.get(search_attributes.PROCESS_REASON),
        )


def render_run_table(rows: list[RunRow], limit: int, settings: Settings, namespace: str) -> str:
    if not rows:
        return "no process runs found"
    lines: list[str] = []
    by_process: dict[str, Counter[str]] = {}
    for row in rows:
        by_process.setdefault(row.process, Counter())[row.status] += 1
    for process, counts in sorted(by_process.items()):
        total = sum(counts.values())
        parts = ", ".join(f"{number} {status}" for status, number in counts.most_common())
        lines.append(f"{process}: {total} run{'s' if total != 1 else ''} ({parts})")
    lines.append("")
    header = f"{'STATUS':<12} {'STEP':<24} {'WAITING ON':<28} {'SINCE':<17} RUN"
    lines.append(header)
    for row in rows[:limit]:
        status = row.status + (f" {row.reason}" if row.reason else "")
        since = f"{row.since:%Y-%m-%d %H:%M}" if row.since else ""
        lines.append(
            f"{status:<12} {_cell(row.steps, 24)} {_cell(row.waiting_on, 28)} {since:<17} "
            f"{row.workflow_id}"
        )
    if len(rows) > limit:
        lines.append(f"... and {len(rows) - limit} more (--limit N shows more)")
    query = f'{search_attributes.PROCESS_STATUS.name} = "waiting"'
    lines.append("")
    lines.append(f"Web UI: {runs_list_url(settings.temporal_ui_url, namespace, query)}")
    return "\n".join(lines)


def _cell(values: list[str], width: int) -> str:
    text = ", ".join(values)
    return (text if len(text) <= width else text[: width - 1] + "…").ljust(width)
