"""The typed model of a process definition: what a YAML file under ``definitions/`` means.

Pure data, no I/O: the validated model travels in the workflow input as the run's
snapshot, so the interpreter works from exactly what the run started with. Each step is a
mapping with one *kind* key (``call``, ``bot``, ``task``, ...); ``steps`` alone makes a
group, and is also the body of ``for_each`` and ``repeat``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    WithJsonSchema,
    model_validator,
)

from backoffice.language.durations import DurationField
from backoffice.old_spellings import respell_assignee

# --- names -----------------------------------------------------------------------------

STEP_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
PROCESS_NAME_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
ACTION_NAME_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$"
REASON_PATTERN = r"^[A-Z][A-Z0-9_]*$"
# Where a step ends a run, the code may also be computed: ``reason: ${ vars.reason }``.
REASON_OR_EXPRESSION_PATTERN = r"^([A-Z][A-Z0-9_]*|\$\{.+\})$"
ERROR_TYPE_PATTERN = r"^[A-Za-z][A-Za-z0-9_.]*$"

StepId = Annotated[str, StringConstraints(pattern=STEP_ID_PATTERN, max_length=64)]
Identifier = Annotated[str, StringConstraints(pattern=STEP_ID_PATTERN, max_length=64)]
ProcessName = Annotated[str, StringConstraints(pattern=PROCESS_NAME_PATTERN, max_length=64)]
ActionName = Annotated[str, StringConstraints(pattern=ACTION_NAME_PATTERN, max_length=100)]
ReasonCode = Annotated[str, StringConstraints(pattern=REASON_PATTERN, max_length=64)]
ReasonField = Annotated[
    str, StringConstraints(pattern=REASON_OR_EXPRESSION_PATTERN, min_length=1, max_length=400)
]
ErrorType = Annotated[str, StringConstraints(pattern=ERROR_TYPE_PATTERN, max_length=100)]
CredentialRef = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=100)]


def _unwrap_expression(value: Any) -> Any:
    # Conditions are expressions already; accept the ${ } of templates there too, since
    # owners copy between the two.
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("${") and text.endswith("}") and text.count("${") == 1:
            return text[2:-1].strip()
        return text
    return value


Expression = Annotated[
    str,
    BeforeValidator(_unwrap_expression),
    StringConstraints(min_length=1, max_length=4000),
]
"""A CEL expression, written bare (``input.amount > 1000``)."""

Template = Any
"""A literal value; strings may embed ``${ expression }`` (alone: the value keeps its type)."""


class Strict(BaseModel):
    """Base of every part of the language: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


# --- header parts ----------------------------------------------------------------------

FieldType = Literal[
    "string", "text", "integer", "number", "boolean", "date", "datetime", "list", "object", "any"
]


def _field_shorthand(value: Any) -> Any:
    # `amount: number` and `po_number: string?` are the short forms of a field.
    if isinstance(value, str):
        optional = value.endswith("?")
        return {"type": value.rstrip("?"), "required": not optional}
    return value


class FieldSpec(Strict):
    """One field of the input schema (or of a nested object or list item)."""

    type: FieldType
    required: bool = True
    description: str | None = None
    default: Any = None
    enum: list[Any] | None = Field(default=None, min_length=1)
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None
    items: InputField | None = None
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=1)
    fields: dict[Identifier, InputField] | None = None

    @model_validator(mode="after")
    def _options_fit_the_type(self) -> FieldSpec:
        if self.items is not None and self.type != "list":
            raise ValueError("'items' describes list elements: use it with type: list")
        if self.fields is not None and self.type != "object":
            raise ValueError("'fields' describes an object: use it with type: object")
        numeric = self.type in ("integer", "number")
        if (self.minimum is not None or self.maximum is not None) and not numeric:
            raise ValueError("minimum/maximum apply to type integer or number")
        return self


InputField = Annotated[FieldSpec, BeforeValidator(_field_shorthand)]

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


CalendarCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9 _-]*$", max_length=40)
]


