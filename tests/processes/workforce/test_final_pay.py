"""Final-pay deadlines from the definition's rule table, in the employee's time zone
(California, Labor Code 201-203), and the waiting-time penalty of pay that comes late."""

from __future__ import annotations

from typing import Any

import pytest

from tests.processes.workforce.conftest import Pack

DEADLINE = "workforce.final_pay_deadline"
PENALTY = "workforce.waiting_time_penalty"
# As docs/processes/workforce_rules.md shows a definition holding them.
CALIFORNIA = [
    {"jurisdiction": "US-CA", "when": "discharged", "due": "last_day"},
    {"jurisdiction": "US-CA", "when": "quit_with_notice", "notice_hours": 72, "due": "last_day"},
    {"jurisdiction": "US-CA", "when": "quit_without_notice", "due": "hours_after_notice",
     "hours": 72},
]  # fmt: skip
LOS_ANGELES = "America/Los_Angeles"


def question(separation_type: str, notice: str, relieving: str, **changes: Any) -> dict[str, Any]:
    return {
        "jurisdiction": "US-CA",
        "separation_type": separation_type,
        "notice_given_at": notice,
        "relieving_date": relieving,
        "timezone": LOS_ANGELES,
        "rules": CALIFORNIA,
        **changes,
    }


@pytest.mark.parametrize(
    ("separation_type", "notice", "relieving", "case", "due_local", "due_at"),
    [
        # Discharged at 10:00: every wage on the last day, whatever the notice.
        ("involuntary", "2025-06-27T10:00:00", "2025-06-27", "discharged",
         "2025-06-27T23:59:59-07:00", "2025-06-28T06:59:59Z"),
        # DOMAIN.md's leaver: notice on 2 June, last day 27 June: on the last day.
        ("voluntary", "2025-06-02", "2025-06-27", "quit_with_notice",
         "2025-06-27T23:59:59-07:00", "2025-06-28T06:59:59Z"),
        # Notice on Thursday 09:00 for Friday: 72 hours after the notice, on Sunday.
        ("voluntary", "2025-06-26T09:00:00-07:00", "2025-06-27", "quit_without_notice",
         "2025-06-29T09:00:00-07:00", "2025-06-29T16:00:00Z"),
    ],
)  # fmt: skip
async def test_the_three_california_cases(
    pack: Pack,
    separation_type: str,
    notice: str,
    relieving: str,
    case: str,
    due_local: str,
    due_at: str,
) -> None:
    found = await pack.call(DEADLINE, question(separation_type, notice, relieving))

    assert (found["case"], found["due_local"], found["due_at"]) == (case, due_local, due_at)
    assert found["rule"].startswith("US-CA: ")


async def test_the_rule_says_in_words_why_the_deadline_is_what_it_is(pack: Pack) -> None:
    found = await pack.call(DEADLINE, question("voluntary", "2025-06-26T09:00:00", "2025-06-27"))

    assert found["rule"] == (
        "US-CA: quit with 39 hours' notice (less than 72), so final pay is due within 72 "
        "hours of the notice: by 2025-06-29 09:00 PDT (America/Los_Angeles)"
    )


async def test_hours_of_notice_are_hours_that_pass_over_a_daylight_saving_change(
    pack: Pack,
) -> None:
    # Three calendar days from midnight, but on 9 March 2025 the clocks went forward: from
    # 3 March it is 72 hours, from 7 March only 71, too little notice.
    full = await pack.call(DEADLINE, question("voluntary", "2025-03-03", "2025-03-05"))
    short = await pack.call(DEADLINE, question("voluntary", "2025-03-07", "2025-03-09"))
    # 72 hours after 10:00 PST on Friday is 11:00 PDT on Monday.
    later = await pack.call(DEADLINE, question("voluntary", "2025-03-07T10:00:00", "2025-03-07"))
    # The last day on which the clocks go back has 25 hours; it ends at 23:59:59 PST.
    autumn = await pack.call(DEADLINE, question("involuntary", "2025-11-02", "2025-11-02"))

    assert full["case"] == "quit_with_notice"
    assert short["case"] == "quit_without_notice"
    assert short["due_local"] == "2025-03-10T01:00:00-07:00"
    assert later["due_local"] == "2025-03-10T11:00:00-07:00"
    assert later["due_at"] == "2025-03-10T18:00:00Z"
    assert autumn["due_local"] == "2025-11-02T23:59:59-08:00"
    assert autumn["due_at"] == "2025-11-03T07:59:59Z"


async def test_a_jurisdiction_the_table_does_not_cover_is_refused_saying_what_to_add(
    pack: Pack,
) -> None:
    refused = await pack.refusal(
        DEADLINE, question("voluntary", "2025-06-02", "2025-06-27", jurisdiction="US-NY")
    )

    assert refused.type == "NoFinalPayRule"
    assert "no row for US-NY and quit_without_notice" in refused.message
    assert "{jurisdiction: US-NY, when: quit_without_notice, due: last_day}" in refused.message


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"timezone": "America/Los_Angles"}, "did you mean 'America/Los_Angeles'?"),
        ({"separation_type": "sacked"}, "is neither a discharge nor a quit"),
        ({"notice_given_at": "2 June"}, "write 2025-06-02 or 2025-06-02T09:30:00Z"),
        ({"notice_given_at": "2025-06-30"}, "was given after the last day"),
    ],
)
async def test_a_question_that_cannot_be_read_is_refused_in_plain_words(
    pack: Pack, changes: dict[str, str], said: str
) -> None:
    asked = {**question("voluntary", "2025-06-02", "2025-06-27"), **changes}

    refused = await pack.refusal(DEADLINE, asked)

    assert refused.type == "BadFinalPayQuestion"
    assert said in refused.message


async def test_a_rule_may_name_the_separation_types_it_covers(pack: Pack) -> None:
    rules = [{**CALIFORNIA[0], "types": ["sacked"]}, *CALIFORNIA[1:]]

    found = await pack.call(DEADLINE, question("sacked", "2025-06-27", "2025-06-27", rules=rules))

    assert found["case"] == "discharged"


@pytest.mark.parametrize(
    ("paid_at", "days", "amount"),
    [
        ("2025-06-28T06:59:59Z", 0, 0),  # on the deadline
        ("2025-06-27T20:00:00-07:00", 0, 0),  # before it
        ("2025-06-28T07:59:59Z", 1, 243.17),  # an hour late is a day late
        ("2025-07-01T06:59:59Z", 3, 729.51),
        ("2025-07-01T07:00:00Z", 4, 972.68),  # a part of a fourth day
        ("2025-12-31T00:00:00Z", 30, 7295.10),  # at most the table's 30 days
    ],
)
async def test_the_penalty_is_a_days_wage_for_each_day_late_up_to_the_maximum(
    pack: Pack, paid_at: str, days: int, amount: float
) -> None:
    found = await pack.call(
        PENALTY,
        {
            "daily_wage": 243.17,
            "due_at": "2025-06-28T06:59:59Z",
            "paid_at": paid_at,
            "max_days": 30,
        },
    )

    assert found == {"days_late": days, "amount": amount}


async def test_a_penalty_of_timestamps_without_offsets_is_refused(pack: Pack) -> None:
    refused = await pack.refusal(
        PENALTY,
        {"daily_wage": 100, "due_at": "2025-06-28", "paid_at": "2025-07-01", "max_days": 30},
    )

    assert refused.type == "BadFinalPayQuestion"
    assert "due_at '2025-06-28' is not a timestamp with its offset" in refused.message
