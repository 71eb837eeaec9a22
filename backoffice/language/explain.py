"""``backoffice explain``: a definition as a readable outline, or as a Mermaid flowchart.

The flowchart comes in two levels of detail: the overview (see :mod:`overview`), for the
process owner, and the full chart, every step with its id, conditions as written.
"""

from __future__ import annotations

import re
from typing import Literal, assert_never

from backoffice.language import model
from backoffice.language.mermaid import Flowchart
from backoffice.language.overview import overview
from backoffice.language.task_settings import how_many, when
from backoffice.language.written import written


def _assignee(assignee: model.Assignee) -> str:
    text = _rule(assignee)
    if assignee.or_else is not None:
        text += f", or else {_assignee(assignee.or_else)}"
    return text


def _rule(assignee: model.Assignee) -> str:
    kind = assignee.kind
    if kind == "approval_limit":
        assert assignee.approval_limit is not None
        limit = assignee.approval_limit
        group = f" in {limit.group}" if limit.group else ""
        return f"someone{group} with an approval limit of at least {limit.at_least}"
    if isinstance(assignee.manager_of, model.Assignee):
        return f"the manager of {_rule(assignee.manager_of)}"
    if assignee.owner_of is not None:
        record, which = assignee.owner_of.owned
        return f"the owner of {record} {which}"
    if assignee.guest is not None:
        return f"the guest {assignee.guest.name}, through a link mailed to them"
    value = getattr(assignee, kind)
    words = {
        "user": "user",
        "group": "group",
        "role": "role",
        "manager_of": "the manager of",
        "cost_center_owner": "the owner of cost center",
        "users": "the users",
    }
    return f"{words[kind]} {value}"


def summary(step: model.Step) -> str:
    """What one step does, in one line."""
    match step:
        case model.CallStep():
            return f"call {step.call}"
        case model.BotStep():
            login = f" as {step.credential}" if step.credential else ""
            return f"bot {step.bot}{login}"
        case model.TaskStep():
            task = step.task
            who = " or ".join(_assignee(a) for a in task.assignees)
            parts = [f"task for {who}"]
            approvals = how_many(task.approvals)
            if approvals:
                parts.append(approvals)
            if task.exclude:
                parts.append("never " + ", ".join(str(x) for x in task.exclude))
            if task.due:
                parts.append("due " + when(task.due, "in"))
            if task.reminders:
                reminders = task.reminders
                offsets = ", ".join(str(d) for d in reminders.at or [])
                if reminders.every:
                    moments = f"every {reminders.every}"
                elif reminders.before is not None:
                    moments = f"{offsets} before {reminders.before}"
                else:
                    moments = f"at {offsets}"
                parts.append(f"reminders {moments}")
            for escalation in task.escalations:
                action = "add" if escalation.add else "replace with" if escalation.replace else ""
                people = escalation.add or escalation.replace
                text = f"{when(escalation.after, 'after')} escalate"
                if people:
                    text += f" ({action} " + " or ".join(_assignee(a) for a in people) + ")"
                if escalation.notify:
                    text += " notifying " + ", ".join(_assignee(a) for a in escalation.notify)
                parts.append(text)
            if task.reassigners:
                parts.append("reassigned by " + " or ".join(_assignee(a) for a in task.reassigners))
            outcomes = ", ".join(outcome.id for outcome in task.form.outcomes)
            parts.append(f"outcomes {outcomes}")
            parts.append(f"{when(task.timeout.after, 'after')} outcome {task.timeout.outcome}")
            return "; ".join(parts)
        case model.ParallelStep():
            modes = {"all": "wait for all", "fail_fast": "fail fast", "first": "first wins"}
            return f"in parallel ({modes[step.mode]})"
        case model.SwitchStep():
            return "choose one path"
        case model.ForEachStep():
            return (
                f"for each {step.as_} in {step.for_each} "
                f"(at most {step.max_items}, {step.concurrency} at a time)"
            )
        case model.RepeatStep():
            return f"repeat until {step.repeat.until} (at most {step.repeat.max} times)"
        case model.WaitStep():
            wait = step.wait
            if wait.duration is not None:
                return f"wait {wait.duration}"
            if wait.until is not None:
                return f"wait until {wait.until}"
            then = "continue" if wait.on_timeout == "continue" else "fail"
            about = f" about {wait.key}" if wait.key is not None else ""
            return f"wait for event {wait.event}{about} (at most {wait.timeout}, then {then})"
        case model.SetStep():
            return "set " + ", ".join(
                f"{name} = {written(value)}" for name, value in step.set.items()
            )
        case model.ProcessStep():
            return f"start process {step.process}" + (" (detached)" if step.detached else "")
        case model.FailStep():
            return f"fail with {step.fail.reason}"
        case model.FinishStep():
            reason = f" ({step.finish.reason})" if step.finish.reason else ""
            return f"finish{reason}"
        case model.NotifyStep():
            mail = step.notify
            what = f"template {mail.template}" if mail.template else f"'{mail.subject}'"
            return "mail " + ", ".join(_assignee(a) for a in mail.to) + f": {what}"
        case model.VoidStep():
            return f"void the decision of {step.void.task}"
        case model.GroupStep():
            return "steps"
        case _:
            assert_never(step)


