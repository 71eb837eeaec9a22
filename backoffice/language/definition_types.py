"""The types of the names a definition's expressions read, as far as the definition tells.

``input`` from its input fields, ``vars`` from the variables' values and what ``set``
steps give them, ``steps.<id>`` from the catalog's result models and what each kind of
step gives (a task's outcome and form fields, a wait's event), loop items from the list
they go through. A name given values of different types (a variable set to a number here
and to text there) is ``dyn``: nothing is checked about it.
"""

from __future__ import annotations

import enum
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from backoffice.catalog import Catalog
from backoffice.language import model
from backoffice.language.cel_syntax import Unreadable, parse
from backoffice.language.expression_types import (
    BOOL,
    DATE,
    DYN,
    NULL,
    NUMBER,
    STRING,
    TIMESTAMP,
    Type,
    common,
    list_of,
    map_of,
    record,
    type_of,
)
from backoffice.language.expressions import ExpressionError, template_parts

ERROR = record({"type": STRING, "message": STRING, "details": DYN})


def input_field(spec: model.FieldSpec) -> Type:
    """What a value of an input field is in an expression (numbers are decimal)."""
    match spec.type:
        case "string" | "text":
            return STRING
        case "integer" | "number":
            return NUMBER
        case "boolean":
            return BOOL
        case "date":
            return DATE
        case "list":
            return list_of(input_field(spec.items) if spec.items is not None else DYN)
        case "object":
            if spec.fields is None:
                return map_of()
            return record({name: input_field(inner) for name, inner in spec.fields.items()})
        case "datetime" | "any":
            return DYN


def form_field(item: model.FormField) -> Type:
    if item.type == "list":  # its lines, each a record of the columns
        return list_of(record({column.id: form_field(column) for column in item.fields or []}))
    if item.type in ("number", "integer"):
        return NUMBER
    if item.type == "boolean":
        return BOOL
    if item.type == "date":
        return DATE
    if item.type == "file":  # the reference the decision holds, never the file itself
        return FILE_REFERENCE
    return STRING


FILE_REFERENCE = record(
    {
        "file_id": STRING,
        "name": STRING,
        "size": NUMBER,
        "sha256": STRING,
        "content_type": STRING,
    },
    checked=True,
)


def annotation(hint: Any, depth: int = 0) -> Type:
    """A result model's field annotation as a type (results arrive as JSON data)."""
    if depth > 6:
        return DYN
    origin = get_origin(hint)
    if origin is Union or isinstance(hint, types.UnionType):
        return common([annotation(arg, depth + 1) for arg in get_args(hint)])
    if origin is Literal:
        return common([_literal(value) for value in get_args(hint)])
    if origin in (list, tuple, set, frozenset):
        arguments = [arg for arg in get_args(hint) if arg is not Ellipsis]
        item = annotation(arguments[0], depth + 1) if len(set(arguments)) == 1 else DYN
        return list_of(item)
    if origin is dict:
        arguments = list(get_args(hint))
        return map_of(annotation(arguments[1], depth + 1) if len(arguments) == 2 else DYN)
    if get_args(hint) and origin is not None:  # Annotated and other wrappers
        return annotation(get_args(hint)[0], depth + 1) if origin is not type else DYN
    if hint is type(None):
        return NULL
    if isinstance(hint, type):
        if issubclass(hint, bool):
            return BOOL
        if issubclass(hint, int | float | Decimal):
            return NUMBER
        if issubclass(hint, enum.Enum):
            return common([_literal(member.value) for member in hint])
        if issubclass(hint, str):
            return STRING
        if issubclass(hint, datetime):
            return STRING
        if issubclass(hint, date):
            return DATE
        if issubclass(hint, BaseModel):
            return model_type(hint, depth + 1)
    return DYN


def model_type(found: type[BaseModel], depth: int = 0, *, checked: bool = False) -> Type:
    fields: dict[str, Type] = {}
    for name, info in found.model_fields.items():
        # A result may arrive under either name, depending on how it was dumped.
        for key in dict.fromkeys([name, info.alias or name]):
            fields[key] = annotation(info.annotation, depth)
    extra = found.model_config.get("extra") == "allow"
    return record(fields, closed=not extra, checked=checked)


def _literal(value: Any) -> Type:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int | float | Decimal):
        return NUMBER
    if isinstance(value, str):
        return DYN if "${" in value else STRING
    if isinstance(value, list):
        return list_of(common([_literal(item) for item in value]))
    if isinstance(value, dict):
        return map_of()
    return DYN


