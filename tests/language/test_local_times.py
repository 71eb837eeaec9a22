"""local_time() and local_date(): times of day in a named zone, from the rules a run took
with it, and the zones and times of day validation refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backoffice.language import zone_names
from backoffice.language.expressions import ExpressionError, Scope, helpers
from backoffice.language.model import Calendar
from backoffice.language.validate import validate_text

ZONES = zone_names.resolve(["America/Los_Angeles", "Europe/Berlin"])


def evaluate(source: str, zones: dict[str, str] = ZONES) -> object:
    return Scope({"vars": {"start": "2025-07-07"}}, helpers(Calendar(), None, zones)).evaluate(
        source
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # Summer (PDT, UTC-7) and winter (PST, UTC-8) on the date given.
        ('local_time(vars.start, "06:00", "America/Los_Angeles")', datetime(2025, 7, 7, 13, 0)),
        ('local_time("2025-01-07", "06:00", "America/Los_Angeles")', datetime(2025, 1, 7, 14, 0)),
        ('local_time("2025-07-07", "17:30", "Europe/Berlin")', datetime(2025, 7, 7, 15, 30)),
        ('local_time("2025-07-07", "06:00", "UTC")', datetime(2025, 7, 7, 6, 0)),
        # Clocks skip 02:00-03:00 on 2025-03-30 in Berlin: 02:30 is read as 03:30 local.
        ('local_time("2025-03-30", "02:30", "Europe/Berlin")', datetime(2025, 3, 30, 1, 30)),
    ],
)
def test_local_time_is_the_utc_moment_of_that_local_time(source: str, expected: datetime) -> None:
    assert evaluate(source) == expected.replace(tzinfo=UTC)


def test_local_date_is_the_date_the_zone_shows_then() -> None:
    assert evaluate('local_date("2025-07-07T03:00:00Z", "America/Los_Angeles")') == "2025-07-06"
    assert evaluate('local_date(local_time(vars.start, "23:30", "Europe/Berlin"), "UTC")') == (
        "2025-07-07"
    )


def test_a_zone_the_run_did_not_take_fails_saying_where_to_name_it() -> None:
    with pytest.raises(ExpressionError, match="not one the run took with it when it started"):
        evaluate('local_time(vars.start, "06:00", "Asia/Kolkata")')


def test_a_run_takes_the_zones_its_definition_and_input_name_only_when_it_uses_them() -> None:
    uses = {"steps": [{"wait": {"until": '${ local_time(vars.s, "06:00", vars.tz) }'}}],
            "variables": {"tz": "Europe/Berlin"}}  # fmt: skip
    taken = zone_names.taken_by(uses)
    assert set(taken) == {"Europe/Berlin"}
    more = zone_names.with_zones(uses, taken, {"office": {"zone": "Asia/Kolkata"}})
    assert set(more) == {"Europe/Berlin", "Asia/Kolkata"}
    plain = {"calendar": {"timezone": "Europe/Berlin"}, "steps": []}
    assert zone_names.taken_by(plain) == {}
    assert zone_names.with_zones(plain, {}, {"zone": "Asia/Kolkata"}) == {}


DEFINITION = """\
name: zone-check
version: 1
title: Zone check
owner: tests
business_key: input.case
input:
  case: string
  start: date
steps:
  - id: start
    wait:
      until: '${{ {until} }}'
"""


@pytest.mark.parametrize(
    ("until", "said"),
    [
        (
            'local_time(input.start, "06:00", "America/Los_Angles")',
            "unknown time zone 'America/Los_Angles': write an IANA time zone as Area/City, "
            "such as America/Los_Angeles, Europe/Berlin or Asia/Kolkata. "
            "Did you mean 'America/Los_Angeles'?",
        ),
        (
            'local_time(input.start, "6am", "Europe/Berlin")',
            "'6am' is not a time of day: write the time of day as HH:MM on a 24-hour clock",
        ),
        (
            'local_time(input.start, 6, "Europe/Berlin")',
            "local_time() takes text as its second argument",
        ),
    ],
)
def test_validate_refuses_a_zone_or_time_of_day_that_does_not_exist(until: str, said: str) -> None:
    checked = validate_text(DEFINITION.format(until=until), "definitions/zone_check.yaml")
    messages = [str(problem) for problem in checked.problems]
    assert len(messages) == 1, messages
    assert "steps[0].wait.until" in messages[0]
    assert said in messages[0]


def test_validate_accepts_local_time_in_a_wait() -> None:
    until = 'local_time(input.start, "06:00", "America/Los_Angeles")'
    checked = validate_text(DEFINITION.format(until=until), "definitions/zone_check.yaml")
    assert [str(problem) for problem in checked.problems] == []
