"""``backoffice explain``: a definition as a readable outline, or as a Mermaid flowchart."""

from __future__ import annotations

from dataclasses import dataclass, field

from backoffice.language import model


def _assignee(assignee: model.Assignee) -> str:
    kind = assignee.kind
    if kind == "approval_limit":
        assert assignee.approval_limit is not None
        limit = assignee.approval_limit
        group = f" in {limit.group}" if limit.group else ""
        return f"someone{group} with an approval limit of at least {limit.at_least}"
    value = getattr(assignee, kind)
    words = {
        "user": "user",
        "group": "group",
        "role": "role",
        "manager_of": "the manager of",
        "cost_centre_owner": "the owner of cost centre",
        "users": "the users",
    }
    return f"{words[kind]} {value}"


def summary(step: model.StepBase) -> str:
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
            if task.approvals > 1:
                parts.append(f"{task.approvals} different people must approve")
            if task.exclude:
                parts.append("never " + ", ".join(str(x) for x in task.exclude))
            if task.due:
                parts.append(f"due in {task.due}")
            if task.reminders:
                reminders = task.reminders
                when = (
                    f"every {reminders.every}"
                    if reminders.every
                    else "at " + ", ".join(str(d) for d in reminders.at or [])
                )
                parts.append(f"reminders {when}")
            for escalation in task.escalations:
                action = "add" if escalation.add else "replace with" if escalation.replace else ""
                people = escalation.add or escalation.replace
                text = f"after {escalation.after} escalate"
                if people:
                    text += f" ({action} " + " or ".join(_assignee(a) for a in people) + ")"
                if escalation.notify:
                    text += " notifying " + ", ".join(_assignee(a) for a in escalation.notify)
                parts.append(text)
            if task.reassigners:
                parts.append("reassigned by " + " or ".join(_assignee(a) for a in task.reassigners))
            outcomes = ", ".join(outcome.id for outcome in task.form.outcomes)
            parts.append(f"outcomes {outcomes}")
            parts.append(f"after {task.timeout.after} outcome {task.timeout.outcome}")
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
            return f"wait for event {wait.event} (at most {wait.timeout}, then {then})"
        case model.SetStep():
            return "set " + ", ".join(f"{name} = {value}" for name, value in step.set.items())
        case model.ProcessStep():
            return f"start process {step.process}" + (" (detached)" if step.detached else "")
        case model.FailStep():
            return f"fail with {step.fail.reason}"
        case model.FinishStep():
            reason = f" ({step.finish.reason})" if step.finish.reason else ""
            return f"finish{reason}"
        case model.GroupStep():
            return "steps"
    return step.kind


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
        lines.append(f"{indent}{number}. {step.id}{title}: {summary(step)}{guard}")
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
        for handler in step.catch:
            then = "" if handler.then == "continue" else ", then fail"
            lines.append(f"{inner}on error {', '.join(handler.errors)}{then}:")
            _outline_steps(handler.steps, lines, inner + "  ")
        if step.compensate is not None:
            lines.append(f"{inner}undo if the process later fails or is cancelled:")
            _outline_steps([step.compensate], lines, inner + "  ")


# --- Mermaid ---------------------------------------------------------------------------


@dataclass
class _Chart:
    lines: list[str] = field(default_factory=lambda: ["flowchart TD"])
    count: int = 0

    def node(self, text: str, shape: str = "box") -> str:
        self.count += 1
        name = f"n{self.count}"
        label = _escape(text)
        shapes = {
            "box": f'{name}["{label}"]',
            "round": f'{name}(["{label}"])',
            "diamond": f'{name}{{"{label}"}}',
            "end": f'{name}((("{label}")))',
            "bar": f'{name}[/"{label}"\\]',
        }
        self.lines.append("  " + shapes[shape])
        return name

    def edge(self, source: str, target: str, label: str = "", style: str = "-->") -> None:
        text = f'|"{_escape(label)}"|' if label else ""
        self.lines.append(f"  {source} {style}{text} {target}")


def _escape(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")[:120]


def mermaid(definition: model.Definition) -> str:
    chart = _Chart()
    start = chart.node(f"start: {definition.title}", "round")
    ends = _chart_steps(chart, definition.steps, [start])
    done = chart.node("done", "round")
    for end in ends:
        chart.edge(end, done)
    return "\n".join(chart.lines)


def _chart_steps(chart: _Chart, steps: list[model.Step], entries: list[str]) -> list[str]:
    current = entries
    for step in steps:
        current = _chart_step(chart, step, current)
    return current


def _chart_step(chart: _Chart, step: model.StepBase, entries: list[str]) -> list[str]:
    label = f"{step.id}: {step.title or summary(step)}"
    if step.if_:
        guard = chart.node(f"if {step.if_}", "diamond")
        for entry in entries:
            chart.edge(entry, guard)
        skipped = [guard]
        entries = [guard]
    else:
        skipped = []
    exits: list[str]
    match step:
        case model.FailStep() | model.FinishStep():
            node = chart.node(f"{step.id}: {summary(step)}", "end")
            for entry in entries:
                chart.edge(entry, node, "yes" if skipped else "")
            exits = []
        case model.SwitchStep():
            node = chart.node(label, "diamond")
            for entry in entries:
                chart.edge(entry, node)
            exits = []
            for case in step.switch:
                first = _chart_branch(chart, case.steps, node, case.when)
                exits += first
            if step.otherwise:
                exits += _chart_branch(chart, step.otherwise, node, "otherwise")
            else:
                exits.append(node)
        case model.ParallelStep():
            fork = chart.node(label, "bar")
            for entry in entries:
                chart.edge(entry, fork)
            join = chart.node(f"join {step.id} ({step.mode})", "bar")
            for branch in step.parallel:
                for end in _chart_branch(chart, branch.steps, fork, branch.id):
                    chart.edge(end, join)
            exits = [join]
        case model.ForEachStep() | model.RepeatStep() | model.GroupStep():
            node = chart.node(label)
            for entry in entries:
                chart.edge(entry, node)
            inner = _chart_steps(chart, step.steps, [node])
            if not isinstance(step, model.GroupStep):
                for end in inner:
                    chart.edge(end, node, "next", "-.->")
                exits = [node]
            else:
                exits = inner
        case _:
            node = chart.node(label)
            for entry in entries:
                chart.edge(entry, node, "yes" if skipped else "")
            exits = [node]
    for handler in step.catch:
        node = chart.node(f"on {', '.join(handler.errors)}", "diamond")
        chart.edge(exits[0] if exits else entries[0], node, "error", "-.->")
        ends = _chart_steps(chart, handler.steps, [node])
        if handler.then == "continue":
            exits += ends
    if step.compensate is not None and exits:
        undo = chart.node(f"undo: {step.compensate.id}: {summary(step.compensate)}")
        chart.edge(exits[0], undo, "compensate", "-.-")
    return exits + [node for node in skipped]


def _chart_branch(chart: _Chart, steps: list[model.Step], source: str, label: str) -> list[str]:
    marker = chart.node(label, "round")
    chart.edge(source, marker)
    return _chart_steps(chart, steps, [marker])
