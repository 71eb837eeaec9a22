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
from backoffice.language.task_settings import Approvals, DurationOrMoment
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

    type: FieldType = Field(
        description=(
            "The kind of value: string, text, integer, number, boolean, date, datetime, list,"
            " object or any."
        )
    )
    required: bool = Field(
        default=True,
        description=(
            "Whether a start must give this field (true unless set false; a type ending in ? "
            "is optional)."
        ),
    )
    description: str | None = Field(
        default=None, description="What the field means, for the people who start runs."
    )
    default: Any = Field(
        default=None, description="The value used when a start leaves the field out, e.g. EUR."
    )
    enum: list[Any] | None = Field(
        default=None, min_length=1, description="The only values allowed, e.g. [EUR, USD, GBP]."
    )
    minimum: float | None = Field(default=None, description="The smallest number allowed, e.g. 0.")
    maximum: float | None = Field(
        default=None, description="The largest number allowed, e.g. 1000000."
    )
    min_length: int | None = Field(
        default=None, ge=0, description="The fewest characters a text may have, e.g. 1."
    )
    max_length: int | None = Field(
        default=None, ge=1, description="The most characters a text may have, e.g. 35."
    )
    pattern: str | None = Field(
        default=None, description="A regular expression the text must match, e.g. ^INV-[0-9]+$."
    )
    items: InputField | None = Field(
        default=None,
        description=(
            "For a list: the type of each item, e.g. string or {type: object, fields: {...}}."
        ),
    )
    min_items: int | None = Field(
        default=None, ge=0, description="For a list: the fewest items it may have, e.g. 1."
    )
    max_items: int | None = Field(
        default=None, ge=1, description="For a list: the most items it may have, e.g. 500."
    )
    fields: dict[Identifier, InputField] | None = Field(
        default=None,
        description=(
            "For an object: its fields, each with its own type, e.g. {qty: number, sku: string}."
        ),
    )

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

    timezone: str = Field(
        default="UTC",
        description=(
            "The time zone of the process's days and deadlines, e.g. Europe/Berlin (default UTC)."
        ),
    )
    weekend: list[Weekday] = Field(
        default_factory=lambda: ["saturday", "sunday"],  # type: ignore[arg-type]
        description="The days that are not business days, e.g. [saturday, sunday].",
    )
    holidays: list[date] = Field(
        default_factory=list, description="Extra days off, as dates, e.g. [2025-12-24, 2025-12-31]."
    )
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

    attempts: int | None = Field(
        default=None,
        ge=1,
        le=100,
        description=(
            "How many times a call or child process is tried in all, e.g. 5 (not for bots)."
        ),
    )
    initial_interval: DurationField | None = Field(
        default=None, description="The wait before the first retry, e.g. 1s."
    )
    backoff: float | None = Field(
        default=None,
        ge=1,
        le=10,
        description="How much longer each wait is than the one before, e.g. 2 (twice as long).",
    )
    max_interval: DurationField | None = Field(
        default=None, description="The longest wait between two attempts, e.g. 1m."
    )
    non_retryable: list[ErrorType] = Field(
        default_factory=list,
        description=(
            "Error types that fail at once without a retry, e.g. [HttpClientError]; "
            "`backoffice catalog` lists each activity's."
        ),
    )


def _default_retry() -> RetryPolicy:
    return RetryPolicy.model_validate(
        {"attempts": 3, "initial_interval": "1s", "backoff": 2.0, "max_interval": "1m"}
    )


class Defaults(Strict):
    """Values every step gets unless it says otherwise."""

    timeout: DurationField = Field(
        default="5m",
        validate_default=True,
        description="How long each attempt of a call or bot may take, e.g. 2m (default 5m).",
    )
    retry: RetryPolicy = Field(
        default_factory=_default_retry,
        description=(
            "How failing calls, bots and child processes are retried unless a step says otherwise."
        ),
    )
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
    "owner_of",
    "approval_limit",
    "users",
    "guest",
)


