"""Registering an activity works in both spellings, and a wrong one is refused at import.

``@registry.activity`` without parentheses once returned a decorator in place of the
function and registered nothing, silently; the worker then never ran the activity.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio import activity

from backoffice import registry


class Nothing(BaseModel):
    pass


@pytest.fixture(autouse=True)
def forget_what_tests_register() -> Iterator[None]:
    before = {queue: dict(found) for queue, found in registry.REGISTRY.activities.items()}
    yield
    registry.REGISTRY.activities.clear()
    registry.REGISTRY.activities.update(before)


def registered(fn: Any, queue: str = registry.DEFAULT_QUEUE) -> bool:
    return fn in registry.REGISTRY.activities_for(queue)


def test_without_parentheses_the_activity_is_registered_and_stays_itself() -> None:
    @registry.activity
    @activity.defn(name="spelling.bare")
    async def bare(request: Nothing) -> Nothing:
        return request

    assert registered(bare)
    assert registry.activity_name(bare) == "spelling.bare"


def test_with_parentheses_a_queue_and_errors_are_declared() -> None:
    @registry.activity("elsewhere", errors=["Refused"])
    @activity.defn(name="spelling.called")
    async def called(request: Nothing) -> Nothing:
        return request

    assert registered(called, "elsewhere")
    assert registry.REGISTRY.errors_of(called) == ("Refused",)
    # A registry built by hand, as tests build one, keeps the declaration.
    by_hand = registry.Registry()
    by_hand.add_activity(called)
    assert by_hand.errors_of(called) == ("Refused",)


def test_errors_given_as_one_text_are_refused_with_the_list_to_write() -> None:
    with pytest.raises(
        TypeError, match=r"errors is a list of error types, as in errors=\['Refused'\]"
    ):
        registry.activity(errors="Refused")


@pytest.mark.parametrize(
    ("decorator", "advice"),
    [
        (
            registry.internal_activity,
            r"write @registry\.internal_activity\(\) above @activity\.defn",
        ),
        (
            registry.retired_activity,
            r"write @registry\.retired_activity\(renamed_to='pack\.new_name'\)",
        ),
        (registry.bot, r"write @registry\.bot\('<system>'\)"),
    ],
)
def test_the_other_decorators_refuse_to_be_written_without_parentheses(
    decorator: Any, advice: str
) -> None:
    async def function(request: Nothing) -> Nothing:
        return request

    with pytest.raises(TypeError, match=advice):
        decorator(activity.defn(name="spelling.refused")(function))
