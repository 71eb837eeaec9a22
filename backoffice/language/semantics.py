"""Checks that need the whole definition: names, references, expressions, the catalog.

The walk follows the process in document order and keeps what is known at each point:
which step results exist (``steps.<id>``), which variables were declared or set
(``vars.<name>``), and local names such as the item of a ``for_each`` or the ``error`` in a
``catch``. A step result counts as known after any step that may have produced it, so
results of skipped or branch steps are allowed; the documentation says to test them with
``has(steps.x)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, assert_never
from zoneinfo import ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError

from backoffice.catalog import Catalog
from backoffice.language import holiday_calendars, model, zone_names
from backoffice.language.amount_arithmetic import advice, amount_arithmetic
from backoffice.language.definition_types import DefinitionTypes
from backoffice.language.durations import Duration
from backoffice.language.error_types import Raisers, fail_reasons
from backoffice.language.expression_types import not_a_list, not_a_number
from backoffice.language.expression_types import problems as type_problems
from backoffice.language.expressions import (
    KNOWN_FUNCTIONS,
    ExpressionError,
    compiled,
    fixed_problems,
    references,
    template_expressions,
    zone,
)
from backoffice.language.guest_checks import (
    check_file_fields,
    check_guest_task,
    guest_out_of_place,
)
from backoffice.language.list_field_checks import check_list_fields
from backoffice.language.problems import Reporter, did_you_mean
from backoffice.language.source import Path
from backoffice.language.step_timeouts import check_step_timeout
from backoffice.language.task_checks import Staffing, check_task_settings
from backoffice.old_spellings import RENAMED_ASSIGNEE_KINDS

GLOBAL_NAMES = frozenset({"input", "vars", "steps", "now", "today", "process"})
TASK_RESULT_FIELDS = frozenset(
    {"outcome", "decided_by", "decided_at", "comment", "fields", "timed_out", "task_id"}
)
WAIT_EVENT_FIELDS = frozenset({"received", "data", "received_at"})
NOTIFY_RESULT_FIELDS = frozenset({"sent_to", "unresolved"})
PROCESS_FIELDS = frozenset({"name", "version", "business_key", "workflow_id", "run_id"})


@dataclass(frozen=True)
class Known:
    """What an expression may name at one point of the process."""

    steps: frozenset[str] = frozenset()
    variables: frozenset[str] = frozenset()
    locals: frozenset[str] = frozenset()

    def add_steps(self, ids: Iterable[str]) -> Known:
        return replace(self, steps=self.steps | frozenset(ids))

    def add_variables(self, names: Iterable[str]) -> Known:
        return replace(self, variables=self.variables | frozenset(names))

    def add_locals(self, names: Iterable[str]) -> Known:
        return replace(self, locals=self.locals | frozenset(names))

    def merge(self, other: Known) -> Known:
        return Known(
            self.steps | other.steps, self.variables | other.variables, self.locals & other.locals
        )


@dataclass
class Checker:
    definition: model.Definition
    reporter: Reporter
    catalog: Catalog | None
    known_processes: frozenset[str] | None
    # Which processes the other definitions start, to find processes that start each other.
    starts: Mapping[str, frozenset[str]] | None = None
    # The reason codes each other process's fail steps raise (and whether one computes it).
    reasons: Mapping[str, tuple[frozenset[str], bool]] | None = None
    # Who holds each group and role (``group:ap-clerks``), when the directory is known.
    people: Staffing | None = None
    steps_by_id: dict[str, model.Step] = field(default_factory=dict)
    raisers: Raisers | None = None
    current_step: str | None = None  # the step whose expressions are being checked
    types: DefinitionTypes | None = None  # what the names hold, as far as can be known

    # --- entry --------------------------------------------------------------------------

    def run(self) -> None:
        definition = self.definition
        self.check_unique_ids()
        self.types = DefinitionTypes.of(definition, self.catalog)
        self.raisers = self.error_raisers()
        self.check_timezone()
        self.check_holiday_calendars()
        start = Known(variables=frozenset(definition.variables))
        self.expression(("business_key",), definition.business_key, start)
        if definition.summary is not None:
            self.template(("summary",), definition.summary, start)
        self.check_durations_clock(("defaults", "timeout"), definition.defaults.timeout)
        self.check_retry(("defaults", "retry"), definition.defaults.retry)
        self.check_error_names(
            ("defaults", "retry", "non_retryable"), definition.defaults.retry.non_retryable,
            definition.steps, "retry rule",
        )  # fmt: skip
        for index, repairer in enumerate(definition.defaults.repair_by):
            self.assignee(("defaults", "repair_by", index), repairer, start)
        end = self.sequence(definition.steps, ("steps",), start)
        self.template(("output",), definition.output, end)
        self.check_repairers()
        self.check_mail_templates()

    def check_repairers(self) -> None:
        # Asked only of a definition otherwise sound: its undo steps may still change.
        if self.reporter.problems or self.definition.defaults.repair_by:
            return
        walked = [(p, s) for p, s in model.walk_steps(self.definition.steps) if s.compensate]
        undone = [s.id for _, s in walked]
        if undone:
            self.reporter.at(
                (*_parse_path(walked[0][0]), "compensate"),
                f"{'steps' if len(undone) > 1 else 'step'} {', '.join(undone[:5])} "
                f"{'have' if len(undone) > 1 else 'has'} an undo (compensate), but nobody is named "
                "to finish an undo that keeps failing: add repair_by under defaults, as in "
                "defaults: {repair_by: [{group: ap-managers}]}. Their task waits for them; "
                "the run never ends with work half done",
                key=True,
            )

    def check_timezone(self) -> None:
        name = self.definition.calendar.timezone
        try:
            zone(name)
        except (ZoneInfoNotFoundError, ValueError):
            self.reporter.at(
                ("calendar", "timezone"),
                f"unknown time zone '{name}': use a name like Europe/Berlin, America/New_York "
                "or UTC",
            )

    def check_holiday_calendars(self) -> None:
        for problem in holiday_calendars.problems(self.definition.calendar):
            self.reporter.at(("calendar", problem.field), str(problem))

    def check_unique_ids(self) -> None:
        seen: dict[str, str] = {}
        for path_text, step in model.walk_steps(self.definition.steps):
            path = _parse_path(path_text)
            if step.id in seen:
                self.reporter.at(
                    (*path, "id"),
                    f"step id '{step.id}' is already used at {seen[step.id]}: "
                    "every step needs its own id",
                )
            else:
                seen[step.id] = path_text
                self.steps_by_id[step.id] = step
            if isinstance(step, model.ParallelStep):
                for index, branch in enumerate(step.parallel):
                    if branch.id in seen:
                        self.reporter.at(
                            (*path, "parallel", index, "id"),
                            f"branch id '{branch.id}' is already used at {seen[branch.id]}",
                        )
                    seen.setdefault(branch.id, f"{path_text}.parallel[{index}]")

    # --- walking ------------------------------------------------------------------------

    def sequence(self, steps: list[model.Step], path: Path, known: Known) -> Known:
        for index, step in enumerate(steps):
            here = (*path, index)
            if index > 0 and isinstance(steps[index - 1], model.FailStep | model.FinishStep):
                previous = steps[index - 1]
                if previous.if_ is None:
                    self.reporter.at(
                        (*here, "id"),
                        f"this step never runs: '{previous.id}' before it always ends the "
                        "process. Remove it, or give that step an 'if:'",
                    )
            known = self.step(step, here, known)
        return known

    def step(self, step: model.Step, path: Path, known: Known) -> Known:
        outer, self.current_step = self.current_step, step.id
        try:
            return self._step(step, path, known)
        finally:
            self.current_step = outer

    def _step(self, step: model.Step, path: Path, known: Known) -> Known:
        if step.if_ is not None:
            self.expression((*path, "if"), step.if_, known)
        if step.title is not None:
            self.template((*path, "title"), step.title, known)
        if step.timeout is not None:
            check_step_timeout(self.reporter, step, (*path, "timeout"))
        if step.retry is not None:
            self.check_retry((*path, "retry"), step.retry)
            self.check_error_names(
                (*path, "retry", "non_retryable"), step.retry.non_retryable, [step], "retry rule"
            )
            if isinstance(step, model.BotStep) and step.retry.attempts is not None:
                self.reporter.at(
                    (*path, "retry", "attempts"),
                    "a bot is not retried a number of times: it keeps retrying while its "
                    "system fails or is paused, for the system's retry window (the setting "
                    f"systems.{step.bot.partition('.')[0]}.retry_hours, 12 hours unless set). "
                    "Remove attempts; initial_interval, backoff and max_interval still apply",
                    key=True,
                )
        if step.idempotency_key is not None:
            self.template((*path, "idempotency_key"), step.idempotency_key, known)
        after = self.kind(step, path, known)
        for index, handler in enumerate(step.catch):
            self.check_error_names((*path, "catch", index, "errors"), handler.errors, [step])
            handled = self.sequence(
                handler.steps, (*path, "catch", index, "steps"), known.add_locals(["error"])
            )
            # What a handler sets or produces may exist afterwards, like a switch case.
            after = after.merge(replace(handled, locals=after.locals))
        if step.compensate is not None:
            self.compensation(step, path, known)
        return after.add_steps([step.id])

    def kind(self, step: model.Step, path: Path, known: Known) -> Known:
        match step:
            case model.CallStep() | model.BotStep():
                self.action(step, path, known)
            case model.TaskStep():
                self.task(step.task, (*path, "task"), known)
            case model.ParallelStep():
                results = [
                    self.sequence(branch.steps, (*path, "parallel", index, "steps"), known)
                    for index, branch in enumerate(step.parallel)
                ]
                return _merge_all(known, results)
            case model.SwitchStep():
                results = []
                for index, case in enumerate(step.switch):
                    self.expression((*path, "switch", index, "when"), case.when, known)
                    results.append(
                        self.sequence(case.steps, (*path, "switch", index, "steps"), known)
                    )
                if step.otherwise:
                    results.append(self.sequence(step.otherwise, (*path, "otherwise"), known))
                return _merge_all(known, results)
            case model.ForEachStep():
                self.expression((*path, "for_each"), step.for_each, known)
                if step.as_ in GLOBAL_NAMES:
                    self.reporter.at(
                        (*path, "as"), f"'{step.as_}' is a built-in name: choose another"
                    )
                inner = known.add_locals([step.as_, "index"])
                self.sequence(step.steps, (*path, "steps"), inner)
                return known  # iteration results are reached through steps.<for_each id>
            case model.RepeatStep():
                # The earlier rounds' results are named inside the loop only.
                inner = known.add_locals(["previous", "rounds"])
                inside = self.sequence(step.steps, (*path, "steps"), inner)
                self.expression((*path, "repeat", "until"), step.repeat.until, inside)
                return replace(inside, locals=known.locals)
            case model.WaitStep():
                if step.wait.until is not None:
                    self.expression((*path, "wait", "until"), step.wait.until, known)
                if step.wait.key is not None:
                    self.template((*path, "wait", "key"), step.wait.key, known)
            case model.SetStep():
                for name, value in step.set.items():
                    self.template((*path, "set", name), value, known)
                return known.add_variables(step.set)
            case model.ProcessStep():
                self.template((*path, "input"), step.input, known)
                self.check_loop(step, path)
                if self.known_processes is not None and step.process not in self.known_processes:
                    hint = did_you_mean(step.process, self.known_processes)
                    self.reporter.at(
                        (*path, "process"),
                        f"no process named '{step.process}' among the definitions.{hint}",
                    )
            case model.FailStep():
                self.template((*path, "fail", "reason"), step.fail.reason, known)
                if step.fail.message is not None:
                    self.template((*path, "fail", "message"), step.fail.message, known)
            case model.FinishStep():
                if step.finish.reason is not None:
                    self.template((*path, "finish", "reason"), step.finish.reason, known)
                if step.finish.output is not None:
                    self.template((*path, "finish", "output"), step.finish.output, known)
            case model.NotifyStep():
                self.notify(step.notify, (*path, "notify"), known)
            case model.VoidStep():
                self.void(step.void, (*path, "void"), known)
            case model.GroupStep():
                return self.sequence(step.steps, (*path, "steps"), known)
            case _:
                assert_never(step)
        return known

    def notify(self, mail: model.Notify, path: Path, known: Known) -> None:
        for index, assignee in enumerate(mail.to):
            self.assignee((*path, "to", index), assignee, known)
        self.template((*path, "context"), mail.context, known)
        # What the mail says reads the step's values and its own context.
        says = known.add_locals(["context"])
        for name in ("subject", "body"):
            if getattr(mail, name) is not None:
                self.template((*path, name), getattr(mail, name), says)
        if mail.template is None:
            return
        template = self.definition.mail_templates.get(mail.template)
        if template is None:
            names = sorted(self.definition.mail_templates)
            hint = did_you_mean(mail.template, names)
            self.reporter.at(
                (*path, "template"),
                f"there is no mail template '{mail.template}'.{hint} Write it under "
                "mail_templates at the top of the definition, as in mail_templates: "
                f"{{{mail.template}: {{subject: ..., body: ...}}}}"
                + (f"; templates here: {', '.join(names)}" if names else ""),
            )
            return
        for name in ("subject", "body"):
            where = ("mail_templates", mail.template, name)
            self.template(where, getattr(template, name), says)

    def check_mail_templates(self) -> None:
        # A template no step sends is checked nowhere else: its mistakes would wait for the
        # day someone names it.
        used = {
            step.notify.template
            for _, step in model.walk_steps(self.definition.steps)
            if isinstance(step, model.NotifyStep)
        }
        for name in sorted(set(self.definition.mail_templates) - used):
            self.reporter.warn(
                ("mail_templates", name),
                f"no notify step sends the mail template '{name}': name it with "
                f"template: {name}, or remove it",
            )

    def void(self, spec: model.VoidSpec, path: Path, known: Known) -> None:
        target = self.steps_by_id.get(spec.task)
        if not isinstance(target, model.TaskStep):
            tasks = sorted(i for i, s in self.steps_by_id.items() if isinstance(s, model.TaskStep))
            what = "is not a task step" if target is not None else "is no step of this process"
            hint = did_you_mean(spec.task, tasks)
            self.reporter.at(
                (*path, "task"),
                f"'{spec.task}' {what}: void names the task step whose decision no longer "
                f"stands.{hint} Task steps: {', '.join(tasks) or 'none'}",
            )
        if spec.reason is not None:
            self.template((*path, "reason"), spec.reason, known)

    def check_loop(self, step: model.ProcessStep, path: Path) -> None:
        own = self.definition.name
        chain = loop_back(
            step.process, own, {**(self.starts or {}), own: children_of(self.definition)}
        )
        if chain is None:
            return
        shown = " → ".join([own, *chain])
        whom = "itself" if chain == [own] else "itself again"
        self.reporter.at(
            (*path, "process"),
            f"'{own}' would start {whom}: {shown}. A process that starts itself, directly or "
            "through others, never ends (each run starts another): repeat work inside one "
            "process with repeat or for_each, or start the next case from outside",
        )

    def compensation(self, step: model.Step, path: Path, known: Known) -> None:
        compensate = step.compensate
        assert compensate is not None
        if step.kind not in model.SIDE_EFFECT_KINDS and not _voids(step):
            self.reporter.at(
                (*path, "compensate"),
                f"nothing to compensate: a {step.kind} step changes nothing outside the "
                "process. Put compensate on the call, bot or process step that does"
                + (
                    f"; a task's decision is undone with compensate: {{void: {step.id}}}"
                    if isinstance(step, model.TaskStep)
                    else ""
                ),
                key=True,
            )
        if isinstance(compensate, model.FailStep | model.FinishStep):
            self.reporter.at(
                (*path, "compensate"),
                "a compensation undoes work: use a call, bot or steps, not fail or finish",
                key=True,
            )
        # A compensation sees the result of the step it undoes.
        self.step(compensate, (*path, "compensate"), known.add_steps([step.id]))

    # --- kinds --------------------------------------------------------------------------

    def action(self, step: model.CallStep | model.BotStep, path: Path, known: Known) -> None:
        name = step.call if isinstance(step, model.CallStep) else step.bot
        key = "call" if isinstance(step, model.CallStep) else "bot"
        for arg, value in step.with_.items():
            self.template((*path, "with", arg), value, known)
        if self.catalog is None:
            return
        spec = self.catalog.get(name)
        if spec is None and name in self.catalog.renamed:
            self.reporter.at(
                (*path, key),
                f"'{name}' was renamed: call {self.catalog.renamed[name]} "
                "(`backoffice catalog` shows what it takes)",
            )
            return
        if spec is None:
            names = self.catalog.names("activity" if key == "call" else "bot")
            listing = ", ".join(names) if names else "none yet"
            hint = did_you_mean(name, self.catalog.names())
            self.reporter.at(
                (*path, key),
                f"unknown {'activity' if key == 'call' else 'bot'} '{name}'.{hint} "
                f"Known: {listing}",
            )
            return
        wanted = "activity" if key == "call" else "bot"
        if spec.kind != wanted:
            other = "bot" if key == "call" else "call"
            self.reporter.at(
                (*path, key),
                f"'{name}' is {'an' if spec.kind == 'activity' else 'a'} {spec.kind}: "
                f"write '{other}: {name}' instead",
            )
        if spec.input_model is None:
            return  # the activity takes no model: its arguments cannot be checked here
        fields = spec.input_fields()
        for arg, value in step.with_.items():
            if arg not in fields:
                hint = did_you_mean(arg, fields)
                allowed = ", ".join(fields) or "none"
                self.reporter.at(
                    (*path, "with", arg),
                    f"'{name}' takes no argument '{arg}'.{hint} It takes: {allowed}",
                    key=True,
                )
            elif is_literal(value):
                self.check_literal((*path, "with", arg), fields[arg].annotation, value)
        for arg, info in fields.items():
            if info.is_required() and arg not in step.with_:
                self.reporter.at(
                    (*path, "with") if step.with_ else (*path, key),
                    f"'{name}' needs argument '{arg}': add it under with:",
                    key=True,
                )

    def check_literal(self, path: Path, annotation: Any, value: Any) -> None:
        try:
            TypeAdapter(annotation).validate_python(value)
        except ValidationError as error:
            first = error.errors()[0]
            self.reporter.at(path, f"{first['msg']} (found {value!r})")
        except Exception:  # an annotation pydantic cannot adapt: nothing to check statically
            return

    def task(self, task: model.HumanTask, path: Path, known: Known) -> None:
        for group in ("assignees", "reassigners"):
            for index, assignee in enumerate(getattr(task, group)):
                self.assignee((*path, group, index), assignee, known)
        self.template((*path, "exclude"), task.exclude, known)
        self.template((*path, "context"), task.context, known)
        if task.description is not None:
            self.template((*path, "description"), task.description, known)
        field_ids = [item.id for item in task.form.fields]
        for index, outcome in enumerate(task.form.outcomes):
            for required in outcome.requires:
                if required not in field_ids:
                    self.reporter.at(
                        (*path, "form", "outcomes", index, "requires"),
                        f"outcome '{outcome.id}' requires field '{required}', which the form "
                        f"does not have (fields: {', '.join(field_ids) or 'none'})",
                    )
        check_list_fields(self.reporter, (*path, "form"), task.form)
        check_file_fields(self.reporter, (*path, "form"), task.form)
        check_guest_task(self.reporter, path, task)
        for index, item in enumerate(task.form.fields):
            if item.default is not None:
                self.template((*path, "form", "fields", index, "default"), item.default, known)
        for kind, ids in (("field", field_ids), ("outcome", [o.id for o in task.form.outcomes])):
            duplicates = sorted({item for item in ids if ids.count(item) > 1})
            if duplicates:
                self.reporter.at(
                    (*path, "form"), f"{kind} ids must differ; repeated: {', '.join(duplicates)}"
                )
        check_task_settings(
            task,
            path,
            self.reporter,
            lambda where, value: self.template(where, value, known),
            self.people,
        )
        previous: Duration | None = None
        for index, escalation in enumerate(task.escalations):
            for group in ("add", "replace", "notify"):
                for number, assignee in enumerate(getattr(escalation, group)):
                    self.assignee((*path, "escalations", index, group, number), assignee, known)
            if not isinstance(escalation.after, Duration):
                continue  # computed: worked out, and kept before the timeout, when it opens
            if _not_after(escalation.after, previous):
                self.reporter.at(
                    (*path, "escalations", index, "after"),
                    "escalation levels must come later one after the other "
                    f"({escalation.after} is not after {previous})",
                )
            previous = escalation.after
            timeout = task.timeout.after
            if (
                isinstance(timeout, Duration)
                and _comparable(escalation.after, timeout)
                and _length(escalation.after) >= _length(timeout)
            ):
                self.reporter.at(
                    (*path, "escalations", index, "after"),
                    f"this escalation at {escalation.after} would come at or after the final "
                    f"timeout ({task.timeout.after}): make it earlier or the timeout later",
                )

    def assignee(self, path: Path, assignee: model.Assignee, known: Known) -> None:
        self.check_spelling(path)
        kind = assignee.kind
        if kind == "users":
            assert assignee.users is not None
            self.expression((*path, "users"), assignee.users, known)
        elif kind == "approval_limit":
            assert assignee.approval_limit is not None
            self.template(
                (*path, "approval_limit", "at_least"), assignee.approval_limit.at_least, known
            )
        elif isinstance(assignee.manager_of, model.Assignee):
            self.assignee((*path, "manager_of"), assignee.manager_of, known)
        elif assignee.guest is not None:
            misplaced = guest_out_of_place(path)
            if misplaced:
                self.reporter.at((*path, "guest"), misplaced, key=True)
            self.template((*path, "guest", "email"), assignee.guest.email, known)
            self.template((*path, "guest", "name"), assignee.guest.name, known)
        elif assignee.owner_of is not None:
            owned = "system" if assignee.owner_of.system is not None else "id"
            self.template((*path, "owner_of", owned), getattr(assignee.owner_of, owned), known)
        else:
            self.template((*path, kind), getattr(assignee, kind), known)
        if assignee.or_else is not None:
            self.assignee((*path, "or_else"), assignee.or_else, known)

    def check_spelling(self, path: Path) -> None:
        # The model reads an old kind so that runs started before still replay; a file
        # being written now is told the spelling to use instead.
        for old, new in RENAMED_ASSIGNEE_KINDS.items():
            if (*path, old) in self.reporter.source.keys:
                self.reporter.at(
                    (*path, old),
                    f"'{old}' is spelled '{new}' now: write {new} instead",
                    key=True,
                )

    # --- durations ----------------------------------------------------------------------

    def check_durations_clock(self, path: Path, duration: Duration) -> None:
        if duration.is_business:
            self.reporter.at(
                path,
                f"{duration} is in business days, but this is a time limit on running code: "
                "use s, m or h",
            )

    def check_retry(self, path: Path, retry: model.RetryPolicy) -> None:
        for name in ("initial_interval", "max_interval"):
            value = getattr(retry, name)
            if value is not None:
                self.check_durations_clock((*path, name), value)

    def error_raisers(self) -> Raisers | None:
        # Without the catalog nothing says what activities raise: every name is let be.
        if self.catalog is None:
            return None
        reasons, computed = fail_reasons(self.definition)
        found = set(reasons)
        for child in self.started_processes():
            child_reasons, child_computed = (self.reasons or {}).get(child, (frozenset(), False))
            found |= child_reasons
            computed = computed or child_computed
        return Raisers(self.catalog, frozenset(found), computed)

    def started_processes(self) -> set[str]:
        """Every process this one starts, and those they start in turn."""
        pending = list(children_of(self.definition))
        seen: set[str] = set()
        while pending:
            current = pending.pop()
            if current not in seen:
                seen.add(current)
                pending.extend((self.starts or {}).get(current, frozenset()))
        return seen

    def check_error_names(
        self, path: Path, names: list[str], scope: list[model.Step], what: str = "catch"
    ) -> None:
        if self.raisers is None:
            return
        for index, name in enumerate(names):
            problem = self.raisers.problem(name, scope, what)
            if problem is not None:
                self.reporter.at((*path, index), problem)

    # --- expressions --------------------------------------------------------------------

    def template(self, path: Path, value: Any, known: Known) -> None:
        try:
            found = template_expressions(value)
        except ExpressionError as error:
            self.reporter.at(path, error.problem, offset=(error.column or 1) - 1)
            return
        for suffix, offset, source in found:
            self.expression((*path, *suffix), source, known, offset=offset, bare=False)

    def expression(
        self, path: Path, source: str, known: Known, *, offset: int = 0, bare: bool = True
    ) -> None:
        """Check one expression; ``bare`` for conditions, False inside a template's ``${ }``."""
        try:
            refs = references(source)
        except ExpressionError as error:
            column = offset + (error.column or 1) - 1
            self.reporter.at(path, f"{error.problem} in `{source}`", offset=column, bare=bare)
            return
        for at, problem in fixed_problems(source):
            self.reporter.at(path, problem, offset=offset + at, bare=bare)
        arithmetic = amount_arithmetic(source)
        if arithmetic is not None:
            message = advice(self.current_step, source, arithmetic)
            # Columns count within a line: past a line break, the value's start is the place.
            within = None if "\n" in source[: arithmetic.offset] else offset + arithmetic.offset
            self.reporter.warn(path, message, offset=within, bare=bare)
        allowed = GLOBAL_NAMES | known.locals
        for root in sorted(refs.roots - allowed):
            hint = did_you_mean(root, allowed)
            self.reporter.at(
                path,
                f"unknown name '{root}' in `{source}`.{hint} Names here: "
                + ", ".join(sorted(allowed)),
                offset=offset + max(source.find(root), 0),
                bare=bare,
            )
        for root, attribute in sorted(refs.paths):
            self.member(path, source, root, attribute, known, offset, bare)
        for function in sorted(refs.functions - KNOWN_FUNCTIONS):
            hint = did_you_mean(function, KNOWN_FUNCTIONS)
            self.reporter.at(
                path,
                f"unknown function '{function}' in `{source}`.{hint} "
                "See the list of helpers in docs/definitions.md",
                offset=offset + max(source.find(function), 0),
                bare=bare,
            )
        self.check_types(path, source, offset, bare)

    def check_types(self, path: Path, source: str, offset: int, bare: bool) -> None:
        """Report the operations of ``source`` that cannot work with the types known."""
        tree = compiled(source).tree
        if tree is None or self.types is None:
            return  # an unreadable expression is reported on its own
        try:
            found_all = type_problems(tree, self.types.names())
            if not found_all and path[-1:] == ("for_each",):
                found_all = not_a_list(tree, self.types.names())
            # A constant is worked out, and its value judged, by the task settings' check.
            if not found_all and path[-2:] == ("task", "approvals") and references(source).roots:
                found_all = not_a_number(tree, self.types.names(), "approvals")
        except RecursionError:
            return  # nested too deeply to follow: its types are not checked
        for found in found_all:
            at = source.find(found.written)
            self.reporter.at(path, found.message, offset=offset + max(at, 0), bare=bare)
        for written_text, message in zone_names.literal_problems(tree):
            at = source.find(written_text)
            self.reporter.at(path, message, offset=offset + max(at, 0), bare=bare)

    def member(
        self,
        path: Path,
        source: str,
        root: str,
        name: str,
        known: Known,
        offset: int,
        bare: bool,
    ) -> None:
        column = offset + max(source.find(f"{root}.{name}"), 0)
        if root == "input" and name not in self.definition.input:
            fields = sorted(self.definition.input)
            hint = did_you_mean(name, fields)
            self.reporter.at(
                path,
                f"the input has no field '{name}'.{hint} Input fields: "
                + (", ".join(fields) or "none (declare them under input:)"),
                offset=column,
                bare=bare,
            )
        elif root == "steps" and name not in known.steps:
            if name in self.steps_by_id:
                message = (
                    f"steps.{name} is not known here: step '{name}' has not run at this point "
                    "(it comes later, or inside a for_each)"
                )
            else:
                hint = did_you_mean(name, self.steps_by_id)
                message = f"there is no step '{name}'.{hint} Step ids: " + ", ".join(
                    sorted(self.steps_by_id)
                )
            self.reporter.at(path, message, offset=column, bare=bare)
        elif root == "vars" and name not in known.variables:
            hint = did_you_mean(name, known.variables)
            self.reporter.at(
                path,
                f"variable '{name}' is not set before this point.{hint} Declare it under "
                "variables: or set it in an earlier set: step",
                offset=column,
                bare=bare,
            )
        elif root == "process" and name not in PROCESS_FIELDS:
            self.reporter.at(
                path,
                f"process has no field '{name}'; it has {', '.join(sorted(PROCESS_FIELDS))}",
                offset=column,
                bare=bare,
            )
        elif root == "steps":
            self.result_member(path, source, name, column, bare)

    def result_member(self, path: Path, source: str, step_id: str, column: int, bare: bool) -> None:
        step = self.steps_by_id.get(step_id)
        if step is None:
            return
        allowed: frozenset[str] | set[str] | None = None
        match step:
            case model.TaskStep():
                allowed = TASK_RESULT_FIELDS
            case model.NotifyStep():
                allowed = NOTIFY_RESULT_FIELDS
            case model.WaitStep():
                allowed = WAIT_EVENT_FIELDS if step.wait.event is not None else None
            case model.CallStep() | model.BotStep():
                name = step.call if isinstance(step, model.CallStep) else step.bot
                spec = self.catalog.get(name) if self.catalog is not None else None
                allowed = spec.output_fields() if spec is not None else None
            case (
                model.ParallelStep()
                | model.SwitchStep()
                | model.ForEachStep()
                | model.RepeatStep()
                | model.SetStep()
                | model.ProcessStep()
                | model.FailStep()
                | model.FinishStep()
                | model.VoidStep()
                | model.GroupStep()
            ):
                pass  # their results follow the steps inside them, or the data: not checked
            case _:
                assert_never(step)
        if allowed is None:
            return
        base = column - max(source.find(f"steps.{step_id}"), 0)
        pattern = re.compile(rf"(?<![\w.])steps\s*\.\s*{re.escape(step_id)}\s*\.\s*(\w+)")
        for match in pattern.finditer(_STRINGS.sub(_blank, source)):
            field_name = match.group(1)
            if field_name not in allowed:
                hint = did_you_mean(field_name, allowed)
                self.reporter.at(
                    path,
                    f"the result of step '{step_id}' has no field '{field_name}'.{hint} "
                    f"It has: {', '.join(sorted(allowed))}",
                    offset=base + match.start(1),
                    bare=bare,
                )