class Calendar(Strict):
    """Working days for business-day durations and the date helpers.

    ``holidays`` lists dates by hand; ``country`` (with ``subdivision``) and ``financial``
    name calendars of the ``holidays`` package, whose dates add to them. Those are looked
    up when a run starts and kept with the run, which never asks the package again.
    """

    timezone: str = "UTC"
    weekend: list[Weekday] = Field(default_factory=lambda: ["saturday", "sunday"])  # type: ignore[arg-type]
    holidays: list[date] = Field(default_factory=list)
    country: CalendarCode | None = Field(
        default=None,
        description="The country whose public holidays are days off: its ISO 3166 code, "
        "as in DE, FR, US.",
    )
    subdivision: CalendarCode | None = Field(
        default=None,
        description="The state or region of the country, whose own holidays count too: "
        "its ISO 3166-2 code without the country, as in BY (Bavaria) or CA (California).",
    )
    financial: CalendarCode | None = Field(
        default=None,
        description="A market's or settlement system's calendar, for value dates: XECB "
        "(TARGET2, the ECB's), XNYS (New York Stock Exchange).",
    )

    @model_validator(mode="after")
    def _subdivision_has_a_country(self) -> Calendar:
        if self.subdivision is not None and self.country is None:
            raise ValueError(
                "a subdivision belongs to a country: give both, as in "
                "calendar: {country: DE, subdivision: BY}"
            )
        return self

    def package_source(self) -> str | None:
        """The package calendars named, as one label ("DE-BY", "XECB"); None for none."""
        names = []
        if self.country is not None:
            names.append(self.country + (f"-{self.subdivision}" if self.subdivision else ""))
        if self.financial is not None:
            names.append(self.financial)
        return " + ".join(names) or None


class RetryPolicy(Strict):
    """How a failing call or bot is retried; unset fields come from ``defaults.retry``."""

    attempts: int | None = Field(default=None, ge=1, le=100)
    initial_interval: DurationField | None = None
    backoff: float | None = Field(default=None, ge=1, le=10)
    max_interval: DurationField | None = None
    non_retryable: list[ErrorType] = Field(default_factory=list)


def _default_retry() -> RetryPolicy:
    return RetryPolicy.model_validate(
        {"attempts": 3, "initial_interval": "1s", "backoff": 2.0, "max_interval": "1m"}
    )


class Defaults(Strict):
    """Values every step gets unless it says otherwise."""

    timeout: DurationField = Field(default="5m", validate_default=True)
    retry: RetryPolicy = Field(default_factory=_default_retry)
    repair_by: list[Assignee] = Field(
        default_factory=list,
        description="Who finishes by hand an undo (compensate) that keeps failing: the run "
        "waits on their task instead of ending with work half done.",
    )


# --- human tasks -----------------------------------------------------------------------

ASSIGNEE_KINDS = (
    "user",
    "group",
    "role",
    "manager_of",
    "cost_center_owner",
    "approval_limit",
    "users",
)


class ApprovalLimit(Strict):
    at_least: Template
    group: str | None = None


# manager_of names a person (``manager_of: bob``), or the people a rule names, whose
# managers it means (``manager_of: {role: cfo}``). The tags never appear in definitions.
ASSIGNEE_TAGS = ("person", "rule")


PERSON_SCHEMA = WithJsonSchema({"type": "string", "description": "A person's id."})


def _person_or_rule(value: Any) -> str:
    return "rule" if isinstance(value, dict | BaseModel) else "person"


class Assignee(Strict):
    """Who may decide: exactly one of the keys, and ``or_else`` when that names nobody."""

    user: Template | None = None
    group: Template | None = None
    role: Template | None = None
    manager_of: (
        Annotated[
            Annotated[Assignee, Tag("rule")] | Annotated[Template, Tag("person"), PERSON_SCHEMA],
            Discriminator(_person_or_rule),
        ]
        | None
    ) = None
    cost_center_owner: Template | None = None
    approval_limit: ApprovalLimit | None = None
    users: Expression | None = None
    or_else: Assignee | None = Field(
        default=None,
        description="Who instead when this names nobody who may decide: no manager, a role "
        "nobody holds, people who left, or only people the task excludes.",
    )

    @model_validator(mode="before")
    @classmethod
    def _old_spelling(cls, value: Any) -> Any:
        # Snapshots of runs started before the spelling was settled name the old kind.
        return respell_assignee(value)

    @model_validator(mode="after")
    def _exactly_one(self) -> Assignee:
        given = [kind for kind in ASSIGNEE_KINDS if getattr(self, kind) is not None]
        if not given and self.or_else is not None:
            raise ValueError(
                "or_else says who decides when a rule names nobody: give the rule too, as in "
                "{manager_of: bob, or_else: {group: ap-managers}}"
            )
        if len(given) != 1:
            raise ValueError(
                "an assignee names exactly one of: "
                + ", ".join(ASSIGNEE_KINDS)
                + (f" (found {', '.join(given)})" if given else "")
            )
        if isinstance(self.manager_of, Assignee) and self.manager_of.or_else is not None:
            raise ValueError(
                "or_else goes on the manager_of entry, not inside the rule whose managers it "
                "means: {manager_of: {role: cfo}, or_else: {role: deputy_cfo}}"
            )
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in ASSIGNEE_KINDS if getattr(self, kind) is not None)


