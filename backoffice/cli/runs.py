"""``backoffice start``, ``status``, ``send``, ``cancel`` and ``history``: steering runs."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import typer
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from backoffice.catalog import build_catalog
from backoffice.connection import connect, dev_server_connection
from backoffice.engine.contracts import Progress
from backoffice.engine.runs import Definitions, RunError, progress, send_event, start_process
from backoffice.links import run_url
from backoffice.settings import Settings


def parse_data(text: str | None, what: str) -> Any:
    """JSON given inline, or the path of a JSON file (``@file`` or a plain existing path)."""
    if text is None:
        return None
    source = text[1:] if text.startswith("@") else text
    path = Path(source)
    if text.startswith("@") or (not text.lstrip().startswith(("{", "[", '"')) and path.exists()):
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as error:
            raise RunError(f"{what}: cannot read {path}: {error.strerror}") from None
    try:
        return json.loads(source)
    except json.JSONDecodeError as error:
        raise RunError(
            f"{what} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno}): "
            "give a JSON object or the path of a .json file"
        ) from None


async def client_for(settings: Settings, port: int | None) -> Client:
    return await connect(settings, dev_server_connection(port) if port else None)


def link(settings: Settings, client: Client, workflow_id: str, run_id: str | None) -> str:
    return run_url(settings.temporal_ui_url, client.namespace, workflow_id, run_id)


async def start(settings: Settings, name: str, data: Any, port: int | None, wait: bool) -> None:
    client = await client_for(settings, port)
    definitions = Definitions(settings.definitions_dir, build_catalog(plugins=settings.plugins))
    handle = await start_process(
        client, name, data if data is not None else {}, task_queue=settings.task_queue,
        definitions=definitions,
    )  # fmt: skip
    run_id = handle.first_execution_run_id or handle.result_run_id
    typer.echo(f"started {handle.id}\n{link(settings, client, handle.id, run_id)}")
    if wait:
        result = await handle.result()
        typer.echo(json.dumps(result, indent=2, default=str))


async def status(settings: Settings, workflow_id: str, port: int | None) -> None:
    client = await client_for(settings, port)
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
        typer.echo(render_progress(current))
    if described.status == WorkflowExecutionStatus.COMPLETED:
        typer.echo("result: " + json.dumps(await handle.result(), default=str))
    elif described.status == WorkflowExecutionStatus.FAILED:
        try:
            await handle.result()
        except Exception as error:
            cause = getattr(error, "cause", None)
            typer.echo(f"failed: {cause or error}")


def render_progress(current: Progress) -> str:
    lines = [f"process {current.process} v{current.version}, key {current.business_key}"]
    lines.append(f"status: {current.status}")
    for step in current.steps:
        line = f"  {step.status:<11} {step.step_id}  {step.title}"
        if step.waiting_for:
            line += f"  [waiting for {step.waiting_for}"
            line += f" until {step.until:%Y-%m-%d %H:%M} UTC]" if step.until else "]"
        if step.error:
            line += f"  error: {step.error}"
        lines.append(line)
    for task in current.tasks:
        if task.status == "open":
            lines.append(
                f"  open task {task.task_id}: {task.title} for {', '.join(task.assignees)}"
                f" (deadline {task.deadline:%Y-%m-%d %H:%M} UTC)"
            )
    if current.variables:
        lines.append("variables: " + json.dumps(current.variables, default=str))
    if current.continued:
        lines.append(f"continued as new {current.continued} times")
    return "\n".join(lines)


async def send(
    settings: Settings, workflow_id: str, event: str, data: Any, port: int | None
) -> None:
    client = await client_for(settings, port)
    try:
        await send_event(client, workflow_id, event, data)
    except RPCError as error:
        raise RunError(f"cannot send {event} to {workflow_id}: {error.message}") from None
    typer.echo(f"sent {event} to {workflow_id}")


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
