"""What the overview says of a step: its lines, in words, at most so long.

The overview (:mod:`overview`) decides what gets a node and how nodes connect; this
module writes what each node and edge says: titles with their placeholders in words,
conditions in words, the people of a task and its deadlines, what a folded loop or
group holds, an error handler or a compensation as one line.
"""

from __future__ import annotations

from typing import Any, assert_never

from backoffice.language import model, words
from backoffice.language.cel_syntax import Node
from backoffice.language.durations import Duration
from backoffice.language.error_types import ENGINE_ERRORS
from backoffice.language.expressions import ExpressionError, template_parts
from backoffice.language.task_settings import when

CONDITION = 130  # the longest condition, in a hexagon or on a line
EDGE = 40  # the longest label on an edge
LINE = 170  # the longest line a step gets inside a node
SMALL = 3  # a folded part with at most this many steps names each of them
SHORT_VALUE = 24  # a value set is said when it is this short, else only what is set

_ENGINE_ERRORS = {"any": "on any error", **ENGINE_ERRORS}
_PARALLEL_MODES = {
    "all": "all must finish",
    "fail_fast": "all must finish; a failure stops the others",
    "first": "the first to finish wins",
}


def outcome_labels(definition: model.Definition) -> dict[str, dict[str, str]]:
    """For each task, the label people see on each outcome that has one."""
    return {
        step.id: {outcome.id: outcome.label for outcome in step.task.form.outcomes if outcome.label}
        for _, step in model.walk_steps(definition.steps)
        if isinstance(step, model.TaskStep)
    }


