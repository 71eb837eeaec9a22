"""What a scenario expected against what its run did, in words a process owner reads."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from backoffice.language import model
from backoffice.rehearsal.runner import RunOutcome
from backoffice.rehearsal.scenarios import Call, Expect

_ENDED_WELL = ("completed", "finished")


def differences(expect: Expect, got: RunOutcome) -> list[str]:
    """Each way the run differed from the expectation; empty when the scenario passes."""
    found = list(got.problems)
    if expect.status is not None and expect.status != got.status:
        found.append(f"status: expected {expect.status}, got {_status(got)}")
    elif expect.status is None and got.status not in _ENDED_WELL and not got.problems:
        found.append(f"status: the run {_status(got)} (say status: failed if it should)")
    if expect.reason is not None and expect.reason != got.reason:
        found.append(f"reason: expected {expect.reason}, got {got.reason or 'none'}")
    for name, wanted in expect.output.items():
        if name not in got.output:
            found.append(f"output.{name}: expected {_show(wanted)}, the output has no {name}")
        else:
            found += _compare(f"output.{name}", wanted, got.output[name])
    taken = set(got.steps_taken)
    for step in expect.steps_taken:
        if step not in taken:
            found.append(f"step '{step}' was expected to be taken, and was not")
    for step in expect.steps_not_taken:
        if step in taken:
            found.append(f"step '{step}' was taken, and was expected not to be")
    for call in expect.calls:
        found += _call_differences(call, got)
    for name in expect.calls_not_made:
        made = [c for c in got.calls if name in (c.step, c.activity)]
        if made:
            found.append(f"'{name}' was called {len(made)} time(s), and was expected not to be")
    return found


def _status(got: RunOutcome) -> str:
    if got.status == "failed":
        return f"failed ({got.reason}: {got.message})" if got.message else "failed"
    if got.status == "running":
        return "still running (the rehearsal stopped it)"
    return got.status


def _call_differences(call: Call, got: RunOutcome) -> list[str]:
    name = call.step or call.activity or ""
    made = [c for c in got.calls if name in (c.step, c.activity)]
    fitting = [c for c in made if not _compare("", call.with_, c.arguments or {})]
    if call.times is not None and len(fitting) != call.times:
        return [f"calls of '{name}': expected {call.times}, got {len(fitting)}"]
    if call.times is None and not fitting:
        if not made:
            return [f"'{name}' was expected to be called, and was not"]
        wrong = _compare("with", call.with_, made[-1].arguments or {})
        return [f"'{name}' was called, but not with what was expected: " + "; ".join(wrong)]
    return []


def _compare(where: str, wanted: Any, got: Any) -> list[str]:
    """Differences of ``got`` from ``wanted``: mappings compare the keys given only."""
    if isinstance(wanted, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected {_show(wanted)}, got {_show(got)}"]
        found: list[str] = []
        for key, value in wanted.items():
            here = f"{where}.{key}" if where else str(key)
            if key not in got:
                found.append(f"{here}: expected {_show(value)}, got nothing")
            else:
                found += _compare(here, value, got[key])
        return found
    if isinstance(wanted, list):
        if not isinstance(got, list) or len(wanted) != len(got):
            return [f"{where}: expected {_show(wanted)}, got {_show(got)}"]
        return [
            d
            for index, item in enumerate(wanted)
            for d in _compare(f"{where}[{index}]", item, got[index])
        ]
    if _same(wanted, got):
        return []
    return [f"{where}: expected {_show(wanted)}, got {_show(got)}"]


def _same(wanted: Any, got: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(got, bool):
        return wanted is got
    number_w, number_g = _number(wanted), _number(got)
    if number_w is not None and number_g is not None:
        return number_w == number_g  # 294.3 and "294.30" are the same amount
    return bool(wanted == got) or (str(wanted) == str(got) and not isinstance(got, dict | list))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 120 else text[:117] + "..."


def unreached(definition: model.Definition, taken: set[str]) -> list[str]:
    """The definition's steps no scenario took, in document order."""
    return [step.id for _, step in model.walk_steps(definition.steps) if step.id not in taken]