def _one_line(text: str) -> str:
    # Folded YAML keeps the line breaks of a long expression; in the outline each step
    # stays on its line, so its indentation still shows where it belongs.
    return re.sub(r"\s*\n\s*", " ", text.strip())


def outline(definition: model.Definition) -> str:
    lines = [f"{definition.name} v{definition.version}: {definition.title}"]
    lines.append(f"Owner: {definition.owner}")
    if definition.description:
        lines.append(definition.description.strip())
    lines.append(f"Business key: {definition.business_key}")
    if definition.input:
        lines.append("Input:")
        for name, spec in definition.input.items():
            optional = "" if spec.required else ", optional"
            lines.append(f"  {name} ({spec.type}{optional})")
    lines.append("Steps:")
    _outline_steps(definition.steps, lines, "  ")
    if definition.output:
        lines.append("Output: " + ", ".join(definition.output))
    return "\n".join(lines)


def _outline_steps(steps: list[model.Step], lines: list[str], indent: str) -> None:
    for number, step in enumerate(steps, start=1):
        title = f" - {step.title}" if step.title else ""
        guard = f" [only if {step.if_}]" if step.if_ else ""
        lines.append(indent + _one_line(f"{number}. {step.id}{title}: {summary(step)}{guard}"))
        inner = indent + "   "
        match step:
            case model.ParallelStep():
                for branch in step.parallel:
                    lines.append(f"{inner}branch {branch.id}:")
                    _outline_steps(branch.steps, lines, inner + "  ")
            case model.SwitchStep():
                for case in step.switch:
                    lines.append(f"{inner}when {case.when}:")
                    _outline_steps(case.steps, lines, inner + "  ")
                if step.otherwise:
                    lines.append(f"{inner}otherwise:")
                    _outline_steps(step.otherwise, lines, inner + "  ")
            case model.ForEachStep() | model.RepeatStep() | model.GroupStep():
                _outline_steps(step.steps, lines, inner)
            case (
                model.CallStep()
                | model.BotStep()
                | model.TaskStep()
                | model.WaitStep()
                | model.SetStep()
                | model.ProcessStep()
                | model.FailStep()
                | model.FinishStep()
                | model.NotifyStep()
                | model.VoidStep()
            ):
                pass  # no steps inside
            case _:
                assert_never(step)
        for handler in step.catch:
            then = "" if handler.then == "continue" else ", then fail"
            lines.append(f"{inner}on error {', '.join(handler.errors)}{then}:")
            _outline_steps(handler.steps, lines, inner + "  ")
        if step.compensate is not None:
            lines.append(
                f"{inner}undo if the process later fails or is cancelled, or the part it ran in is:"
            )
            _outline_steps([step.compensate], lines, inner + "  ")


# --- Mermaid ---------------------------------------------------------------------------

Detail = Literal["overview", "full"]
DETAILS: tuple[Detail, ...] = ("overview", "full")


def mermaid(definition: model.Definition, detail: Detail = "overview") -> str:
    """The flowchart of ``definition``: the overview for its owner, or every step."""
    if detail == "overview":
        return overview(definition)
    return full_chart(definition)