class StepText:
    """The lines of the nodes of one definition (it knows its tasks' outcome labels)."""

    def __init__(self, definition: model.Definition) -> None:
        self.labels = outcome_labels(definition)

    def run(self, steps: list[model.Step]) -> list[str]:
        """The lines of one box for quiet steps one after another."""
        lines: list[str] = []
        for step in steps:
            line = "• " + self.quiet(step)
            if step.if_:
                line += ", if " + self.condition(step.if_, CONDITION)
            lines += [words.shorten(line, LINE), *self.undo(step)]
        return lines

    def title(self, step: model.Step | model.Branch) -> str:
        if step.title:
            return words.template(step.title, LINE, self.labels)
        return words.name(step.id).capitalize()

    def condition(self, source: str, limit: int) -> str:
        return words.expression(source, limit, self.labels)

    def quiet(self, step: model.Step) -> str:
        """What a step the engine does by itself does, in one line."""
        match step:
            case model.SetStep() if not step.title:
                return f"{self.title(step)}: {self.setting(step)}"
            case model.WaitStep():
                return self.title(step) if step.title else self.wait(step.wait)
            case model.ProcessStep():
                detached = " (detached)" if step.detached else ""
                return f"{self.title(step)}: start process {step.process}{detached}"
            case model.NotifyStep() if not step.title:
                people = ", ".join(self.people(assignee) for assignee in step.notify.to)
                return f"Mail {people}"
            case model.VoidStep() if not step.title:
                return f"Void the decision of {words.name(step.void.task)}"
            case (
                model.NotifyStep()  # with a title: the title says it
                | model.VoidStep()
                | model.SetStep()
                | model.CallStep()
                | model.BotStep()
                | model.TaskStep()
                | model.ParallelStep()
                | model.SwitchStep()
                | model.ForEachStep()
                | model.RepeatStep()
                | model.FailStep()
                | model.FinishStep()
                | model.GroupStep()
            ):
                return self.title(step)
            case _:
                assert_never(step)

    def setting(self, step: model.SetStep) -> str:
        """The values a set step gives: each value when it is short, else only its name."""
        said = []
        for name, value in step.set.items():
            text = self.value(value)
            short = len(text) <= SHORT_VALUE
            said.append(f"{words.name(name)} {text}" if short else f"sets {words.name(name)}")
        return "; ".join(said)

    def follower(self, step: model.Step, rest: Node | None) -> str:
        """A quiet step that runs after the one it follows, as a line of that one's node."""
        what = self.setting(step) if isinstance(step, model.SetStep) else self.quiet(step)
        if rest is None:
            return words.shorten(f"then {self.short(step)}: {what}", LINE)
        condition = words.say(rest, CONDITION, self.labels)
        return words.shorten(f"if {condition}: {what}", LINE)

    def value(self, value: Any) -> str:
        if isinstance(value, str):
            text = value.strip()
            try:
                parts = template_parts(text)
            except ExpressionError:
                parts = []
            if len(parts) == 1 and text.startswith("${") and text.endswith("}"):
                return words.expression(parts[0].expression, labels=self.labels)
            return words.template(text, labels=self.labels)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return "a value" if value is not None else "nothing"

    def wait(self, wait: model.WaitSpec) -> str:
        if wait.duration is not None:
            return f"Wait {wait.duration}"
        if wait.until is not None:
            return f"Wait until {self.condition(wait.until, CONDITION)}"
        then = "then go on" if wait.on_timeout == "continue" else "then fail"
        return f"Wait for {words.name(wait.event or '')} (at most {wait.timeout}, {then})"

    def action(self, step: model.Step) -> list[str]:
        """The lines of a step with a node of its own that is not a task or a block."""
        return [self.quiet(step), *self.undo(step)]

    def task(self, step: model.TaskStep) -> list[str]:
        """A task for people: its title, who decides, the outcomes, the deadlines."""
        task = step.task
        people = " or ".join(self.people(assignee) for assignee in task.assignees)
        outcomes = " / ".join(outcome.label or outcome.id for outcome in task.form.outcomes)
        lines = [self.title(step), words.shorten(f"by {people}", LINE)]
        if isinstance(task.approvals, str):  # computed: said as what it works out
            said = words.template(task.approvals, LINE, self.labels)
            lines.append(words.shorten(f"approvals: {said}", LINE))
        elif task.approvals > 1:
            lines.append(f"{task.approvals} different people must approve")
        lines.append(words.shorten(f"decides: {outcomes}", LINE))
        return [*lines, _deadlines(task), *self.undo(step)]

    def people(self, assignee: model.Assignee) -> str:
        kind = assignee.kind
        if assignee.approval_limit is not None:
            limit = assignee.approval_limit
            group = f" in {limit.group}" if limit.group else ""
            return f"someone{group} who may approve {self.placeholder(limit.at_least)}"
        if assignee.users is not None:
            return self.condition(assignee.users, CONDITION)
        if assignee.owner_of is not None:
            record, which = assignee.owner_of.owned
            return f"the owner of {words.name(record)} {self.placeholder(which)}"
        if assignee.guest is not None:
            return f"the guest {self.placeholder(assignee.guest.name)} (by link)"
        prefix = {
            "user": "",
            "group": "group ",
            "role": "role ",
            "manager_of": "the manager of ",
            "cost_center_owner": "the owner of cost center ",
        }
        return prefix[kind] + self.placeholder(getattr(assignee, kind))

    def placeholder(self, value: Any) -> str:
        """A value written into a sentence: what ``${ }`` holds reads between angle quotes."""
        if isinstance(value, str):
            return words.template(value, labels=self.labels)
        return self.value(value)

    def ending(self, step: model.FailStep | model.FinishStep) -> list[str]:
        verb = "fails" if isinstance(step, model.FailStep) else "finishes"
        reason = step.fail.reason if isinstance(step, model.FailStep) else step.finish.reason
        said = f"{verb}: {words.template(reason, LINE, self.labels)}" if reason else verb
        return [self.title(step), said] if step.title else [said]

    def folded(
        self, step: model.RepeatStep | model.ForEachStep | model.ParallelStep | model.GroupStep
    ) -> list[str]:
        """A loop, parallel block or group in one node: title, how it runs, what is inside."""
        lines = [self.title(step)]
        match step:
            case model.RepeatStep():
                until = self.condition(step.repeat.until, CONDITION)
                lines.append(f"repeats until {until}, at most {step.repeat.max} times")
                lines += self.contents(step.steps)
            case model.ForEachStep():
                items = self.condition(step.for_each, CONDITION)
                at_once = f", {step.concurrency} at a time" if step.concurrency > 1 else ""
                lines.append(f"for each {words.name(step.as_)} of {items}{at_once}")
                lines += self.contents(step.steps)
            case model.ParallelStep():
                branches = ", ".join(self.title(branch) for branch in step.parallel)
                lines.append(f"at once: {branches}")
                lines.append(_PARALLEL_MODES[step.mode])
                inside = [inner for branch in step.parallel for inner in branch.steps]
                if _count(inside) > len(step.parallel):
                    lines += self.contents(inside)
            case model.GroupStep():
                lines += self.contents(step.steps)
            case _:
                assert_never(step)
        return lines + self.undo(step)

    def contents(self, steps: list[model.Step]) -> list[str]:
        """A few steps by name; more as a count, with the tasks of people by name."""
        if _count(steps) <= SMALL:
            return [words.shorten(", ".join(self.short(step) for step in steps), LINE)]
        tasks = [
            self.short(step)
            for _, step in model.walk_steps(steps)
            if isinstance(step, model.TaskStep)
        ]
        lines = [f"{_count(steps)} steps"]
        if tasks:
            lines.append(words.shorten("people: " + ", ".join(tasks), LINE))
        return lines

    def short(self, step: model.Step) -> str:
        """A step's name in a list: its title when it has no placeholders, else its id."""
        if isinstance(step, model.FailStep | model.FinishStep):
            return self.ending(step)[-1]
        if step.title and "${" not in step.title:
            return step.title
        return words.name(step.id)

    def handler(self, handler: model.Catch) -> str:
        """An error handler as one line of the node of the step it guards."""
        then = ", then the process fails" if handler.then == "fail" else ""
        inside = ", ".join(self.short(step) for step in handler.steps)
        return words.shorten(f"{_errors(handler.errors)}: {inside}{then}", LINE)

    def undo(self, step: model.Step) -> list[str]:
        """The compensation of ``step`` as one line of its node."""
        undo = step.compensate
        if undo is None:
            return []
        inner = undo.steps if isinstance(undo, model.GroupStep) else [undo]
        how = ", ".join(self.short(part) for part in inner)
        return [words.shorten(f"undone on failure: {how}", LINE)]


def _deadlines(task: model.HumanTask) -> str:
    """When a task is due, when it escalates, and what it ends as when nobody decides."""
    parts = ["due " + _when(task.due, "in")] if task.due else []
    if task.escalations:
        afters = [_when(escalation.after, "") for escalation in task.escalations]
        parts.append("escalated after " + ", ".join(afters))
    labels = {outcome.id: outcome.label for outcome in task.form.outcomes if outcome.label}
    ending = labels.get(task.timeout.outcome, task.timeout.outcome)
    parts.append(f"{ending} {_when(task.timeout.after, 'after')}")
    return ", ".join(parts)


def _when(setting: Duration | str, relative: str) -> str:
    """A time setting in a diagram: ``after 3bd``, or ``at`` what a computed one holds."""
    if isinstance(setting, str):
        return "at " + words.template(setting, LINE)
    return when(setting, relative).strip()


def _count(steps: list[model.Step]) -> int:
    return sum(1 for _ in model.walk_steps(steps))


def _errors(errors: list[str]) -> str:
    if len(errors) == 1 and errors[0] in _ENGINE_ERRORS:
        return _ENGINE_ERRORS[errors[0]]
    return words.shorten("on " + ", ".join(errors), EDGE)
