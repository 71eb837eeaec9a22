"""No amount, price, quantity or rate is a float in an activity, bot or record.

Every pydantic model and table of activities/, bots/ and the engine's records is read
by its annotations: a field whose name says it holds money or a quantity must be Decimal.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing

import pytest
from pydantic import BaseModel

from backoffice.language.amount_arithmetic import is_amount_field

PACKAGES = ("activities", "bots", "backoffice.people", "backoffice.tasks")
QUANTITY_WORDS = ("qty", "quantity", "limit", "percent")


def _models() -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):
            loaded = importlib.import_module(module.name)
            for value in vars(loaded).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseModel)
                    and value.__module__ == loaded.__name__
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[key] for key in sorted(found)]


def _is_money(name: str) -> bool:
    return is_amount_field(name) or any(word in name.lower() for word in QUANTITY_WORDS)


def _has_float(annotation: object) -> bool:
    if annotation is float:
        return True
    return any(_has_float(arg) for arg in typing.get_args(annotation))


MODELS = _models()


def test_the_models_are_found() -> None:
    names = {model.__name__ for model in MODELS}
    assert {"InvoiceToCheck", "MatchRequest", "InvoicePosting", "PersonRow", "TaskRow"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: f"{m.__module__}.{m.__qualname__}")
def test_no_money_field_is_a_float(model: type[BaseModel]) -> None:
    floats = [
        name
        for name, info in model.model_fields.items()
        if _is_money(name) and _has_float(info.annotation)
    ]
    assert floats == [], f"make these Decimal (backoffice.money.Amount): {floats}"


def test_a_float_amount_would_be_found() -> None:
    class Stray(BaseModel):
        gross_amount: float | None = None

    assert _is_money("gross_amount")
    assert _has_float(Stray.model_fields["gross_amount"].annotation)