class ApprovalLimit(Strict):
    at_least: Template = Field(
        description=(
            "The amount the person's approval limit must reach, e.g. ${ input.gross_amount }."
        )
    )
    group: str | None = Field(
        default=None, description="Only people of this group, e.g. ap-approvers."
    )


class OwnerOf(Strict):
    """The owner of a system (``{system: erp}``) or of any record the directory lists
    owners of (``{record: supplier, id: "${ input.supplier_id }"}``)."""

    system: Template | None = Field(
        default=None,
        description="The system whose owner is meant, by the name the directory's owners "
        "list gives it: erp, hr, treasury.",
    )
    record: Identifier | None = Field(
        default=None,
        description="The kind of record whose owner is meant, as the directory's owners "
        "list names it: cost_center, supplier, contract. Give its id too.",
    )
    id: Template | None = Field(
        default=None,
        description="Which record of that kind: its id, often from the input "
        '("${ input.supplier_id }").',
    )

    @model_validator(mode="after")
    def _one_thing_owned(self) -> OwnerOf:
        if self.system is not None and (self.record is not None or self.id is not None):
            raise ValueError(
                "owner_of names a system or a record, not both: "
                "{system: erp} or {record: supplier, id: SUP-1}"
            )
        if self.system is None and (self.record is None or self.id is None):
            raise ValueError(
                "owner_of needs a system, or a record with its id: "
                '{system: erp} or {record: supplier, id: "${ input.supplier_id }"}'
            )
        return self

    @property
    def owned(self) -> tuple[str, Template]:
        """The kind of what is owned (``system`` for a system) and which one."""
        if self.system is not None:
            return "system", self.system
        assert self.record is not None
        return self.record, self.id


class Guest(Strict):
    """Someone outside the directory (a candidate, a supplier's contact) who decides
    through a link of their own, mailed to them when the task opens."""

    email: Template = Field(
        description='Where the link is mailed, e.g. "${ input.candidate.personal_email }".'
    )
    name: Template = Field(
        description='How the mail and the task address the guest, e.g. "${ input.candidate.name }".'
    )
    link_expires: DurationField | None = Field(
        default=None,
        description="How long the link stays valid after it is sent, e.g. 3d, when that is "
        "sooner than the task's timeout (the link never outlives the task).",
    )


# manager_of names a person (``manager_of: bob``), or the people a rule names, whose
# managers it means (``manager_of: {role: cfo}``). The tags never appear in definitions.
ASSIGNEE_TAGS = ("person", "rule")


PERSON_SCHEMA = WithJsonSchema({"type": "string", "description": "A person's id."})


def _person_or_rule(value: Any) -> str:
    return "rule" if isinstance(value, dict | BaseModel) else "person"


class Assignee(Strict):
    """Who may decide: exactly one of the keys, and ``or_else`` when that names nobody."""

    user: Template | None = Field(
        default=None, description="One person by id, e.g. alice or ${ input.requester }."
    )
    group: Template | None = Field(default=None, description="Anyone in a group, e.g. ap-clerks.")
    role: Template | None = Field(default=None, description="Whoever holds a role, e.g. cfo.")
    manager_of: (
        Annotated[
            Annotated[Assignee, Tag("rule")] | Annotated[Template, Tag("person"), PERSON_SCHEMA],
            Discriminator(_person_or_rule),
        ]
        | None
    ) = Field(
        default=None,
        description=(
            "The manager of a person, e.g. bob, or of the people a rule names, e.g. {role: cfo}."
        ),
    )
    cost_center_owner: Template | None = Field(
        default=None, description="The owner of a cost center, e.g. ${ input.cost_center }."
    )
    owner_of: OwnerOf | None = Field(
        default=None,
        description="The owner of a system or of a record, as the directory lists them: "
        '{system: erp} or {record: supplier, id: "${ input.supplier_id }"}.',
    )
    approval_limit: ApprovalLimit | None = Field(
        default=None,
        description=(
            "Someone whose approval limit covers an amount, e.g. {at_least: '${ input.amount }'}."
        ),
    )
    users: Expression | None = Field(
        default=None,
        description="An expression giving a list of people's ids, e.g. steps.lookup.approvers.",
    )
    guest: Guest | None = Field(
        default=None,
        description="Someone outside the directory, who decides through a signed link mailed "
        'to them: {email: "${ input.candidate.email }", name: "${ input.candidate.name }"}. '
        "The task's only assignee; nobody signed in to the inbox decides it.",
    )
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
        if self.guest is not None and self.or_else is not None:
            raise ValueError(
                "a guest is the task's one decider, so there is no or_else for them: when the "
                "guest does not answer, the task's timeout decides"
            )
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in ASSIGNEE_KINDS if getattr(self, kind) is not None)


