"""What a call of a workforce activity must give, checked in the activity.

A constraint on the input model (a minimum length, a least value) would be checked while
Temporal decodes the arguments, where a failure is retried for ever and says only "Failed
decoding arguments". So the models take any text and number, and the activity refuses a
blank id or a negative count at once, naming the field and what to write.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class BadInput(ValueError):
    """A required text left blank, or a count below zero; names the field."""


def check(given: BaseModel) -> None:
    """Raise BadInput for the first blank required text or negative number in ``given``."""
    problem = next(_problems(given, ""), None)
    if problem is not None:
        raise BadInput(problem)


def _problems(given: BaseModel, where: str) -> Any:
    for name, field in type(given).model_fields.items():
        value = getattr(given, name)
        path = f"{where}{name}"
        if isinstance(value, str) and field.is_required() and not value.strip():
            yield f"{path} is empty: give it a value"
        elif isinstance(value, int) and not isinstance(value, bool) and value < 0:
            yield f"{path} is {value}: give a number of 0 or more"
        elif isinstance(value, BaseModel):
            yield from _problems(value, f"{path}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _problems(item, f"{path}[{index}].")
