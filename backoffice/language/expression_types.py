"""The types of an expression's parts, and the operations on them that cannot work.

CEL does not convert between types: ``int(index) + 1`` fails because ``int()`` gives a
whole number (int) and every other number here is a decimal number (a double, see
:mod:`expressions`); ``"INV-" + 5`` fails; ``5.size()`` fails. Such mistakes are found
before a run by inferring, over the syntax tree of :mod:`cel_syntax`, the type of every
part from the types of the names (which :mod:`definition_types` knows from the
definition), and at run time from the values, to say why an evaluation failed.

What cannot be known is ``dyn``, and nothing is ever reported about ``dyn``: a check that
warns about valid definitions teaches people to ignore it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import assert_never

from backoffice.language.cel_syntax import (
    Binary,
    Call,
    Conditional,
    Index,
    ListOf,
    Literal,
    MapOf,
    Member,
    Name,
    Node,
    Unary,
    walk,
)
from backoffice.language.cel_text import substitute, written
from backoffice.language.problems import did_you_mean


@dataclass(frozen=True)
class Type:
    """What a value is: a kind, the type of its items, and the fields it is known to have.

    ``fields`` lists the fields of a record (an input object, an activity's result); with
    ``closed`` a field not among them is a mistake, unless ``checked`` says another check
    already reports it (the input's own fields, the fields of a step's result).
    """

    kind: str  # dyn, number, int, uint, string, bool, null, timestamp, duration, bytes, list, map
    item: Type | None = None  # of a list, or the values of a map
    fields: tuple[tuple[str, Type], ...] | None = None
    closed: bool = False
    checked: bool = False
    label: str = ""  # "date": text holding a date, as dates are here

    def field(self, name: str) -> Type | None:
        return dict(self.fields or ()).get(name)

    def field_names(self) -> list[str]:
        return [name for name, _ in self.fields or ()]


DYN = Type("dyn")
NUMBER = Type("number")
INT = Type("int")
UINT = Type("uint")
STRING = Type("string")
DATE = Type("string", label="date")
BOOL = Type("bool")
NULL = Type("null")
TIMESTAMP = Type("timestamp")
DURATION = Type("duration")


def list_of(item: Type) -> Type:
    return Type("list", item=item)


def map_of(value: Type = DYN) -> Type:
    return Type("map", item=value)


def record(fields: Mapping[str, Type], *, closed: bool = True, checked: bool = False) -> Type:
    return Type("map", item=DYN, fields=tuple(fields.items()), closed=closed, checked=checked)


NUMERIC = frozenset({"number", "int", "uint"})


def describe(kind: Type) -> str:
    """A type in words a process owner reads."""
    if kind.label == "date":
        return "a date (text)"
    return {
        "number": "a decimal number",
        "int": "a whole number (int)",
        "uint": "an unsigned whole number (uint)",
        "string": "text",
        "bool": "true or false",
        "null": "null",
        "timestamp": "a time (timestamp)",
        "duration": "a duration",
        "bytes": "bytes",
        "list": "a list",
        "map": "a map",
        "dyn": "a value",
    }.get(kind.kind, kind.kind)


def common(types: list[Type]) -> Type:
    """The one type all of ``types`` have (null fits any), else dyn."""
    known = [kind for kind in types if kind.kind != "null"]
    if not known:
        return NULL if types else DYN
    first = known[0]
    if all(kind == first for kind in known):
        return first
    if all(kind.kind == first.kind for kind in known) and first.kind not in ("list", "map"):
        return dataclasses.replace(first, label="")
    return DYN


@dataclass(frozen=True)
class TypeProblem:
    """An operation that cannot work: the part of the expression (as text) and why."""

    written: str
    message: str


# --- inference ---------------------------------------------------------------------------

_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_TEXT_METHODS = frozenset({"contains", "startsWith", "endsWith", "matches"})
_CONVERSIONS = {
    "int": INT,
    "uint": UINT,
    "double": NUMBER,
    "string": STRING,
    "bool": BOOL,
    "bytes": Type("bytes"),
    "timestamp": TIMESTAMP,
    "duration": DURATION,
}
# Helpers (expressions.helpers): what each gives, and which arguments must be dates,
# numbers or lists (by position).
_HELPERS: dict[str, tuple[Type, tuple[str, ...]]] = {
    "date": (DATE, ("date",)),
    "add_days": (DATE, ("date", "number")),
    "add_business_days": (DATE, ("date", "number")),
    "days_between": (NUMBER, ("date", "date")),
    "business_days_between": (NUMBER, ("date", "date")),
    "is_business_day": (BOOL, ("date",)),
    "next_business_day": (DATE, ("date",)),
    "weekday": (STRING, ("date",)),
    "local_time": (TIMESTAMP, ("date", "string", "string")),
    "local_date": (DATE, ("date", "string")),
    "round_money": (NUMBER, ("number", "number")),
    "money": (STRING, ("number",)),
    "percent": (NUMBER, ("number", "number")),
    "abs": (NUMBER, ("number",)),
    "within": (BOOL, ("number", "number", "number")),
    "sum": (NUMBER, ("list",)),
    "min_of": (NUMBER, ("list",)),
    "max_of": (NUMBER, ("list",)),
    "count": (NUMBER, ("list",)),
    "lower": (STRING, ()),
    "upper": (STRING, ()),
    "trim": (STRING, ()),
    "normalize_ref": (STRING, ()),
    "join": (STRING, ("list", "string")),
}
_FITS = {
    "date": frozenset({"string", "timestamp"}),
    "number": NUMERIC,
    "list": frozenset({"list"}),
    "string": frozenset({"string"}),
}
_OPERATION = {
    "+": "adds",
    "-": "subtracts",
    "*": "multiplies",
    "/": "divides",
    "%": "takes the remainder of",
}


def problems(tree: Node, names: Mapping[str, Type]) -> list[TypeProblem]:
    """What in ``tree`` cannot work with names of these types (first found first)."""
    inference = _Inference(tree, names)
    inference.type_of(tree)
    return inference.found


def not_a_list(tree: Node, names: Mapping[str, Type]) -> list[TypeProblem]:
    """The problem of a ``for_each`` whose expression is known not to give a list."""
    kind = type_of(tree, names)
    if kind.kind in ("list", "dyn", "null"):
        return []
    text = written(tree)
    advice = (
        f"to go through its keys, write `{text}.map(k, k)`"
        if kind.kind == "map"
        else "name the list itself, as in input.lines"
    )
    message = f"for_each goes through a list, and `{text}` is {describe(kind)}: {advice}"
    return [TypeProblem(text, message)]


def not_a_number(tree: Node, names: Mapping[str, Type], setting: str) -> list[TypeProblem]:
    """The problem of a setting that counts (``approvals``) whose expression is known not
    to give a number."""
    kind = type_of(tree, names)
    if kind.kind in ("number", "int", "uint", "dyn"):
        return []
    text = written(tree)
    message = (
        f"{setting} counts people, and `{text}` is {describe(kind)}: it must give a whole "
        "number from 1 to 5, like `input.amount > 10000 ? 2 : 1`"
    )
    return [TypeProblem(text, message)]


def type_of(tree: Node, names: Mapping[str, Type]) -> Type:
    """The type ``tree`` gives with names of these types (dyn when it cannot be known)."""
    return _Inference(tree, names).type_of(tree)


class _Inference:
    def __init__(self, root: Node, names: Mapping[str, Type]) -> None:
        self.root = root
        self.names = dict(names)
        self.found: list[TypeProblem] = []
        self.testing = 0  # inside has(): a missing field is what it tests for

    def report(self, node: Node, message: str) -> Type:
        self.found.append(TypeProblem(written(node), message))
        return DYN

    def type_of(self, node: Node) -> Type:
        match node:
            case Name():
                return self.names.get(node.name, DYN)
            case Literal():
                return _literal(node)
            case Member():
                return self.member(node)
            case Index():
                return self.index(node)
            case Call():
                return self.call(node)
            case Unary():
                return self.unary(node)
            case Binary():
                return self.binary(node)
            case Conditional():
                self.condition(node.condition, "the condition of `?:`")
                return _choice(self.type_of(node.then), self.type_of(node.otherwise))
            case ListOf():
                return list_of(common([self.type_of(item) for item in node.items]))
            case MapOf():
                for key, _ in node.entries:
                    self.type_of(key)
                return map_of(common([self.type_of(value) for _, value in node.entries]))
            case _:
                assert_never(node)

    # --- members and subscripts --------------------------------------------------------

    def member(self, node: Member) -> Type:
        target = self.type_of(node.target)
        if target.kind == "map":
            found = target.field(node.field)
            if found is not None:
                return found
            if target.closed and not target.checked and not self.testing:
                names = target.field_names()
                hint = did_you_mean(node.field, names)
                return self.report(
                    node,
                    f"`{written(node.target)}` has no field '{node.field}'.{hint} "
                    f"Its fields: {', '.join(names) or 'none'}",
                )
            return target.item or DYN
        if target.kind == "list":
            return self.report(
                node,
                f"`{written(node.target)}` is a list, which has no field '{node.field}': pick "
                f"one item, as in `{written(node.target)}[0].{node.field}`, or take it from "
                f"every item with `{written(node.target)}.map(x, x.{node.field})`",
            )
        if target.kind in ("dyn", "null"):
            return DYN
        return self.report(
            node,
            f"`{written(node.target)}` is {describe(target)}, which has no fields: "
            f"'{node.field}' cannot be read from it",
        )

    def index(self, node: Index) -> Type:
        target = self.type_of(node.target)
        at = _INT_LITERAL if _whole_literal(node.index) else self.type_of(node.index)
        if target.kind == "list":
            if at.kind == "number":
                return self.report(
                    node,
                    f"`{written(node)}` picks an item by {describe(at)}, but a position in a "
                    f"list is a whole number: write `{written(node.target)}"
                    f"[int({written(node.index)})]`",
                )
            if at.kind not in ("int", "uint", "dyn"):
                return self.report(
                    node,
                    f"`{written(node)}` picks an item of a list by {describe(at)}: a position "
                    "in a list is a whole number, such as `[0]`",
                )
            return target.item or DYN
        if target.kind == "map":
            if isinstance(node.index, Literal) and node.index.kind == "string":
                return target.field(node.index.value) or target.item or DYN
            return target.item or DYN
        if target.kind in ("dyn", "null"):
            return DYN
        return self.report(
            node,
            f"`{written(node.target)}` is {describe(target)}: only a list or a map has "
            "items to pick with [...]",
        )

    # --- calls -------------------------------------------------------------------------

    def call(self, node: Call) -> Type:
        if node.target is not None and node.function in _MACROS:
            return self.macro(node, node.target)
        if node.function == "has" and node.target is None:
            self.testing += 1
            try:
                for argument in node.args:
                    self.type_of(argument)
            finally:
                self.testing -= 1
            return BOOL
        receiver = self.type_of(node.target) if node.target is not None else None
        arguments = [self.type_of(argument) for argument in node.args]
        function = node.function
        if function in ("size", "count") and (receiver is not None or function == "size"):
            sized = receiver if receiver is not None else (arguments or [DYN])[0]
            of = written(node.target) if node.target is not None else _first(node)
            if sized.kind not in ("string", "list", "map", "bytes", "dyn"):
                return self.report(
                    node,
                    f"`{written(node)}` asks for the size of `{of}`, which is {describe(sized)}: "
                    "size() counts the items of a list, the entries of a map or the "
                    "characters of text",
                )
            return NUMBER
        if receiver is not None and function in _TEXT_METHODS:
            if receiver.kind not in ("string", "dyn"):
                return self.report(
                    node,
                    f"`{written(node)}`: {function}() works on text, and "
                    f"`{written(node.target) if node.target else ''}` is {describe(receiver)}: "
                    f"write `string({written(node.target) if node.target else ''})."
                    f"{function}(...)`",
                )
            for argument, given in zip(node.args, arguments, strict=True):
                if given.kind not in ("string", "dyn"):
                    text = (
                        Literal("string", argument.value)
                        if isinstance(argument, Literal)
                        else Call("string", (argument,))
                    )
                    better = written(substitute(node, argument, text))
                    return self.report(
                        node,
                        f"`{written(node)}`: {function}() takes text, and `{written(argument)}` "
                        f"is {describe(given)}: write `{better}`",
                    )
            return BOOL
        if receiver is not None and function.startswith("get"):
            if receiver.kind not in ("timestamp", "dyn"):
                return self.report(
                    node,
                    f"`{written(node)}`: {function}() works on a time (timestamp), and "
                    f"`{written(node.target) if node.target else ''}` is {describe(receiver)}"
                    + (
                        ": for a date, use the date helpers, such as weekday(...)"
                        if receiver.label == "date"
                        else ""
                    ),
                )
            return INT
        if receiver is None and function in _CONVERSIONS:
            return _CONVERSIONS[function]
        if receiver is None and function == "get":
            return _got(arguments)
        if receiver is None and function in _HELPERS:
            gives, wanted = _HELPERS[function]
            for position, (want, given) in enumerate(zip(wanted, arguments, strict=False)):
                if given.kind != "dyn" and given.kind not in _FITS[want]:
                    word = {"date": "a date", "number": "a number", "list": "a list"}.get(
                        want, "text"
                    )
                    return self.report(
                        node.args[position],
                        f"{function}() takes {word} as its "
                        f"{_ORDINALS[min(position, 3)]} argument, and "
                        f"`{written(node.args[position])}` is {describe(given)}",
                    )
            return gives
        return DYN

    def macro(self, node: Call, target_node: Node) -> Type:
        target = self.type_of(target_node)
        if target.kind == "list":
            element = target.item or DYN
        elif target.kind == "map":
            element = STRING  # a macro over a map goes through its keys
        elif target.kind == "dyn":
            element = DYN
        else:
            return self.report(
                node,
                f"`{written(target_node)}` is {describe(target)}: {node.function}() goes "
                "through the items of a list",
            )
        if not node.args or not isinstance(node.args[0], Name):
            return DYN
        bound = node.args[0].name
        outer = self.names.get(bound)
        self.names[bound] = element
        try:
            bodies = [self.type_of(argument) for argument in node.args[1:]]
        finally:
            if outer is None:
                self.names.pop(bound, None)
            else:
                self.names[bound] = outer
        if node.function == "map":
            return list_of(bodies[-1] if bodies else DYN)
        if node.function == "filter":
            return list_of(element)  # a map's keys are text; what is unknown stays unknown
        return BOOL

    # --- operators ---------------------------------------------------------------------

    def condition(self, node: Node, what: str) -> None:
        kind = self.type_of(node)
        if kind.kind not in ("bool", "dyn", "null"):
            self.report(
                node,
                f"{what} must be true or false, and `{written(node)}` is {describe(kind)}: "
                'compare it, as in `x > 0` or `x != ""`',
            )

    def unary(self, node: Unary) -> Type:
        if node.operator == "!":
            self.condition(node.operand, "what `!` turns round")
            return BOOL
        operand = self.type_of(node.operand)
        if operand.kind in NUMERIC or operand.kind in ("duration", "dyn"):
            return operand
        return self.report(node, f"`{written(node)}` negates {describe(operand)}")

    def binary(self, node: Binary) -> Type:
        operator = node.operator
        if operator in ("&&", "||"):
            self.condition(node.left, f"each side of `{operator}`")
            self.condition(node.right, f"each side of `{operator}`")
            return BOOL
        left, right = self.type_of(node.left), self.type_of(node.right)
        if operator in _OPERATION:
            return self.arithmetic(node, left, right)
        if operator == "in":
            return self.membership(node, left, right)
        if "dyn" in (left.kind, right.kind) or "null" in (left.kind, right.kind):
            if operator not in ("==", "!=") and "null" in (left.kind, right.kind):
                self.report(
                    node,
                    f"`{written(node)}` compares with null, which is neither more nor less "
                    "than anything: test `x != null` first",
                )
            return BOOL
        if _same_family(left, right):
            if operator in ("==", "!=") or left.kind not in ("list", "map", "bool"):
                return BOOL
            return self.report(
                node, f"`{written(node)}` orders {describe(left)} values, which have no order"
            )
        verdict = " (always false)" if operator == "==" else ""
        verdict = " (always true)" if operator == "!=" else verdict
        return self.report(
            node,
            f"`{written(node)}` compares {describe(left)} with {describe(right)}{verdict}"
            + _comparison_advice(left, right),
        )

    def membership(self, node: Binary, left: Type, right: Type) -> Type:
        if right.kind == "list":
            item = right.item or DYN
            known = item.kind not in ("dyn", "null") and left.kind not in ("dyn", "null")
            if known and not _same_family(left, item):
                self.report(
                    node,
                    f"`{written(node)}` looks for {describe(left)} in a list of "
                    f"{_plural(item)}: it is never found",
                )
            return BOOL
        if right.kind == "map":
            if left.kind in NUMERIC:
                self.report(
                    node,
                    f"`{written(node)}` looks for {describe(left)} among the keys of a map, "
                    f"which are text: write `string({written(node.left)}) in "
                    f"{written(node.right)}`",
                )
            return BOOL
        if right.kind in ("dyn", "null"):
            return BOOL
        inside = ": to look for text inside text, write `b.contains(a)`"
        return self.report(
            node,
            f"`{written(node)}`: `in` looks in a list or a map, and "
            f"`{written(node.right)}` is {describe(right)}"
            + (inside if right.kind == "string" else ""),
        )

    def arithmetic(self, node: Binary, left: Type, right: Type) -> Type:
        operator = node.operator
        if "dyn" in (left.kind, right.kind):
            return DYN
        if left.kind in NUMERIC and right.kind in NUMERIC:
            if left.kind != right.kind:
                return self.report(node, self.mixed_numbers(node, left, right))
            if operator == "%" and left.kind == "number":
                return self.report(
                    node,
                    f"`{written(node)}`: % (the remainder) works on whole numbers (int) only, "
                    f"and numbers here are decimal: write `int({written(node.left)}) % "
                    f"int({written(node.right)})`",
                )
            return left
        given = {left.kind, right.kind}
        if operator == "+":
            if left.kind == right.kind == "string":
                return STRING
            if left.kind == right.kind == "list":
                return list_of(common([left.item or DYN, right.item or DYN]))
            if given == {"timestamp", "duration"}:
                return TIMESTAMP
            if left.kind == right.kind == "duration":
                return DURATION
        if operator == "-":
            if left.kind == right.kind == "timestamp":
                return DURATION
            if (left.kind, right.kind) in (("timestamp", "duration"), ("duration", "duration")):
                return left
        return self.report(
            node,
            f"`{written(node)}` {_OPERATION[operator]} {describe(left)} and {describe(right)}"
            + _arithmetic_advice(node, left, right),
        )

    def mixed_numbers(self, node: Binary, left: Type, right: Type) -> str:
        whole, other = (node.left, right) if left.kind != "number" else (node.right, left)
        kind = right if whole is node.right else left
        text = (
            f"`{written(node)}` {_OPERATION[node.operator]} {describe(left)} and "
            f"{describe(right)}: numbers here are decimal, and `{written(whole)}` gives "
            f"{describe(kind)}, which does not mix with them"
        )
        if node.operator == "%":
            return (
                f"{text}: the remainder works on whole numbers only, so write "
                f"`int({written(_unwrapped(node.left))}) % int({written(_unwrapped(node.right))})`"
            )
        if isinstance(whole, Call) and whole.function in ("int", "uint") and len(whole.args) == 1:
            better = written(substitute(self.root, whole, whole.args[0]))
            shown = any(
                isinstance(part, Call) and part.function == "string" and node in walk(part)
                for part in walk(self.root)
            )
            return f"{text}. Write `{better}`" + (
                " (a whole decimal number is shown without decimals: 3, not 3.0)" if shown else ""
            )
        if other.kind == "number":
            return f"{text}: write `double({written(whole)})` to make it a decimal number"
        return f"{text}: convert one side, with int(...) or double(...)"


# --- what to write instead -----------------------------------------------------------------

_ORDINALS = ("first", "second", "third", "fourth")
_INT_LITERAL = INT


def _comparison_advice(left: Type, right: Type) -> str:
    kinds = {left.kind, right.kind}
    if kinds == {"string", "timestamp"}:
        return (
            ": dates are text (YYYY-MM-DD) and now is a time; compare a date with today, "
            "or a time with now"
        )
    if "string" in kinds and kinds & NUMERIC:
        text = left if left.kind == "string" else right
        if text.label == "date":
            return (
                ": a date is text (YYYY-MM-DD); compare it with another date, or count days "
                "with days_between(a, b)"
            )
        return ": convert one side, as in double(text) or string(number)"
    return ""


def _arithmetic_advice(node: Binary, left: Type, right: Type) -> str:
    kinds = {left.kind, right.kind}
    if "string" in kinds and kinds & NUMERIC:
        text = left if left.kind == "string" else right
        if text.label == "date" and node.operator in ("+", "-"):
            return ": to move a date by days, write add_days(date, n)"
        number = node.right if text is left else node.left
        side = node.left if text is left else node.right
        if node.operator == "+":
            advice = (
                f": to put a number into text, write string({written(number)}) (or use a "
                "template: 'INV-${ ... }')"
            )
            if isinstance(side, Literal):
                return advice
            holds = f"to compute with the number the text holds, write double({written(side)})"
            return f"{advice}; {holds}"
        return ": to compute with text that holds a number, write double(text) first"
    if "null" in kinds:
        return ": one side is null (a value that may be missing); test it first with has(...)"
    return ""


def _plural(kind: Type) -> str:
    return {
        "number": "decimal numbers",
        "int": "whole numbers",
        "string": "dates (text)" if kind.label == "date" else "texts",
        "bool": "true or false values",
        "list": "lists",
        "map": "maps",
    }.get(kind.kind, "values")


def _same_family(left: Type, right: Type) -> bool:
    if left.kind in NUMERIC and right.kind in NUMERIC:
        return True  # CEL compares int and double numerically
    return left.kind == right.kind


def _choice(then: Type, otherwise: Type) -> Type:
    if then == otherwise:
        return then
    return common([then, otherwise])


def _got(arguments: list[Type]) -> Type:
    container = arguments[0] if arguments else DYN
    found = container.item if container.kind in ("list", "map") and not container.fields else None
    if found is None:
        return DYN
    if len(arguments) >= 3 and arguments[2] != found:
        return common([found, arguments[2]])
    return found


def _literal(node: Literal) -> Type:
    if node.kind == "string":
        return STRING
    if node.kind == "bool":
        return BOOL
    if node.kind == "null":
        return NULL
    text = node.value
    if text[-1:] in ("u", "U"):
        return UINT
    if text[:2] in ("0x", "0X"):
        return INT  # hexadecimal is not rewritten to a decimal number (cel_source)
    return NUMBER


def _whole_literal(node: Node) -> bool:
    # `lines[0]`: a subscript written as a whole number stays an int (cel_source).
    return (
        isinstance(node, Literal)
        and node.kind == "number"
        and not any(mark in node.value for mark in ".eEuU")
    )


def _unwrapped(node: Node) -> Node:
    if isinstance(node, Call) and node.function in ("int", "double") and len(node.args) == 1:
        return node.args[0]
    return node


def _first(node: Call) -> str:
    return written(node.args[0]) if node.args else ""
