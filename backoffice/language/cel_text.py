"""CEL syntax trees written back as text, to quote a part of an expression to people.

Messages about an expression name the part they mean (`int(index) + 1`) and what to write
instead, which is the expression with one part replaced: both are made here from the tree
of :mod:`cel_syntax`, with the brackets the operators' precedence needs.
"""

from __future__ import annotations

import dataclasses
from typing import Any, assert_never

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


def substitute(node: Node, old: Node, new: Node) -> Node:
    """``node`` with the part ``old`` (that very part) replaced by ``new``."""
    if node is old:
        return new
    changes: dict[str, Any] = {}
    for name, value in vars(node).items():
        if isinstance(value, tuple):
            changes[name] = tuple(
                tuple(substitute(inner, old, new) for inner in part)
                if isinstance(part, tuple)
                else substitute(part, old, new)
                for part in value
            )
        elif isinstance(value, Node):
            changes[name] = substitute(value, old, new)
    return dataclasses.replace(node, **changes) if changes else node


_PRECEDENCE = {"||": 1, "&&": 2, "+": 4, "-": 4, "*": 5, "/": 5, "%": 5}


def _rank(node: Node) -> int:
    if isinstance(node, Conditional):
        return 0
    if isinstance(node, Binary):
        return _PRECEDENCE.get(node.operator, 3)  # the relations
    if isinstance(node, Unary):
        return 6
    return 7


def written(node: Node) -> str:
    """``node`` as CEL text (spacing and brackets may differ from how it was written)."""
    match node:
        case Name():
            return node.name
        case Literal():
            if node.kind == "string":
                return '"' + node.value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return node.value
        case Member():
            return f"{_wrapped(node.target, 7)}.{node.field}"
        case Index():
            return f"{_wrapped(node.target, 7)}[{written(node.index)}]"
        case Call():
            arguments = ", ".join(written(argument) for argument in node.args)
            if node.target is None:
                return f"{node.function}({arguments})"
            return f"{_wrapped(node.target, 7)}.{node.function}({arguments})"
        case Unary():
            return f"{node.operator}{_wrapped(node.operand, 6)}"
        case Binary():
            rank = _rank(node)
            right = written(node.right)
            if _rank(node.right) <= rank:
                right = f"({right})"
            return f"{_wrapped(node.left, rank)} {node.operator} {right}"
        case Conditional():
            return (
                f"{_wrapped(node.condition, 1)} ? {_wrapped(node.then, 1)} : "
                f"{written(node.otherwise)}"
            )
        case ListOf():
            return "[" + ", ".join(written(item) for item in node.items) + "]"
        case MapOf():
            return "{" + ", ".join(f"{written(k)}: {written(v)}" for k, v in node.entries) + "}"
        case _:
            assert_never(node)


def _wrapped(node: Node, rank: int) -> str:
    text = written(node)
    return f"({text})" if _rank(node) < rank else text