FormFieldType = Literal["text", "string", "number", "integer", "boolean", "date", "choice"]


class FormField(Strict):
    id: Identifier
    label: str | None = None
    type: FormFieldType = "text"
    required: bool = False
    options: list[str] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _choice_has_options(self) -> FormField:
        if (self.type == "choice") != (self.options is not None):
            raise ValueError("a field of type choice needs options, and only choice has them")
        return self


def _outcome_shorthand(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class Outcome(Strict):
    id: Identifier
    label: str | None = None
    requires: list[Identifier] = Field(default_factory=list)


OutcomeItem = Annotated[Outcome, BeforeValidator(_outcome_shorthand)]


def _default_fields() -> list[FormField]:
    return [FormField(id="comment", label="Comment")]


def _default_outcomes() -> list[Outcome]:
    return [Outcome(id="approve"), Outcome(id="reject", requires=["comment"])]


class Form(Strict):
    fields: list[FormField] = Field(default_factory=_default_fields)
    outcomes: list[OutcomeItem] = Field(default_factory=_default_outcomes, min_length=1)


class Reminders(Strict):
    """Either every N, or at listed offsets from creation."""

    every: DurationField | None = None
    at: list[DurationField] | None = Field(default=None, min_length=1)
    max: int = Field(default=10, ge=1, le=100)

    @model_validator(mode="after")
    def _one_form(self) -> Reminders:
        if (self.every is None) == (self.at is None):
            raise ValueError("reminders take either 'every: 1bd' or 'at: [2bd, 4bd]'")
        return self


class Escalation(Strict):
    after: DurationField
    add: list[Assignee] = Field(default_factory=list)
    replace: list[Assignee] = Field(default_factory=list)
    notify: list[Assignee] = Field(default_factory=list)

    @model_validator(mode="after")
    def _does_something(self) -> Escalation:
        if not (self.add or self.replace or self.notify):
            raise ValueError("an escalation must add, replace or notify someone")
        if self.add and self.replace:
            raise ValueError("an escalation either adds or replaces assignees, not both")
        return self


class TaskTimeout(Strict):
    after: DurationField
    outcome: Identifier


class HumanTask(Strict):
    """A decision by people, with who, what, and what happens when nobody acts."""

    assignees: list[Assignee] = Field(min_length=1)
    exclude: list[Template] = Field(default_factory=list)
    approvals: int = Field(default=1, ge=1, le=5)
    description: str | None = None
    context: dict[str, Template] = Field(default_factory=dict)
    form: Form = Field(default_factory=Form)
    due: DurationField | None = None
    reminders: Reminders | None = None
    escalations: list[Escalation] = Field(default_factory=list)
    timeout: TaskTimeout
    reassigners: list[Assignee] = Field(
        default_factory=list,
        description="Who may give the task to other people and move its deadline.",
    )


# --- steps -----------------------------------------------------------------------------


class Catch(Strict):
    """Handle errors of the listed types by running ``steps``; ``any`` catches all."""

    errors: list[ErrorType] = Field(min_length=1)
    steps: list[Step] = Field(min_length=1)
    then: Literal["continue", "fail"] = "continue"


class StepBase(Strict):
    id: StepId
    title: str | None = None
    if_: Expression | None = Field(default=None, alias="if")
    timeout: DurationField | None = Field(
        default=None,
        description="On a call or bot: the time limit of one attempt (30s, 5m). On parallel, "
        "for_each, repeat, switch, steps and process: a deadline on the whole step (5bd); "
        "when it passes, what runs inside is cancelled and the step fails with Timeout. "
        "A task and a wait have timeouts of their own.",
    )
    retry: RetryPolicy | None = None
    catch: list[Catch] = Field(default_factory=list)
    compensate: Step | None = None
    idempotency_key: Template | None = None
    # A watch period: while the run waits only inside such steps, on time or events and on
    # no one, it is "watching" (a posted invoice until its payment date), not "waiting".
    watch: bool = Field(
        default=False,
        description="A watch period: while the run waits only inside such steps, for time or "
        "events and for no one, its status is 'watching', not 'waiting'.",
    )

    kind: ClassVar[str] = ""

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        """Nested step lists, labelled with the field path they sit under."""
        return iter(())

    def label(self) -> str:
        """The title, or the id as words; a title with ``${ }`` needs the run's values, so
        where there are none (a skipped step) the id stands in."""
        if self.title and "${" not in self.title:
            return self.title
        return self.id.replace("_", " ").capitalize()


class CallStep(StepBase):
    call: ActionName
    with_: dict[str, Template] = Field(default_factory=dict, alias="with")


class BotStep(StepBase):
    bot: ActionName
    with_: dict[str, Template] = Field(default_factory=dict, alias="with")
    credential: CredentialRef | None = None


class TaskStep(StepBase):
    task: HumanTask


class Branch(Strict):
    id: StepId
    title: str | None = None
    steps: list[Step] = Field(min_length=1)


class ParallelStep(StepBase):
    parallel: list[Branch] = Field(min_length=2)
    mode: Literal["all", "fail_fast", "first"] = "all"

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        for index, branch in enumerate(self.parallel):
            yield f"parallel[{index}].steps", branch.steps


class Case(Strict):
    when: Expression
    title: str | None = None
    steps: list[Step] = Field(min_length=1)


class SwitchStep(StepBase):
    switch: list[Case] = Field(min_length=1)
    otherwise: list[Step] | None = Field(default=None, min_length=1)

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        for index, case in enumerate(self.switch):
            yield f"switch[{index}].steps", case.steps
        if self.otherwise:
            yield "otherwise", self.otherwise


class ForEachStep(StepBase):
    for_each: Expression
    as_: Identifier = Field(default="item", alias="as")
    max_items: int = Field(ge=1, le=10_000)
    concurrency: int = Field(default=1, ge=1, le=100)
    steps: list[Step] = Field(min_length=1)

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        yield "steps", self.steps


class RepeatSpec(Strict):
    until: Expression
    max: int = Field(ge=1, le=1000)


class RepeatStep(StepBase):
    repeat: RepeatSpec
    steps: list[Step] = Field(min_length=1)

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        yield "steps", self.steps


def _wait_shorthand(value: Any) -> Any:
    return {"duration": value} if isinstance(value, str) else value


class WaitSpec(Strict):
    """Exactly one of: a duration, a time (``until``), or a named external event."""

    duration: DurationField | None = None
    until: Expression | None = None
    event: Identifier | None = None
    key: Template | None = Field(
        default=None,
        description="What the awaited event is about (a PO number, say): a system that "
        "knows only that reaches every run waiting with it. Kept unencrypted: no personal data.",
    )
    timeout: DurationField | None = None
    on_timeout: Literal["continue", "fail"] = "fail"

    @model_validator(mode="after")
    def _one_form(self) -> WaitSpec:
        forms = [name for name in ("duration", "until", "event") if getattr(self, name) is not None]
        if len(forms) != 1:
            raise ValueError("a wait takes one of: a duration (wait: 2d), until, or event")
        if self.event is None and self.key is not None:
            raise ValueError("key applies only to waits for an event")
        if self.event is not None and self.timeout is None:
            raise ValueError(
                "waiting for an event needs a timeout (for example timeout: 10bd) "
                "so the process never waits forever"
            )
        if self.event is None and self.timeout is not None:
            raise ValueError("timeout applies only to waits for an event")
        return self


class WaitStep(StepBase):
    wait: Annotated[WaitSpec, BeforeValidator(_wait_shorthand)]


class SetStep(StepBase):
    set: dict[Identifier, Template] = Field(min_length=1)


class ProcessStep(StepBase):
    process: ProcessName
    input: dict[str, Template] = Field(default_factory=dict)
    detached: bool = False


def _reason_shorthand(value: Any) -> Any:
    return {"reason": value} if isinstance(value, str) else value


class FailSpec(Strict):
    reason: ReasonField
    message: str | None = None


class FailStep(StepBase):
    fail: Annotated[FailSpec, BeforeValidator(_reason_shorthand)]


class FinishSpec(Strict):
    reason: ReasonField | None = None
    output: dict[str, Template] | None = None


class FinishStep(StepBase):
    finish: Annotated[FinishSpec, BeforeValidator(_reason_shorthand)]


class GroupStep(StepBase):
    steps: list[Step] = Field(min_length=1)

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        yield "steps", self.steps


STEP_MODELS: dict[str, type[StepBase]] = {
    "call": CallStep,
    "bot": BotStep,
    "task": TaskStep,
    "parallel": ParallelStep,
    "switch": SwitchStep,
    "for_each": ForEachStep,
    "repeat": RepeatStep,
    "wait": WaitStep,
    "set": SetStep,
    "process": ProcessStep,
    "fail": FailStep,
    "finish": FinishStep,
    "steps": GroupStep,
}
STEP_KINDS = tuple(STEP_MODELS)
# Kinds whose completion changes the world outside the process, so compensation applies.
SIDE_EFFECT_KINDS = frozenset({"call", "bot", "process"})


def step_kind(value: Any) -> str | None:
    """The kind of a raw step mapping: its one kind key (``steps`` only when alone)."""
    if isinstance(value, StepBase):
        return value.kind
    if not isinstance(value, dict):
        return None
    found = [kind for kind in STEP_KINDS if kind != "steps" and kind in value]
    if len(found) == 1:
        return found[0]
    if not found and "steps" in value:
        return "steps"
    return None


Step = Annotated[
    Annotated[CallStep, Tag("call")]
    | Annotated[BotStep, Tag("bot")]
    | Annotated[TaskStep, Tag("task")]
    | Annotated[ParallelStep, Tag("parallel")]
    | Annotated[SwitchStep, Tag("switch")]
    | Annotated[ForEachStep, Tag("for_each")]
    | Annotated[RepeatStep, Tag("repeat")]
    | Annotated[WaitStep, Tag("wait")]
    | Annotated[SetStep, Tag("set")]
    | Annotated[ProcessStep, Tag("process")]
    | Annotated[FailStep, Tag("fail")]
    | Annotated[FinishStep, Tag("finish")]
    | Annotated[GroupStep, Tag("steps")],
    Discriminator(step_kind),
]


# --- the definition --------------------------------------------------------------------


class Definition(Strict):
    """A whole process, as validated from one YAML file."""

    name: ProcessName
    version: int = Field(ge=1)
    title: str = Field(min_length=1, max_length=200)
    description: str | None = None
    owner: str = Field(min_length=1)
    business_key: Expression
    summary: str | None = None
    input: dict[Identifier, InputField] = Field(default_factory=dict)
    variables: dict[Identifier, Any] = Field(default_factory=dict)
    defaults: Defaults = Field(default_factory=Defaults)
    calendar: Calendar = Field(default_factory=Calendar)
    steps: list[Step] = Field(min_length=1)
    output: dict[str, Template] = Field(default_factory=dict)


for _kind, _step_model in STEP_MODELS.items():
    _step_model.kind = _kind
_RECURSIVE_MODELS: list[type[BaseModel]] = [FieldSpec, Catch, Branch, Case, Defaults, Definition]
for _model in (*_RECURSIVE_MODELS, *STEP_MODELS.values()):
    _model.model_rebuild(force=True)


def walk_steps(steps: list[Step], path: str = "steps") -> Iterator[tuple[str, Step]]:
    """Every step in document order with its field path, nested ones included."""
    for index, step in enumerate(steps):
        yield from walk_step(step, f"{path}[{index}]")


def walk_step(step: Step, here: str) -> Iterator[tuple[str, Step]]:
    yield here, step
    for label, children in step.children():
        yield from walk_steps(children, f"{here}.{label}")
    for number, handler in enumerate(step.catch):
        yield from walk_steps(handler.steps, f"{here}.catch[{number}].steps")
    if step.compensate is not None:
        yield from walk_step(step.compensate, f"{here}.compensate")
