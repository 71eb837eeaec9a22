"""Reading definition YAML into plain data while remembering where every value was written.

Validation errors must point at ``FILE:LINE:COLUMN``, so the loader keeps, for each path
into the data (``("steps", 2, "call")``), the position of the value and of its key.
The YAML dialect is deliberately small, like YAML 1.2's core schema: only ``true`` and
``false`` are booleans (``no`` stays the string "no", so Norway keeps its country code),
dates stay text, and custom tags and merge keys are refused so a file reads as it looks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from backoffice.errors import BackofficeError

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based


@dataclass
class SourceMap:
    """Where each path of the loaded data was written."""

    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> Position:
        """The position of ``path``, or of its nearest written ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.values:
                return self.values[probe]
            probe = probe[:-1]
        return self.values.get((), Position(1, 1))


class SourceError(BackofficeError):
    """The text is not YAML this language accepts; carries the position of the problem."""

    def __init__(self, message: str, position: Position) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
MAX_VALUES = 100_000  # aliases can make a small file expand enormously


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core booleans and no timestamp magic."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT, _FLOAT)]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
# YAML 1.2 core numbers: no octal 0777, no sexagesimal 12:30, no 1_000.
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    return int(str(loader.construct_scalar(node)), 10)  # type: ignore[arg-type]


_Loader.add_constructor(_INT, _construct_int)

_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


_ADVICE = {
    "mapping values are not allowed here": (
        "a value that contains ': ' (as in a ? b : c) must be quoted: wrap the whole value "
        "in single quotes"
    ),
    "found character '\\t' that cannot start any token": "indent with spaces, not tabs",
    "found undefined alias": "define the &anchor before using *alias",
}


def _code(character: object) -> int:
    return character if isinstance(character, int) else ord(str(character)[:1] or "\0")


def _offset_position(text: str, offset: int) -> Position:
    before = text[:offset]
    return Position(before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1)


def _advice(problem: str) -> str:
    for start, advice in _ADVICE.items():
        if problem.startswith(start):
            return f"; {advice}"
    return ""


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def load(text: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document into data and its source map; raise SourceError."""
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:
        raise SourceError(
            f"the control character U+{_code(error.character):04X} is not allowed in YAML: "
            "remove it",
            _offset_position(text, error.position),
        ) from None
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        position = Position(mark.line + 1, mark.column + 1) if mark else Position(1, 1)
        problem = error.problem or error.context or "invalid YAML"
        if error.context and error.problem and error.problem.startswith("but "):
            problem = f"{error.context}, {error.problem}"
        raise SourceError(f"YAML syntax: {problem}{_advice(problem)}", position) from None
    except yaml.YAMLError as error:
        raise SourceError(f"YAML syntax: {error}", Position(1, 1)) from None
    finally:
        loader.dispose()
    if root is None:
        raise SourceError(
            "the file is empty: a definition starts with name, version, title", Position(1, 1)
        )
    source = SourceMap()
    data = _convert(root, (), source, loader, set())
    return data, source


def _count_value(source: SourceMap, node: yaml.Node) -> None:
    if len(source.values) > MAX_VALUES:
        raise SourceError(
            f"the file expands to more than {MAX_VALUES} values (through aliases?): "
            "write it out plainly",
            _position(node),
        )


def _convert(
    node: yaml.Node, path: Path, source: SourceMap, loader: _Loader, open_nodes: set[int]
) -> Any:
    if id(node) in open_nodes:
        raise SourceError("an alias refers to a node that contains it", _position(node))
    source.values[path] = _position(node)
    _count_value(source, node)
    if node.tag not in _STANDARD_TAGS:
        raise SourceError(f"tag {node.tag} is not allowed: write plain values", _position(node))
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        open_nodes.add(id(node))
        try:
            return _convert_collection(node, path, source, loader, open_nodes)
        finally:
            open_nodes.discard(id(node))
    return loader.construct_object(node, deep=True)


def _convert_collection(
    node: yaml.Node, path: Path, source: SourceMap, loader: _Loader, open_nodes: set[int]
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SourceError(
                    "merge keys (<<) are not allowed: write the keys out", _position(key_node)
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError("a key must be plain text", _position(key_node))
            key = str(loader.construct_scalar(key_node))
            if key in result:
                first = source.keys[(*path, key)]
                raise SourceError(
                    f"'{key}' is written twice in this mapping (first at line {first.line}): "
                    "keep one",
                    _position(key_node),
                )
            source.keys[(*path, key)] = _position(key_node)
            result[key] = _convert(value_node, (*path, key), source, loader, open_nodes)
        return result
    return [
        _convert(item, (*path, index), source, loader, open_nodes)
        for index, item in enumerate(node.value)
    ]
