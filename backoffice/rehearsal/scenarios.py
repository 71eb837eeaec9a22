"""The scenario files of a rehearsal: their model, where they live, and their checks.

A definition ``definitions/x.yaml`` is rehearsed with the files in
``definitions/x.scenarios/``. Each file lists scenarios, and may give an ``input`` and
``answers`` its scenarios share. Everything a scenario names is checked against the
definition before anything runs, with the file, line and what to write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from backoffice.language import model
from backoffice.language.durations import Duration, parse_duration
from backoffice.language.inputs import InputError, check_input
from backoffice.language.problems import Problem, did_you_mean, format_path
from backoffice.language.source import SourceError, SourceMap, load
from backoffice.rehearsal.guests_and_files import GUEST

SCENARIO_FOLDER_SUFFIX = ".scenarios"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _duration(value: Any) -> Any:
    return parse_duration(value) if isinstance(value, str) else value


DurationText = Annotated[Duration, BeforeValidator(_duration)]


class RaisedError(Strict):
    type: str = Field(min_length=1, description="The error type the step fails with.")
    message: str = Field(default="", description="The error's message.")


class Answer(Strict):
    """What a call or bot step answers: one result, results in turn, or an error."""

    result: Any = None
    results: list[Any] | None = Field(default=None, min_length=1)
    error: RaisedError | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        given = [name for name in ("results", "error") if getattr(self, name) is not None]
        if "result" in self.model_fields_set:
            given.append("result")
        if len(given) != 1:
            raise ValueError(
                "an answer gives one of: result (the same each time), results (a list, one "
                "per call, the last one again after), or error (type and message)"
            )
        return self

    def reply(self, number: int) -> tuple[Any, RaisedError | None]:
        """The answer to the ``number``th call (0-based) of the step."""
        if self.error is not None:
            return None, self.error
        if self.results is not None:
            return self.results[min(number, len(self.results) - 1)], None
        return self.result, None


def _never(value: Any) -> Any:
    return {"never": True} if value == "never" else value


class TaskDecision(Strict):
    """How people decide one opening of a task; ``never``: nobody does, it times out."""

    outcome: str | None = None
    by: str | list[str] | None = Field(
        default=None, description="Who decides; left out, the first person who may."
    )
    after: DurationText = Field(
        default_factory=lambda: Duration(seconds=60), description="Since the task opened."
    )
    comment: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    never: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if self.never == (self.outcome is not None):
            raise ValueError(
                "a decision gives an outcome (outcome: approve), or is 'never' so the "
                "task's timeout runs"
            )
        return self

    def people(self) -> list[str | None]:
        if isinstance(self.by, list):
            return list(self.by)
        return [self.by]


DecisionItem = Annotated[TaskDecision, BeforeValidator(_never)]


def _one_or_many(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


class Event(Strict):
    name: str = Field(min_length=1)
    key: str | None = Field(default=None, description="What the event is about (a PO number).")
    data: Any = None
    after: DurationText = Field(description="Since the run started.")


class Call(Strict):
    step: str | None = None
    activity: str | None = None
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")
    times: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        if (self.step is None) == (self.activity is None):
            raise ValueError("a call names its step (step: post) or its activity, not both")
        return self


class Expect(Strict):
    status: Literal["completed", "finished", "failed"] | None = None
    reason: str | None = None
    output: dict[str, Any] = Field(default_factory=dict)
    steps_taken: list[str] = Field(default_factory=list)
    steps_not_taken: list[str] = Field(default_factory=list)
    calls: list[Call] = Field(default_factory=list)
    calls_not_made: list[str] = Field(default_factory=list)


class Limits(Strict):
    simulated: DurationText = Field(default_factory=lambda: Duration(seconds=730 * 86400))
    real_seconds: float = Field(default=60.0, gt=0, le=3600)


class Scenario(Strict):
    name: str = Field(min_length=1)
    input: dict[str, Any] = Field(default_factory=dict)
    vars: dict[str, Any] = Field(default_factory=dict)
    answers: dict[str, Answer] = Field(default_factory=dict)
    decisions: dict[str, Annotated[list[DecisionItem], BeforeValidator(_one_or_many)]] = Field(
        default_factory=dict
    )
    events: list[Event] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)
    limits: Limits = Field(default_factory=Limits)


class ScenarioFile(Strict):
    input: dict[str, Any] = Field(default_factory=dict)
    answers: dict[str, Answer] = Field(default_factory=dict)
    scenarios: list[Scenario] = Field(min_length=1)


@dataclass
class Loaded:
    """One file's scenarios, each with its shared values merged in, and its problems."""

    file: str
    scenarios: list[Scenario] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def scenario_files(definition_file: Path) -> list[Path]:
    """The scenario files of a definition: ``x.scenarios/*.yaml`` beside ``x.yaml``."""
    folder = definition_file.with_suffix(SCENARIO_FOLDER_SUFFIX)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_file(path: Path, definition: model.Definition, people: set[str]) -> Loaded:
    """Read and check one scenario file against the definition."""
    loaded = Loaded(str(path))
    try:
        data, source = load(path.read_text(encoding="utf-8"))
    except SourceError as error:
        loaded.problems.append(
            Problem(str(path), error.position.line, error.position.column, "", error.message)
        )
        return loaded
    except OSError as error:
        loaded.problems.append(Problem(str(path), 1, 1, "", f"cannot read it: {error}"))
        return loaded
    try:
        parsed = ScenarioFile.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            where = _as_written(data, tuple(part for part in item["loc"] if not _is_tag(part)))
            loaded.problems.append(_problem(path, source, where, _plain(item)))
        return loaded
    checks = Checks(path, source, definition, people)
    for number, scenario in enumerate(parsed.scenarios):
        merged = scenario.model_copy(
            update={
                "input": {**parsed.input, **scenario.input},
                "answers": {**parsed.answers, **scenario.answers},
            }
        )
        checks.scenario(scenario, number, merged.input)
        loaded.scenarios.append(merged)
    checks.shared(parsed)
    loaded.problems += sorted(set(checks.problems))
    return loaded


