"""Validation of a task's settings that may be computed, and of four-eyes that cannot be met.

Called by the semantic checker for each ``task`` step. Computed settings are checked as
expressions like any other, and a constant one is worked out now; literal settings that
contradict each other (a due date after the timeout, a reminder after it) are refused;
approvals that the assignee rules can never reach are warned of, since the task would
otherwise wait silently until its timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backoffice.language import model
from backoffice.language.cel_syntax import Conditional, Literal, Node, Unreadable, parse
from backoffice.language.durations import Duration, parse_duration
from backoffice.language.expressions import ExpressionError, evaluate, references
from backoffice.language.problems import Reporter
from backoffice.language.source import Path
from backoffice.language.task_settings import MAX_APPROVALS, is_computed, source_of

TemplateCheck = Callable[[Path, Any], None]
Staffing = Mapping[str, frozenset[str]]
"""Who holds each group and role of the directory: ``{"group:ap-clerks": {"alice", "bob"}}``."""


def check_task_settings(
    task: model.HumanTask,
    path: Path,
    reporter: Reporter,
    template: TemplateCheck,
    people: Staffing | None = None,
) -> None:
    """Check approvals, due, timeout, reminders and escalation times of one task."""
    if isinstance(task.approvals, str):
        template((*path, "approvals"), task.approvals)
        _constant_approvals(task.approvals, (*path, "approvals"), reporter)
    settings: list[tuple[Path, Duration | str]] = [
        ((*path, "timeout", "after"), task.timeout.after)
    ]
    if task.due is not None:
        settings.append(((*path, "due"), task.due))
    for level, escalation in enumerate(task.escalations):
        settings.append(((*path, "escalations", level, "after"), escalation.after))
    for where, setting in settings:
        if isinstance(setting, str):
            template(where, setting)
            _constant_moment(setting, where, reporter)
    reminders = task.reminders
    if reminders is not None and reminders.before is not None:
        template((*path, "reminders", "before"), reminders.before)
        if is_computed(reminders.before) or isinstance(reminders.before, str):
            _constant_moment(reminders.before, (*path, "reminders", "before"), reporter)
    _literal_order(task, path, reporter)
    _four_eyes(task, path, reporter, people or {})


def _known_results(setting: str) -> list[Any]:
    """What a computed setting can give that is known now: its value when it names
    nothing, else the literal branches of its conditionals (``x ? 2 : 'two'``)."""
    if not is_computed(setting):
        return [setting]
    source = source_of(setting)
    try:
        found = references(source)
        if not (found.roots or found.functions):
            return [evaluate(source, {})]
        tree = parse(source)
    except (ExpressionError, Unreadable):
        return []  # its problem is reported by the expression check
    results: list[Any] = []
    pending: list[Node] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, Conditional):
            pending += [node.otherwise, node.then]
        elif isinstance(node, Literal):
            results.append(_literal_value(node))
    return results


def _literal_value(node: Literal) -> Any:
    if node.kind == "number":
        return Decimal(node.value)
    if node.kind == "bool":
        return node.value == "true"
    return None if node.kind == "null" else node.value


def _gives(setting: str) -> str:
    return "gives" if not references(source_of(setting)).roots else "can give"


def _constant_approvals(setting: str, where: Path, reporter: Reporter) -> None:
    for value in _known_results(setting):
        whole = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        if not (whole and value == int(value) and 1 <= int(value) <= MAX_APPROVALS):
            reporter.at(
                where,
                f"`{source_of(setting)}` {_gives(setting)} {_shown(value)}: approvals is how "
                f"many different people must approve, a whole number from 1 to {MAX_APPROVALS}",
            )
            return


def _constant_moment(setting: Any, where: Path, reporter: Reporter) -> None:
    if not isinstance(setting, str):
        return
    for value in _known_results(setting):
        if not _is_moment(value):
            reporter.at(
                where,
                f"{_shown(value)} is neither a date, a time nor a duration: write a date like "
                "2027-06-30, a time like 2027-06-30T17:00:00Z, a duration like 3bd, or an "
                "expression giving one (${ input.end_date })",
            )
            return


def _is_moment(value: Any) -> bool:
    if isinstance(value, date | datetime):
        return True
    if not isinstance(value, str):
        return False
    text = value.strip()
    try:
        parse_duration(text)
        return True
    except ValueError:
        pass
    try:
        if len(text) == 10:
            date.fromisoformat(text)
        else:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _shown(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else repr(value)


def _literal_order(task: model.HumanTask, path: Path, reporter: Reporter) -> None:
    """Refuse a due date or reminder at or after the timeout when both are written out."""
    timeout = task.timeout.after
    if not isinstance(timeout, Duration):
        return
    due = task.due
    if isinstance(due, Duration) and _same_unit(due, timeout) and _length(due) > _length(timeout):
        reporter.at(
            (*path, "due"),
            f"due ({due}) comes after the timeout ({timeout}): make it earlier "
            "or the timeout later",
        )
    reminders = task.reminders
    if reminders is None or reminders.before is not None or reminders.at is None:
        return
    for index, offset in enumerate(reminders.at):
        if _same_unit(offset, timeout) and _length(offset) >= _length(timeout):
            reporter.at(
                (*path, "reminders", "at", index),
                f"this reminder at {offset} would come at or after the timeout ({timeout}), "
                "so it would never be sent: make it earlier or the timeout later",
            )


def _four_eyes(task: model.HumanTask, path: Path, reporter: Reporter, people: Staffing) -> None:
    """Warn when the assignee rules can name fewer different people than must approve."""
    if not isinstance(task.approvals, int) or task.approvals < 2:
        return
    excluded = {str(value) for value in task.exclude if not is_computed(value)}
    named: set[str] = set()
    others = 0  # people a rule names without saying who (one person's manager)
    for assignee in task.assignees:
        found = _most_people(assignee, excluded, people)
        if found is None:
            return  # a computed list, or a group the directory does not show: unknown
        if isinstance(found, int):
            others += found
        else:
            named |= found
    most = len(named) + others
    if most >= task.approvals:
        return
    rules = ", ".join(_named(assignee) for assignee in task.assignees)
    if any(assignee.kind in ("group", "role") for assignee in task.assignees):
        rules += ", as the directory has them"
    reporter.warn(
        (*path, "approvals"),
        f"approvals: {task.approvals} needs {task.approvals} different people, but the "
        f"assignees ({rules}) name at most {most}: the task would wait until its timeout. "
        "Add assignees (a group or role with enough people), or lower approvals",
    )


def _most_people(
    assignee: model.Assignee, excluded: set[str], people: Staffing
) -> frozenset[str] | int | None:
    """Whom a rule can name at most: the people themselves where known, else how many
    (a computed user, one person's manager), or None when nothing says."""
    kind = assignee.kind
    value = getattr(assignee, kind)
    found: frozenset[str] | int | None = None
    if kind == "user":
        found = 1 if is_computed(value) else frozenset({str(value)}) - excluded
    elif kind == "manager_of" and not isinstance(value, model.Assignee):
        found = 1  # one person has one manager
    elif kind in ("group", "role") and not is_computed(value) and people:
        # A group the directory does not hold may be filled by a real directory later.
        holders = people.get(f"{kind}:{value}")
        found = None if holders is None else holders - excluded
    if assignee.or_else is not None and found is not None:
        other = _most_people(assignee.or_else, excluded, people)
        if other is None:
            return None
        found = found if _size(found) >= _size(other) else other
    return found


def _size(found: frozenset[str] | int) -> int:
    return found if isinstance(found, int) else len(found)


def _named(assignee: model.Assignee) -> str:
    value = getattr(assignee, assignee.kind)
    return f"{assignee.kind}: {value}" if isinstance(value, str) else assignee.kind


def _same_unit(a: Duration, b: Duration) -> bool:
    return a.is_business == b.is_business


def _length(duration: Duration) -> int:
    return duration.business_days if duration.is_business else duration.seconds
