"""Frames and step errors: what the interpreter, human tasks and compensation share.

A leaf of the workflow code: it imports no other module of ``workflows/``, so each of
them can use it without importing the others. Like them, it is passed through the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    ChildWorkflowError,
    FailureError,
)
from temporalio.exceptions import (
    TimeoutError as TemporalTimeoutError,
)

with workflow.unsafe.imports_passed_through():
    from backoffice.language.expressions import ExpressionError


class StepError(Exception):
    """A step failed with an error type a definition can catch."""

    def __init__(self, type: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.type = type
        self.message = message
        self.details = details

    def as_value(self) -> dict[str, Any]:
        return {"type": self.type, "message": self.message, "details": self.details}


class ProcessFinished(Exception):
    """A ``finish`` step ended the process early and successfully."""

    def __init__(self, reason: str | None, output: dict[str, Any] | None) -> None:
        super().__init__(reason or "finished")
        self.reason = reason
        self.output = output


class ContinueAsNewNow(Exception):
    """The history is long: the run continues as new from the recorded state."""


@dataclass
class Frame:
    """Names visible to the steps of one sequence (loops and handlers nest frames)."""

    prefix: str
    locals: dict[str, Any] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    parent: Frame | None = None
    # Names expressions may read but an undo does not carry (the earlier rounds of a
    # repeat): kept with each pending compensation, they would grow with every round.
    views: dict[str, Any] = field(default_factory=dict)

    def child(self, prefix: str | None = None, **names: Any) -> Frame:
        return Frame(self.prefix if prefix is None else prefix, dict(names), {}, self)

    def all_results(self) -> dict[str, Any]:
        merged = self.parent.all_results() if self.parent else {}
        merged.update(self.results)
        return merged

    def all_locals(self) -> dict[str, Any]:
        merged = self.parent.all_locals() if self.parent else {}
        merged.update(self.locals)
        return merged

    def all_names(self) -> dict[str, Any]:
        """What expressions see: the locals and the views, the innermost frame's first."""
        merged = self.parent.all_names() if self.parent else {}
        merged.update(self.views)
        merged.update(self.locals)
        return merged


def error_from(exception: BaseException, step_id: str | None = None) -> StepError:
    """The catchable error type of whatever a step raised (in the step ``step_id``)."""
    if isinstance(exception, StepError):
        return exception
    if isinstance(exception, ExpressionError):
        where = f"step '{step_id}': " if step_id else ""
        return StepError(exception.type, f"{where}{exception}")
    if isinstance(exception, ActivityError | ChildWorkflowError):
        cause = exception.cause
        if isinstance(cause, ApplicationError):
            details = list(cause.details) if cause.details else None
            return StepError(cause.type or "ApplicationError", cause.message, details)
        if isinstance(cause, TemporalTimeoutError):
            return StepError("Timeout", f"{cause.type.name if cause.type else 'timeout'}")
        if isinstance(cause, CancelledError):
            return StepError("Cancelled", cause.message)
        return StepError(type(cause).__name__ if cause else "Error", str(cause or exception))
    if isinstance(exception, FailureError):
        return StepError(type(exception).__name__, str(exception))
    return StepError("Error", f"{type(exception).__name__}: {exception}")


__all__ = ["ContinueAsNewNow", "Frame", "ProcessFinished", "StepError", "error_from"]
