"""Task settings that may be computed, what approvals takes, and four-eyes nobody can meet."""

from __future__ import annotations

import pytest

from backoffice.language.validate import validate_text
from tests.language.helpers import FILE, at, problems, with_steps

APPROVALS_HELP = (
    "approvals is how many different people must approve: a whole number from 1 to 5, like "
    '`approvals: 2`, or an expression like `approvals: "${ input.amount > 10000 ? 2 : 1 }"`'
)


def body(*settings: str, assignees: str = "[{group: ap-clerks}]", timeout: str = "5bd") -> str:
    """One task step with ``settings`` (one a line) between its assignees and its timeout;
    the first setting is on line 13."""
    return with_steps(
        "- id: approve\n"
        "  task:\n"
        f"    assignees: {assignees}\n"
        + "".join(f"    {setting}\n" for setting in settings)
        + f"    timeout: {{after: {timeout}, outcome: reject}}\n"
    )


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("two", "'two' is not a number"),
        ("1.5", "1.5 is not a whole number"),
        ("7", "7 is out of range"),
        ("true", "True is not a number"),
    ],
)
def test_approvals_not_a_whole_number_says_what_to_write(written: str, said: str) -> None:
    assert problems(body(f"approvals: {written}")) == [
        at(13, 18, "steps[0].task.approvals", f"{said}: {APPROVALS_HELP}")
    ]


def test_other_whole_number_keys_say_what_to_write() -> None:
    assert problems(body("reminders: {every: 1bd, max: ten}")) == [
        at(13, 36, "steps[0].task.reminders.max", "max takes a whole number, like `max: 3` "
           "(found 'ten')")
    ]  # fmt: skip


def test_computed_settings_are_accepted() -> None:
    text = body(
        'approvals: "${ input.amount > 10000 ? 2 : 1 }"',
        "due: \"${ input.amount > 10000 ? '1bd' : '3bd' }\"",
        'reminders: {before: "${ input.invoice_id }", at: [2bd, 1bd]}',
        timeout='"${ add_days(today, 10) }"',
    )
    checked = validate_text(text, FILE)
    assert checked.problems == []
    assert checked.definition is not None


def test_computed_settings_are_checked_as_expressions() -> None:
    text = body("approvals: \"${ input.role == 'admin' ? 2 : 1 }\"", timeout='"${ input.ends }"')
    fields = "Input fields: amount, invoice_id"
    assert [(p.path, p.message) for p in problems(text)] == [
        ("steps[0].task.approvals", f"the input has no field 'role'. {fields}"),
        ("steps[0].task.timeout.after", f"the input has no field 'ends'. {fields}"),
    ]


@pytest.mark.parametrize(
    ("written", "what"),
    [
        ('"${ input.invoice_id }"', "`input.invoice_id` is text"),
        ('"${ input.amount > 5000 }"', "`input.amount > 5000` is true or false"),
    ],
)
def test_computed_approvals_that_give_no_number_are_refused(written: str, what: str) -> None:
    said = (
        f"approvals counts people, and {what}: it must give a whole number from 1 to 5, like "
        "`input.amount > 10000 ? 2 : 1`"
    )
    assert [(p.path, p.message) for p in problems(body(f"approvals: {written}"))] == [
        ("steps[0].task.approvals", said)
    ]
    assert problems(body('approvals: "${ input.amount > 5000 ? 2 : 1 }"')) == []


def test_constant_computed_settings_are_worked_out_now() -> None:
    text = body("approvals: \"${ 'two' }\"", timeout="\"${ 'soon' }\"")
    assert [(p.path, p.message) for p in problems(text)] == [
        (
            "steps[0].task.approvals",
            "`'two'` gives 'two': approvals is how many different people must approve, "
            "a whole number from 1 to 5",
        ),
        (
            "steps[0].task.timeout.after",
            "'soon' is neither a date, a time nor a duration: write a date like 2027-06-30, a "
            "time like 2027-06-30T17:00:00Z, a duration like 3bd, or an expression giving one "
            "(${ input.end_date })",
        ),
    ]


def test_literal_due_or_reminder_after_the_timeout_is_refused() -> None:
    text = body("due: 6bd", "reminders: {at: [2bd, 5bd]}")
    assert [(p.path, p.message) for p in problems(text)] == [
        (
            "steps[0].task.due",
            "due (6bd) comes after the timeout (5bd): make it earlier or the timeout later",
        ),
        (
            "steps[0].task.reminders.at[1]",
            "this reminder at 5bd would come at or after the timeout (5bd), so it would never "
            "be sent: make it earlier or the timeout later",
        ),
    ]