FormFieldType = Literal[
    "text", "string", "number", "integer", "boolean", "date", "choice", "list", "file"
]


class FormField(Strict):
    id: Identifier = Field(
        description=(
            "The field's name in the decision, e.g. comment (read as steps.<task>.fields.comment)."
        )
    )
    label: str | None = Field(
        default=None,
        description="What the form shows next to the field, e.g. Reason for rejection.",
    )
    type: FormFieldType = Field(
        default="text",
        description="The kind of input: text, string, number, integer, boolean, date, choice, "
        "list or file (an upload, kept in the artifacts store; the decision holds "
        "{file_id, name, size, sha256, content_type}).",
    )
    required: bool = Field(
        default=False, description="Whether the person must fill it in to decide."
    )
    options: list[str] | None = Field(
        default=None,
        min_length=1,
        description="For a choice: the choices, e.g. [price, quantity, quality].",
    )
    fields: list[FormField] | None = Field(
        default=None,
        min_length=1,
        description="The columns of a field of type list: each one a field of its own "
        "(id, label, type, required, options), filled in once per line.",
    )
    min_items: int | None = Field(
        default=None, ge=0, description="A list field: the fewest lines the decider may send."
    )
    max_items: int | None = Field(
        default=None, ge=1, description="A list field: the most lines the decider may send."
    )
    default: Template = Field(
        default=None,
        description="A list field: the lines the form opens with, usually an expression such "
        "as ${ input.lines }; each line's columns take the record's fields of the same names.",
    )

    @model_validator(mode="after")
    def _choice_has_options(self) -> FormField:
        if (self.type == "choice") != (self.options is not None):
            raise ValueError("a field of type choice needs options, and only choice has them")
        return self

    @model_validator(mode="after")
    def _list_has_columns(self) -> FormField:
        if (self.type == "list") != (self.fields is not None):
            raise ValueError(
                "a field of type list needs fields: (its columns), and only a list has them"
            )
        list_only = {
            "min_items": self.min_items,
            "max_items": self.max_items,
            "default": self.default,
        }
        given = [name for name, value in list_only.items() if value is not None]
        if self.type != "list" and given:
            raise ValueError(f"only a field of type list takes {', '.join(given)}")
        fewest, most = self.min_items, self.max_items
        if fewest is not None and most is not None and fewest > most:
            raise ValueError(
                f"min_items ({self.min_items}) is more than max_items ({self.max_items})"
            )
        return self


def _outcome_shorthand(value: Any) -> Any:
    return {"id": value} if isinstance(value, str) else value


class Outcome(Strict):
    id: Identifier = Field(
        description="The outcome's name, e.g. approve (read as steps.<task>.outcome)."
    )
    label: str | None = Field(default=None, description="The button's text, e.g. Approve payment.")
    requires: list[Identifier] = Field(
        default_factory=list,
        description="Form fields that must be filled in to choose this outcome, e.g. [comment].",
    )


