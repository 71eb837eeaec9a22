"""The error types a definition may catch, and the check that a caught type exists.

A ``catch`` names error types; a run matches them by exact name. A misspelt one
(``HttpClientErorr``) would never match, and the run would fail where its owner thought
the error was handled. So validation accepts only a type something can raise: the engine
itself (listed here, as the interpreter raises them), an activity or bot of the catalog
(each declares its own), or a ``fail`` step of this process or of a process it starts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from backoffice.catalog import Catalog
from backoffice.language import model

ANY = "any"
# The errors the engine raises itself, in the words the flowchart's edge to a catch of one
# says (at most step_text.EDGE characters).
ENGINE_ERRORS: Mapping[str, str] = {
    "EventTimeout": "if the event never comes",
    "RepeatLimitReached": "if the rounds run out",
    "TooManyItems": "if there are too many items",
    "ExpressionError": "if an expression fails",
    "ExpressionOverBudget": "if an expression would take too much work",
    "ProcessTooDeep": "if processes start one another too deep",
    "UnknownActivity": "if a step names an engine activity",
    "UnknownProcess": "if the process to start is missing",
    "CalendarRangeError": "if a date is past the holiday calendar",
    "Timeout": "if it runs out of time",
    "Cancelled": "if a step is cancelled",
    "NobodyToNotify": "if there is nobody to mail",
}
SHOWN = 8  # error types a message lists at most before "and N more"


@dataclass(frozen=True)
class Raisers:
    """What raises which error types, for one definition's checks."""

    catalog: Catalog
    # Reason codes the fail steps of this definition and of the processes it starts raise.
    reasons: frozenset[str]
    # Whether some fail step computes its reason (``${ ... }``): any reason code may come.
    computed_reasons: bool = False

    def known(self) -> frozenset[str]:
        found = set(ENGINE_ERRORS) | self.reasons
        for spec in self.catalog.actions.values():
            found.update(spec.errors)
        return frozenset(found)

    def in_scope(self, steps: Iterable[model.Step]) -> list[str]:
        """The error types the steps (and the steps inside them) raise, engine's aside."""
        found: set[str] = set()
        for step in steps:
            for _, inner in model.walk_steps([step]):
                action = getattr(inner, "call", None) or getattr(inner, "bot", None)
                spec = self.catalog.get(action) if isinstance(action, str) else None
                if spec is not None:
                    found.update(spec.errors)
                if isinstance(inner, model.FailStep) and not inner.fail.reason.startswith("${"):
                    found.add(inner.fail.reason)
        return sorted(found)

    def problem(self, name: str, scope: Iterable[model.Step], what: str) -> str | None:
        """Why ``name`` can never match (``what`` says where it is named), or None."""
        if name == ANY and what == "catch":
            return None
        known = self.known()
        if name in known:
            return None
        if self.computed_reasons and name.isupper():
            return None
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        advice = f" Did you mean '{close[0]}'?" if close else ""
        here = self.in_scope(scope)
        engine = ", ".join(sorted(ENGINE_ERRORS))
        raised = (
            f" The steps here can raise {_listed(here)}; the engine raises {engine}"
            if here
            else f" The engine raises {engine}"
        )
        ending = "; write any to catch every error." if what == "catch" else "."
        return (
            f"no step, activity or bot raises the error type '{name}', so this {what} can "
            f"never match it.{advice}{raised}{ending}"
        )


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    more = len(names) - SHOWN
    return f"{shown} and {more} more (see `backoffice catalog`)" if more > 0 else shown


def fail_reasons(definition: model.Definition) -> tuple[frozenset[str], bool]:
    """The reason codes the fail steps of ``definition`` raise, and whether one computes it."""
    reasons: set[str] = set()
    computed = False
    for _, step in model.walk_steps(definition.steps):
        if isinstance(step, model.FailStep):
            if step.fail.reason.startswith("${"):
                computed = True
            else:
                reasons.add(step.fail.reason)
    return frozenset(reasons), computed


__all__ = ["ANY", "ENGINE_ERRORS", "Raisers", "fail_reasons"]