# A way out of what is drawn so far: the node it leaves, and the label of its edge.
_Exit = tuple[str, str]


def full_chart(definition: model.Definition) -> str:
    """Every step as a node, named by its id, with conditions and values as written."""
    chart = Flowchart()
    start = chart.node(f"start: {definition.title}", "stadium")
    ends = _chart_steps(chart, definition.steps, [(start, "")])
    done = chart.node("done", "stadium")
    _connect(chart, ends, done)
    return chart.text()


def _connect(chart: Flowchart, entries: list[_Exit], target: str) -> None:
    for source, label in entries:
        chart.edge(source, target, label)


def _chart_steps(chart: Flowchart, steps: list[model.Step], entries: list[_Exit]) -> list[_Exit]:
    current = entries
    for step in steps:
        current = _chart_step(chart, step, current)
    return current


def _chart_step(chart: Flowchart, step: model.Step, entries: list[_Exit]) -> list[_Exit]:
    label = f"{step.id}: {step.title or summary(step)}"
    skipped: list[_Exit] = []
    if step.if_:
        guard = chart.node(f"if {step.if_}", "diamond")
        _connect(chart, entries, guard)
        entries, skipped = [(guard, "yes")], [(guard, "no")]
    exits: list[_Exit]
    match step:
        case model.FailStep() | model.FinishStep():
            node = chart.node(f"{step.id}: {summary(step)}", "stadium")
            _connect(chart, entries, node)
            exits = []
        case model.SwitchStep():
            node = chart.node(label, "diamond")
            _connect(chart, entries, node)
            exits = []
            for case in step.switch:
                exits += _chart_branch(chart, case.steps, node, case.when)
            if step.otherwise:
                exits += _chart_branch(chart, step.otherwise, node, "otherwise")
            else:
                exits.append((node, "otherwise"))
        case model.ParallelStep():
            node = chart.node(label, "bar")
            _connect(chart, entries, node)
            join = chart.node(f"join {step.id} ({step.mode})", "bar")
            for branch in step.parallel:
                _connect(chart, _chart_branch(chart, branch.steps, node, branch.id), join)
            exits = [(join, "")]
        case model.ForEachStep() | model.RepeatStep() | model.GroupStep():
            node = chart.node(label)
            _connect(chart, entries, node)
            inner = _chart_steps(chart, step.steps, [(node, "")])
            if isinstance(step, model.GroupStep):
                exits = inner
            else:
                for end, _ in inner:
                    chart.edge(end, node, "next", dashed=True)
                exits = [(node, "finished")]
        case (
            model.CallStep()
            | model.BotStep()
            | model.TaskStep()
            | model.WaitStep()
            | model.SetStep()
            | model.ProcessStep()
            | model.NotifyStep()
            | model.VoidStep()
        ):
            node = chart.node(label)
            _connect(chart, entries, node)
            exits = [(node, "")]
        case _:
            assert_never(step)
    for handler in step.catch:
        catcher = chart.node(f"on {', '.join(handler.errors)}", "diamond")
        chart.edge(node, catcher, "error", dashed=True)
        ends = _chart_steps(chart, handler.steps, [(catcher, "")])
        if handler.then == "continue":
            exits += ends
    if step.compensate is not None:
        undo = chart.node(f"undo: {step.compensate.id}: {summary(step.compensate)}")
        if step.compensate.if_:  # the undoing runs only where its condition holds
            guard = chart.node(f"if {step.compensate.if_}", "diamond")
            chart.edge(node, guard, "compensate", dashed=True)
            chart.edge(guard, undo, "yes")
        else:
            chart.edge(node, undo, "compensate", dashed=True)
        if isinstance(step.compensate, model.GroupStep):
            _chart_steps(chart, step.compensate.steps, [(undo, "")])
    return exits + skipped


def _chart_branch(
    chart: Flowchart, steps: list[model.Step], source: str, label: str
) -> list[_Exit]:
    marker = chart.node(label, "stadium")
    chart.edge(source, marker)
    return _chart_steps(chart, steps, [(marker, "")])
