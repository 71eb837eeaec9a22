"""What crosses the wire between the client, the interpreter and Temporal's history.

Everything here is plain pydantic data, importable inside the workflow sandbox. Keep it
compact: every byte of a run's input and state is written to history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backoffice.language.business_days import ResolvedHolidays

EVENT_SIGNAL = "event"
DECIDE_UPDATE = "decide"
DECIDE_SIGNAL = "decide-by-signal"
CLAIM_UPDATE = "claim"
DELEGATE_UPDATE = "delegate"
REASSIGN_UPDATE = "reassign"
RESCHEDULE_UPDATE = "reschedule"
PROGRESS_QUERY = "progress"
TASKS_QUERY = "tasks"
# The keys of the step instances a run has completed, those inside for_each items included
# (their steps have no progress line): the rehearsal counts the steps a scenario reached.
COMPLETED_STEPS_QUERY = "completed-steps"


class Contract(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DefinitionSnapshot(Contract):
    """A validated definition as the run started with it."""

    # Definition.model_dump, revalidated in the run: every value since defaults were kept
    # (engine.runs.snapshot_of), only those given before.
    definition: dict[str, Any]
    content_hash: str
    # Where each call and bot runs: action name -> logical queue ("default" or a system).
    queues: dict[str, str] = Field(default_factory=dict)
    # The holidays of the package calendars the definition names, taken when the run
    # started; the run reads only these (None: it names none, or it began before them).
    holidays: ResolvedHolidays | None = None
    # The rules of the time zones named in the definition and the input, taken when the
    # run started (zone name -> TZif bytes, base64): local_time() reads only these.
    zones: dict[str, str] = Field(default_factory=dict)


class StepRecord(Contract):
    """The outcome of one step instance, kept so a continued run can resume."""

    status: Literal["completed", "skipped"]
    result: Any = None


class PendingCompensation(Contract):
    """A completed step whose ``compensate`` runs if the process later fails or is cancelled."""

    key: str  # instance key of the completed step
    step_id: str
    locals: dict[str, Any] = Field(default_factory=dict)  # for_each item and index then


class ExternalEvent(Contract):
    name: str
    data: Any = None
    received_at: datetime | None = None


class ActingOperator(Contract):
    """An operator acting in a person's name (at the command line), and why: audited as
    the operator acting for that person. Set by the caller once the operator proved who
    they are."""

    name: str
    reason: str = Field(min_length=1, max_length=500)


class Decision(Contract):
    """A person's decision on a human task. ``user`` is set by the authenticated caller."""

    task_id: str
    user: str
    outcome: str
    comment: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    # Where it came from, for the audit; set by the caller: inbox, cli, operator, api.
    via: str | None = None
    address: str | None = None  # the caller's network address or host
    operator: ActingOperator | None = None
    # When the process accepted it; set by the process, never by the caller.
    at: datetime | None = None


class Delegate(Contract):
    """A decider hands the task to someone of the same or higher authority."""

    task_id: str
    user: str
    to: str
    comment: str | None = None
    via: str | None = None
    address: str | None = None
    operator: ActingOperator | None = None


class Reassign(Contract):
    """Someone allowed to reassign gives the task to other people, replacing its deciders."""

    task_id: str
    user: str
    to: list[str] = Field(min_length=1, max_length=20)
    comment: str | None = None
    # A leaver whose tasks are handed over (``people.hand_over_tasks``, its caller is
    # ``user``): allowed while the leaver may still decide, whoever the reassigners are.
    # Only the engine sets it; the inbox and the CLI never do.
    handing_over: str | None = None
    via: str | None = None
    address: str | None = None
    operator: ActingOperator | None = None


class Reschedule(Contract):
    """Someone allowed to reassign moves the task's final deadline (and its due date).

    Reminders and escalation levels still to come move by the same amount: the task's
    schedule is re-based on the new deadline; the ones already past stay done.
    """

    task_id: str
    user: str
    deadline: datetime
    due_at: datetime | None = None
    comment: str | None = None
    via: str | None = None
    address: str | None = None
    operator: ActingOperator | None = None