_STRINGS = re.compile(r"'(?:\\.|[^'\\])*'|" + r'"(?:\\.|[^"\\])*"')


def _blank(match: re.Match[str]) -> str:
    # Keep offsets: replace a string literal by spaces of the same length.
    return " " * len(match.group(0))


def is_literal(value: Any) -> bool:
    """True when a template holds no expression (a broken ``${`` is reported elsewhere)."""
    try:
        return not template_expressions(value)
    except ExpressionError:
        return False


def _merge_all(before: Known, results: list[Known]) -> Known:
    merged = before
    for result in results:
        merged = merged.merge(result)
    return merged


def _not_after(later: Duration, earlier: Duration | None) -> bool:
    """True when both are in the same unit and ``later`` is not after ``earlier``."""
    if earlier is None or not _comparable(later, earlier):
        return False
    return _length(later) <= _length(earlier)


def _comparable(a: Duration, b: Duration) -> bool:
    return a.is_business == b.is_business


def _length(duration: Duration) -> int:
    return duration.business_days if duration.is_business else duration.seconds


def _parse_path(text: str) -> Path:
    parts: list[str | int] = []
    for chunk in text.replace("]", "").split("."):
        name, *indices = chunk.split("[")
        if name:
            parts.append(name)
        parts.extend(int(index) for index in indices)
    return tuple(parts)


