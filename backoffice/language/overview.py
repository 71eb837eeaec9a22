"""The overview flowchart: a process as its owner reads it, on a screen or two.

Where the full chart (``explain --mermaid --detail full``) draws every step, the overview
draws what an owner decides about and waits for, and folds the rest:

- steps the engine does by itself (``call``, ``bot``, ``set``) that follow one another
  share one box, a line each, with the condition a line runs under;
- a condition is a hexagon that says it in words, with ``yes`` and ``no`` on its two
  ways out; a lone value set under a condition is the ``yes`` edge itself;
- a task of people, a wait, a child process or an end is a node of its own; the values
  set right after it from what it gave (``if: has(steps.<it>) && ...``) are lines of it;
- a decision (``switch``) is a diamond named by its title, each way out labelled with
  its case (``otherwise`` for the rest);
- a loop, a parallel block or a group is one node with its title and what is inside:
  its few steps by name, or how many there are and which of them are people's tasks;
- an error handler and a compensation are one line of the node they belong to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from backoffice.language import model, words
from backoffice.language.cel_syntax import (
    Binary,
    Call,
    Member,
    Name,
    Node,
    Unreadable,
    chain,
    parse,
)
from backoffice.language.expressions import template_parts
from backoffice.language.mermaid import Flowchart, Shape

# Mermaid's default width of 200 pixels makes narrow nodes of many short lines, and its
# 50 pixels between rows a chart taller than it needs to be.
LAYOUT = {"wrappingWidth": 480, "rankSpacing": 30}
CONDITION = 100  # the longest condition, in a hexagon or on a line
EDGE = 40  # the longest label on an edge
LINE = 120  # the longest line a step gets inside a node
SMALL = 3  # a folded part with at most this many steps names each of them
SHORT_VALUE = 24  # a value set is said when it is this short, else only what is set

_QUIET_KINDS = frozenset({"call", "bot", "set"})
_ENGINE_ERRORS = {
    "any": "on any error",
    "EventTimeout": "if the event never comes",
    "RepeatLimitReached": "if the rounds run out",
    "TooManyItems": "if there are too many items",
    "ExpressionError": "if an expression fails",
}
_PARALLEL_MODES = {
    "all": "all must finish",
    "fail_fast": "all must finish; a failure stops the others",
    "first": "the first to finish wins",
}


@dataclass(frozen=True)
class Exit:
    """A way out of what is drawn so far: the node it leaves and the label of its edge."""

    node: str
    label: str = ""


@dataclass
class _Part:
    """What one node stands for: a run of quiet steps, or one step and its followers."""

    steps: list[model.StepBase]
    # Quiet steps right after a single step that run only if it ran: lines of its node,
    # each with the rest of its condition (None when it has no more).
    followers: list[tuple[model.StepBase, Node | None]] = field(default_factory=list)


def overview(definition: model.Definition) -> str:
    """The overview of ``definition`` as Mermaid flowchart text."""
    return _Overview(definition).draw()


def outcome_labels(definition: model.Definition) -> dict[str, dict[str, str]]:
    """For each task, the label people see on each outcome that has one."""
    return {
        step.id: {outcome.id: outcome.label for outcome in step.task.form.outcomes if outcome.label}
        for _, step in model.walk_steps(definition.steps)
        if isinstance(step, model.TaskStep)
    }


class _Overview:
    def __init__(self, definition: model.Definition) -> None:
        self.definition = definition
        self.chart = Flowchart(dict(LAYOUT))
        self.labels = outcome_labels(definition)

    def draw(self) -> str:
        start = self.chart.node(self.definition.title, "stadium")
        exits = self.steps(self.definition.steps, [Exit(start)])
        if exits:
            self.connect(exits, self.chart.node("done", "stadium"))
        return self.chart.text()

    # --- sequences ---------------------------------------------------------------------

    def steps(self, steps: list[model.Step], entries: list[Exit]) -> list[Exit]:
        for part in _parts(steps):
            if len(part.steps) > 1:
                entries = [Exit(self.add(self.run(part.steps), "box", entries))]
            else:
                entries = self.step(part.steps[0], part.followers, entries)
        return entries

    def run(self, steps: list[model.StepBase]) -> list[str]:
        """The lines of one box for quiet steps one after another."""
        lines: list[str] = []
        for step in steps:
            line = "• " + self.quiet(step)
            if step.if_:
                line += ", if " + self.condition(step.if_, CONDITION)
            lines += [words.shorten(line, LINE), *self.undo(step)]
        return lines

    def step(
        self,
        step: model.StepBase,
        followers: list[tuple[model.StepBase, Node | None]],
        entries: list[Exit],
    ) -> list[Exit]:
        if step.if_ and isinstance(step, model.SetStep) and not step.title and not followers:
            # A lone value set under a condition: the condition, with the value on "yes".
            guard = self.add(self.condition(step.if_, CONDITION) + "?", "hexagon", entries)
            effect = words.shorten("yes: " + self.setting(step), EDGE)
            return [Exit(guard, effect), Exit(guard, "no")]
        skipped: list[Exit] = []
        if step.if_:
            guard = self.add(self.condition(step.if_, CONDITION) + "?", "hexagon", entries)
            entries, skipped = [Exit(guard, "yes")], [Exit(guard, "no")]
        extra = [self.follower(after, rest) for after, rest in followers]
        extra += [self.handler(handler) for handler in step.catch]
        return self.body(step, extra, entries) + skipped

    def body(self, step: model.StepBase, extra: list[str], entries: list[Exit]) -> list[Exit]:
        """The node of one step; the ways out of it."""
        match step:
            case model.SwitchStep():
                return self.switch(step, entries)
            case model.FailStep() | model.FinishStep():
                self.add(self.ending(step) + extra, "stadium", entries)
                return []
            case model.TaskStep():
                node = self.add([self.title(step), *self.task(step.task), *extra], "round", entries)
            case model.ForEachStep() | model.RepeatStep() | model.ParallelStep():
                node = self.add(self.folded(step) + extra, "subroutine", entries)
            case model.GroupStep() if _always_ends(step.steps):
                self.add(self.folded(step) + extra, "stadium", entries)
                return []
            case model.GroupStep():
                node = self.add(self.folded(step) + extra, "subroutine", entries)
            case _:
                node = self.add([self.quiet(step), *self.undo(step), *extra], "box", entries)
        return [Exit(node)]

    def switch(self, step: model.SwitchStep, entries: list[Exit]) -> list[Exit]:
        decision = self.add(self.title(step) + "?", "diamond", entries)
        exits: list[Exit] = []
        for case in step.switch:
            label = case.title or self.condition(case.when, EDGE)
            exits += self.branch(case.steps, Exit(decision, label))
        if step.otherwise:
            exits += self.branch(step.otherwise, Exit(decision, "otherwise"))
        else:
            exits.append(Exit(decision, "otherwise"))
        return exits

    def branch(self, steps: list[model.Step], entry: Exit) -> list[Exit]:
        """A case of a decision: drawn when it is one part, else folded into one node."""
        if len(_parts(steps)) == 1:
            return self.steps(steps, [entry])
        ends = _always_ends(steps)
        lines = self.contents(steps)
        node = self.add(lines, "stadium" if ends else "subroutine", [entry])
        return [] if ends else [Exit(node)]

    # --- lines -------------------------------------------------------------------------

    def title(self, step: model.StepBase | model.Branch) -> str:
        if step.title:
            return words.template(step.title, LINE, self.labels)
        return words.name(step.id).capitalize()

    def condition(self, source: str, limit: int) -> str:
        return words.expression(source, limit, self.labels)

    def quiet(self, step: model.StepBase) -> str:
        """What a step the engine does by itself does, in one line."""
        match step:
            case model.SetStep() if not step.title:
                return f"{self.title(step)}: {self.setting(step)}"
            case model.WaitStep():
                return self.title(step) if step.title else self.wait(step.wait)
            case model.ProcessStep():
                detached = " (detached)" if step.detached else ""
                return f"{self.title(step)}: start process {step.process}{detached}"
        return self.title(step)

    def setting(self, step: model.SetStep) -> str:
        """The values a set step gives: each value when it is short, else only its name."""
        said = []
        for name, value in step.set.items():
            text = self.value(value)
            short = len(text) <= SHORT_VALUE
            said.append(f"{words.name(name)} {text}" if short else f"sets {words.name(name)}")
        return "; ".join(said)

    def follower(self, step: model.StepBase, rest: Node | None) -> str:
        """A quiet step that runs after the one it follows, as a line of that one's node."""
        what = self.setting(step) if isinstance(step, model.SetStep) else self.quiet(step)
        if rest is None:
            return words.shorten(f"then {self.title(step).lower()}: {what}", LINE)
        condition = words.say(rest, CONDITION, self.labels)
        return words.shorten(f"if {condition}: {what}", LINE)

    def value(self, value: Any) -> str:
        if isinstance(value, str):
            text = value.strip()
            parts = template_parts(text)
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

    def task(self, task: model.HumanTask) -> list[str]:
        people = " or ".join(self.people(assignee) for assignee in task.assignees)
        outcomes = " / ".join(outcome.label or outcome.id for outcome in task.form.outcomes)
        lines = [words.shorten(f"by {people}", LINE)]
        if task.approvals > 1:
            lines.append(f"{task.approvals} different people must approve")
        lines.append(words.shorten(f"decides: {outcomes}", LINE))
        return [*lines, _deadlines(task)]

    def people(self, assignee: model.Assignee) -> str:
        kind = assignee.kind
        if assignee.approval_limit is not None:
            limit = assignee.approval_limit
            group = f" in {limit.group}" if limit.group else ""
            return f"someone{group} who may approve {self.placeholder(limit.at_least)}"
        if assignee.users is not None:
            return self.condition(assignee.users, CONDITION)
        prefix = {
            "user": "",
            "group": "group ",
            "role": "role ",
            "manager_of": "the manager of ",
            "cost_centre_owner": "the owner of cost centre ",
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

    def folded(self, step: model.StepBase) -> list[str]:
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

    def short(self, step: model.StepBase) -> str:
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

    def undo(self, step: model.StepBase) -> list[str]:
        """The compensation of ``step`` as one line of its node."""
        undo = step.compensate
        if undo is None:
            return []
        inner = undo.steps if isinstance(undo, model.GroupStep) else [undo]
        how = ", ".join(self.short(part) for part in inner)
        return [words.shorten(f"undone on failure: {how}", LINE)]

    # --- drawing -----------------------------------------------------------------------

    def add(self, label: str | list[str], shape: Shape, entries: Iterable[Exit]) -> str:
        node = self.chart.node(label, shape)
        self.connect(entries, node)
        return node

    def connect(self, entries: Iterable[Exit], target: str) -> None:
        for entry in entries:
            self.chart.edge(entry.node, target, entry.label)


def _parts(steps: list[model.Step]) -> list[_Part]:
    """``steps`` cut into what gets one node each."""
    parts: list[_Part] = []
    for step in steps:
        last = parts[-1] if parts else None
        if last is not None and _is_quiet(step):
            single = last.steps[0]
            if len(last.steps) == 1 and not _is_quiet(single):
                follows = _follows(step, single) if _takes_followers(single) else None
                if isinstance(step, model.SetStep) and follows is not None:
                    last.followers.append((step, follows.rest))
                    continue
            elif not last.followers:
                last.steps.append(step)
                continue
        parts.append(_Part([step]))
    return parts


@dataclass(frozen=True)
class _Follows:
    rest: Node | None  # what the condition asks besides that the step before ran


def _takes_followers(step: model.StepBase) -> bool:
    # A decision's diamond holds only its title, and nothing comes after an end.
    if isinstance(step, model.SwitchStep | model.FailStep | model.FinishStep):
        return False
    return not (isinstance(step, model.GroupStep) and _always_ends(step.steps))


def _follows(step: model.StepBase, previous: model.StepBase) -> _Follows | None:
    """Whether ``step`` runs only after ``previous`` ran, and what else its condition asks.

    So it is when ``previous`` has no condition, or when the condition of ``step`` starts
    with ``has(steps.<previous>) &&``.
    """
    if step.if_ is None:
        return _Follows(None) if previous.if_ is None else None
    try:
        conjuncts = chain(parse(step.if_), "&&")
    except Unreadable:
        return None
    if previous.if_ is None:
        return _Follows(reduce(_both, conjuncts))
    if conjuncts[0] != Call("has", (Member(Name("steps"), previous.id),)):
        return None
    rest = conjuncts[1:]
    return _Follows(reduce(_both, rest) if rest else None)


def _both(left: Node, right: Node) -> Node:
    return Binary("&&", left, right)


def _is_quiet(step: model.StepBase) -> bool:
    # A step with an error handler gets a node of its own, so its handler has one home.
    return step.kind in _QUIET_KINDS and not step.catch


def _always_ends(steps: list[model.Step]) -> bool:
    """Whether every way through ``steps`` fails or finishes the process."""
    if not steps:
        return False
    last = steps[-1]
    if last.if_:
        return False
    match last:
        case model.FailStep() | model.FinishStep():
            return True
        case model.GroupStep():
            return _always_ends(last.steps)
        case model.SwitchStep():
            cases = [case.steps for case in last.switch]
            return last.otherwise is not None and all(
                _always_ends(branch) for branch in [*cases, last.otherwise]
            )
    return False


def _deadlines(task: model.HumanTask) -> str:
    """When a task is due, when it escalates, and what it ends as when nobody decides."""
    parts = [f"due in {task.due}"] if task.due else []
    if task.escalations:
        afters = [str(escalation.after) for escalation in task.escalations]
        parts.append("escalated after " + ", ".join(afters))
    parts.append(f"{task.timeout.outcome} after {task.timeout.after}")
    return ", ".join(parts)


def _count(steps: list[model.Step]) -> int:
    return sum(1 for _ in model.walk_steps(steps))


def _errors(errors: list[str]) -> str:
    if len(errors) == 1 and errors[0] in _ENGINE_ERRORS:
        return _ENGINE_ERRORS[errors[0]]
    return words.shorten("on " + ", ".join(errors), EDGE)