OutcomeItem = Annotated[Outcome, BeforeValidator(_outcome_shorthand)]


def _default_fields() -> list[FormField]:
    return [FormField(id="comment", label="Comment")]


def _default_outcomes() -> list[Outcome]:
    return [Outcome(id="approve"), Outcome(id="reject", requires=["comment"])]


class Form(Strict):
    fields: list[FormField] = Field(
        default_factory=_default_fields,
        description="The fields people fill in when they decide (default: a comment).",
    )
    outcomes: list[OutcomeItem] = Field(
        default_factory=_default_outcomes,
        min_length=1,
        description="The decisions people can take, e.g. [approve, reject].",
    )


class Reminders(Strict):
    """Either every N, or at listed offsets from creation (or before a date)."""

    every: DurationField | None = Field(
        default=None,
        description=("Remind the assignees this often while the task is open, e.g. 1bd."),
    )
    at: list[DurationField] | None = Field(
        default=None,
        min_length=1,
        description=("Remind at these times after the task opens, e.g. [1bd, 3bd]."),
    )
    max: int = Field(
        default=10, ge=1, le=100, description=("At most this many reminders, e.g. 3 (default 10).")
    )
    before: Template | None = Field(
        default=None,
        description="A date or time (usually an expression, ${ input.end_date }): the "
        "reminders at: come that long before it instead of after the task opens.",
    )

    @model_validator(mode="after")
    def _one_form(self) -> Reminders:
        if (self.every is None) == (self.at is None):
            raise ValueError("reminders take either 'every: 1bd' or 'at: [2bd, 4bd]'")
        if self.before is not None and self.at is None:
            raise ValueError(
                "reminders before a date are listed with at, like "
                "{before: '${ input.end_date }', at: [90d, 60d, 30d]}"
            )
        return self


class Escalation(Strict):
    after: DurationOrMoment = Field(
        description="When this level comes: a duration from when the task opens (2bd), or "
        "an expression giving a date or time."
    )
    add: list[Assignee] = Field(
        default_factory=list,
        description=("People who may decide too from then on, e.g. [{role: ap-lead}]."),
    )
    replace: list[Assignee] = Field(
        default_factory=list,
        description=("People who decide instead from then on, e.g. [{group: ap-managers}]."),
    )
    notify: list[Assignee] = Field(
        default_factory=list,
        description=("People told about the task by mail, who do not decide, e.g. [{role: cfo}]."),
    )

    @model_validator(mode="after")
    def _does_something(self) -> Escalation:
        if not (self.add or self.replace or self.notify):
            raise ValueError("an escalation must add, replace or notify someone")
        if self.add and self.replace:
            raise ValueError("an escalation either adds or replaces assignees, not both")
        return self


class TaskTimeout(Strict):
    after: DurationOrMoment = Field(
        description="When the task times out: a duration from when it opens (5bd), or an "
        "expression giving a date or time (${ input.end_date })."
    )
    outcome: Identifier = Field(
        description=("The outcome the task gets then, e.g. expired (one of the form's outcomes).")
    )