def children_of(definition: model.Definition) -> frozenset[str]:
    """The processes ``definition`` starts as children."""
    return frozenset(
        step.process
        for _, step in model.walk_steps(definition.steps)
        if isinstance(step, model.ProcessStep)
    )


def loop_back(start: str, home: str, starts: Mapping[str, frozenset[str]]) -> list[str] | None:
    """The shortest chain of processes from ``start`` that starts ``home`` again, ending
    with it (``["b", "a"]`` when b starts a), or None if there is none."""
    came_from: dict[str, str | None] = {start: None}
    pending = [start]
    while pending:
        current = pending.pop(0)
        if current == home:
            chain: list[str] = []
            at: str | None = current
            while at is not None:
                chain.append(at)
                at = came_from[at]
            return chain[::-1]
        for child in sorted(starts.get(current, frozenset())):
            if child not in came_from:
                came_from[child] = current
                pending.append(child)
    return None


def check(
    definition: model.Definition,
    reporter: Reporter,
    catalog: Catalog | None,
    known_processes: frozenset[str] | None = None,
    starts: Mapping[str, frozenset[str]] | None = None,
    people: Staffing | None = None,
    reasons: Mapping[str, tuple[frozenset[str], bool]] | None = None,
) -> None:
    Checker(
        definition, reporter, catalog, known_processes, starts, people=people, reasons=reasons
    ).run()


def _voids(step: model.Step) -> bool:
    """Whether the undo of a task step voids its decision (alone, or among other steps)."""
    if step.compensate is None or not isinstance(step, model.TaskStep):
        return False
    undo = [s for _, s in model.walk_step(step.compensate, "compensate")]
    return any(isinstance(s, model.VoidStep) and s.void.task == step.id for s in undo)
