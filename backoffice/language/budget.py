"""How much work an expression may do, known before it runs, and how large its result may be.

The CEL evaluator cannot be interrupted once it runs, and it runs inside a workflow task:
a task that runs for long stalls every other run of its worker, and Temporal's deadlock
detector gives up after 2 seconds. So each evaluation is bounded before it starts, from
the expression's shape (which macros nest in which, what it joins, compares and builds)
and the sizes of the data it goes through in this run, and its result is measured after.
Both are pure functions of the expression and the data: the same on every replay.

A unit of work is about one step of the evaluator (measured here at 0.04 to 0.14 µs:
``bench/expressions.py``). The bound is an upper bound, never an estimate of the usual
case: ``lines.map(l, ...)`` counts every line; ``map`` and ``filter`` count what the
evaluator really does, which is to copy the list built so far at every item.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
)

EXPRESSION_BUDGET = 2_000_000
"""Units of work one evaluation may take, handing over its result included: a quarter of a
second at most, on a busy machine of two cores. Checking 200 invoice lines each against
all the others (``lines.all(a, lines.exists_one(b, b.number == a.number))``) takes half."""

VALUE_LIMIT = 500_000
"""Entries and characters one evaluation may give (about 500 KB written as JSON)."""

# Weights, in units of work: copying, comparing or handing over a value costs its weight.
# A list or map costs more than its entries (it is allocated, a map's keys hashed); text
# is copied and compared many characters at a time.
_CONTAINER = 3
_CHARACTERS_PER_UNIT = 32


@dataclass(frozen=True, slots=True)
class Size:
    """Upper bounds of a value's size, in what evaluating over it costs."""

    items: int  # the most entries any list or map in it has: what a macro goes through
    weight: int  # entries, characters and numbers in all: what copying or comparing it costs
    each: int  # the weight of its largest entry: what a macro's variable holds

    def entry(self) -> Size:
        """What one entry of this value (a list item, a map field) may be at most."""
        return Size(self.items, self.each, self.each)

    def widest(self, other: Size) -> Size:
        return Size(
            max(self.items, other.items),
            max(self.weight, other.weight),
            max(self.each, other.each),
        )


SCALAR = Size(0, 1, 0)


def _text_weight(length: int) -> int:
    return 1 + length // _CHARACTERS_PER_UNIT


def measure(value: object, memo: dict[int, Size] | None = None) -> Size:
    """The size of a value as the evaluator holds it: dicts, lists, text and scalars (the
    data of :func:`expressions.to_cel`).

    ``memo`` keeps the sizes of the containers measured, by identity, for data that does
    not change while it is used (a scope's values): each is then walked once.
    """
    if isinstance(value, str | bytes):
        return Size(0, _text_weight(len(value)), 0)
    if not isinstance(value, dict | list | tuple):
        return SCALAR
    if memo is not None and (known := memo.get(id(value))) is not None:
        return known
    items, weight, each = len(value), _CONTAINER, 0
    entries: list[tuple[int, Size]] = (
        [(_text_weight(len(str(key))), measure(item, memo)) for key, item in value.items()]
        if isinstance(value, dict)
        else [(0, measure(item, memo)) for item in value]
    )
    for key_weight, inner in entries:
        weight += key_weight + inner.weight
        each = max(each, key_weight, inner.weight)
        items = max(items, inner.items)
    size = Size(items, weight, each)
    if memo is not None:
        memo[id(value)] = size
    return size


