"""Validation problems: where (file, line, column, field path), what, and what to do."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from backoffice.language.source import Path, Position, SourceMap


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {where}{self.message}"

    def as_warning(self) -> str:
        """The problem as a warning reads: ``file:line:column: path: warning: message``."""
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {where}warning: {self.message}"


def format_path(path: Path) -> str:
    """``("steps", 2, "with", "amount")`` as ``steps[2].with.amount``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` when a choice is close to ``word``, else empty."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


class Reporter:
    """Collects problems for one file, placing each at the right line and column.

    Warnings are placed the same way; they do not make a definition invalid.
    """

    def __init__(self, file: str, text: str, source: SourceMap) -> None:
        self.file = file
        self.lines = text.splitlines()
        self.source = source
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def warn(
        self, path: Path, message: str, *, offset: int | None = None, bare: bool = False
    ) -> None:
        """Report a warning at ``path`` (placed as :meth:`at` places problems)."""
        before = len(self.problems)
        self.at(path, message, offset=offset, bare=bare)
        self.warnings += self.problems[before:]
        del self.problems[before:]

    def at(
        self,
        path: Path,
        message: str,
        *,
        key: bool = False,
        offset: int | None = None,
        bare: bool = False,
    ) -> None:
        """Report at ``path``; ``offset`` counts characters into the value's text.

        ``bare`` marks a condition, whose optional ``${ }`` wrapper the model removed: the
        offset then counts from inside it.
        """
        position = self.source.locate(path, key=key)
        column = position.column
        if offset is not None:
            column += offset + self._quote_width(position)
            if bare:
                column += self._wrapper_width(position)
        self.problems.append(Problem(self.file, position.line, column, format_path(path), message))

    def _text_at(self, position: Position) -> str:
        if 0 < position.line <= len(self.lines):
            return self.lines[position.line - 1][position.column - 1 :]
        return ""

    def _wrapper_width(self, position: Position) -> int:
        text = self._text_at(position)
        text = text[self._quote_width(position) :]
        if not text.startswith("${"):
            return 0
        return 2 + len(text[2:]) - len(text[2:].lstrip())

    def at_position(self, position: Position, message: str, path: Path = ()) -> None:
        self.problems.append(
            Problem(self.file, position.line, position.column, format_path(path), message)
        )

    def _quote_width(self, position: Position) -> int:
        # Offsets count from the first character of the value; a quote before it shifts by one.
        return 1 if self._text_at(position)[:1] in ("'", '"') else 0