def _is_tag(part: Any) -> bool:
    # pydantic names the validator a value went through (function-before[...]) in its path
    return isinstance(part, str) and ("[" in part or part.startswith("function-"))


def _as_written(data: Any, where: tuple[Any, ...]) -> tuple[Any, ...]:
    """``where`` without the list index a single value was read into (one decision)."""
    written: list[Any] = []
    node = data
    for part in where:
        if isinstance(part, int) and not isinstance(node, list):
            continue  # the file gives one value where a list is allowed: no index to show
        written.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(written)


def _plain(item: Any) -> str:
    message = str(item["msg"]).removeprefix("Value error, ")
    if item["type"] == "extra_forbidden":
        unknown = f"'{item['loc'][-1]}' is not a scenario keyword here"
        if item.get("input") is None:
            # A word with no value after it is, most often, the rest of a text cut at its
            # comma inside {...}: `comment: Not ours, sorry` reads as a key 'sorry'.
            return (
                f"{unknown}; if it is the end of a text with a comma, put the whole text "
                'in quotes: comment: "Not ours, sorry"'
            )
        return unknown
    if item["type"] == "missing":
        return f"'{item['loc'][-1]}' is required here"
    return message


def _problem(path: Path, source: SourceMap, where: tuple[Any, ...], message: str) -> Problem:
    key = bool(where) and isinstance(where[-1], str)
    position = source.locate(where, key=key)
    return Problem(str(path), position.line, position.column, format_path(where), message)


