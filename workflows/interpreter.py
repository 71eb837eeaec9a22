"""The step interpreter: executes a validated definition with the documented semantics.

Runs as workflow code but is imported once, passed through the sandbox (see
``workflows/process.py``), so the sandbox does not check it: it must only use
``temporalio.workflow`` for time, timers, activities and children, never the clock,
randomness, I/O or the environment. Every step instance has a key (its id, prefixed inside loops:
``match_lines[3]/match_line``); outcomes are recorded under that key, so a run continued
as new walks the same structure again and skips what is already done without issuing a
single command for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, assert_never

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError
from temporalio.workflow import ActivityCancellationType, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from backoffice import registry
    from backoffice.engine.business_keys import key_error
    from backoffice.engine.contracts import (
        DefinitionSnapshot,
        ExternalEvent,
        PendingCompensation,
        RunInput,
        RunState,
        StepProgress,
        StepRecord,
        TaskView,
    )
    from backoffice.language import model
    from backoffice.language.business_days import BusinessCalendar, CalendarRangeError, zone
    from backoffice.language.durations import Duration
    from backoffice.language.expressions import (
        ExpressionError,
        Scope,
        helpers,
        render,
    )
    from backoffice.markdown_text import md

from workflows import cancelling, following, mail_steps
from workflows.frames import ContinueAsNewNow, Frame, ProcessFinished, StepError, error_from
from workflows.human_tasks import HumanTasks

DEFAULT_QUEUE = "default"
SUBSCRIBE_ACTIVITY = "events.subscribe"  # backoffice/events/activities.py
MAX_EVENT_KEY_LENGTH = 200
# Characters of a title a timeline label shows at most: titles may hold input of any length.
LABEL_LENGTH = 200
ENGINE_ERRORS = (
    "EventTimeout",
    "RepeatLimitReached",
    "TooManyItems",
    "ExpressionError",
    "ExpressionOverBudget",
    "ProcessTooDeep",
    "UnknownActivity",
    "NobodyToNotify",  # backoffice/tasks/notices.py
    "Timeout",
)
# How many processes may stand above one that a run starts as its child: a chain longer
# than that is almost surely a loop of processes starting each other (validation refuses
# the loops it can see; this stops those it could not, before they multiply).
MAX_PROCESS_DEPTH = 5
CONTAINER_KINDS = frozenset({"parallel", "switch", "for_each", "repeat", "steps"})
# An expression error in a step's `if` fails that step, so that its own catch handles it.
IF_ERRORS_FAIL_THE_STEP = "expression-error-in-if-fails-the-step"
# The kinds whose ``timeout`` is a deadline on the whole step (a call's or a bot's limits
# each attempt; a task and a wait have timeouts of their own).
DEADLINE_KINDS = CONTAINER_KINDS | {"process"}


class Interpreter:
    """Executes one run of a definition; owned by the process workflow."""

    def __init__(self, run: RunInput, definition: model.Definition) -> None:
        self.run = run
        self.definition = definition
        self.state = run.state or RunState(variables=dict(definition.variables))
        # Holidays from the snapshot only, never from the package: replay counts the days
        # the run started with.
        holidays = run.snapshot.holidays
        self.calendar = BusinessCalendar.from_model(definition.calendar, holidays)
        self.functions = helpers(definition.calendar, holidays, run.snapshot.zones)
        self.index = {step.id: step for _, step in model.walk_steps(definition.steps)}
        self.progress: dict[str, StepProgress] = {}
        # What set: steps changed, for the timers that follow variables (workflows/following).
        self.changes = following.VariableChanges()
        self.human_tasks = HumanTasks(self, run, definition, self.index)
        self.tasks: dict[str, TaskView] = self.human_tasks.tasks  # the same dict, for queries
        self.root = Frame("")
        self.concurrent = 0  # > 0 while parallel branches or loop items run side by side
        self.status = "running"
        self.on_change: Callable[[], None] = lambda: None
        self.on_wait: Callable[[], None] = lambda: None
        self.waiting: dict[str, tuple[list[str], datetime | None]] = {}
        # Since when each wait began, and whom or what it waits on in words for the
        # search attributes (people, groups, events: a timer waits on no one).
        self.waiting_since: dict[str, datetime] = {}
        self.waiting_parties: dict[str, list[str]] = {}
        self.watching: set[str] = set()  # keys of the ``watch`` steps running now
        # Why the run undoes its work, once it does (a ``void`` step tells the deciders).
        self.undo_reason: str | None = None
        # Runs the compensations of steps a cancelled branch or block had completed
        # (workflows/compensation.py, set by the process workflow).
        self.undo: Callable[[list[PendingCompensation]], Awaitable[list[str]]] | None = None
        self.deadlines = 0  # > 0 while a block with a deadline runs

    # --- names and time ---------------------------------------------------------------

    def scope(self, frame: Frame, **extra: Any) -> Scope:
        now = workflow.now()
        info = workflow.info()
        local_today = now.astimezone(self._zone()).date().isoformat()
        names: dict[str, Any] = {
            "input": self.run.input,
            "vars": self.state.variables,
            "steps": frame.all_results(),
            "now": now,
            "today": local_today,
            "process": {
                "name": self.definition.name,
                "version": self.definition.version,
                "business_key": self.run.business_key,
                "workflow_id": info.workflow_id,
                "run_id": info.run_id,
            },
            **frame.all_names(),
            **extra,
        }
        return Scope(names, self.functions)

    def _zone(self) -> Any:
        return zone(self.definition.calendar.timezone)

    def after(self, start: datetime, duration: Duration) -> datetime:
        """The moment ``duration`` after ``start``, business days on the process calendar."""
        if duration.is_business:
            try:
                return self.calendar.deadline(
                    start, duration.business_days, self.definition.calendar.timezone
                )
            except CalendarRangeError as error:
                # Only a run that outlived the years its holidays were resolved for gets
                # here: the step fails with why, rather than the run stalling on a bug.
                raise StepError("CalendarRangeError", str(error)) from None
        return start + timedelta(seconds=duration.seconds)

    def before(self, end: datetime, duration: Duration) -> datetime:
        """The moment ``duration`` before ``end``, business days on the process calendar."""
        if duration.is_business:
            try:
                return self.calendar.deadline(
                    end, -duration.business_days, self.definition.calendar.timezone
                )
            except CalendarRangeError as error:
                raise StepError("CalendarRangeError", str(error)) from None
        return end - timedelta(seconds=duration.seconds)

    # --- sequences and steps ----------------------------------------------------------

    async def sequence(self, steps: list[model.Step], frame: Frame) -> None:
        for step in steps:
            await self.step(step, frame)
            await self.maybe_continue_as_new()

    async def maybe_continue_as_new(self) -> None:
        if self.concurrent or not self.should_continue_as_new():
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        raise ContinueAsNewNow()

    def should_continue_as_new(self) -> bool:
        info = workflow.info()
        limit = self.run.history_limit
        if limit is not None and info.get_current_history_length() >= limit:
            return True
        return info.is_continue_as_new_suggested()

    async def step(self, step: model.Step, frame: Frame) -> None:
        key = frame.prefix + step.id
        record = self.state.records.get(key)
        if record is not None:  # done before this run continued as new
            if record.status == "completed":
                frame.results[step.id] = record.result
            return
        guard_failed: StepError | None = None
        if step.if_ is not None:
            try:
                passed = self._guard(step, key, frame)
            except ExpressionError as raised:
                # Runs before this failed the enclosing step (or the run) instead.
                if not workflow.patched(IF_ERRORS_FAIL_THE_STEP):
                    raise
                guard_failed, passed = error_from(raised, step.id), True
            if not passed:
                self.state.records[key] = StepRecord(status="skipped")
                self._progress(key, step, "skipped", ended=True)
                return
        title = self.title(step, frame) if step.title and "${" in step.title else None
        self._progress(key, step, "running", title=title)
        if step.watch:
            self.watching.add(key)
        try:
            if guard_failed is not None:
                raise guard_failed  # handled as the step's own error: its catch applies
            result = await self.bounded(step, key, frame)
        except asyncio.CancelledError:
            # Another branch won (parallel mode first or fail_fast), or the run is cancelled:
            # ops must not see the step still waiting.
            self._progress(key, step, "cancelled", ended=True)
            raise
        except (ProcessFinished, ContinueAsNewNow):
            raise
        except Exception as raised:
            error = error_from(raised, step.id)
            result = await self.handle(step, frame, error)
        finally:
            self.watching.discard(key)
        self.state.records[key] = StepRecord(status="completed", result=result)
        frame.results[step.id] = result
        if step.compensate is not None:
            self.state.compensations.append(
                PendingCompensation(key=key, step_id=step.id, locals=frame.all_locals())
            )
        self._progress(key, step, "completed", ended=True)

    async def bounded(self, step: model.Step, key: str, frame: Frame) -> Any:
        """Run the step's kind; a block with a ``timeout`` is cancelled when it runs out.

        The deadline is worked out once, when the block starts, and recorded: a run
        continued as new keeps it. Steps the block completed are undone where they declare
        ``compensate``, and the step fails with ``Timeout``, which ``catch`` can handle.
        """
        if (
            step.timeout is None
            or step.kind not in DEADLINE_KINDS
            or not workflow.patched(cancelling.BLOCK_DEADLINE)
        ):
            return await self.kind(step, key, frame)
        recorded = self.state.records.get(key + "?deadline")
        if recorded is not None:
            deadline = as_datetime(recorded.result)
        else:
            deadline = self.after(workflow.now(), step.timeout)
            self.state.records[key + "?deadline"] = StepRecord(
                status="completed", result=deadline.isoformat()
            )
        entry = self.progress.get(key)
        if entry is not None:
            entry.until = deadline
            self.on_change()
        self.deadlines += 1
        try:
            work = asyncio.ensure_future(self.kind(step, key, frame))
            summary = f"{step.id}: timeout {step.timeout}"
            finished = await cancelling.finished_by(work, deadline, summary)
        finally:
            self.deadlines -= 1
        if finished:
            return work.result()
        await self.undo_cancelled(
            self._inner_steps(step),
            frame.prefix,
            f"step '{step.id}' did not finish within its timeout of {step.timeout}",
        )
        raise StepError(
            "Timeout",
            f"step '{step.id}' did not finish within its timeout of {step.timeout} "
            f"(by {deadline.isoformat()}): what it still had to do was cancelled",
        )

    @staticmethod
    def _inner_steps(step: model.Step) -> list[model.Step]:
        return [inner for _, children in step.children() for inner in children]

    async def undo_cancelled(self, steps: list[model.Step], prefix: str, why: str) -> None:
        """Undo, latest first, what the cancelled ``steps`` had completed (this instance of
        them: keys under ``prefix``); those undos are then no longer pending for the run.

        ``why`` is what a voided decision tells its deciders; the run goes on afterwards, so
        the reason is the run's own again once these undos are done.
        """
        ids = {inner.id for _, inner in model.walk_steps(steps)}
        mine = [
            pending
            for pending in self.state.compensations
            if pending.step_id in ids and pending.key.startswith(prefix)
        ]
        if not mine or self.undo is None:
            return
        self.state.compensations = [
            pending for pending in self.state.compensations if pending not in mine
        ]
        before, self.undo_reason = self.undo_reason, why
        try:
            given_up = await self.undo(mine)
        finally:
            self.undo_reason = before
        if given_up:
            workflow.logger.error("undo given up", extra={"steps": given_up})

    def _guard(self, step: model.Step, key: str, frame: Frame) -> bool:
        # Containers record the decision: a continued run must not re-decide after the
        # variables changed inside them.
        decided = self.state.records.get(key + "?if")
        if decided is not None:
            return bool(decided.result)
        assert step.if_ is not None
        passed = bool(self.scope(frame).evaluate(step.if_))
        if step.kind in CONTAINER_KINDS and passed:
            self.state.records[key + "?if"] = StepRecord(status="completed", result=True)
        return passed

    async def handle(self, step: model.Step, frame: Frame, error: StepError) -> Any:
        """Run the first matching ``catch`` handler, or fail the step with ``error``."""
        for handler in step.catch:
            if error.type in handler.errors or "any" in handler.errors:
                handler_frame = frame.child(error=error.as_value())
                await self.sequence(handler.steps, handler_frame)
                frame.results.update(handler_frame.results)
                if handler.then == "fail":
                    raise error
                return None
        self._progress(frame.prefix + step.id, step, "failed", ended=True, error=error.message)
        raise error

    def failure_reason(self) -> str | None:
        """Why the run is undoing its work (the failing step's error), or None if it is not."""
        return self.undo_reason

    async def kind(self, step: model.Step, key: str, frame: Frame) -> Any:
        match step:
            case model.CallStep():
                return await self.action(step, step.call, key, frame)
            case model.BotStep():
                return await self.action(step, step.bot, key, frame)
            case model.TaskStep():
                return await self.human_tasks.run_step(step, key, frame)
            case model.ParallelStep():
                return await self.parallel(step, frame)
            case model.SwitchStep():
                return await self.switch(step, key, frame)
            case model.ForEachStep():
                return await self.for_each(step, key, frame)
            case model.RepeatStep():
                return await self.repeat(step, key, frame)
            case model.WaitStep():
                return await self.wait(step, key, frame)
            case model.SetStep():
                values = render(step.set, self.scope(frame))
                self.changes.note(step.id, values, self.state.variables)
                self.state.variables.update(values)
                return values
            case model.ProcessStep():
                return await self.child_process(step, key, frame)
            case model.FailStep():
                reason = self.reason_code(step.fail.reason, frame)
                message = step.fail.message or reason
                raise StepError(reason, str(render(message, self.scope(frame))))
            case model.FinishStep():
                output = step.finish.output
                rendered = render(output, self.scope(frame)) if output is not None else None
                finish_reason = step.finish.reason
                if finish_reason is not None:
                    finish_reason = self.reason_code(finish_reason, frame)
                raise ProcessFinished(finish_reason, rendered)
            case model.NotifyStep():
                return await mail_steps.notify(self, step, key, frame)
            case model.VoidStep():
                return await mail_steps.void(self, step, key, frame)
            case model.GroupStep():
                inner = frame.child()
                await self.sequence(step.steps, inner)
                frame.results.update(inner.results)
                return inner.results
            case _:
                assert_never(step)

    def reason_code(self, reason: str, frame: Frame) -> str:
        """A literal reason code, or the code an expression gives (checked like a literal)."""
        if not reason.startswith("${"):
            return reason
        code = render(reason, self.scope(frame))
        if not isinstance(code, str) or not re.fullmatch(model.REASON_PATTERN, code):
            raise StepError(
                "ExpressionError",
                f"the reason {reason} gave {code!r}: a reason code is UPPER_CASE, like DUPLICATE",
            )
        return code

    # --- calls, bots, children ------------------------------------------------------------

    def title(self, step: model.Step, frame: Frame, scope: Scope | None = None) -> str:
        if step.title is None:
            return step.label()
        try:
            return str(render(step.title, scope or self.scope(frame)))
        except ExpressionError:
            return step.title

    def retry_policy(self, step: model.Step) -> RetryPolicy:
        base = self.definition.defaults.retry
        own = step.retry or model.RetryPolicy()

        def pick(name: str) -> Any:
            value = getattr(own, name)
            return value if value is not None else getattr(base, name)

        initial = pick("initial_interval") or Duration(seconds=1)
        maximum = pick("max_interval")
        return RetryPolicy(
            initial_interval=initial.to_timedelta(),
            backoff_coefficient=pick("backoff") or 2.0,
            maximum_interval=maximum.to_timedelta() if maximum else None,
            # A bot retries for its system's retry window, which its runner enforces: an
            # outage of hours must not spend a count of attempts.
            maximum_attempts=0 if isinstance(step, model.BotStep) else pick("attempts") or 0,
            non_retryable_error_types=[*base.non_retryable, *own.non_retryable],
        )

    def task_queue(self, action: str, snapshot: DefinitionSnapshot | None = None) -> str:
        queues = (snapshot or self.run.snapshot).queues
        logical = queues.get(action, DEFAULT_QUEUE)
        base = workflow.info().task_queue  # processes run on the default queue
        return base if logical == DEFAULT_QUEUE else f"{base}.{logical}"

    async def action(
        self, step: model.CallStep | model.BotStep, name: str, key: str, frame: Frame
    ) -> Any:
        self._refuse_internal(step, name)
        scope = self.scope(frame)
        arguments = render(step.with_, scope)
        if isinstance(step, model.BotStep) and step.credential is not None:
            # Only the secret's name travels; the bot resolves its value on the worker.
            arguments = {**arguments, "credential": step.credential}
        activity_id = key
        if step.idempotency_key is not None:
            activity_id = f"{key}:{render(step.idempotency_key, scope)}"
        timeout = (step.timeout or self.definition.defaults.timeout).to_timedelta()
        # Bots beat every few seconds: a worker killed mid-bot is noticed within this.
        heartbeat = min(timeout, timedelta(seconds=30)) if isinstance(step, model.BotStep) else None
        # A bot the engine may cancel (in a branch or a block with a deadline) is waited for
        # until it has stopped, so nothing of it runs after its branch ended. Only there is
        # the patch asked for: other runs keep their history as it was.
        cancellation = ActivityCancellationType.TRY_CANCEL
        if (
            heartbeat is not None
            and (self.concurrent or self.deadlines)
            and workflow.patched(cancelling.BOT_CANCEL_WAITS)
        ):
            cancellation = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
        return await workflow.execute_activity(
            name,
            arguments,
            task_queue=self.task_queue(name),
            start_to_close_timeout=timeout,
            heartbeat_timeout=heartbeat,
            retry_policy=self.retry_policy(step),
            activity_id=activity_id,
            cancellation_type=cancellation,
            summary=f"{step.id}: {md(self.title(step, frame, scope), LABEL_LENGTH)}",
        )

    def _refuse_internal(self, step: model.CallStep | model.BotStep, name: str) -> None:
        """Fail a step that names one of the engine's own activities (``tasks.close``, say).

        Validation calls such a name unknown, but a snapshot may name one anyway (started by
        an older release, or a hand-made start): run, it would change a task around the
        checks people's decisions pass. Only a refused name asks for the patch, so no run
        that calls what it may gets a marker, and a run from before that did replays. The
        registry knows the engine's activities from the worker's discovery, done before
        any run; it never changes while one runs.
        """
        if registry.REGISTRY.is_internal(name) and workflow.patched("internal-activity-refused"):
            key = "call" if isinstance(step, model.CallStep) else "bot"
            raise StepError(
                "UnknownActivity",
                f"step '{step.id}': '{key}: {name}' names one of the engine's own activities, "
                "which definitions may not call. `backoffice catalog` lists what they may; "
                "to have people decide, use a task step (they decide in the inbox or with "
                "`backoffice decide`)",
            )

    async def child_process(self, step: model.ProcessStep, key: str, frame: Frame) -> Any:
        snapshot = self.run.children.get(step.process)
        if snapshot is None:
            raise StepError("UnknownProcess", f"process '{step.process}' was not in the snapshot")
        lineage = [*self.run.lineage, self.definition.name]
        if len(lineage) > MAX_PROCESS_DEPTH:
            chain = " → ".join([*lineage, step.process])
            raise StepError(
                "ProcessTooDeep",
                f"step '{step.id}': starting '{step.process}' would put {len(lineage)} "
                f"processes above it ({chain}), more than the {MAX_PROCESS_DEPTH} a child "
                "process may have: processes that start each other never end; start the "
                "next case from outside instead",
            )
        child_definition = model.Definition.model_validate(snapshot.definition)
        child_input = render(step.input, self.scope(frame))
        child_scope = Scope({"input": child_input}, self.functions)
        business_key = self._child_key(
            child_definition, child_scope.evaluate(child_definition.business_key)
        )
        run = RunInput(
            snapshot=snapshot,
            input=child_input,
            business_key=business_key,
            children=self.run.children,
            history_limit=self.run.history_limit,
            lineage=lineage,
        )
        workflow_id = f"{child_definition.name}/{business_key}"
        handle = await workflow.start_child_workflow(
            child_definition.name,
            run,
            id=workflow_id,
            task_queue=workflow.info().task_queue,
            static_summary=md(f"{child_definition.title} {business_key}", LABEL_LENGTH),
            parent_close_policy=(
                ParentClosePolicy.ABANDON if step.detached else ParentClosePolicy.TERMINATE
            ),
        )
        if step.detached:
            return {"workflow_id": workflow_id}
        result = await handle
        return result.get("output", result) if isinstance(result, dict) else result

    def _child_key(self, child: model.Definition, value: Any) -> str:
        """The child's business key, checked as a start checks it: computed here from data
        the run gathered, it may hold what no run id should (a path, a right-to-left override).
        """
        key = str(value)
        if value in (None, "") or isinstance(value, dict | list):
            refused: str | None = (
                f"the business key `{child.business_key}` of '{child.name}' gave "
                f"{value!r:.60}: it must be a text or number that identifies the case"
            )
        else:
            refused = key_error(key, child.name)
        # Only a refused key asks for the patch: runs from before used it as it was, and
        # a good key costs no marker.
        if refused is not None and workflow.patched("child-business-key-checked"):
            raise StepError("ExpressionError", refused)
        return key

    # --- containers ----------------------------------------------------------------------

    async def parallel(self, step: model.ParallelStep, frame: Frame) -> Any:
        frames = [frame.child() for _ in step.parallel]
        self.concurrent += 1
        try:
            tasks = [
                asyncio.ensure_future(self.sequence(branch.steps, branch_frame))
                for branch, branch_frame in zip(step.parallel, frames, strict=True)
            ]
            winner = await self._join(tasks, step.mode)
        finally:
            self.concurrent -= 1
        if step.mode == "first":
            losers = [b for i, b in enumerate(step.parallel) if i != winner]
            await self._undo_losers(losers, frame.prefix, step.parallel[winner])
        results: dict[str, Any] = {}
        if step.mode == "first":
            # Which branch won; a branch that is itself called winner keeps its name.
            results["winner"] = step.parallel[winner].id
        for branch, branch_frame in zip(step.parallel, frames, strict=True):
            if step.mode != "first" or branch_frame is frames[winner]:
                frame.results.update(branch_frame.results)
            results[branch.id] = branch_frame.results
        return results

    async def _undo_losers(
        self, losers: list[model.Branch], prefix: str, winner: model.Branch
    ) -> None:
        """The losing branches of a ``first`` were cancelled: undo what they completed."""
        steps = [inner for branch in losers for inner in branch.steps]
        ids = {inner.id for _, inner in model.walk_steps(steps)}
        if any(
            pending.step_id in ids and pending.key.startswith(prefix)
            for pending in self.state.compensations
        ) and workflow.patched(cancelling.CANCELLED_BRANCHES_UNDONE):
            await self.undo_cancelled(steps, prefix, f"branch '{winner.id}' finished first")

    async def _join(self, tasks: Sequence[asyncio.Future[None]], mode: str) -> int:
        """Wait per mode; cancel what is left; the index of the winner (mode first)."""
        if mode == "all":
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            for outcome in outcomes:
                if isinstance(outcome, BaseException):
                    raise outcome
            return 0
        pending: Sequence[asyncio.Future[None]] = list(tasks)
        failure: BaseException | None = None
        while pending:
            done, pending = await cancelling.wait_first(pending)
            for task in done:
                problem = task.exception()
                if problem is None and mode == "first":
                    await self._cancel(pending)
                    return tasks.index(task)
                if problem is not None and (mode == "fail_fast" or not pending):
                    failure = problem
            if failure is not None:
                await self._cancel(pending)
                raise failure
        return 0

    async def _cancel(self, tasks: Sequence[asyncio.Future[None]]) -> None:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def switch(self, step: model.SwitchStep, key: str, frame: Frame) -> Any:
        decided = self.state.records.get(key + "?case")
        if decided is not None:
            chosen = int(decided.result)
        else:
            scope = self.scope(frame)
            chosen = next(
                (i for i, case in enumerate(step.switch) if bool(scope.evaluate(case.when))), -1
            )
            self.state.records[key + "?case"] = StepRecord(status="completed", result=chosen)
        steps = step.switch[chosen].steps if chosen >= 0 else step.otherwise
        if steps is None:
            return {"case": None}
        inner = frame.child()
        await self.sequence(steps, inner)
        frame.results.update(inner.results)
        return {"case": chosen if chosen >= 0 else "otherwise", **inner.results}

    async def for_each(self, step: model.ForEachStep, key: str, frame: Frame) -> Any:
        recorded = self.state.records.get(key + "?items")
        if recorded is not None:
            items = list(recorded.result)
        else:
            value = self.scope(frame).evaluate(step.for_each)
            if not isinstance(value, list):
                raise StepError("ExpressionError", f"for_each needs a list, got {value!r:.60}")
            items = value
            if len(items) > step.max_items:
                raise StepError(
                    "TooManyItems",
                    f"{len(items)} items, more than max_items {step.max_items}",
                )
            self.state.records[key + "?items"] = StepRecord(status="completed", result=items)
        results: list[Any] = [None] * len(items)
        todo: list[int] = []
        for index in range(len(items)):
            done = self.state.records.get(f"{key}[{index}]")
            if done is not None:
                results[index] = done.result
            else:
                todo.append(index)
        finished = len(items) - len(todo)

        async def one(index: int) -> None:
            nonlocal finished
            item_frame = frame.child(f"{key}[{index}]/", **{step.as_: items[index], "index": index})
            await self.sequence(step.steps, item_frame)
            results[index] = item_frame.results
            self.state.records[f"{key}[{index}]"] = StepRecord(
                status="completed", result=item_frame.results
            )
            finished += 1
            self._loop_progress(key, finished, len(items))

        await self._pool(todo, one, step.concurrency)
        return results

    async def _pool(
        self, indices: list[int], work: Callable[[int], Awaitable[None]], width: int
    ) -> None:
        """Run ``work`` over ``indices``, ``width`` at a time; continue as new between items."""
        queue = list(indices)
        running: list[asyncio.Future[None]] = []
        self.concurrent += 1
        try:
            while queue or running:
                stopping = self.should_continue_as_new() and self.concurrent == 1
                while queue and len(running) < width and not stopping:
                    running.append(asyncio.ensure_future(work(queue.pop(0))))
                if not running:
                    break
                done, running = await cancelling.wait_first(running)
                for task in done:
                    if task.exception() is not None:
                        await self._cancel(running)
                        raise task.exception()  # type: ignore[misc]
        finally:
            self.concurrent -= 1
        if queue:
            await self.maybe_continue_as_new()

    async def repeat(self, step: model.RepeatStep, key: str, frame: Frame) -> Any:
        rounds: list[Any] = []
        inside = [inner.id for _, inner in model.walk_steps(step.steps)]
        for number in range(step.repeat.max):
            # Each round starts without the results of the rounds before: a step skipped
            # in this round has none. Earlier rounds are read as ``previous`` and ``rounds``.
            stale = [name for name in inside if name in frame.results]
            if stale and workflow.patched(cancelling.REPEAT_ROUNDS_CLEARED):
                for name in stale:
                    del frame.results[name]
            inner = frame.child(f"{key}#{number}/")
            inner.views = {"rounds": list(rounds), "previous": rounds[-1] if rounds else {}}
            await self.sequence(step.steps, inner)
            rounds.append(inner.results)
            frame.results.update(inner.results)
            decided = self.state.records.get(f"{key}#{number}?until")
            if decided is None:
                done = bool(self.scope(inner).evaluate(step.repeat.until))
                decided = StepRecord(status="completed", result=done)
                self.state.records[f"{key}#{number}?until"] = decided
            if decided.result:
                return {"rounds": len(rounds), "last": inner.results}
        raise StepError(
            "RepeatLimitReached",
            f"'{step.repeat.until}' still false after {step.repeat.max} rounds",
        )

    # --- waiting -------------------------------------------------------------------------

    async def wait(self, step: model.WaitStep, key: str, frame: Frame) -> Any:
        spec = step.wait
        now = workflow.now()
        if spec.event is not None:
            assert spec.timeout is not None
            deadline = self.after(now, spec.timeout)
            return await self.wait_for_event(step, key, spec.event, deadline, frame)
        if spec.duration is not None:
            target = self.after(now, spec.duration)
            what = f"wait {spec.duration}"
        else:
            assert spec.until is not None
            until = spec.until
            target = as_datetime(self.scope(frame).evaluate(until))
            what = f"wait until {target.isoformat()}"
            names = following.followed([until])
            # Only a wait that reads variables asks for the patch: others keep their sleep.
            if names and target > now and workflow.patched(following.FOLLOW_PATCH):
                return await following.wait_until(
                    self,
                    step,
                    key,
                    target,
                    names,
                    lambda: as_datetime(self.scope(frame).evaluate(until)),
                )
        if target > now:
            # The step's title says why it waits ("Goods receipt of PO-1, looked for again
            # each business day"); what it waits on is time, not a person.
            self.show_waiting(key, step, [what], target, why="time to pass", parties=[])
            async with self.waiting_on(key):
                await workflow.sleep(target - now, summary=f"{step.id}: {what}")
        return {"waited_until": target.isoformat()}

    async def wait_for_event(
        self, step: model.WaitStep, key: str, name: str, deadline: datetime, frame: Frame
    ) -> Any:
        buffered = self.state.events.setdefault(name, [])
        about = self._event_key(step, frame)
        # Only keyed waits subscribe, and no recorded run has one: runs from before replay
        # with the commands they issued, so no patch marker is needed here.
        if about is not None and not buffered:
            await self._subscribe(step, key, name, about, deadline)
        self.show_waiting(key, step, [f"event:{name}"], deadline)
        try:
            async with self.waiting_on(key):
                await workflow.wait_condition(
                    lambda: bool(buffered),
                    timeout=max(deadline - workflow.now(), timedelta(seconds=1)),
                    timeout_summary=f"{step.id}: give up waiting for {name}",
                )
        except TimeoutError:
            if step.wait.on_timeout == "fail":
                raise StepError(
                    "EventTimeout", f"no '{name}' event by {deadline.isoformat()}"
                ) from None
            return {"received": False, "data": None, "received_at": None}
        event = buffered.pop(0)
        return {
            "received": True,
            "data": event.data,
            "received_at": event.received_at.isoformat() if event.received_at else None,
        }

    def _event_key(self, step: model.WaitStep, frame: Frame) -> str | None:
        """What the awaited event is about, or None when the wait names nothing (or "")."""
        if step.wait.key is None:
            return None
        value = render(step.wait.key, self.scope(frame))
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise StepError("ExpressionError", f"an event key is text, not {value!r:.60}")
        text = str(value)
        if len(text) > MAX_EVENT_KEY_LENGTH:
            raise StepError(
                "ExpressionError", f"an event key has at most {MAX_EVENT_KEY_LENGTH} characters"
            )
        return text

    async def _subscribe(
        self, step: model.WaitStep, key: str, name: str, about: str, deadline: datetime
    ) -> None:
        """Tell the event receiver that this run waits for ``name`` about ``about``.

        A local activity: one marker in history. If it cannot be written, the wait goes on
        all the same and ends at its timeout: a sender's event then finds no run.
        """
        try:
            await workflow.execute_local_activity(
                SUBSCRIBE_ACTIVITY,
                {"event": name, "key": about, "step": key, "until": deadline.isoformat()},
                start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_attempts=3),
                summary=f"{step.id}: listen for {name} about {md(about)}",
            )
        except ActivityError as failed:
            workflow.logger.warning(
                "event wait not subscribed", extra={"step": key, "error": str(failed.cause)}
            )

    def deliver(self, event: ExternalEvent) -> None:
        self.state.events.setdefault(event.name, []).append(event)

    # --- what ops see --------------------------------------------------------------------

    def _progress(
        self,
        key: str,
        step: model.Step,
        status: Any,
        *,
        ended: bool = False,
        error: str | None = None,
        title: str | None = None,
    ) -> None:
        if "[" in key:  # inside a for_each item: the loop's own line tells the count
            return
        now = workflow.now()
        entry = self.progress.get(key)
        if entry is None:
            entry = StepProgress(
                key=key, step_id=step.id, title=title or step.label(), kind=step.kind,
                status=status, started_at=now,
            )  # fmt: skip
            self.progress[key] = entry
        entry.status = status
        entry.error = error
        if ended:
            entry.ended_at = now
            entry.waiting_for = None
            entry.until = None
            entry.waiting_since = None
        self.on_change()

    def waiting_state(self) -> str:
        """``watching`` while the run waits only in watch periods on time or events (nobody
        has anything to do), else ``waiting``."""
        parties = [who for who_list in self.waiting_parties.values() for who in who_list]
        if self.watching and all(who.startswith("event:") for who in parties):
            return "watching"
        return "waiting"

    def close_progress(self, status: Any) -> None:
        """At the run's end: steps still shown running or waiting end as ``status``.

        A ``finish`` inside a block, a cancellation, or a failure leaves the enclosing steps
        marked as running; a closed run must not read as work in progress.
        """
        now = workflow.now()
        for entry in self.progress.values():
            if entry.status in ("running", "waiting"):
                entry.status = status
                entry.ended_at = now
                entry.waiting_for = None
                entry.until = None
                entry.waiting_since = None
        self.waiting.clear()
        self.waiting_since.clear()
        self.waiting_parties.clear()

    def _loop_progress(self, key: str, done: int, total: int) -> None:
        entry = self.progress.get(key)
        if entry is not None:
            entry.waiting_for = f"{done} of {total} items done"
            self.on_change()

    def show_waiting(
        self,
        key: str,
        step: model.Step,
        on: list[str],
        until: datetime | None,
        *,
        why: str | None = None,
        parties: list[str] | None = None,
    ) -> None:
        self.waiting[key] = (on, until)
        since = self.waiting_since.setdefault(key, workflow.now())
        self.waiting_parties[key] = list(on if parties is None else parties)
        entry = self.progress.get(key)
        if entry is not None:
            entry.status = "waiting"
            entry.waiting_for = why or ", ".join(on)
            entry.until = until
            entry.waiting_since = since
        self.on_wait()
        self.on_change()

    @contextlib.asynccontextmanager
    async def waiting_on(self, key: str) -> AsyncIterator[None]:
        """Clear the waiting marks when a wait ends, unless the run is being evicted.

        An evicted run's coroutine is closed (GeneratorExit), possibly later by the garbage
        collector while another run is active: it must issue no command then, or the
        command would land in that other run's history.
        """
        try:
            yield
        except GeneratorExit:
            raise
        except BaseException:
            self._waiting_done(key)
            raise
        self._waiting_done(key)

    def _waiting_done(self, key: str) -> None:
        self.waiting.pop(key, None)
        self.waiting_since.pop(key, None)
        self.waiting_parties.pop(key, None)
        entry = self.progress.get(key)
        if entry is not None:
            entry.waiting_since = None
        self.on_wait()
        self.on_change()


def as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise StepError("ExpressionError", f"'{value}' is not a time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise StepError("ExpressionError", f"{value!r} is not a time")


__all__ = ["ENGINE_ERRORS", "LABEL_LENGTH", "MAX_PROCESS_DEPTH", "Interpreter"]
