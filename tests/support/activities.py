"""Activities the interpreter tests call; each records what it did, in this process."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice.registry import Registry

calls: list[tuple[str, dict[str, Any]]] = []


class AddInput(BaseModel):
    a: float
    b: float


class AddOutput(BaseModel):
    sum: float


class NoteInput(BaseModel):
    note: str
    amount: float = 0


class NoteOutput(BaseModel):
    note: str
    count: int


class FailInput(BaseModel):
    type: str = "BusinessRuleError"
    message: str = "refused"
    retryable: bool = False


@activity.defn(name="test.add")
async def add(request: AddInput) -> AddOutput:
    """Add two numbers."""
    calls.append(("test.add", request.model_dump()))
    return AddOutput(sum=request.a + request.b)


@activity.defn(name="test.note")
async def note(request: NoteInput) -> NoteOutput:
    """Record a note; the result counts notes with the same text."""
    calls.append(("test.note", request.model_dump()))
    count = sum(1 for name, args in calls if name == "test.note" and args["note"] == request.note)
    return NoteOutput(note=request.note, count=count)


@activity.defn(name="test.undo")
async def undo(request: NoteInput) -> NoteOutput:
    """Record a compensation."""
    calls.append(("test.undo", request.model_dump()))
    return NoteOutput(note=request.note, count=1)


@activity.defn(name="test.fail")
async def fail(request: FailInput) -> NoteOutput:
    """Always fail with the given error type."""
    calls.append(("test.fail", request.model_dump()))
    raise ApplicationError(request.message, type=request.type, non_retryable=not request.retryable)


ACTIVITIES = [add, note, undo, fail]
# test.fail raises the type its input names: these are the ones tests give it or catch.
FAIL_TYPES = (
    "BusinessRuleError", "Boom", "Soft", "Other", "SupplierBlocked", "BankRefused", "Outage",
    "SystemDown",
)  # fmt: skip


def test_registry() -> Registry:
    found = Registry()
    for fn in ACTIVITIES:
        found.add_activity(fn, errors=FAIL_TYPES if fn is fail else ())
    return found


def calls_of(name: str) -> list[dict[str, Any]]:
    return [args for called, args in calls if called == name]
