"""Expressions and templates in words, for process owners who do not read CEL.

``vars.gross > vars.cfo_threshold`` reads "gross above cfo threshold", ``has(input.bank)``
"bank is known", ``"X" in steps.check.codes`` "check codes include X", and a task's
outcome is named by the label people click (``steps.review.outcome == "ok"`` reads
"review outcome is “Looks right”"). The common shapes are said in words; an expression
this reader cannot follow keeps its written form. Text that must be short is shortened
between whole words (or whole tokens of an expression) and marked with an ellipsis, never
cut inside a name or a string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
    Unreadable,
    chain,
    parse,
    tokens,
)
from backoffice.language.expressions import ExpressionError, template_parts

ELLIPSIS = "…"
# A placeholder of a title stands between single angle quotation marks, which titles do
# not use, so "Approve (invoice)" and "Approve <placeholder>" stay told apart.
PLACEHOLDER_OPEN, PLACEHOLDER_CLOSE = "\u2039", "\u203a"
_TIMES = "\u00d7"

OutcomeLabels = Mapping[str, Mapping[str, str]]
"""Per task step id, the label of each outcome id."""

# The roots every definition shares say nothing to a reader: `input.amount` is "amount".
_SILENT_ROOTS = frozenset({"input", "vars", "steps", "process"})
_COMPARISONS = {
    "==": "is",
    "!=": "is not",
    ">": "above",
    ">=": "at least",
    "<": "below",
    "<=": "at most",
}
_ARITHMETIC = {"+": "+", "-": "-", "*": _TIMES, "/": "/", "%": "mod"}
# Helpers whose result reads like their first argument: `money(x)` is still "x".
_SAME_AS_FIRST = frozenset({"money", "join", "trim", "lower", "upper", "normalize_ref", "string"})
_PLAIN_STRING = re.compile(r"^[A-Za-z0-9_.:/-]+$")
# Words that promise more text: a shortened phrase does not end on one.
_DANGLING = re.compile(r"\s+(and|or|if|else|of|the|with|where|is|not|for|than)$")


def expression(source: str, limit: int | None = None, labels: OutcomeLabels | None = None) -> str:
    """A condition or value in words, at most ``limit`` characters (shortened between words)."""
    try:
        tree = parse(source)
    except Unreadable:
        written = " ".join(source.split())
        return shorten_expression(written, limit) if limit else written
    return say(tree, limit, labels)


def say(node: Node, limit: int | None = None, labels: OutcomeLabels | None = None) -> str:
    """An expression already read into a tree (see :mod:`cel_syntax`), in words.

    Too long for ``limit``, a run of conditions joined by "and" (or "or") keeps the
    conditions that fit, whole, and ends with "and …"; anything else is cut between words.
    """
    speaker = _Speaker(labels or {})
    text = speaker.say(node)
    if limit is None or len(text) <= limit:
        return text
    if isinstance(node, Binary) and node.operator in ("&&", "||"):
        joiner = " and " if node.operator == "&&" else " or "
        kept: list[str] = []
        for part in chain(node, node.operator):
            said = speaker.within(part, node.operator)
            if len(joiner.join([*kept, said])) + len(joiner) + len(ELLIPSIS) > limit:
                break
            kept.append(said)
        if kept:
            return joiner.join(kept) + joiner.rstrip() + " " + ELLIPSIS
    return shorten(text, limit)


def template(text: str, limit: int | None = None, labels: OutcomeLabels | None = None) -> str:
    """A title or text with each ``${ }`` placeholder said in words, between angle quotes."""
    try:
        parts = template_parts(text)
    except ExpressionError:
        parts = []
    out: list[str] = []
    index = 0
    for part in parts:
        out.append(text[index : part.start])
        said = expression(part.expression, labels=labels)
        out.append(f"{PLACEHOLDER_OPEN}{said}{PLACEHOLDER_CLOSE}")
        index = part.end
    out.append(text[index:])
    said = " ".join("".join(out).split())
    return shorten(said, limit) if limit else said


def name(identifier: str) -> str:
    """A step id or field name as words: ``goods_missing`` is "goods missing"."""
    return identifier.replace("_", " ").strip()


# --- shortening ------------------------------------------------------------------------


def shorten(text: str, limit: int) -> str:
    """``text`` cut back to whole words so that it fits ``limit`` with an ellipsis."""
    if len(text) <= limit:
        return text
    kept = ""
    for word in text.split(" "):
        candidate = f"{kept} {word}" if kept else word
        if len(candidate) + 2 > limit:
            break
        kept = candidate
    kept = kept.rstrip(" ,;:")
    while (trimmed := _DANGLING.sub("", kept)) != kept:
        kept = trimmed
    return f"{kept} {ELLIPSIS}" if kept else ELLIPSIS


def shorten_expression(source: str, limit: int) -> str:
    """CEL text cut back to whole tokens so that it fits ``limit`` with an ellipsis."""
    text = " ".join(source.split())
    if len(text) <= limit:
        return text
    try:
        found = tokens(text)
    except Unreadable:
        return shorten(text, limit)
    kept = ""
    cursor = 0
    for token in found:
        end = text.index(token.text, cursor) + len(token.text)
        if end + 2 > limit:
            break
        kept, cursor = text[:end], end
    return f"{kept} {ELLIPSIS}" if kept else ELLIPSIS


# --- saying a tree ---------------------------------------------------------------------


class _Speaker:
    """Says one tree in words; knows the outcome labels of the definition's tasks."""

    def __init__(self, labels: OutcomeLabels) -> None:
        self.labels = labels

    def say(self, node: Node) -> str:
        match node:
            case Binary(operator="&&" | "||" as operator):
                joiner = " and " if operator == "&&" else " or "
                return joiner.join(self.within(part, operator) for part in chain(node, operator))
            case Binary(operator="in", left=item, right=ListOf(items=choices)):
                return f"{self.say(item)} is {self.alternatives(item, choices)}"
            case Binary(operator="in", left=item, right=collection):
                return f"{self.say(collection)} include {self.say(item)}"
            case Binary(operator="==" | "!=" as operator, left=left, right=Literal(kind="bool")):
                holds = (node.right == Literal("bool", "true")) == (operator == "==")
                return self.say(left) if holds else self.negate(left)
            case Binary(operator=operator, left=left, right=right) if operator in _COMPARISONS:
                return f"{self.say(left)} {_COMPARISONS[operator]} {self.compared(left, right)}"
            case Binary(operator=operator, left=left, right=right):
                return f"{self.say(left)} {_ARITHMETIC.get(operator, operator)} {self.say(right)}"
            case Unary(operator="!", operand=operand):
                return self.negate(operand)
            case Unary(operator=operator, operand=operand):
                return f"{operator}{self.say(operand)}"
            case Conditional():
                return self.conditional(node)
            case Call():
                return self.call(node)
            case Index(target=target, index=Literal(kind="number", value="0")):
                return f"the first of {self.say(target)}"
            case Index(target=target, index=index):
                return f"{self.say(target)} [{self.say(index)}]"
            case Member() | Name():
                return self.path(node)
            case Literal():
                return _literal(node)
            case ListOf(items=items):
                return ", ".join(self.say(item) for item in items) if items else "nothing"
            case MapOf(entries=entries):
                return ", ".join(f"{self.say(key)}: {self.say(item)}" for key, item in entries)
            case _:
                assert_never(node)

    def within(self, node: Node, operator: str) -> str:
        # "a or b" inside "and" (and the reverse) keeps its brackets, and so its meaning.
        mixed = isinstance(node, Binary) and node.operator in ("&&", "||")
        if (mixed and isinstance(node, Binary) and node.operator != operator) or isinstance(
            node, Conditional
        ):
            return f"({self.say(node)})"
        return self.say(node)

    def negate(self, node: Node) -> str:
        match node:
            case Call(function="has", args=(argument,), target=None):
                if _is_step(argument):
                    return f"{self.say(argument)} did not run"
                return f"{self.say(argument)} is not known"
            case Binary(operator="==", left=left, right=right):
                return f"{self.say(left)} is not {self.compared(left, right)}"
            case Binary(operator="!=", left=left, right=right):
                return f"{self.say(left)} is {self.compared(left, right)}"
            case Binary(operator="in", left=item, right=ListOf(items=choices)):
                return f"{self.say(item)} is none of {self.alternatives(item, choices, 'and')}"
            case Binary(operator="in", left=item, right=collection):
                return f"{self.say(collection)} do not include {self.say(item)}"
            case Unary(operator="!", operand=operand):
                return self.say(operand)
            case Member(target=Member() as owner, field=field):
                # `!steps.receipt.received` reads "receipt not received".
                return f"{self.say(owner)} not {name(field)}"
            case Member() | Name():
                return f"not {self.say(node)}"
        return f"not ({self.say(node)})"

    def compared(self, subject: Node, other: Node) -> str:
        """``other`` as compared with ``subject``: a task's outcome id reads as its label."""
        match subject, other:
            case Member(target=Member(target=Name(name="steps"), field=step), field="outcome"), (
                Literal(kind="string", value=outcome)
            ) if outcome in self.labels.get(step, {}):
                return f"“{self.labels[step][outcome]}”"
        return self.say(other)

    def alternatives(self, subject: Node, choices: tuple[Node, ...], last: str = "or") -> str:
        said = [self.compared(subject, choice) for choice in choices]
        if len(said) <= 1:
            return said[0] if said else "nothing"
        return ", ".join(said[:-1]) + f" {last} {said[-1]}"

    def conditional(self, node: Conditional) -> str:
        # `a ? x : b ? y : z` reads "x if a, y if b, else z".
        branches: list[str] = []
        current: Node = node
        while isinstance(current, Conditional):
            branches.append(f"{self.within(current.then, '')} if {self.say(current.condition)}")
            current = current.otherwise
        return ", ".join(branches) + f", else {self.within(current, '')}"

    def call(self, node: Call) -> str:
        function, args = node.function, node.args
        if node.target is not None:
            return self.method(function, node.target, args)
        if function == "has" and len(args) == 1:
            if _is_step(args[0]):
                return f"{self.say(args[0])} ran"
            return f"{self.say(args[0])} is known"
        if function in _SAME_AS_FIRST and args:
            return self.say(args[0])
        if function == "round_money" and args:
            return f"{self.say(args[0])} rounded"
        if function == "get" and len(args) >= 2 and isinstance(args[1], Literal):
            return self.path(Member(args[0], args[1].value))
        if function in ("size", "count") and len(args) == 1:
            return f"the number of {self.say(args[0])}"
        return f"{name(function)}({', '.join(self.say(arg) for arg in args)})"

    def method(self, function: str, target: Node, args: tuple[Node, ...]) -> str:
        subject = self.say(target)
        if function in ("exists", "all", "exists_one", "filter") and len(args) == 2:
            variable, test = args
            if isinstance(variable, Name):
                return self.macro(function, subject, variable.name, test)
        if function == "map" and len(args) == 2 and isinstance(args[0], Name):
            return f"{self.say(args[1])} for each {args[0].name} of {subject}"
        if function == "size" and not args:
            return f"the number of {subject}"
        verbs = {"contains": "contains", "startsWith": "starts with", "endsWith": "ends with"}
        if function in verbs and len(args) == 1:
            return f"{subject} {verbs[function]} {self.say(args[0])}"
        if function == "matches" and len(args) == 1:
            return f"{subject} matches the pattern {self.say(args[0])}"
        return f"{subject}.{function}({', '.join(self.say(arg) for arg in args)})"

    def macro(self, function: str, subject: str, variable: str, test: Node) -> str:
        # The common tests on the bound name read as what the list holds.
        itself = Name(variable)
        match function, test:
            case "exists", Binary(operator="in", left=left, right=ListOf(items=choices)) if (
                left == itself
            ):
                return f"{subject} include {self.alternatives(left, choices)}"
            case "filter", Binary(operator="in", left=left, right=ListOf(items=choices)) if (
                left == itself
            ):
                return f"the {subject} that are {self.alternatives(left, choices)}"
            case "exists", Binary(operator="==", left=left, right=right) if left == itself:
                return f"{subject} include {self.say(right)}"
            case "exists", Binary(operator="!=", left=left, right=right) if left == itself:
                return f"{subject} include one other than {self.say(right)}"
            case "filter", Binary(operator="!=", left=left, right=right) if left == itself:
                return f"the {subject} other than {self.say(right)}"
            case "filter", _:
                return f"the {subject} where {self.say(test)}"
        quantity = {"exists": "some", "all": "every", "exists_one": "exactly one"}[function]
        return f"{quantity} {variable} of {subject} where {self.say(test)}"

    def path(self, node: Node) -> str:
        parts: list[str] = []
        current: Node = node
        while isinstance(current, Member):
            parts.append(current.field)
            current = current.target
        if isinstance(current, Name):
            if current.name not in _SILENT_ROOTS or not parts:
                parts.append(current.name)
        else:
            parts.append(self.say(current))
        return " ".join(name(part) for part in reversed(parts))


def _is_step(node: Node) -> bool:
    """``steps.<id>`` itself: whether the step ran, rather than a value it gave."""
    return isinstance(node, Member) and node.target == Name("steps")


def _literal(node: Literal) -> str:
    if node.kind == "null":
        return "nothing"
    if node.kind != "string":
        return node.value
    if not node.value:
        return "empty"
    if _PLAIN_STRING.match(node.value):
        return node.value
    return f"“{node.value}”"