class HumanTask(Strict):
    """A decision by people, with who, what, and what happens when nobody acts."""

    assignees: list[Assignee] = Field(
        min_length=1,
        description=(
            "Who may decide, tried in order, e.g. [{cost_center_owner: '${ input.cost_center }'}]."
        ),
    )
    exclude: list[Template] = Field(
        default_factory=list,
        description=(
            "People who may never decide this task, e.g. [${ input.requester }] (no approving "
            "one's own)."
        ),
    )
    approvals: Approvals = Field(
        default=1,
        description="How many different people must approve: 1 to 5, or an expression "
        "worked out when the task opens (\"${ input.role == 'admin' ? 2 : 1 }\").",
    )
    description: str | None = Field(
        default=None,
        description=("What the person is asked to do, shown in the inbox; may use ${ }."),
    )
    context: dict[str, Template] = Field(
        default_factory=dict,
        description=(
            "Facts shown with the task, e.g. {supplier: '${ input.supplier_name }', amount: '${ "
            "input.gross_amount }'}."
        ),
    )
    form: Form = Field(
        default_factory=Form,
        description=("What the person fills in and the outcomes they choose from."),
    )
    due: DurationOrMoment | None = Field(
        default=None,
        description="When the task is due (before its timeout): a duration from when it "
        "opens (2bd), or an expression giving a date or time.",
    )
    reminders: Reminders | None = Field(
        default=None,
        description=("When the assignees are reminded by mail while the task is open."),
    )
    escalations: list[Escalation] = Field(
        default_factory=list,
        description=("Who else is brought in, and when, while the task stays open."),
    )
    timeout: TaskTimeout = Field(
        description=(
            "When the task is decided for the people if nobody does, and with which outcome."
        )
    )
    reassigners: list[Assignee] = Field(
        default_factory=list,
        description="Who may give the task to other people and move its deadline.",
    )


# --- steps -----------------------------------------------------------------------------


class Catch(Strict):
    """Handle errors of the listed types by running ``steps``; ``any`` catches all."""

    errors: list[ErrorType] = Field(
        min_length=1,
        description=(
            "The error types this handler takes, e.g. [HttpClientError] or [any]; `backoffice"
            " catalog` lists them."
        ),
    )
    steps: list[Step] = Field(
        min_length=1,
        description=(
            "The steps that run when one of the errors happens; error.type and error.message "
            "describe it."
        ),
    )
    then: Literal["continue", "fail"] = Field(
        default="continue",
        description=(
            "After the handler: continue with the next step (default), or fail with the same error."
        ),
    )


class StepBase(Strict):
    id: StepId = Field(
        description=(
            "The step's name, lower case with underscores, unique in the process, e.g. "
            "check_invoice."
        )
    )
    title: str | None = Field(
        default=None,
        description=(
            "What the step does in plain words, shown in the Web UI and the inbox; may use ${ }."
        ),
    )
    if_: Expression | None = Field(
        default=None,
        alias="if",
        description=(
            "Run the step only when this is true, e.g. input.amount > 1000; otherwise skip it."
        ),
    )
    timeout: DurationField | None = Field(
        default=None,
        description="On a call or bot: the time limit of one attempt (30s, 5m). On parallel, "
        "for_each, repeat, switch, steps and process: a deadline on the whole step (5bd); "
        "when it passes, what runs inside is cancelled and the step fails with Timeout. "
        "A task and a wait have timeouts of their own.",
    )
    retry: RetryPolicy | None = Field(
        default=None,
        description="How the step is retried when it fails; unset values come from defaults.retry.",
    )
    catch: list[Catch] = Field(
        default_factory=list,
        description="What to do when the step fails with one of the listed errors.",
    )
    compensate: Step | None = Field(
        default=None,
        description="The step that undoes this one when the process fails or is cancelled later.",
    )
    idempotency_key: Template | None = Field(
        default=None,
        description=(
            "A key the system called uses to do the work only once, e.g. ${ input.invoice_id "
            "}-post."
        ),
    )
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
    call: ActionName = Field(
        description="The activity to call, e.g. http.request; `backoffice catalog` lists them."
    )
    with_: dict[str, Template] = Field(
        default_factory=dict,
        alias="with",
        description="The activity's arguments, e.g. {url: '${ input.api }/suppliers'}.",
    )


class BotStep(StepBase):
    bot: ActionName = Field(
        description=(
            "The bot to run on a legacy system's screens, e.g. erp.post_invoice; `backoffice "
            "catalog` lists them."
        )
    )
    with_: dict[str, Template] = Field(
        default_factory=dict,
        alias="with",
        description="The bot's arguments, e.g. {invoice_id: '${ input.invoice_id }'}.",
    )
    credential: CredentialRef | None = Field(
        default=None,
        description=(
            "The secret with the login the bot uses, e.g. erp.ap_bot (default: the system's)."
        ),
    )