def value_units(value: object) -> int:
    """How large a value is for people and payloads: its entries and characters."""
    if isinstance(value, str | bytes):
        return 1 + len(value)
    if isinstance(value, Mapping):
        return 1 + sum(1 + len(str(key)) + value_units(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return 1 + sum(value_units(item) for item in value)
    return 1


@dataclass(frozen=True)
class Bound:
    cost: int
    size: Size

    @property
    def total(self) -> int:
        """The work of the evaluation and of handing its result over."""
        return self.cost + self.size.weight


Lookup = Callable[[tuple[str, ...]], Size]
"""The size of the data at a path such as ``("input", "lines")`` in this run; ``"*"`` in a
path stands for any item of a list (or key of a map): ``("input", "lines", "*", "qty")``."""

ANY = "*"
# What a macro's variable stands for: data the run holds (a path, so its fields are looked
# up one by one), or a value built by the expression, known only by its size.
Names = Mapping[str, "Size | tuple[str, ...]"]

# A call into a helper written in Python: the call itself, its arguments handed over.
_CALL = 20
# What a value turned into text may weigh per unit of its own weight (a number's digits).
_TEXT_PER_UNIT = 2
_MACROS = frozenset({"all", "exists", "exists_one", "map", "filter"})
_TRUTH = frozenset({"&&", "||"})
_ARITHMETIC = frozenset({"*", "-", "/", "%"})
_SCALAR_RESULTS = frozenset(
    {
        "size", "count", "sum", "min_of", "max_of", "abs", "percent", "within", "round_money",
        "days_between", "business_days_between", "is_business_day", "contains", "startsWith",
        "endsWith", "matches", "int", "uint", "double", "bool", "timestamp", "duration",
        "type", "has", "getFullYear", "getMonth", "getDayOfMonth", "getDate", "getDayOfWeek",
        "getDayOfYear", "getHours", "getMinutes", "getSeconds", "getMilliseconds",
    }
)  # fmt: skip
_SHORT_TEXT = frozenset(
    {"date", "add_days", "add_business_days", "next_business_day", "weekday", "money"}
)
_SHORT_TEXT_SIZE = Size(0, 40, 0)
_TEXT_OF_FIRST = frozenset({"lower", "upper", "trim", "normalize_ref", "string", "bytes"})


def bound(node: Node, lookup: Lookup) -> Bound:
    """The most work evaluating ``node`` can take over this data, and its largest result."""
    return _Bounds(lookup).of(node, {})


class _Bounds:
    def __init__(self, lookup: Lookup) -> None:
        self.lookup = lookup

    def of(self, node: Node, names: Names) -> Bound:
        match node:
            case Name(name=name):
                known = names.get(name, (name,))
                return Bound(1, self.lookup(known) if isinstance(known, tuple) else known)
            case Member() | Index():
                return self.access(node, names)
            case Literal(kind=kind, value=value):
                text = Size(0, _text_weight(len(value)), 0)
                return Bound(1, text if kind == "string" else SCALAR)
            case ListOf(items=items):
                return self.collection([self.of(item, names) for item in items], len(items))
            case MapOf(entries=entries):
                parts = [self.of(part, names) for entry in entries for part in entry]
                return self.collection(parts, len(entries))
            case Unary(operand=operand):
                return Bound(self.of(operand, names).cost + 1, SCALAR)
            case Binary(operator=operator, left=left, right=right):
                return self.binary(operator, self.of(left, names), self.of(right, names))
            case Conditional(condition=condition, then=then, otherwise=otherwise):
                test, yes, no = (self.of(part, names) for part in (condition, then, otherwise))
                return Bound(test.cost + max(yes.cost, no.cost) + 1, yes.size.widest(no.size))
            case Call():
                return self.call(node, names)
            case _:
                assert_never(node)

    def access(self, node: Member | Index, names: Names) -> Bound:
        path = _data_path(node, names)
        if path is not None:
            return Bound(len(path), self.lookup(path))
        match node:
            case Member():
                target = self.of(node.target, names)
                return Bound(target.cost + 1, target.size.entry())
            case Index():
                target, index = self.of(node.target, names), self.of(node.index, names)
                return Bound(target.cost + index.cost + 1, target.size.entry())
            case _:
                assert_never(node)

    @staticmethod
    def collection(parts: list[Bound], entries: int) -> Bound:
        weight = _CONTAINER + sum(part.size.weight for part in parts)
        cost = weight + sum(part.cost for part in parts)
        items = max([entries, *(part.size.items for part in parts)])
        each = max([0, *(part.size.weight for part in parts)])
        return Bound(cost, Size(items, weight, each))

    @staticmethod
    def binary(operator: str, left: Bound, right: Bound) -> Bound:
        cost = left.cost + right.cost + 1
        if operator in _TRUTH:
            return Bound(cost, SCALAR)
        if operator in _ARITHMETIC:
            # A division calls the check that its divisor is not zero.
            return Bound(cost + (_CALL if operator == "/" else 0), SCALAR)
        # `+` joins texts and lists; comparisons and `in` may read both sides whole.
        cost += left.size.weight + right.size.weight
        if operator != "+":
            return Bound(cost, SCALAR)
        joined = Size(
            left.size.items + right.size.items,
            left.size.weight + right.size.weight,
            max(left.size.each, right.size.each),
        )
        return Bound(cost, joined)

    def call(self, node: Call, names: Names) -> Bound:
        if (
            node.function in _MACROS
            and node.target is not None
            and node.args
            and isinstance(node.args[0], Name)
        ):
            return self.macro(node, node.target, node.args[0].name, names)
        if node.function == "has" and node.target is None:
            return Bound(2, SCALAR)
        arguments = [self.of(arg, names) for arg in (node.target, *node.args) if arg is not None]
        handed = sum(arg.cost + arg.size.weight for arg in arguments)
        return Bound(_CALL + handed, _result_size(node.function, [a.size for a in arguments]))

    def macro(self, node: Call, target_node: Node, variable: str, names: Names) -> Bound:
        target = self.of(target_node, names)
        count = target.size.items
        entry = target.size.entry()
        path = _data_path(target_node, names)
        each: Size | tuple[str, ...] = entry if path is None else (*path, ANY)
        if path is not None:
            entry = self.lookup((*path, ANY))
        parts = [self.of(arg, {**names, variable: each}) for arg in node.args[1:]]
        # Each item is copied into the macro's variable, then the body runs.
        each_item = 2 + entry.weight + sum(part.cost for part in parts)
        cost = target.cost + count * each_item
        if node.function == "map":
            body = parts[-1].size if parts else SCALAR
            result = Size(max(count, body.items), _CONTAINER + count * body.weight, body.weight)
        elif node.function == "filter":
            result = target.size
        else:
            return Bound(cost, SCALAR)
        # The evaluator copies the list built so far at every item: quadratic, bounded so.
        return Bound(cost + count * result.weight, result)


def _data_path(node: Node, names: Names) -> tuple[str, ...] | None:
    """``input.lines`` as ``("input", "lines")``: a path into the run's data, if it is one."""
    match node:
        case Name(name=name):
            known = names.get(name, (name,))
            return known if isinstance(known, tuple) else None
        case Member(target=target, field=field):
            base = _data_path(target, names)
            return None if base is None else (*base, field)
        case Index(target=target, index=Literal(kind="string", value=key)) if key != ANY:
            # (A key written "*" is left to the bound of what holds it: it would read as ANY.)
            base = _data_path(target, names)
            return None if base is None else (*base, key)
    return None


def _result_size(function: str, arguments: list[Size]) -> Size:
    first = arguments[0] if arguments else SCALAR
    if function in _SCALAR_RESULTS or function.startswith("_"):
        return SCALAR
    if function in _SHORT_TEXT:
        return _SHORT_TEXT_SIZE
    if function in _TEXT_OF_FIRST:
        return Size(0, _TEXT_PER_UNIT * first.weight, 0)
    if function == "join":
        separator = arguments[1].weight if len(arguments) > 1 else 3
        return Size(0, _TEXT_PER_UNIT * first.weight + first.items * separator, 0)
    if function == "get":
        found = first.entry()
        return found.widest(arguments[2]) if len(arguments) > 2 else found
    if function == "dyn":
        return first
    # Anything else may give back what it was given, written out as text.
    widest = SCALAR
    for argument in arguments:
        widest = widest.widest(argument)
    total = sum(argument.weight for argument in arguments)
    return Size(widest.items, _TEXT_PER_UNIT * total, widest.weight)