def test_reminders_before_a_date_are_listed_with_at() -> None:
    text = body('reminders: {before: "${ input.invoice_id }", every: 1bd}')
    (problem,) = problems(text)
    assert problem.message == (
        "reminders before a date are listed with at, like "
        "{before: '${ input.end_date }', at: [90d, 60d, 30d]}"
    )


@pytest.mark.parametrize(
    ("assignees", "named"),
    [
        ("[{user: alice}]", "user: alice"),
        ("[{manager_of: bob}]", "manager_of: bob"),
        ("[{user: alice, or_else: {user: bob}}]", "user: alice"),
    ],
)
def test_four_eyes_the_assignees_cannot_meet_is_warned(assignees: str, named: str) -> None:
    checked = validate_text(body("approvals: 2", assignees=assignees), FILE)
    assert checked.problems == []
    assert [(w.path, w.message) for w in checked.warnings] == [
        (
            "steps[0].task.approvals",
            f"approvals: 2 needs 2 different people, but the assignees ({named}) name at most "
            "1: the task would wait until its timeout. Add assignees (a group or role with "
            "enough people), or lower approvals",
        )
    ]


def test_an_excluded_user_counts_for_nobody() -> None:
    text = with_steps(
        "- id: approve\n"
        "  task:\n"
        "    assignees: [{user: alice}, {user: bob}]\n"
        "    exclude: [bob]\n"
        "    approvals: 2\n"
        "    timeout: {after: 5bd, outcome: reject}\n"
    )
    (warning,) = validate_text(text, FILE).warnings
    assert "name at most 1" in warning.message


@pytest.mark.parametrize(
    "assignees",
    [
        "[{group: ap-clerks}]",
        "[{user: alice}, {user: bob}]",
        "[{role: cfo}]",
        "[{users: input.ids}]",
    ],
)
def test_four_eyes_that_may_be_met_is_not_warned(assignees: str) -> None:
    checked = validate_text(body("approvals: 2", assignees=assignees), FILE)
    assert checked.warnings == []


STAFF = {
    "group:ap-managers": frozenset({"dave"}),
    "group:ap-clerks": frozenset({"alice", "bob"}),
    "role:cfo": frozenset({"frank"}),
}


@pytest.mark.parametrize(
    ("assignees", "exclude", "most"),
    [
        ("[{group: ap-managers}]", "[]", 1),
        ("[{group: ap-clerks}]", "[bob]", 1),
        ("[{group: ap-managers}, {role: cfo}, {user: frank}]", "[]", 2),
    ],
)
def test_groups_and_roles_too_small_in_the_directory_are_warned(
    assignees: str, exclude: str, most: int
) -> None:
    text = body("approvals: 3", f"exclude: {exclude}", assignees=assignees)
    (warning,) = validate_text(text, FILE, people=STAFF).warnings
    assert f"as the directory has them) name at most {most}:" in warning.message


@pytest.mark.parametrize(
    "assignees", ["[{group: ap-clerks}, {role: cfo}]", "[{group: somewhere-else}]"]
)
def test_groups_with_enough_people_or_unknown_to_the_directory_are_not_warned(
    assignees: str,
) -> None:
    text = body("approvals: 3", assignees=assignees)
    assert validate_text(text, FILE, people=STAFF).warnings == []


def test_literal_branches_of_a_computed_setting_are_checked() -> None:
    text = body(
        "approvals: \"${ input.amount > 10000 ? 2 : 'two' }\"",
        "due: \"${ input.amount > 10000 ? '1bd' : 'soon' }\"",
        timeout="\"${ input.amount > 10000 ? '5bd' : 0.5 }\"",
    )
    found = problems(text)
    assert [problem.path for problem in found] == [
        "steps[0].task.approvals",
        "steps[0].task.due",
        "steps[0].task.timeout.after",
    ]
    approvals, due, timeout = (problem.message for problem in found)
    assert approvals.startswith("`input.amount > 10000 ? 2 : 'two'` can give 'two': approvals")
    assert due.startswith("'soon' is neither a date, a time nor a duration")
    assert timeout.startswith("0.5 is neither a date, a time nor a duration")