# ``compensate: void`` on a task step: its undo voids its decision (see VoidStep).
VOID_SHORTHAND = "void"


class TaskStep(StepBase):
    task: HumanTask = Field(
        description=(
            "A task people decide in the inbox: who, what they see, the outcomes, the deadlines."
        )
    )

    @model_validator(mode="before")
    @classmethod
    def _void_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict) and value.get("compensate") == VOID_SHORTHAND:
            own = value.get("id")
            if isinstance(own, str):
                undo = {"id": f"void_{own}"[:64], "void": own}
                return {**value, "compensate": undo}
        return value


class Branch(Strict):
    id: StepId = Field(description="The branch's name, unique in the process, e.g. check_supplier.")
    title: str | None = Field(default=None, description="What the branch does in plain words.")
    steps: list[Step] = Field(
        min_length=1, description="The steps of this branch, run alongside the other branches."
    )


class ParallelStep(StepBase):
    parallel: list[Branch] = Field(
        min_length=2, description="Two or more branches that run at the same time."
    )
    mode: Literal["all", "fail_fast", "first"] = Field(
        default="all",
        description=(
            "all: every branch finishes; fail_fast: a failure stops the others; first: the "
            "first to finish wins."
        ),
    )

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        for index, branch in enumerate(self.parallel):
            yield f"parallel[{index}].steps", branch.steps


class Case(Strict):
    when: Expression = Field(description="The condition of this case, e.g. input.amount > 10000.")
    title: str | None = Field(
        default=None, description="What the case means in plain words, e.g. Large invoices."
    )
    steps: list[Step] = Field(
        min_length=1,
        description="The steps that run when this case is the first whose condition holds.",
    )


class SwitchStep(StepBase):
    switch: list[Case] = Field(
        min_length=1, description="Cases tried in order; the first whose condition holds runs."
    )
    otherwise: list[Step] | None = Field(
        default=None, min_length=1, description="The steps that run when no case holds."
    )

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        for index, case in enumerate(self.switch):
            yield f"switch[{index}].steps", case.steps
        if self.otherwise:
            yield "otherwise", self.otherwise


class ForEachStep(StepBase):
    for_each: Expression = Field(
        description="An expression giving the list to go through, e.g. input.lines."
    )
    as_: Identifier = Field(
        default="item",
        alias="as",
        description="The name of the current item in the steps, e.g. line (default item).",
    )
    max_items: int = Field(
        ge=1,
        le=10_000,
        description=(
            "The most items the list may have, e.g. 500; more fail the step with TooManyItems."
        ),
    )
    concurrency: int = Field(
        default=1,
        ge=1,
        le=100,
        description="How many items run at the same time, e.g. 5 (default 1: one after another).",
    )
    steps: list[Step] = Field(min_length=1, description="The steps run for each item.")

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        yield "steps", self.steps


class RepeatSpec(Strict):
    until: Expression = Field(
        description="Stop repeating when this is true, e.g. steps.check.found."
    )
    max: int = Field(
        ge=1,
        le=1000,
        description="The most rounds, e.g. 10; then the step fails with RepeatLimitReached.",
    )


class RepeatStep(StepBase):
    repeat: RepeatSpec = Field(
        description="When to stop repeating the steps, and after how many rounds at most."
    )
    steps: list[Step] = Field(min_length=1, description="The steps run in each round.")

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        yield "steps", self.steps


def _wait_shorthand(value: Any) -> Any:
    return {"duration": value} if isinstance(value, str) else value


