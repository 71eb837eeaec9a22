"""CEL read into a small syntax tree, for bounding expressions and describing them to people.

The engine evaluates expressions with the CEL library itself, which shows nothing of an
expression's shape. This reader gives it: :mod:`budget` bounds the work an expression may
do from it before it runs, and ``explain`` says it in words (a comparison, ``has()``, a
macro) and shortens it by its tokens without cutting one in half. It reads the common
grammar (operators, members, calls, macros, literals, lists, maps); what it cannot read
raises :class:`Unreadable` (validation then refuses the expression, and ``explain`` shows
the text as written).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


class Unreadable(ValueError):
    """The text is not an expression this reader understands."""


# --- tokens ----------------------------------------------------------------------------

_SPACE = re.compile(r"\s+|//[^\n]*")  # comments run to the end of the line
_STRING = re.compile(
    r"""[rRbB]{0,2}(?:'''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""", re.S
)
_NUMBER = re.compile(r"0[xX][0-9a-fA-F]+[uU]?|\d+(\.\d+)?([eE][+-]?\d+)?[uU]?|\.\d+([eE][+-]?\d+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = ("||", "&&", "==", "!=", "<=", ">=", "<", ">", "!", "+", "-", "*", "/", "%")
_PUNCTUATION = "?:.,()[]{}"


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "number", "string", "op" (operators and punctuation)
    text: str


def tokens(source: str) -> list[Token]:
    """The tokens of ``source``; raises :class:`Unreadable` on a character CEL has no use for."""
    found: list[Token] = []
    index = 0
    while index < len(source):
        if match := _SPACE.match(source, index):
            index = match.end()
            continue
        if match := _STRING.match(source, index):
            found.append(Token("string", match.group(0)))
            index = match.end()
            continue
        if match := _NUMBER.match(source, index):
            found.append(Token("number", match.group(0)))
            index = match.end()
            continue
        if match := _WORD.match(source, index):
            found.append(Token("word", match.group(0)))
            index = match.end()
            continue
        operator = next((op for op in _OPERATORS if source.startswith(op, index)), None)
        if operator is None and source[index] in _PUNCTUATION:
            operator = source[index]
        if operator is None:
            raise Unreadable(f"unexpected {source[index]!r}")
        found.append(Token("op", operator))
        index += len(operator)
    return found


# --- the tree --------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Literal:
    kind: str  # "string", "number", "bool", "null"
    value: str  # the text of a string, the digits of a number, true/false/null


@dataclass(frozen=True)
class Member:
    target: Node
    field: str


@dataclass(frozen=True)
class Index:
    target: Node
    index: Node


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Node, ...]
    target: Node | None = None  # the receiver of a method call: `lines.exists(...)`


@dataclass(frozen=True)
class Unary:
    operator: str  # "!" or "-"
    operand: Node


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Conditional:
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True)
class ListOf:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class MapOf:
    entries: tuple[tuple[Node, Node], ...]


# A closed union, so that a ``match`` over the kinds of node that forgets one is named by
# mypy (each ends in ``assert_never``).
Node = Name | Literal | Member | Index | Call | Unary | Binary | Conditional | ListOf | MapOf


def walk(node: Node) -> Iterator[Node]:
    """``node`` and every node below it."""
    yield node
    for value in vars(node).values():
        parts = value if isinstance(value, tuple) else (value,)
        for part in parts:
            if isinstance(part, tuple):  # the entries of a map
                for inner in part:
                    yield from walk(inner)
            elif isinstance(part, Node):
                yield from walk(part)


def chain(node: Node, operator: str) -> list[Node]:
    """The operands of a run of one operator: ``a && b && c`` gives a, b and c."""
    if isinstance(node, Binary) and node.operator == operator:
        return chain(node.left, operator) + chain(node.right, operator)
    return [node]


# --- the parser ------------------------------------------------------------------------

_RELATIONS = frozenset({"==", "!=", "<", "<=", ">", ">=", "in"})


def parse(source: str) -> Node:
    """The tree of ``source``; raises :class:`Unreadable` when it cannot be read."""
    parser = _Parser(tokens(source))
    node = parser.expression()
    if parser.peek() is not None:
        raise Unreadable(f"unexpected {parser.peek()}")
    return node


class _Parser:
    """Recursive descent over CEL's grammar, loosest operator first."""

    def __init__(self, found: list[Token]) -> None:
        self.tokens = found
        self.position = 0

    def peek(self) -> str | None:
        if self.position < len(self.tokens):
            return self.tokens[self.position].text
        return None

    def take(self) -> Token:
        if self.position >= len(self.tokens):
            raise Unreadable("the expression ends too early")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise Unreadable(f"expected {text!r}, found {token.text!r}")

    def accept(self, text: str) -> bool:
        if self.peek() == text:
            self.position += 1
            return True
        return False

    def expression(self) -> Node:
        condition = self.either()
        if not self.accept("?"):
            return condition
        then = self.either()
        self.expect(":")
        return Conditional(condition, then, self.expression())

    def either(self) -> Node:
        node = self.both()
        while self.accept("||"):
            node = Binary("||", node, self.both())
        return node

    def both(self) -> Node:
        node = self.relation()
        while self.accept("&&"):
            node = Binary("&&", node, self.relation())
        return node

    def relation(self) -> Node:
        node = self.addition()
        while self.peek() in _RELATIONS:
            operator = self.take().text
            node = Binary(operator, node, self.addition())
        return node

    def addition(self) -> Node:
        node = self.multiplication()
        while self.peek() in ("+", "-"):
            operator = self.take().text
            node = Binary(operator, node, self.multiplication())
        return node

    def multiplication(self) -> Node:
        node = self.unary()
        while self.peek() in ("*", "/", "%"):
            operator = self.take().text
            node = Binary(operator, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek() in ("!", "-"):
            operator = self.take().text
            return Unary(operator, self.unary())
        return self.member()

    def member(self) -> Node:
        node = self.primary()
        while True:
            if self.accept("."):
                field = self.take()
                if field.kind != "word":
                    raise Unreadable(f"expected a name after '.', found {field.text!r}")
                if self.accept("("):
                    node = Call(field.text, self.arguments(")"), target=node)
                else:
                    node = Member(node, field.text)
            elif self.accept("["):
                index = self.expression()
                self.expect("]")
                node = Index(node, index)
            else:
                return node

    def arguments(self, closing: str) -> tuple[Node, ...]:
        items: list[Node] = []
        while not self.accept(closing):
            items.append(self.expression())
            if not self.accept(","):
                self.expect(closing)
                break
        return tuple(items)

    def primary(self) -> Node:
        token = self.take()
        if token.kind == "string":
            return Literal("string", _string_value(token.text))
        if token.kind == "number":
            return Literal("number", token.text)
        if token.kind == "word":
            if token.text in ("true", "false"):
                return Literal("bool", token.text)
            if token.text == "null":
                return Literal("null", "null")
            if self.accept("("):
                return Call(token.text, self.arguments(")"))
            return Name(token.text)
        if token.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if token.text == "[":
            return ListOf(self.arguments("]"))
        if token.text == "{":
            return MapOf(self.entries())
        raise Unreadable(f"unexpected {token.text!r}")

    def entries(self) -> tuple[tuple[Node, Node], ...]:
        found: list[tuple[Node, Node]] = []
        while not self.accept("}"):
            key = self.expression()
            self.expect(":")
            found.append((key, self.expression()))
            if not self.accept(","):
                self.expect("}")
                break
        return tuple(found)


_ESCAPE = re.compile(r"\\(.)", re.S)
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\", "`": "`", "?": "?"}


def _string_value(text: str) -> str:
    """The characters of a string literal, without prefix and quotes.

    The simple escapes (``\\"``, ``\\\\``, ``\\n``) are read; the others are kept as written.
    """
    prefix = len(text) - len(text.lstrip("rRbB"))
    body = text[prefix:]
    quote = body[:3] if body[:3] in ('"""', "'''") else body[:1]
    inner = body[len(quote) : len(body) - len(quote)]
    if "r" in text[:prefix].lower():
        return inner
    return _ESCAPE.sub(lambda match: _ESCAPED.get(match.group(1), match.group(0)), inner)
