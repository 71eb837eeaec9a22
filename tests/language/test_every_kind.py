"""A valid definition with every step kind passes both the validator and the JSON Schema."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from backoffice.language import model
from backoffice.language.schema import definition_schema
from backoffice.language.source import load
from backoffice.language.validate import validate_file, validate_text
from tests.language.helpers import DATA, EVERY_KIND, KNOWN_PROCESSES, make_catalog

SCHEMA = Draft202012Validator(definition_schema())


def _text() -> str:
    return EVERY_KIND.read_text(encoding="utf-8")


def _data() -> Any:
    data, _ = load(_text())
    return data


def test_every_kind_validates_without_problems_against_the_catalog() -> None:
    checked = validate_text(_text(), str(EVERY_KIND), make_catalog(), KNOWN_PROCESSES)
    assert [str(problem) for problem in checked.problems] == []
    assert checked.ok
    assert checked.definition is not None
    assert checked.definition.name == "every-kind"
    assert len(checked.content_hash) == 64


def test_every_kind_validates_without_a_catalog() -> None:
    checked = validate_file(EVERY_KIND)
    assert [str(problem) for problem in checked.problems] == []
    assert checked.ok


def test_every_kind_uses_every_step_kind_and_option() -> None:
    checked = validate_text(_text(), str(EVERY_KIND), make_catalog(), KNOWN_PROCESSES)
    assert checked.definition is not None
    steps = [step for _, step in model.walk_steps(checked.definition.steps)]
    assert {step.kind for step in steps} == set(model.STEP_KINDS)
    waits = [step.wait for step in steps if isinstance(step, model.WaitStep)]
    assert any(wait.duration is not None for wait in waits)
    assert any(wait.until is not None for wait in waits)
    assert any(wait.event is not None for wait in waits)
    assert any(step.catch for step in steps)
    assert any(step.compensate is not None for step in steps)
    assert any(step.if_ is not None for step in steps)
    assert any(step.idempotency_key is not None for step in steps)
    assert any(step.retry is not None for step in steps)
    assert any(step.timeout is not None for step in steps)


def test_every_kind_is_read_as_written() -> None:
    checked = validate_text(_text(), str(EVERY_KIND), make_catalog(), KNOWN_PROCESSES)
    definition = checked.definition
    assert definition is not None
    # Dates stay text in the YAML data, and become dates in the calendar model.
    assert _data()["calendar"]["holidays"] == ["2025-12-25", "2025-12-26"]
    assert [day.isoformat() for day in definition.calendar.holidays] == [
        "2025-12-25",
        "2025-12-26",
    ]
    assert str(definition.defaults.timeout) == "2m"
    assert definition.input["po_number"].required is False
    assert definition.input["invoice_id"].required is True
    post = definition.steps[1]
    assert isinstance(post, model.BotStep)
    assert post.credential == "erp-ap-bot"
    assert post.if_ == "steps.validate.matched"
    provision = definition.steps[3]
    assert isinstance(provision, model.ParallelStep)
    assert provision.mode == "fail_fast"
    approve = definition.steps[2]
    assert isinstance(approve, model.TaskStep)
    assert [outcome.id for outcome in approve.task.form.outcomes] == ["approve", "reject"]
    assert [assignee.kind for assignee in approve.task.assignees] == ["user", "approval_limit"]


def test_every_kind_round_trips_through_its_json_snapshot() -> None:
    definition = validate_text(_text()).definition
    assert definition is not None
    snapshot = definition.model_dump(mode="json")
    assert model.Definition.model_validate(snapshot) == definition
    # The snapshot is in the long forms, which the JSON Schema knows too.
    assert [error.message for error in SCHEMA.iter_errors(snapshot)] == []


def test_every_kind_validates_against_the_json_schema() -> None:
    assert [error.message for error in SCHEMA.iter_errors(_data())] == []


@pytest.mark.parametrize("path", sorted(DATA.glob("*.yaml")), ids=lambda path: path.name)
def test_every_fixture_is_valid(path: Any) -> None:
    text = path.read_text(encoding="utf-8")
    checked = validate_text(text, str(path), make_catalog(), KNOWN_PROCESSES)
    assert [str(problem) for problem in checked.problems] == []
    data, _ = load(text)
    assert [error.message for error in SCHEMA.iter_errors(data)] == []


def _without_first_step_id(data: dict[str, Any]) -> None:
    del data["steps"][0]["id"]


def _with_unknown_key(data: dict[str, Any]) -> None:
    data["titel"] = "typo"


def _with_two_kinds(data: dict[str, Any]) -> None:
    data["steps"][0]["set"] = {"x": 1}


def _with_bad_mode(data: dict[str, Any]) -> None:
    data["steps"][3]["mode"] = "any"


def _with_bad_duration(data: dict[str, Any]) -> None:
    data["defaults"]["timeout"] = "3 days"


def _with_bad_name(data: dict[str, Any]) -> None:
    data["name"] = "Every_Kind"


@pytest.mark.parametrize(
    "breaks",
    [
        _without_first_step_id,
        _with_unknown_key,
        _with_two_kinds,
        _with_bad_mode,
        _with_bad_duration,
        _with_bad_name,
    ],
    ids=lambda breaks: breaks.__name__.strip("_"),
)
def test_the_json_schema_rejects_broken_variants(breaks: Any) -> None:
    data = _data()
    breaks(data)
    assert not SCHEMA.is_valid(data)
