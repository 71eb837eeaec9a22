"""``timeout`` means what its step's kind gives it, and is refused where it means nothing.

Snippets start after the nine-line header of ``with_steps``: their first line is line 10.
"""

from __future__ import annotations

import pytest

from tests.language.helpers import at, problems, with_steps

AT_ONCE = "ends at once, so a timeout means nothing here. Remove it"
TASK = "{assignees: [{user: alice}], timeout: {after: 2bd, outcome: expired}}"


@pytest.mark.parametrize(
    ("kind", "body", "advice"),
    [
        (
            "task",
            f"task: {TASK}",
            "a task's time limit is written inside it, with what happens then: "
            "task: {..., timeout: {after: 5bd, outcome: expired}}. Remove this timeout",
        ),
        (
            "wait",
            "wait: 1d",
            "a wait has its own limit: 'wait: 5bd' waits that long, and a wait for an event "
            "gives up after its own timeout (wait: {event: ..., timeout: 5bd}). Remove this "
            "timeout",
        ),
        ("set", "set: {a: 1}", f"a set step {AT_ONCE}"),
        ("fail", "fail: DUPLICATE", f"a fail step {AT_ONCE}"),
        ("finish", "finish: DONE", f"a finish step {AT_ONCE}"),
    ],
)
def test_timeout_is_refused_where_it_means_nothing(kind: str, body: str, advice: str) -> None:
    text = with_steps(
        f"""\
        - id: here
          {body}
          timeout: 5bd
        """
    )
    assert problems(text) == [
        at(12, 5, "steps[0].timeout", f"timeout on a {kind} step does nothing: {advice}")
    ]


def test_timeout_is_refused_on_a_detached_process() -> None:
    text = with_steps(
        """\
        - id: here
          process: other
          detached: true
          timeout: 5bd
        """
    )
    assert problems(text) == [
        at(
            13,
            5,
            "steps[0].timeout",
            "timeout on a process step does nothing: a detached process runs on its own and "
            "this step ends once it has started, so there is nothing to time. Give the child "
            "process its own deadlines, or remove detached to wait for it. Remove this timeout",
        )
    ]


@pytest.mark.parametrize(
    "block",
    [
        "steps: [{id: pause, wait: 1d}]",
        "repeat: {until: 'true', max: 2}\n  steps: [{id: pause, wait: 1d}]",
        "for_each: '[1, 2]'\n  max_items: 5\n  steps: [{id: pause, wait: 1d}]",
        "parallel:\n    - {id: a, steps: [{id: pause, wait: 1d}]}\n"
        "    - {id: b, steps: [{id: rest, wait: 2d}]}",
        "switch:\n    - {when: 'true', steps: [{id: pause, wait: 1d}]}",
    ],
)
def test_a_block_takes_a_deadline_in_business_days(block: str) -> None:
    text = with_steps(f"- id: block\n  timeout: 5bd\n  {block}\n")
    assert problems(text) == []


def test_the_earlier_rounds_are_named_inside_a_repeat_only() -> None:
    text = with_steps(
        """\
        - id: chase
          repeat: {until: 'size(rounds) >= 2', max: 3}
          steps:
            - {id: note, set: {last: "${ has(previous.note) }"}}
        - {id: after, set: {n: "${ size(rounds) }"}}
        """
    )
    found = problems(text)
    assert [problem.path for problem in found] == ["steps[1].set.n"]
    assert "unknown name 'rounds'" in found[0].message