class WaitSpec(Strict):
    """Exactly one of: a duration, a time (``until``), or a named external event."""

    duration: DurationField | None = Field(
        default=None, description="How long to wait, e.g. 2d or 3bd (business days)."
    )
    until: Expression | None = Field(
        default=None, description='Wait until this time, e.g. input.start_date + "T06:00:00Z".'
    )
    event: Identifier | None = Field(
        default=None, description="The name of the event to wait for, e.g. goods_received."
    )
    key: Template | None = Field(
        default=None,
        description="What the awaited event is about (a PO number, say): a system that "
        "knows only that reaches every run waiting with it. Kept unencrypted: no personal data.",
    )
    timeout: DurationField | None = Field(
        default=None, description="How long to wait for the event at most, e.g. 10bd."
    )
    on_timeout: Literal["continue", "fail"] = Field(
        default="fail",
        description="When the event does not come in time: fail (default) or continue.",
    )

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
    wait: Annotated[WaitSpec, BeforeValidator(_wait_shorthand)] = Field(
        description=(
            "Wait for a time, a moment or an event, e.g. 2bd or {event: goods_received, "
            "timeout: 10bd}."
        )
    )


class SetStep(StepBase):
    set: dict[Identifier, Template] = Field(
        min_length=1,
        description=(
            "Variables and their new values, e.g. {route: manual, round: '${ vars.round + 1 }'}."
        ),
    )


class ProcessStep(StepBase):
    process: ProcessName = Field(
        description="The process to start as a child, by name, e.g. supplier-onboarding."
    )
    input: dict[str, Template] = Field(
        default_factory=dict,
        description="The child process's input, e.g. {supplier_id: '${ input.supplier_id }'}.",
    )
    detached: bool = Field(
        default=False,
        description="Start the child and go on at once, without waiting for its result.",
    )


def _reason_shorthand(value: Any) -> Any:
    return {"reason": value} if isinstance(value, str) else value


class FailSpec(Strict):
    reason: ReasonField = Field(
        description="The reason code, UPPER_CASE, e.g. DUPLICATE; a catch can name it."
    )
    message: str | None = Field(
        default=None, description="What went wrong in plain words; may use ${ }."
    )


class FailStep(StepBase):
    fail: Annotated[FailSpec, BeforeValidator(_reason_shorthand)] = Field(
        description="End the process as failed, with a reason code, e.g. DUPLICATE."
    )


class FinishSpec(Strict):
    reason: ReasonField | None = Field(
        default=None,
        description="The reason code the process finished with, e.g. CANCELLED_BY_SUPPLIER.",
    )
    output: dict[str, Template] | None = Field(
        default=None, description="The process's result, e.g. {status: rejected}."
    )


class FinishStep(StepBase):
    finish: Annotated[FinishSpec, BeforeValidator(_reason_shorthand)] = Field(
        description="End the process early but successfully, with a reason code, e.g. NOT_NEEDED."
    )


class GroupStep(StepBase):
    steps: list[Step] = Field(
        min_length=1,
        description="The steps of the block, run in order; a catch on the block covers them all.",
    )

    def children(self) -> Iterator[tuple[str, list[Step]]]:
        yield "steps", self.steps


class Notify(Strict):
    """A mail to people the directory finds, sent once through the outbox."""

    to: list[Assignee] = Field(
        min_length=1,
        description="Who gets the mail: assignee rules, as a task's assignees "
        "({user: alice}, {group: ap-clerks}, {owner_of: {system: erp}}).",
    )
    subject: str | None = Field(
        default=None,
        max_length=400,
        description="The subject line; may hold ${ } placeholders. With a template, it "
        "replaces the template's own subject.",
    )
    body: str | None = Field(
        default=None,
        max_length=20_000,
        description="The text of the mail; may hold ${ } placeholders. Give body or template.",
    )
    template: Identifier | None = Field(
        default=None,
        description="The name of a mail template under mail_templates at the top of the "
        "definition, used instead of body.",
    )
    context: dict[Identifier, Template] = Field(
        default_factory=dict,
        description="Values the subject, body and template read as context.<name>.",
    )

    @model_validator(mode="after")
    def _says_something(self) -> Notify:
        if (self.body is None) == (self.template is None):
            raise ValueError(
                "a notify step gives the text of its mail as body, or names a template: "
                "one of the two"
            )
        if self.body is not None and self.subject is None:
            raise ValueError("a notify step with a body needs a subject too")
        return self


