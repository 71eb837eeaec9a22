"""eventually() gives back what a check found once it holds, and says what never happened."""

from __future__ import annotations

import pytest

from tests.support.eventually import eventually


async def test_a_sync_check_is_retried_until_it_finds_something() -> None:
    answers = iter([None, False, "opened"])
    assert await eventually(lambda: next(answers), "the task to open", every=0) == "opened"


async def test_an_async_check_that_raises_is_retried_until_it_passes() -> None:
    calls = []

    async def check() -> int:
        calls.append(1)
        assert len(calls) == 3, "not yet"
        return len(calls)

    assert await eventually(check, "the third call", every=0) == 3


async def test_giving_up_names_what_was_awaited_and_the_last_failure() -> None:
    def check() -> None:
        raise AssertionError("status is RUNNING")

    with pytest.raises(AssertionError) as caught:
        await eventually(check, "the run to complete", within=0, every=0)
    assert str(caught.value) == (
        "gave up after 0 s waiting for the run to complete; "
        "last answer: AssertionError: status is RUNNING"
    )
    assert isinstance(caught.value.__cause__, AssertionError)


async def test_giving_up_on_a_value_shows_the_last_value() -> None:
    with pytest.raises(AssertionError, match="waiting for a row; last answer: None"):
        await eventually(lambda: None, "a row", within=0, every=0)