class Checks:
    """Everything a scenario names, against the definition and the people directory."""

    def __init__(
        self, path: Path, source: SourceMap, definition: model.Definition, people: set[str]
    ) -> None:
        self.path = path
        self.source = source
        self.definition = definition
        self.people = people
        self.problems: list[Problem] = []
        self.steps: dict[str, model.Step] = {
            step.id: step for _, step in model.walk_steps(definition.steps)
        }
        self.actions = {
            step.id: step
            for step in self.steps.values()
            if isinstance(step, model.CallStep | model.BotStep)
        }
        self.activities = {
            step.call if isinstance(step, model.CallStep) else step.bot
            for step in self.actions.values()
        }
        self.events = {
            step.wait.event
            for step in self.steps.values()
            if isinstance(step, model.WaitStep) and step.wait.event is not None
        }

    def add(self, where: tuple[Any, ...], message: str) -> None:
        self.problems.append(_problem(self.path, self.source, where, message))

    def shared(self, parsed: ScenarioFile) -> None:
        for step_id in parsed.answers:
            self.answer_step(("answers", step_id), step_id)

    def scenario(self, scenario: Scenario, number: int, data: dict[str, Any]) -> None:
        """Check a scenario as written (``data``: its input with the file's merged in)."""
        at: tuple[Any, ...] = ("scenarios", number)
        try:
            check_input(self.definition, data)
        except InputError as error:
            # Shown at the input that is wrong: the scenario's own, else the file's shared one.
            if scenario.input:
                where: tuple[Any, ...] = (*at, "input")
            elif ("input",) in self.source.values:
                where = ("input",)
            else:
                where = (*at, "name")
            self.add(
                where,
                f"scenario '{scenario.name}': its input (the file's, with the fields the "
                "scenario gives) does not fit the definition's input:\n  "
                + "\n  ".join(error.problems),
            )
        for name in scenario.vars:
            if name not in self.definition.variables:
                known = self.definition.variables
                self.add(
                    (*at, "vars", name),
                    f"the definition has no variable '{name}'.{did_you_mean(name, known)}",
                )
        for step_id in scenario.answers:
            self.answer_step((*at, "answers", step_id), step_id)
        for step_id, decisions in scenario.decisions.items():
            self.decisions((*at, "decisions", step_id), step_id, decisions)
        for index, event in enumerate(scenario.events):
            if event.name not in self.events:
                waited = ", ".join(sorted(self.events)) or "none"
                self.add(
                    (*at, "events", index, "name"),
                    f"no step waits for an event '{event.name}' (the definition waits "
                    f"for: {waited}).{did_you_mean(event.name, self.events)}",
                )
        expect = scenario.expect
        for kind in ("steps_taken", "steps_not_taken"):
            for index, step_id in enumerate(getattr(expect, kind)):
                self.known_step((*at, "expect", kind, index), step_id)
        for index, call in enumerate(expect.calls):
            here = (*at, "expect", "calls", index)
            if call.step is not None and call.step not in self.actions:
                self.not_a_call((*here, "step"), call.step)
            if call.activity is not None and call.activity not in self.activities:
                self.add(
                    (*here, "activity"),
                    f"the definition never calls '{call.activity}' (it calls: "
                    f"{', '.join(sorted(self.activities))})."
                    + did_you_mean(call.activity, self.activities),
                )
        for index, name in enumerate(expect.calls_not_made):
            if name not in self.actions and name not in self.activities:
                self.add(
                    (*at, "expect", "calls_not_made", index),
                    f"'{name}' is neither a call or bot step nor an activity the definition "
                    f"calls.{did_you_mean(name, [*self.actions, *self.activities])}",
                )

    def known_step(self, where: tuple[Any, ...], step_id: str) -> bool:
        if step_id in self.steps:
            return True
        self.add(
            where, f"no step '{step_id}' in the definition.{did_you_mean(step_id, self.steps)}"
        )
        return False

    def not_a_call(self, where: tuple[Any, ...], step_id: str) -> None:
        if not self.known_step(where, step_id):
            return
        kind = self.steps[step_id].kind
        advice = (
            "give its decision under decisions:, not answers:"
            if kind == "task"
            else "only call and bot steps are answered"
        )
        self.add(where, f"step '{step_id}' is a {kind} step, not a call or bot: {advice}")

    def answer_step(self, where: tuple[Any, ...], step_id: str) -> None:
        if step_id not in self.actions:
            self.not_a_call(where, step_id)

    def decisions(
        self, where: tuple[Any, ...], step_id: str, decisions: list[TaskDecision]
    ) -> None:
        if not self.known_step(where, step_id):
            return
        step = self.steps[step_id]
        if not isinstance(step, model.TaskStep):
            self.add(
                where,
                f"step '{step_id}' is a {step.kind} step, not a task: only tasks are decided"
                + (" (answer it under answers:)" if step_id in self.actions else ""),
            )
            return
        form = step.task.form
        outcomes = {outcome.id: outcome for outcome in form.outcomes}
        field_ids = {form_field.id for form_field in form.fields}
        for index, decision in enumerate(decisions):
            here = (*where, index) if len(decisions) > 1 else where
            if decision.never:
                continue
            outcome = outcomes.get(decision.outcome or "")
            if outcome is None:
                self.add(
                    (*here, "outcome"),
                    f"step '{step_id}' has no outcome '{decision.outcome}' (its outcomes: "
                    f"{', '.join(outcomes)}).{did_you_mean(decision.outcome or '', outcomes)}",
                )
                continue
            for name in decision.fields:
                if name not in field_ids:
                    self.add(
                        (*here, "fields", name),
                        f"the form of '{step_id}' has no field '{name}' (its fields: "
                        f"{', '.join(sorted(field_ids))})",
                    )
            for needed in outcome.requires:
                given = decision.comment if needed == "comment" else None
                if given in (None, "") and decision.fields.get(needed) in (None, ""):
                    self.add(
                        (*here, "outcome"),
                        f"'{outcome.id}' on '{step_id}' requires {needed}: add "
                        f"{needed}: <what the person writes>",
                    )
            for person in decision.people():
                if person == GUEST and not any(a.guest for a in step.task.assignees):
                    self.add(
                        (*here, "by"),
                        f"'{step_id}' has no guest: by: guest decides only a task whose "
                        "assignee is a guest. Name a person of the directory instead",
                    )
                elif person is not None and person != GUEST and person not in self.people:
                    self.add(
                        (*here, "by"),
                        f"'{person}' is not in the people directory."
                        f"{did_you_mean(person, self.people)}",
                    )


def step_of(key: str) -> str:
    """The step id of an instance key: ``matching#3/match`` and ``post:INV-1`` give the id."""
    return re.split(r"[/]", key.split(":", 1)[0])[-1]
