"""The overview flowchart: a process as its owner reads it, on a screen or two.

Where the full chart (``explain --mermaid --detail full``) draws every step, the overview
draws what an owner decides about and waits for, and folds the rest:

- steps the engine does by itself (``call``, ``bot``, ``set``) that follow one another
  share one box, a line each, with the condition a line runs under;
- a condition is a hexagon that says it in words, with ``yes`` and ``no`` on its two
  ways out; a lone value set under a condition is the ``yes`` edge itself;
- a task of people, a loop or block, a wait, a child process or an end is a node of its
  own; the values set right after it that run only once it has (it has no condition, or
  theirs starts with ``has(steps.<it>) &&``) are lines of it;
- a decision (``switch``) is a diamond named by its title, each way out labelled with
  its case (``otherwise`` for the rest);
- a loop, a parallel block or a group is one node with its title and what is inside:
  its few steps by name, or how many there are and which of them are people's tasks;
- an error handler and a compensation are one line of the node they belong to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from typing import assert_never

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
from backoffice.language.mermaid import Flowchart, Shape
from backoffice.language.step_text import CONDITION, EDGE, StepText

# Mermaid's default width of 200 pixels makes narrow nodes of many short lines, and its
# 50 pixels between rows a chart taller than it needs to be.
LAYOUT = {"wrappingWidth": 480, "rankSpacing": 30}
_QUIET_KINDS = frozenset({"call", "bot", "set"})


@dataclass(frozen=True)
class Exit:
    """A way out of what is drawn so far: the node it leaves and the label of its edge."""

    node: str
    label: str = ""


@dataclass
class _Part:
    """What one node stands for: a run of quiet steps, or one step and its followers."""

    steps: list[model.Step]
    # Quiet steps right after a single step that run only if it ran: lines of its node,
    # each with the rest of its condition (None when it has no more).
    followers: list[tuple[model.Step, Node | None]] = field(default_factory=list)


def overview(definition: model.Definition) -> str:
    """The overview of ``definition`` as Mermaid flowchart text."""
    return _Overview(definition).draw()


class _Overview:
    def __init__(self, definition: model.Definition) -> None:
        self.definition = definition
        self.chart = Flowchart(dict(LAYOUT))
        self.text = StepText(definition)

    def draw(self) -> str:
        start = self.chart.node(_title_in_words(self.definition), "stadium")
        exits = self.steps(self.definition.steps, [Exit(start)])
        if exits:
            self.connect(exits, self.chart.node("done", "stadium"))
        return self.chart.text()

    # --- sequences ---------------------------------------------------------------------

    def steps(self, steps: list[model.Step], entries: list[Exit]) -> list[Exit]:
        for part in _parts(steps):
            if len(part.steps) > 1:
                entries = [Exit(self.add(self.text.run(part.steps), "box", entries))]
            else:
                entries = self.step(part.steps[0], part.followers, entries)
        return entries

    def step(
        self,
        step: model.Step,
        followers: list[tuple[model.Step, Node | None]],
        entries: list[Exit],
    ) -> list[Exit]:
        if step.if_ and isinstance(step, model.SetStep) and not step.title and not followers:
            # A lone value set under a condition: the condition, with the value on "yes".
            guard = self.add(self.text.condition(step.if_, CONDITION) + "?", "hexagon", entries)
            effect = words.shorten("yes: " + self.text.setting(step), EDGE)
            return [Exit(guard, effect), Exit(guard, "no")]
        skipped: list[Exit] = []
        if step.if_:
            guard = self.add(self.text.condition(step.if_, CONDITION) + "?", "hexagon", entries)
            entries, skipped = [Exit(guard, "yes")], [Exit(guard, "no")]
        extra = [self.text.follower(after, rest) for after, rest in followers]
        extra += [self.text.handler(handler) for handler in step.catch]
        return self.body(step, extra, entries) + skipped

    def body(self, step: model.Step, extra: list[str], entries: list[Exit]) -> list[Exit]:
        """The node of one step; the ways out of it."""
        match step:
            case model.SwitchStep():
                return self.switch(step, entries)
            case model.FailStep() | model.FinishStep():
                self.add(self.text.ending(step) + extra, "stadium", entries)
                return []
            case model.TaskStep():
                node = self.add(self.text.task(step) + extra, "round", entries)
            case model.ForEachStep() | model.RepeatStep() | model.ParallelStep():
                node = self.add(self.text.folded(step) + extra, "subroutine", entries)
            case model.GroupStep() if _always_ends(step.steps):
                self.add(self.text.folded(step) + extra, "stadium", entries)
                return []
            case model.GroupStep():
                node = self.add(self.text.folded(step) + extra, "subroutine", entries)
            case (
                model.CallStep()
                | model.BotStep()
                | model.WaitStep()
                | model.SetStep()
                | model.ProcessStep()
                | model.NotifyStep()
                | model.VoidStep()
            ):
                node = self.add(self.text.action(step) + extra, "box", entries)
            case _:
                assert_never(step)
        return [Exit(node)]

    def switch(self, step: model.SwitchStep, entries: list[Exit]) -> list[Exit]:
        decision = self.add(self.text.title(step) + "?", "diamond", entries)
        exits: list[Exit] = []
        for case in step.switch:
            label = case.title or self.text.condition(case.when, EDGE)
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
        lines = self.text.contents(steps)
        node = self.add(lines, "stadium" if ends else "subroutine", [entry])
        return [] if ends else [Exit(node)]

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
            else:
                last.steps.append(step)
                continue
        parts.append(_Part([step]))
    return parts


@dataclass(frozen=True)
class _Follows:
    rest: Node | None  # what the condition asks besides that the step before ran


def _takes_followers(step: model.Step) -> bool:
    # A decision's diamond holds only its title, and nothing comes after an end.
    if isinstance(step, model.SwitchStep | model.FailStep | model.FinishStep):
        return False
    return not (isinstance(step, model.GroupStep) and _always_ends(step.steps))


def _follows(step: model.Step, previous: model.Step) -> _Follows | None:
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


def _is_quiet(step: model.Step) -> bool:
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
        case (
            model.CallStep()
            | model.BotStep()
            | model.TaskStep()
            | model.ParallelStep()
            | model.ForEachStep()
            | model.RepeatStep()
            | model.WaitStep()
            | model.SetStep()
            | model.ProcessStep()
            | model.NotifyStep()
            | model.VoidStep()
        ):
            return False
        case _:
            assert_never(last)


def _title_in_words(definition: model.Definition) -> str:
    """The process's title without the run's values it names (``Month-end close ${
    input.period }`` is drawn ``Month-end close``): an overview is of every run."""
    title = re.sub(r"\s*\$\{.*?\}", "", definition.title).strip()
    return title or definition.name.replace("-", " ").replace("_", " ").capitalize()