class NotifyStep(StepBase):
    notify: Notify = Field(
        description="Mail people, e.g. {to: [{role: ap-lead}], template: overdue}; nobody decides."
    )


def _void_shorthand(value: Any) -> Any:
    return {"task": value} if isinstance(value, str) else value


class VoidSpec(Strict):
    """Which task's decision no longer stands, and why."""

    task: StepId = Field(
        description="The id of the task step whose decision is voided (void: approve)."
    )
    reason: str | None = Field(
        default=None,
        max_length=2000,
        description="Why, as the deciders read it; may hold ${ } placeholders. Unset: the "
        "error of the step that failed (or that the run was cancelled).",
    )


class VoidStep(StepBase):
    void: Annotated[VoidSpec, BeforeValidator(_void_shorthand)] = Field(
        description="The task whose decision no longer stands, e.g. approve (in an undo)."
    )


class MailTemplate(Strict):
    """A mail that notify steps send by name; ${ context.x } reads what each step gives."""

    subject: str = Field(min_length=1, max_length=400, description="The subject line.")
    body: str = Field(min_length=1, max_length=20_000, description="The text of the mail.")


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
    "notify": NotifyStep,
    "void": VoidStep,
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
    | Annotated[NotifyStep, Tag("notify")]
    | Annotated[VoidStep, Tag("void")]
    | Annotated[GroupStep, Tag("steps")],
    Discriminator(step_kind),
]


# --- the definition --------------------------------------------------------------------


class Definition(Strict):
    """A whole process, as validated from one YAML file."""

    name: ProcessName = Field(
        description=(
            "The process's name, lower case with dashes, as its file is named, e.g. invoice-"
            "approval."
        )
    )
    version: int = Field(
        ge=1, description="The definition's version, raised with each change, e.g. 3."
    )
    title: str = Field(
        min_length=1,
        max_length=200,
        description="The process's name in plain words, e.g. Supplier invoice approval.",
    )
    description: str | None = Field(
        default=None, description="What the process is for, in a few sentences."
    )
    owner: str = Field(min_length=1, description="Who owns the process, e.g. ap-team.")
    business_key: Expression = Field(
        description="What identifies one case; a key runs once, e.g. input.invoice_id."
    )
    summary: str | None = Field(
        default=None,
        description=(
            "The one line the Web UI lists for a run, e.g. ${ input.supplier_name }: ${ "
            "input.gross_amount }."
        ),
    )
    input: dict[Identifier, InputField] = Field(
        default_factory=dict,
        description=(
            "The fields a start gives, each with its type, e.g. {invoice_id: string, amount: "
            "number}."
        ),
    )
    variables: dict[Identifier, Any] = Field(
        default_factory=dict,
        description=(
            "Values the steps read as vars.<name> and change with set, with their starting "
            "values, e.g. {round: 0}."
        ),
    )
    defaults: Defaults = Field(
        default_factory=Defaults,
        description="Timeout, retry and repair rules every step gets unless it says otherwise.",
    )
    calendar: Calendar = Field(
        default_factory=Calendar,
        description="The time zone, weekend and holidays that business days (bd) count with.",
    )
    steps: list[Step] = Field(min_length=1, description="What the process does, in order.")
    output: dict[str, Template] = Field(
        default_factory=dict,
        description=(
            "The process's result, e.g. {document_number: '${ steps.post.document_number }'}."
        ),
    )
    mail_templates: dict[Identifier, MailTemplate] = Field(
        default_factory=dict,
        description="Mails that notify steps send by name (template: <name>).",
    )


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