@dataclass
class DefinitionTypes:
    """The types of ``input``, ``vars``, ``steps`` and the loop names of one definition."""

    definition: model.Definition
    catalog: Catalog | None
    results: dict[str, Type] = field(default_factory=dict)
    variables: dict[str, Type] = field(default_factory=dict)
    loop_names: dict[str, Type] = field(default_factory=dict)

    @classmethod
    def of(cls, definition: model.Definition, catalog: Catalog | None) -> DefinitionTypes:
        found = cls(definition, catalog)
        walked = list(model.walk_steps(definition.steps))
        for _, step in walked:
            found.results[step.id] = found.result(step)
        for name, value in definition.variables.items():
            found.variables[name] = _literal(value)
        # In document order, so that a loop inside a loop knows its outer item.
        for _, step in walked:
            if isinstance(step, model.SetStep):
                for name, value in step.set.items():
                    found.assign(name, found.value(value))
            elif isinstance(step, model.ForEachStep):
                items = found.expression(step.for_each)
                item = items.item or DYN if items.kind == "list" else DYN
                found.bind(step.as_, item)
                found.bind("index", NUMBER)
        return found

    def names(self) -> dict[str, Type]:
        """Every name an expression of the definition may read, with its type."""
        process = record(
            {
                "name": STRING,
                "version": DYN,
                "business_key": STRING,
                "workflow_id": STRING,
                "run_id": STRING,
            },
            checked=True,
        )
        fields = {name: input_field(spec) for name, spec in self.definition.input.items()}
        return {
            **self.loop_names,
            "error": ERROR,
            "context": map_of(),  # what a notify step gives its mail (its values: any type)
            "input": record(fields, checked=True),
            # A variable only ever null is set where this cannot see: its type is unknown.
            "vars": record(
                {name: DYN if kind == NULL else kind for name, kind in self.variables.items()},
                closed=False,
            ),
            "steps": record(self.results, checked=True),
            "now": TIMESTAMP,
            "today": DATE,
            "process": process,
        }

    def result(self, step: model.Step) -> Type:
        match step:
            case model.CallStep() | model.BotStep():
                name = step.call if isinstance(step, model.CallStep) else step.bot
                spec = self.catalog.get(name) if self.catalog is not None else None
                if spec is None or spec.output_model is None:
                    return DYN
                return model_type(spec.output_model, checked=True)
            case model.TaskStep():
                form = {item.id: form_field(item) for item in step.task.form.fields}
                return record(
                    {
                        "task_id": STRING,
                        "outcome": STRING,
                        "timed_out": BOOL,
                        "decided_by": list_of(STRING),
                        "decided_at": STRING,
                        "comment": STRING,
                        "fields": record(form),
                    },
                    checked=True,
                )
            case model.WaitStep():
                if step.wait.event is not None:
                    fields = {"received": BOOL, "data": DYN, "received_at": STRING}
                    return record(fields, checked=True)
                return record({"waited_until": STRING}, closed=False)
            case model.ForEachStep():
                return list_of(map_of())
            case model.RepeatStep():
                return record({"rounds": NUMBER, "last": map_of()}, closed=False)
            case model.NotifyStep():
                people = {"sent_to": list_of(STRING), "unresolved": list_of(STRING)}
                return record(people, checked=True)
            case model.VoidStep():
                return record({"voided": BOOL, "task_id": DYN, "reason": DYN}, closed=False)
            case _:
                return DYN

    def value(self, value: Any) -> Type:
        """The type of a template value: one ``${ }`` keeps its type, text around it is text."""
        if isinstance(value, str):
            try:
                parts = template_parts(value)
            except ExpressionError:
                return DYN
            if not parts:
                return STRING
            stripped = value.strip()
            if len(parts) == 1 and stripped.startswith("${") and stripped.endswith("}"):
                return self.expression(parts[0].expression)
            return STRING
        if isinstance(value, dict):
            return map_of()
        if isinstance(value, list):
            return list_of(common([self.value(item) for item in value]))
        return _literal(value)

    def expression(self, source: str) -> Type:
        try:
            return type_of(parse(source), self.names())
        except (Unreadable, RecursionError):
            return DYN

    def assign(self, name: str, kind: Type) -> None:
        self.variables[name] = _merged(self.variables.get(name), kind)

    def bind(self, name: str, kind: Type) -> None:
        self.loop_names[name] = _merged(self.loop_names.get(name), kind)


def _merged(before: Type | None, now: Type) -> Type:
    if before is None:
        return now
    return common([before, now])
