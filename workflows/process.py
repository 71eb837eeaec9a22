"""The process workflow: one dynamic Temporal workflow that runs any validated definition.

Each process appears under its own workflow type (its name) in the Web UI. The run's
input carries the definition snapshot, so editing or deleting a YAML file never affects
runs in flight. Handlers: the ``event`` signal delivers external events, the ``decide``
update takes decisions on human tasks (rejected ones leave no trace in history), and the
``progress`` query returns structured progress.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from temporalio import workflow
from temporalio.common import RawValue, SearchAttributeKey, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from backoffice import registry, search_attributes
    from backoffice.engine.contracts import (
        CLAIM_UPDATE,
        DECIDE_SIGNAL,
        DECIDE_UPDATE,
        DELEGATE_UPDATE,
        EVENT_SIGNAL,
        PROGRESS_QUERY,
        REASSIGN_UPDATE,
        RESCHEDULE_UPDATE,
        TASKS_QUERY,
        Claim,
        Decision,
        Delegate,
        ExternalEvent,
        ProcessResult,
        Progress,
        Reassign,
        Reschedule,
        RunInput,
        TaskView,
    )
    from backoffice.language import model
    from backoffice.language.expressions import ExpressionError, render
    from backoffice.markdown_text import md, md_code

    # The interpreter is large and pure: importing it once for the worker, instead of
    # once per run as the sandbox does for workflow modules, saves most of a run's CPU.
    from workflows import compensation, expected_events
    from workflows.frames import ContinueAsNewNow, ProcessFinished, StepError
    from workflows.interpreter import LABEL_LENGTH, Interpreter
    from workflows.task_settings import approver_shortfall


@registry.workflow(passthrough=True)
@workflow.defn(dynamic=True)
class ProcessWorkflow:
    @workflow.init
    def __init__(self, args: Sequence[RawValue]) -> None:
        self.run_input: RunInput = workflow.payload_converter().from_payload(
            args[0].payload, RunInput
        )
        self.definition = model.Definition.model_validate(self.run_input.snapshot.definition)
        self.interpreter = Interpreter(self.run_input, self.definition)
        self.interpreter.on_change = self._show_details
        self.interpreter.on_wait = self._show_waiting
        self.interpreter.undo = lambda completed: compensation.undo_these(
            self.interpreter, self.definition, completed
        )
        self.final_status = "running"
        self.final_reason: str | None = None
        self.attributes_changed = False  # legacy runs: set once a wait has upserted
        self.attribute_mode: str | None = None  # see _attribute_mode
        self.publish_pending = False  # see _publish_soon
        # What the search attributes hold now: set at start by the client, then upserted.
        # (a run continued as new inherits its predecessor's values).
        held = workflow.info().typed_search_attributes
        self.published: dict[str, Any] = {key.name: held.get(key) for key in OPS_ATTRIBUTES}

    # --- running ------------------------------------------------------------------------

    @workflow.run
    async def run(self, args: Sequence[RawValue]) -> ProcessResult:
        interpreter = self.interpreter
        try:
            try:
                await interpreter.sequence(self.definition.steps, interpreter.root)
                output = render(self.definition.output, interpreter.scope(interpreter.root))
                result = ProcessResult(status="completed", output=output)
            except ProcessFinished as finished:
                result = ProcessResult(
                    status="finished", reason=finished.reason, output=finished.output or {}
                )
                self._show_final("finished", finished.reason)
                return result
        except ContinueAsNewNow:
            state = interpreter.state.model_copy(
                update={"continued": interpreter.state.continued + 1}
            )
            workflow.continue_as_new(self.run_input.model_copy(update={"state": state}))
        except asyncio.CancelledError:
            self.final_status = "compensating"
            interpreter.undo_reason = compensation.CANCELLED
            await self.compensate()
            self._show_final("cancelled")
            raise
        except (StepError, ExpressionError) as raised:
            error = raised if isinstance(raised, StepError) else StepError(raised.type, str(raised))
            interpreter.undo_reason = error.message  # what void tells the deciders
            self.final_status = "compensating"
            problems = await self.compensate()
            self._show_final("failed", error.type)
            message = error.message
            if problems:
                message += "; compensation failed for: " + ", ".join(problems)
            # The step's error details become the process's, as they are (a list of them).
            details = error.details if isinstance(error.details, list) else [error.details]
            raise ApplicationError(
                message,
                *[d for d in details if d is not None],
                type=error.type,
                non_retryable=True,
            ) from None
        self._show_final("completed")
        return result

    async def compensate(self) -> list[str]:
        """Undo completed steps in reverse order; names those whose undo was given up."""
        return await compensation.undo_all(self.interpreter, self.definition)

    # --- handlers -----------------------------------------------------------------------

    @workflow.signal(name=EVENT_SIGNAL)
    def event(self, event: ExternalEvent) -> None:
        received = event.model_copy(update={"received_at": workflow.now()})
        self.interpreter.deliver(received)

    # The bodies of the task handlers are the human tasks' (workflows/human_tasks.py).

    @workflow.update(name=DECIDE_UPDATE)
    async def decide(self, decision: Decision) -> TaskView:
        return await self.interpreter.human_tasks.decide(decision)

    @decide.validator
    def check_decision(self, decision: Decision) -> None:
        self.interpreter.human_tasks.check_decision(decision)

    @workflow.signal(name=DECIDE_SIGNAL)
    async def decide_by_signal(self, decision: Decision) -> None:
        """The operators' path when no worker is up: applied later, or logged if not allowed.

        A signal cannot be refused to its sender, so a decision that fails the same checks
        as the update is dropped here with a warning in the worker's log.
        """
        try:
            self.check_decision(decision)
        except ValueError as refused:
            workflow.logger.warning(
                "decision by signal refused",
                extra={"task_id": decision.task_id, "why": str(refused)},
            )
            return
        await self.interpreter.human_tasks.decide(decision)

    @workflow.update(name=CLAIM_UPDATE)
    async def claim(self, claim: Claim) -> TaskView:
        return await self.interpreter.human_tasks.claim(claim)

    @claim.validator
    def check_claim(self, claim: Claim) -> None:
        self.interpreter.human_tasks.check_claim(claim)

    @workflow.update(name=DELEGATE_UPDATE)
    async def delegate(self, request: Delegate) -> TaskView:
        return await self.interpreter.human_tasks.delegate(request)

    @delegate.validator
    def check_delegate(self, request: Delegate) -> None:
        self.interpreter.human_tasks.check_delegate(request)

    @workflow.update(name=REASSIGN_UPDATE)
    async def reassign(self, request: Reassign) -> TaskView:
        return await self.interpreter.human_tasks.reassign(request)

    @reassign.validator
    def check_reassign(self, request: Reassign) -> None:
        self.interpreter.human_tasks.check_reassign(request)

    @workflow.update(name=RESCHEDULE_UPDATE)
    async def reschedule(self, request: Reschedule) -> TaskView:
        return await self.interpreter.human_tasks.reschedule(request)

    @reschedule.validator
    def check_reschedule(self, request: Reschedule) -> None:
        self.interpreter.human_tasks.check_reschedule(request)

    def status(self) -> str:
        """How the run stands: how it ended, or running, waiting or watching now."""
        if self.final_status == "running" and self.interpreter.waiting:
            return self.interpreter.waiting_state()
        return self.final_status

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> Progress:
        interpreter = self.interpreter
        status = self.status()
        return Progress(
            process=self.definition.name,
            version=self.definition.version,
            business_key=self.run_input.business_key,
            status=status,
            steps=list(interpreter.progress.values()),
            variables=interpreter.state.variables,
            tasks=list(interpreter.tasks.values()),
            continued=interpreter.state.continued,
            reason=self.final_reason,
            waiting_since=min(interpreter.waiting_since.values(), default=None),
            events_declared=expected_events.declared_events(self.definition),
            events_awaited=sorted(
                who.removeprefix("event:")
                for who_list, _ in interpreter.waiting.values()
                for who in who_list
                if who.startswith("event:")
            ),
            events_possible=(
                []
                if self.final_status != "running"
                else expected_events.possible_events(self.definition, interpreter.state.records)
            ),
            events_received=sorted(
                name for name, queued in interpreter.state.events.items() if queued
            ),
        )

    @workflow.query(name=TASKS_QUERY)
    def open_tasks(self) -> list[TaskView]:
        return [task for task in self.interpreter.tasks.values() if task.status == "open"]

    # --- what ops see -------------------------------------------------------------------

    def _show_details(self) -> None:
        # Served by a built-in query: no history event, so it may change as often as needed.
        workflow.set_current_details(current_details(self))
        self._publish_soon()

    def _attribute_mode(self) -> str:
        """How this run keeps its search attributes: off, legacy or current (decided once,
        at the first upsert, so a run that never needs one pays no marker either).

        Runs recorded before ``ops-attributes`` upserted only at waits and, when they had
        waited, at the end; they replay exactly so. Newer runs keep every attribute true:
        the steps people and systems are busy with, the waits, and how the run ended.
        """
        if self.attribute_mode is None:
            if workflow.info().typed_search_attributes.get(search_attributes.PROCESS) is None:
                self.attribute_mode = "off"  # started without them (the test server)
            elif workflow.patched("ops-attributes"):
                self.attribute_mode = "current"
            else:
                self.attribute_mode = "legacy"
        return self.attribute_mode

    def _publish_soon(self) -> None:
        """Publish once the workflow task's work is done, not at every change within it.

        A step that ends and the next that starts in the same workflow task then cost one
        upsert (one history event, one billable action), not two.
        """
        if self.attribute_mode in ("off", "legacy") or self.publish_pending:
            return
        self.publish_pending = True
        asyncio.get_running_loop().call_soon(self._publish)

    def _publish(self) -> None:
        """Upsert the search attributes that changed since the last upsert (current mode)."""
        self.publish_pending = False
        if self.attribute_mode in ("off", "legacy"):
            return
        wanted = ops_attributes(self)
        changed: list[SearchAttributeUpdate[Any]] = []
        for key, value in wanted.items():
            held = self.published.get(key.name, _UNSET)
            if held == value or (held is None and value == []):
                continue
            changed.append(key.value_unset() if value in (None, []) else key.value_set(value))
        if not changed or self._attribute_mode() != "current":
            return
        for key, value in wanted.items():
            self.published[key.name] = value
        workflow.upsert_search_attributes(changed)

    def _show_waiting(self) -> None:
        if self._attribute_mode() == "legacy":
            self._show_waiting_legacy()
        else:
            self._publish_soon()

    def _show_waiting_legacy(self) -> None:
        # Search attributes cost one history event per change: only waits update them, so
        # a run of plain calls has exactly the events a hand-written workflow would.
        waiting = self.interpreter.waiting
        on = sorted({who for who_list, _ in waiting.values() for who in who_list})
        untils = [until for _, until in waiting.values() if until is not None]
        steps = sorted(key.rsplit("/", 1)[-1] for key in waiting)
        pairs: list[SearchAttributeUpdate[Any]] = [
            search_attributes.PROCESS_STATUS.value_set("waiting" if waiting else "running"),
            search_attributes.CURRENT_STEP.value_set(steps),
            search_attributes.WAITING_ON.value_set(on[:20]),
        ]
        if untils:
            pairs.append(search_attributes.WAITING_UNTIL.value_set(min(untils)))
        else:
            pairs.append(search_attributes.WAITING_UNTIL.value_unset())
        workflow.upsert_search_attributes(pairs)
        self.attributes_changed = True

    def _show_final(self, status: str, reason: str | None = None) -> None:
        self.final_status = status
        self.final_reason = reason
        self.interpreter.close_progress(
            "cancelled" if status in ("failed", "cancelled") else "completed"
        )
        if self._attribute_mode() == "legacy":
            workflow.set_current_details(current_details(self))
            # Only runs that already changed their attributes (they waited) paid the extra
            # event; added after histories were recorded: runs from before replay without it.
            if self.attributes_changed and workflow.patched("final-process-status"):
                legacy = "completed" if status == "finished" else status
                workflow.upsert_search_attributes(
                    [search_attributes.PROCESS_STATUS.value_set(legacy)]
                )
            return
        workflow.set_current_details(current_details(self))
        self._publish()  # now: the run's last command must come after it


_UNSET = object()
BUSY_KINDS = frozenset({"bot", "task", "wait", "process"})
OPS_ATTRIBUTES: tuple[SearchAttributeKey[Any], ...] = (
    search_attributes.PROCESS_STATUS,
    search_attributes.PROCESS_REASON,
    search_attributes.CURRENT_STEP,
    search_attributes.WAITING_ON,
    search_attributes.WAITING_UNTIL,
    search_attributes.WAITING_SINCE,
)


def ops_attributes(process: ProcessWorkflow) -> dict[SearchAttributeKey[Any], Any]:
    """The search attributes as the run now is: status, current steps, waits, reason."""
    interpreter = process.interpreter
    waiting = interpreter.waiting
    status = process.status()
    ended = status in ("completed", "finished", "failed", "cancelled")
    steps: list[str] = []
    if not ended:
        # Bots, people, waits and child processes: what a run is busy with for a while.
        # API calls take milliseconds; an upsert each would double a plain run's history
        # (the run's details and `backoffice status` show them all the same).
        steps = [
            p.step_id
            for p in interpreter.progress.values()
            if p.status in ("running", "waiting") and p.kind in BUSY_KINDS
        ]
        steps += [key.rsplit("/", 1)[-1] for key in waiting]  # items of a for_each too
    parties = sorted({who for who_list in interpreter.waiting_parties.values() for who in who_list})
    untils = [until for _, until in waiting.values() if until is not None]
    since = list(interpreter.waiting_since.values())
    return {
        search_attributes.PROCESS_STATUS: status,
        search_attributes.PROCESS_REASON: process.final_reason,
        search_attributes.CURRENT_STEP: sorted(set(steps))[:20],
        search_attributes.WAITING_ON: parties[:20],
        search_attributes.WAITING_UNTIL: min(untils) if untils else None,
        search_attributes.WAITING_SINCE: min(since) if since else None,
    }


def current_details(process: ProcessWorkflow) -> str:
    """The run's page in the Web UI (markdown): what runs and waits now, or how it ended."""
    interpreter = process.interpreter
    definition = process.definition
    status = process.status()
    headline = (
        f"**{md(definition.title)}** · `{md_code(process.run_input.business_key)}` · {status}"
    )
    if process.final_reason:
        headline += f" ({md(process.final_reason)})"
    lines = [headline, ""]  # a blank line, so the lines below render as a list
    active = [p for p in interpreter.progress.values() if p.status in ("running", "waiting")]
    for entry in active:
        line = f"- now: **{md(entry.step_id)}** {md(entry.title, LABEL_LENGTH)}"
        if entry.waiting_for:
            line += f" · waiting for {md(entry.waiting_for, LABEL_LENGTH)}"
        if entry.waiting_since:
            line += f" since {entry.waiting_since:%Y-%m-%d %H:%M} UTC"
        if entry.until:
            line += f" until {entry.until:%Y-%m-%d %H:%M} UTC"
        lines.append(line)
    for task in interpreter.tasks.values():
        if task.status != "open":
            continue
        short = approver_shortfall(task)
        if short:
            lines.append(f"- **{md(task.step_id)}** {md(short, 2 * LABEL_LENGTH)}")
        for note in task.notes[:3]:
            lines.append(f"- note on **{md(task.step_id)}**: {md(note, 2 * LABEL_LENGTH)}")
        for planned in task.planned[:3]:
            whom = f" ({md(', '.join(planned.to))})" if planned.to else ""
            lines.append(
                f"- next for **{md(task.step_id)}**: {planned.what} {planned.number}"
                f"{whom} at {planned.at:%Y-%m-%d %H:%M} UTC"
            )
    done = [p.step_id for p in interpreter.progress.values() if p.status == "completed"]
    if done:
        lines.append("- done: " + ", ".join(md(step) for step in done[-12:]))
    failed = [p for p in interpreter.progress.values() if p.status == "failed"]
    for entry in failed:
        error = md(entry.error or "", 2 * LABEL_LENGTH)
        lines.append(f"- failed: **{md(entry.step_id)}**: {error}")
    return "\n".join(lines)