class Claim(Contract):
    """Take a task to work on it (others cannot decide meanwhile), or give it back."""

    task_id: str
    user: str
    release: bool = False
    operator: ActingOperator | None = None


class PlannedEvent(Contract):
    """A reminder or an escalation level a task has coming."""

    at: datetime
    what: Literal["reminder", "escalation"]
    number: int
    to: list[str] = Field(default_factory=list)  # an escalation's new assignees


class TaskView(Contract):
    """An open or closed human task as the inbox and ``status`` show it."""

    task_id: str
    step_id: str
    title: str
    assignees: list[str]
    excluded: list[str]
    outcomes: list[str]
    approvals_needed: int
    created_at: datetime
    due_at: datetime | None
    deadline: datetime
    status: Literal["open", "decided", "timed_out", "cancelled"] = "open"
    decisions: list[Decision] = Field(default_factory=list)
    context: dict[str, Any] = Field(default_factory=dict)
    # Who may decide, with why (from the directory, delegations included); None on runs
    # that began before tasks were recorded in the task table.
    deciders: dict[str, str] | None = None
    claimed_by: str | None = None
    # Who may reassign the task and move its deadline (the definition's ``reassigners``).
    reassigners: list[str] = Field(default_factory=list)
    # Reminders and escalation levels still to come, soonest first, so ops and deciders
    # see them before they fire.
    planned: list[PlannedEvent] = Field(default_factory=list)
    # Worked out once when the task opened (settings may be computed), so waiting and
    # replay read them here: reminder number -> when, and each escalation level's moment.
    reminders_at: dict[int, datetime] = Field(default_factory=dict)
    escalations_at: list[datetime] = Field(default_factory=list)
    # What was corrected in a computed schedule, and a lack of approvers, in plain words.
    notes: list[str] = Field(default_factory=list)


class RunState(Contract):
    """What a run carries into its continuation (continue-as-new)."""

    variables: dict[str, Any] = Field(default_factory=dict)
    records: dict[str, StepRecord] = Field(default_factory=dict)
    compensations: list[PendingCompensation] = Field(default_factory=list)
    events: dict[str, list[ExternalEvent]] = Field(default_factory=dict)
    continued: int = 0


class RunInput(Contract):
    """The one argument of every process workflow."""

    snapshot: DefinitionSnapshot
    input: dict[str, Any]
    business_key: str
    # Definitions of the processes this one may start as children, by name.
    children: dict[str, DefinitionSnapshot] = Field(default_factory=dict)
    # Continue as new after this many history events (None: when the server suggests it).
    history_limit: int | None = None
    state: RunState | None = None
    # The processes above a child run, the outermost first: empty for a run started from
    # outside. Bounds how deep processes may start one another.
    lineage: list[str] = Field(default_factory=list)


class ProcessResult(Contract):
    status: Literal["completed", "finished"]
    reason: str | None = None
    output: dict[str, Any] = Field(default_factory=dict)


class StepProgress(Contract):
    key: str
    step_id: str
    title: str
    kind: str
    status: Literal[
        "running", "waiting", "completed", "skipped", "failed", "compensated", "cancelled"
    ]
    started_at: datetime | None = None
    ended_at: datetime | None = None
    waiting_for: str | None = None
    until: datetime | None = None
    error: str | None = None
    waiting_since: datetime | None = None  # when the wait the step is in began


class Progress(Contract):
    process: str
    version: int
    business_key: str
    status: Literal[
        "running",
        "waiting",
        "watching",
        "compensating",
        "completed",
        "finished",
        "failed",
        "cancelled",
        "terminated",
        "timed_out",
    ]
    steps: list[StepProgress]
    variables: dict[str, Any]
    tasks: list[TaskView]
    continued: int
    # The reason code a run finished or failed with (DUPLICATE, NO_GR, BANK_MISMATCH).
    reason: str | None = None
    waiting_since: datetime | None = None  # since when the run waits (the earliest wait)
    # Events the definition declares it may wait for, and those it waits for now.
    events_declared: list[str] = Field(default_factory=list)
    events_awaited: list[str] = Field(default_factory=list)
    events_possible: list[str] = Field(default_factory=list)  # a step may still wait for
    events_received: list[str] = Field(default_factory=list)  # buffered, not yet taken
