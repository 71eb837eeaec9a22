"""The typed catalog of what definitions may call: every activity and bot, with its models.

Built from the registry, so an activity or bot is in the catalog as soon as it registers.
The validator checks ``call:``/``bot:`` names and ``with:`` arguments against it, and the
documentation lists it. The engine's internal activities (``tasks.*`` and the like) are
never in it: to a definition they do not exist, so validation calls them unknown. Nor are
the retired names of renamed activities, which the catalog keeps only to say what to call.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from backoffice import registry

ActionKind = Literal["activity", "bot"]


@dataclass(frozen=True)
class ActionSpec:
    """One callable thing: its catalog name, models and where it runs."""

    name: str
    kind: ActionKind
    input_model: type[BaseModel] | None
    output_model: type[BaseModel] | None
    description: str
    queue: str
    # Where it comes from: its pack (the folder under activities/), "common", the legacy
    # system its bots drive, or a plugin module.
    origin: str = ""
    # The error types it declares it raises (``ApplicationError(type=...)``), for catch.
    errors: tuple[str, ...] = ()

    def input_fields(self) -> dict[str, Any]:
        return dict(self.input_model.model_fields) if self.input_model else {}

    def output_fields(self) -> set[str] | None:
        """Field names of the result, or None when the result is not a model."""
        return set(self.output_model.model_fields) if self.output_model else None


@dataclass(frozen=True)
class Catalog:
    actions: dict[str, ActionSpec]
    # Retired activity names -> the names they were renamed to, for validation's advice.
    renamed: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> ActionSpec | None:
        return self.actions.get(name)

    def names(self, kind: ActionKind | None = None) -> list[str]:
        return sorted(n for n, spec in self.actions.items() if kind is None or spec.kind == kind)


def _model(annotation: Any) -> type[BaseModel] | None:
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return annotation
    return None


def describe(
    fn: Callable[..., Any], queue: str, kind: ActionKind, errors: Iterable[str] = ()
) -> ActionSpec | None:
    """The catalog entry of a registered activity function, or None if it is not one."""
    definition = getattr(fn, "__temporal_activity_definition", None)
    name = getattr(definition, "name", None)
    if not isinstance(name, str):
        return None
    hints = typing.get_type_hints(fn)
    parameters = [p for p in inspect.signature(fn).parameters if p != "self"]
    input_model = _model(hints.get(parameters[0])) if parameters else None
    output_model = _model(hints.get("return"))
    doc = inspect.getdoc(fn) or ""
    first_line = doc.split("\n")[0]
    return ActionSpec(
        name, kind, input_model, output_model, first_line, queue, origin_of(fn), tuple(errors)
    )


def origin_of(fn: Callable[..., Any]) -> str:
    """The pack or system folder a function lives in (``activities/<pack>/``, ``bots/<system>/``).

    Anything else (a plugin module) is named by its module.
    """
    parts = fn.__module__.split(".")
    if len(parts) >= 3 and parts[0] in ("activities", "bots"):
        return parts[1]
    return fn.__module__


def build_catalog(found: registry.Registry | None = None, plugins: Iterable[str] = ()) -> Catalog:
    """Everything registered that definitions may call, keyed by the name they use."""
    found = found if found is not None else registry.discover(plugins=plugins)
    actions: dict[str, ActionSpec] = {}
    for queue in found.queues():
        for fn in found.activities_for(queue):
            kind: ActionKind = "bot" if found.is_bot(fn) else "activity"
            spec = describe(fn, queue, kind, found.errors_of(fn))
            if spec is None or found.is_internal(spec.name) or found.is_retired(spec.name):
                continue
            actions[spec.name] = spec
    return Catalog(actions, dict(found.retired))
