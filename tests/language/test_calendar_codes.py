"""Validate refuses package calendars it cannot resolve: the field, valid codes, a close one."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from backoffice.cli.main import app
from backoffice.language.holiday_calendars import COUNTRY_EXAMPLES
from tests.language.helpers import FILE, HEADER, at, problems

# The header without its closing "steps:", then the calendar at line 9, then one step.
TOP = HEADER.removesuffix("steps:\n")
STEPS = "steps:\n  - {id: pause, wait: 1bd}\n"


def _with_calendar(calendar: str) -> str:
    return f"{TOP}calendar: {calendar}\n{STEPS}"


def test_a_known_country_subdivision_and_financial_calendar_are_valid() -> None:
    assert problems(_with_calendar("{country: DE, subdivision: BY, financial: XECB}")) == []


def test_a_country_written_as_its_name_is_refused_with_its_code() -> None:
    text = _with_calendar("{country: Germany}")
    assert problems(text) == [
        at(
            9,
            21,
            "calendar.country",
            f"unknown country 'Germany': write its ISO 3166 code, such as {COUNTRY_EXAMPLES}. "
            "Did you mean 'DE'?",
        )
    ]


def test_a_country_in_lower_case_is_refused_with_the_code_in_capitals() -> None:
    [problem] = problems(_with_calendar("{country: de}"))
    assert problem.path == "calendar.country"
    assert problem.message.endswith("Did you mean 'DE'?")


def test_an_unknown_country_code_gives_examples() -> None:
    [problem] = problems(_with_calendar("{country: QQ}"))
    assert problem.message == (
        f"unknown country 'QQ': write its ISO 3166 code, such as {COUNTRY_EXAMPLES}."
    )


def test_an_unknown_subdivision_lists_the_country_s_own() -> None:
    text = _with_calendar("{country: DE, subdivision: Bavaria}")
    assert problems(text) == [
        at(
            9,
            38,
            "calendar.subdivision",
            "country DE has no subdivision 'Bavaria': use one of BB, BE, BW, BY, HB, HE, HH, "
            "MV, NI, NW, RP, SH, SL, SN, ST, TH.",
        )
    ]


def test_a_subdivision_by_its_local_name_is_refused_with_its_code() -> None:
    [problem] = problems(_with_calendar("{country: DE, subdivision: Bayern}"))
    assert problem.message.endswith("Did you mean 'BY'?")


def test_a_subdivision_of_a_country_without_any_says_to_leave_it_out() -> None:
    [problem] = problems(_with_calendar("{country: LU, subdivision: X}"))
    assert problem.message == (
        "country LU has no subdivision 'X': its holidays are the same everywhere; "
        "leave subdivision out."
    )


def test_an_unknown_financial_calendar_names_the_target2_code() -> None:
    [problem] = problems(_with_calendar("{financial: TARGET2}"))
    assert problem.path == "calendar.financial"
    assert problem.message.startswith(
        "unknown financial calendar 'TARGET2': use the code of a market or settlement system, "
        "such as XECB (TARGET2, the European Central Bank's), XNYS (New York Stock Exchange) "
        "or XLON (all: "
    )
    assert problem.message.endswith("Did you mean 'XECB' (European Central Bank)?")


def test_a_subdivision_without_a_country_is_refused() -> None:
    [problem] = problems(_with_calendar("{subdivision: BY}"))
    assert problem.path == "calendar"
    assert "a subdivision belongs to a country: give both" in problem.message


def test_backoffice_validate_refuses_an_unknown_country(tmp_path: Path) -> None:
    path = tmp_path / FILE
    path.write_text(_with_calendar("{country: DX, subdivision: BY}"), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code != 0
    assert "calendar.country: unknown country 'DX'" in result.output
