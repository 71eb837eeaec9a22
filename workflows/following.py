"""Timers that follow a date: waits and task deadlines worked out again when a variable
they read changes.

A ``wait: {until: ...}``, and a task's ``due``, ``timeout.after``, ``reminders.before`` and
escalation ``after``, may be expressions that read ``vars``. When a ``set:`` step (in
another parallel branch, say after HR postponed a start date) changes a variable one of
them read while it waits, the moment is worked out again: the wait's timer moves, the
task's deadlines move and its audit says why. A duration written plainly (``due: 3bd``)
reads no variable and stays where it was.

Workflow code passed through the sandbox: no clock, no I/O. Runs from before this only
ask for ``FOLLOW_PATCH`` where a timer reads a variable, so they replay with the timers
they had.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from backoffice.language import model
    from backoffice.language.expressions import ExpressionError, references, template_expressions

from workflows.frames import Frame

FOLLOW_PATCH = "timers-follow-their-variables"
EVERY_VARIABLE = "*"  # an expression that reads ``vars`` as a whole (get(vars, name))
# What a task's audit and notes show of a changed value at most.
VALUE_LENGTH = 60


def followed(sources: Iterable[str]) -> frozenset[str]:
    """The variables the expressions ``sources`` read (``*``: every one); empty: none."""
    names: set[str] = set()
    for source in sources:
        try:
            found = references(source)
        except ExpressionError:
            continue  # validation reports it; a timer that cannot be read follows nothing
        if "vars" not in found.roots:
            continue
        attributes = {name for root, name in found.paths if root == "vars"}
        names |= attributes or {EVERY_VARIABLE}
    return frozenset(names)


def task_sources(task: model.HumanTask) -> list[str]:
    """The expressions among a task's moments (those written as durations are fixed)."""
    settings: list[Any] = [task.due, task.timeout.after]
    settings += [escalation.after for escalation in task.escalations]
    if task.reminders is not None and task.reminders.before is not None:
        settings.append(task.reminders.before)
    found: list[str] = []
    for setting in settings:
        if isinstance(setting, str):
            try:
                found += [source for _, _, source in template_expressions(setting)]
            except ExpressionError:
                continue  # validation reports it
    return found


@dataclass(frozen=True)
class Change:
    """One change of a variable by a ``set:`` step."""

    stamp: int
    name: str
    before: Any
    after: Any
    step_id: str


@dataclass
class VariableChanges:
    """Which variables ``set:`` steps changed, and when (a count, not a clock)."""

    count: int = 0
    latest: dict[str, Change] = field(default_factory=dict)

    def note(self, step_id: str, values: dict[str, Any], variables: dict[str, Any]) -> None:
        """Before a ``set:`` step's ``values`` replace ``variables``: note what changes."""
        for name, value in values.items():
            before = variables.get(name)
            if before == value:
                continue
            self.count += 1
            self.latest[name] = Change(self.count, name, before, value, step_id)

    def stamp(self, names: frozenset[str]) -> int:
        """The latest change of any of ``names``; 0 if none changed."""
        if EVERY_VARIABLE in names:
            return self.count
        return max((self.latest[name].stamp for name in names if name in self.latest), default=0)

    def said(self, names: frozenset[str], since: int) -> str:
        """The changes of ``names`` after ``since``, in words."""
        changes = sorted(
            (
                change
                for change in self.latest.values()
                if change.stamp > since and (EVERY_VARIABLE in names or change.name in names)
            ),
            key=lambda change: change.stamp,
        )
        return "; ".join(
            f"vars.{change.name} changed from {_value(change.before)} to "
            f"{_value(change.after)} (step {change.step_id})"
            for change in changes
        )


class WaitHost(Protocol):
    """What a following wait uses of the interpreter."""

    changes: VariableChanges

    def show_waiting(
        self,
        key: str,
        step: model.Step,
        on: list[str],
        until: datetime | None,
        *,
        why: str | None = None,
        parties: list[str] | None = None,
    ) -> None: ...

    def waiting_on(self, key: str) -> Any: ...


async def wait_until(
    host: WaitHost,
    step: model.WaitStep,
    key: str,
    target: datetime,
    names: frozenset[str],
    moment: Callable[[], datetime],
) -> dict[str, Any]:
    """Wait until ``target``, worked out again by ``moment`` whenever one of ``names``
    changes; the result says where the wait was moved and why."""
    moved: list[str] = []
    while True:
        now = workflow.now()
        if target <= now:
            break
        what = f"wait until {target.isoformat()}"
        why = "time to pass" + (f" (moved {moved[-1]})" if moved else "")
        host.show_waiting(key, step, [what], target, why=why, parties=[])
        seen = host.changes.stamp(names)
        try:
            async with host.waiting_on(key):
                await workflow.wait_condition(
                    lambda seen=seen: host.changes.stamp(names) != seen,  # type: ignore[misc]
                    timeout=target - now,
                    timeout_summary=f"{step.id}: {what}",
                )
        except TimeoutError:
            break
        worked_out = moment()
        if worked_out != target:
            reason = host.changes.said(names, seen)
            moved.append(f"from {shown(target)} to {shown(worked_out)}: {reason}")
            workflow.logger.info("wait moved %s", moved[-1], extra={"step": key})
            target = worked_out
    result: dict[str, Any] = {"waited_until": target.isoformat()}
    if moved:
        result["moved"] = moved
    return result


@dataclass
class TaskFollower:
    """A task whose moments read variables: where to evaluate them, and what it has seen."""

    names: frozenset[str]
    frame: Frame
    seen: int


Reschedule = Callable[[datetime, datetime | None, str], Awaitable[None]]


def moved_words(
    before: tuple[datetime, datetime | None, dict[int, datetime], list[datetime]],
    after: tuple[datetime, datetime | None, dict[int, datetime], list[datetime]],
) -> list[str]:
    """What moved between two schedules (deadline, due, reminders, escalations), in words."""
    words: list[str] = []
    if after[1] != before[1]:
        words.append(f"due {shown_or_none(after[1])} (was {shown_or_none(before[1])})")
    if after[0] != before[0]:
        words.append(f"timeout {shown(after[0])} (was {shown(before[0])})")
    if after[2] != before[2]:
        words.append("reminders " + (", ".join(shown(at) for at in after[2].values()) or "none"))
    if after[3] != before[3]:
        words.append("escalations " + (", ".join(shown(at) for at in after[3]) or "none"))
    return words


def shown(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def shown_or_none(moment: datetime | None) -> str:
    return shown(moment) if moment is not None else "none"


def _value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= VALUE_LENGTH else text[: VALUE_LENGTH - 3] + "..."


__all__ = [
    "FOLLOW_PATCH",
    "TaskFollower",
    "VariableChanges",
    "followed",
    "moved_words",
    "task_sources",
    "wait_until",
]
