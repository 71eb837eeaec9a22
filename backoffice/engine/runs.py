"""Starting and steering process runs from outside: the Python API behind the CLI.

A run starts only from a valid definition and an input that fits its schema; its id is
``<process>/<business key>``, and a key that has a run is refused however that run
stands: only an operator's deliberate restart runs a failed one again (see start_rule).
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from backoffice import json_data, search_attributes
from backoffice.catalog import Catalog, build_catalog
from backoffice.engine.business_keys import key_error
from backoffice.engine.contracts import (
    EVENT_SIGNAL,
    PROGRESS_QUERY,
    DefinitionSnapshot,
    ExternalEvent,
    Progress,
    RunInput,
)
from backoffice.engine.overrides import OverrideError, checked_overrides, shown
from backoffice.engine.start_rule import PreviousRun, previous_run, refusal, reuse_policy
from backoffice.errors import BackofficeError
from backoffice.language import model, zone_names
from backoffice.language.business_days import ResolvedHolidays, zone
from backoffice.language.expressions import ExpressionError, Scope, evaluate, helpers, render
from backoffice.language.holiday_calendars import resolve as resolve_holidays
from backoffice.language.inputs import InputError, check_input
from backoffice.language.validate import (
    DEFINITION_SUFFIXES,
    Checked,
    process_names,
    process_reasons,
    process_starts,
    validate_file,
)
from backoffice.markdown_text import md, md_code


class RunError(BackofficeError):
    """A run cannot be started or steered; the message says why and what to do."""


class DefinitionInvalid(RunError):
    def __init__(self, checked: Checked) -> None:
        lines = "\n  ".join(str(problem) for problem in checked.problems)
        super().__init__(
            f"{checked.file} is not valid, nothing was started:\n  {lines}\n"
            f"(run `backoffice validate {checked.file}`)"
        )
        self.checked = checked


@dataclass
class Definitions:
    """The definitions directory, validated against the catalog on demand."""

    directory: Path = Path("definitions")
    catalog: Catalog | None = None
    _cache: dict[str, Checked] = field(default_factory=dict)

    def file_of(self, name: str) -> Path:
        for suffix in DEFINITION_SUFFIXES:
            path = self.directory / f"{name.replace('-', '_')}{suffix}"
            if path.exists():
                return path
        known = sorted(process_names(self.directory))
        raise RunError(
            f"no process named '{name}' in {self.directory}/"
            + (f" (known: {', '.join(known)})" if known else " (it has no definitions)")
        )

    def load(self, name: str) -> Checked:
        if name not in self._cache:
            catalog = self.catalog if self.catalog is not None else build_catalog()
            self.catalog = catalog
            checked = validate_file(
                self.file_of(name),
                catalog,
                process_names(self.directory),
                process_starts(self.directory),
                reasons=process_reasons(self.directory),
            )
            if not checked.ok:
                raise DefinitionInvalid(checked)
            self._cache[name] = checked
        return self._cache[name]

    def snapshot(self, name: str) -> tuple[model.Definition, DefinitionSnapshot]:
        checked = self.load(name)
        assert checked.definition is not None
        definition = checked.definition
        queues: dict[str, str] = {}
        assert self.catalog is not None
        for _, step in model.walk_steps(definition.steps):
            action = getattr(step, "call", None) or getattr(step, "bot", None)
            spec = self.catalog.get(action) if action else None
            if spec is not None:
                queues[spec.name] = spec.queue
        return definition, DefinitionSnapshot(
            definition=snapshot_of(definition),
            content_hash=checked.content_hash,
            queues=queues,
            holidays=resolve_holidays(definition.calendar, start_day(definition.calendar)),
            zones=zone_names.taken_by(snapshot_of(definition)),
        )

    def children(self, definition: model.Definition) -> dict[str, DefinitionSnapshot]:
        """Snapshots of every process this one may start, transitively."""
        found: dict[str, DefinitionSnapshot] = {}
        pending = [definition]
        while pending:
            current = pending.pop()
            for _, step in model.walk_steps(current.steps):
                if isinstance(step, model.ProcessStep) and step.process not in found:
                    child, snapshot = self.snapshot(step.process)
                    found[step.process] = snapshot
                    pending.append(child)
        return found


def snapshot_of(definition: model.Definition) -> dict[str, Any]:
    """The definition as a run keeps it: every value, those left to their defaults too.

    The run validates this again, so a value left out would be filled in with the
    default of whatever release replays it; written out, a default a later release
    changes (a retry, a time zone, a task's form) cannot change a run that started with
    the old one. Snapshots from before kept only the values given, and replay as before.
    """
    return definition.model_dump(mode="json", by_alias=True)


def start_day(calendar: model.Calendar) -> date:
    """Today where the process keeps its calendar: the year its holidays are taken from."""
    return datetime.now(zone(calendar.timezone)).date()


def business_key(
    definition: model.Definition,
    data: dict[str, Any],
    holidays: ResolvedHolidays | None = None,
) -> str:
    try:
        key = evaluate(definition.business_key, {"input": data}, definition.calendar, holidays)
    except ExpressionError as error:
        raise RunError(
            f"the business key of '{definition.name}' cannot be computed: {error}"
        ) from None
    if key in (None, "") or isinstance(key, dict | list):
        raise RunError(
            f"the business key `{definition.business_key}` gave {key!r}: it must be a text "
            "or number that identifies the case"
        )
    refused = key_error(str(key), definition.name)
    if refused is not None:
        raise RunError(f"{refused}; nothing was started")
    return str(key)


# Per client (weakly held, so a new client never inherits a dead one's answer).
_registered: weakref.WeakKeyDictionary[Client, bool] = weakref.WeakKeyDictionary()


async def has_search_attributes(client: Client) -> bool:
    """Whether the namespace knows our search attributes (the test server may not)."""
    if client not in _registered:
        from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

        try:
            response = await client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace=client.namespace)
            )
        except Exception:  # not every server offers the operator service
            _registered[client] = False
            return False
        known = set(response.custom_attributes)
        missing = [key for key in search_attributes.ALL if key.name not in known]
        if missing and len(missing) < len(search_attributes.ALL):
            # Some registered, some not: a run would fail on its first upsert of a missing
            # one, so nothing starts until they are all there.
            commands = "\n  ".join(search_attributes.create_commands(missing, client.namespace))
            raise RunError(
                f"namespace {client.namespace} lacks search attributes this version uses; "
                f"register them once, then start again:\n  {commands}"
            )
        _registered[client] = not missing
    return _registered[client]


async def register_search_attributes(client: Client) -> list[str]:
    """Add the search attributes the namespace lacks (the embedded dev server); their names.

    ``temporal server start-dev`` registers its ``--search-attribute`` flags only when it
    creates its database: a state directory from an earlier version keeps the older list.
    """
    from temporalio.api.enums.v1 import IndexedValueType
    from temporalio.api.operatorservice.v1 import (
        AddSearchAttributesRequest,
        ListSearchAttributesRequest,
    )

    response = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=client.namespace)
    )
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
        for key in search_attributes.ALL
        if key.name not in response.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=client.namespace, search_attributes=missing)
        )
        _registered.pop(client, None)
    return sorted(missing)


@dataclass(frozen=True)
class Started:
    """A run just started: its handle, the run it replaces, the variables it was given."""

    handle: WorkflowHandle[Any, Any]
    replaced: PreviousRun | None = None
    overrides: dict[str, Any] = field(default_factory=dict)


async def start_process(
    client: Client,
    name: str,
    data: Any,
    *,
    task_queue: str,
    definitions: Definitions | None = None,
    history_limit: int | None = None,
    restart: bool = False,
    variables: Mapping[str, Any] | None = None,
) -> WorkflowHandle[Any, Any]:
    """Validate everything, then start the run; RunError says what is wrong."""
    started = await start_run(
        client,
        name,
        data,
        task_queue=task_queue,
        definitions=definitions,
        history_limit=history_limit,
        restart=restart,
        variables=variables,
    )
    return started.handle


async def start_run(
    client: Client,
    name: str,
    data: Any,
    *,
    task_queue: str,
    definitions: Definitions | None = None,
    history_limit: int | None = None,
    restart: bool = False,
    variables: Mapping[str, Any] | None = None,
) -> Started:
    """Start a run as :func:`start_process` does, and say what it replaced and was given.

    ``restart`` runs a key again whose run failed, was cancelled, terminated or timed out;
    ``variables`` replace the values of the definition's variables for this run only.
    """
    definitions = definitions or Definitions()
    definition, snapshot = definitions.snapshot(name)
    try:
        json_data.check(data, "the input", "input")
        checked_input = check_input(definition, data)
    except (InputError, json_data.DataError) as error:
        raise RunError(f"{error}\nnothing was started") from None
    try:
        overrides = checked_overrides(
            (variables or {}).items(), definition.variables, definition.name
        )
    except OverrideError as error:
        raise RunError(f"{error}; nothing was started") from None
    if overrides:
        # The run reads its variables from its snapshot: the overrides become its values,
        # as if the file said them, and the history keeps them for replay.
        given = dict(snapshot.definition)
        given["variables"] = {**given.get("variables", {}), **overrides}
        snapshot = snapshot.model_copy(update={"definition": given})
    # The zones the input names go with the run too (a leaver's office zone, say).
    snapshot = snapshot.model_copy(
        update={"zones": zone_names.with_zones(snapshot.definition, snapshot.zones, checked_input)}
    )
    key = business_key(definition, checked_input, snapshot.holidays)
    workflow_id = f"{definition.name}/{key}"
    case = definition.title.lower()
    previous = await previous_run(client, workflow_id)
    if previous is not None:
        refused = refusal(previous, case, restart)
        if refused is not None:
            raise RunError(refused)
    run = RunInput(
        snapshot=snapshot,
        input=checked_input,
        business_key=key,
        children=definitions.children(definition),
        history_limit=history_limit,
    )
    attributes = None
    if await has_search_attributes(client):
        pairs: list[SearchAttributePair[Any]] = [
            SearchAttributePair(search_attributes.PROCESS, definition.name),
            SearchAttributePair(search_attributes.BUSINESS_KEY, key),
            SearchAttributePair(search_attributes.PROCESS_STATUS, "running"),
        ]
        attributes = TypedSearchAttributes(pairs)
    details = start_details(definition, snapshot, key, checked_input)
    if overrides:
        details += (
            "\nVariables set for this run: "
            + ", ".join(
                f"`{md_code(name)}` = `{md_code(shown(value))}`"
                for name, value in overrides.items()
            )
            + "\n"
        )
    try:
        handle = await client.start_workflow(
            definition.name,
            run,
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=reuse_policy(restart),
            search_attributes=attributes,
            static_summary=summary(
                definition, checked_input, key, snapshot.holidays, snapshot.zones
            ),
            static_details=details,
        )
    except WorkflowAlreadyStartedError:
        # Another start came first: say how that run stands now.
        now = await previous_run(client, workflow_id)
        refused = refusal(now, case, restart) if now is not None else None
        raise RunError(
            refused or f"{workflow_id} was started by someone else just now; nothing was started"
        ) from None
    return Started(handle, previous if restart else None, overrides)


# Characters of input a summary or a step's title shows at most: one line in the list.
SUMMARY_LENGTH = 200


def summary(
    definition: model.Definition,
    data: dict[str, Any],
    key: str,
    holidays: ResolvedHolidays | None = None,
    zones: dict[str, str] | None = None,
) -> str:
    """The one line the Web UI lists: the definition's ``summary``, or title and key."""
    if definition.summary is None:
        return md(f"{definition.title} · {key}", SUMMARY_LENGTH)
    functions = helpers(definition.calendar, holidays, zones)
    try:
        text = render(definition.summary, Scope({"input": data}, functions))
    except ExpressionError as error:
        raise RunError(f"the summary of '{definition.name}' cannot be computed: {error}") from None
    return md(str(text), SUMMARY_LENGTH)


def start_details(
    definition: model.Definition,
    snapshot: DefinitionSnapshot,
    key: str,
    data: dict[str, Any] | None = None,
) -> str:
    """The run's details pane: the process and its steps, titles as this run reads them."""
    functions = helpers(definition.calendar, snapshot.holidays, snapshot.zones)
    scope = Scope({"input": data or {}}, functions)
    steps = "\n".join(
        f"{number}. **{md(step.id)}** {md(_start_title(step, scope), SUMMARY_LENGTH)}".rstrip()
        for number, step in enumerate(definition.steps, start=1)
    )
    return (
        f"### {md(definition.title)}\n"
        f"Process `{md_code(definition.name)}` v{definition.version} · owner "
        f"{md(definition.owner)}\n\n"
        f"Business key: `{md_code(key)}` · definition `{snapshot.content_hash[:12]}`\n\n"
        f"{steps}\n"
    )


def _start_title(step: model.Step, scope: Scope) -> str:
    # At the start only the input is known: a title that needs more shows the step's id
    # in words instead of its template.
    if not step.title or "${" not in step.title:
        return step.title or ""
    try:
        return str(render(step.title, scope))
    except Exception:  # shown only: a title must never stop a start
        return step.label()


async def progress(client: Client, workflow_id: str) -> Progress:
    handle = client.get_workflow_handle(workflow_id)
    result: Progress = await handle.query(PROGRESS_QUERY, result_type=Progress)
    return result


QUERY_TIMEOUT_SECONDS = 10


async def send_event(
    client: Client,
    workflow_id: str,
    event: str,
    data: Any = None,
    definitions: Definitions | None = None,
) -> str:
    """Send ``event`` to the run if a step of it waits or may still wait for it.

    Returns what became of it, for the sender. A run that will never wait for the event
    refuses it with the events it waits for now and those its definition declares. When
    no worker answers, the definition file of the process is asked instead.
    """
    try:
        json_data.check(data, "the event's data", "data")
    except json_data.DataError as error:
        raise RunError(f"{error}; nothing was sent") from None
    handle = client.get_workflow_handle(workflow_id)
    try:
        current: Progress | None = await asyncio.wait_for(
            progress(client, workflow_id), QUERY_TIMEOUT_SECONDS
        )
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise RunError(f"no run {workflow_id}: {error.message}") from None
        current = None
    except TimeoutError:
        current = None
    if current is not None:
        verdict = _event_verdict(workflow_id, event, current)
    else:
        verdict = await _event_verdict_offline(handle, workflow_id, event, definitions)
    await handle.signal(EVENT_SIGNAL, ExternalEvent(name=event, data=data))
    return verdict


def _event_verdict(workflow_id: str, event: str, current: Progress) -> str:
    if current.status not in ("running", "waiting", "watching"):
        raise RunError(f"{workflow_id} has ended ({current.status}): it takes no events")
    if event in current.events_awaited:
        return f"delivered: {workflow_id} was waiting for {event} and moves on"
    if event in current.events_possible:
        return (
            f"kept: {workflow_id} does not wait for {event} yet; the step that waits for it "
            "takes it when the run gets there"
        )
    raise RunError(_refusal(workflow_id, event, current.events_awaited, current.events_declared))


def _refusal(workflow_id: str, event: str, awaited: list[str], declared: list[str]) -> str:
    now = ", ".join(awaited) or "no event"
    message = (
        f"{workflow_id} will never wait for '{event}'; nothing was sent. "
        f"It waits now for {now}; its definition waits for "
        + (", ".join(declared) or "no events at all")
    )
    close = difflib.get_close_matches(event, declared, n=1)
    if close:
        message += f". Did you mean '{close[0]}'?"
    return message


async def _event_verdict_offline(
    handle: WorkflowHandle[Any, Any], workflow_id: str, event: str, definitions: Definitions | None
) -> str:
    try:
        described = await handle.describe()
    except RPCError as error:
        raise RunError(f"no run {workflow_id}: {error.message}") from None
    if described.status != WorkflowExecutionStatus.RUNNING:
        state = described.status.name.lower() if described.status else "closed"
        raise RunError(f"{workflow_id} has ended ({state}): it takes no events")
    declared: list[str] = []
    if definitions is not None:
        with contextlib.suppress(RunError):
            definition, _ = definitions.snapshot(described.workflow_type)
            declared = sorted(
                {
                    step.wait.event
                    for _, step in model.walk_steps(definition.steps)
                    if isinstance(step, model.WaitStep) and step.wait.event
                }
            )
    if declared and event not in declared:
        raise RunError(_refusal(workflow_id, event, [], declared))
    return (
        f"sent: no worker answered, so whether {workflow_id} still waits for {event} is not "
        "known; a worker delivers it when it runs the process"
    )
