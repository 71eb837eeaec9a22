"""The text CEL runs: what the owner wrote, with numbers as decimals and divisors guarded.

Every number is a decimal number (see :mod:`expressions`): whole-number literals become
doubles. With doubles a division by zero gives infinity and goes on silently, so every
divisor is wrapped in ``_nonzero(...)``, a helper that fails on zero. The rewrite keeps,
for each character, where it came from, so CEL's error columns point into the source.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?[uU]?")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_]")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def skip_string(text: str, start: int) -> int:
    """Index just past the CEL string literal that starts at ``start``."""
    prefix = start
    while text[prefix] in "rRbB":
        prefix += 1
    quote = text[prefix]
    triple = text[prefix : prefix + 3] == quote * 3
    delimiter = quote * 3 if triple else quote
    raw = "r" in text[start:prefix].lower()
    index = prefix + len(delimiter)
    while index < len(text):
        if not raw and text[index] == "\\":
            index += 2
            continue
        if text.startswith(delimiter, index):
            return index + len(delimiter)
        index += 1
    return len(text)


def is_string_start(text: str, index: int) -> bool:
    char = text[index]
    if char in "'\"":
        return True
    if char in "rRbB" and (index == 0 or not _IDENT_CHAR.match(text[index - 1])):
        rest = text[index : index + 3]
        return bool(re.match(r"^[rRbB]{1,2}['\"]", rest))
    return False


def _is_subscript(text: str, start: int, end: int) -> bool:
    before = text[:start].rstrip()
    after = text[end:].lstrip()
    if not (before.endswith("[") and after.startswith("]")):
        return False
    ahead = before[:-1].rstrip()
    # `x[0]`, `f()[0]`, `m[1][0]` index; `[0]` after an operator or `(` is a list literal.
    return bool(ahead) and (bool(_IDENT_CHAR.match(ahead[-1])) or ahead[-1] in ")]")


def prepare(source: str) -> str:
    """The text CEL runs: see :func:`prepare_mapped`."""
    return prepare_mapped(source)[0]


def prepare_mapped(source: str) -> tuple[str, list[int]]:
    """Rewrite whole-number literals to doubles, ``size(`` to ``count(``, and guard divisors.

    Strings, comments and list subscripts are left alone. A divisor becomes
    ``_nonzero(divisor)``, which fails on zero: with doubles, CEL would give infinity or
    not-a-number and go on silently. Also returns, for every character of the result, the
    index of the source character it came from, so error columns point into what the
    owner wrote.
    """
    out: list[str] = []
    origin: list[int] = []
    closing: list[int] = []  # where guarded divisors end, the nearest last

    def emit(text: str, start: int) -> None:
        out.append(text)
        origin.extend(min(start + i, len(source) - 1) for i in range(len(text)))

    index = 0
    while index < len(source):
        while closing and closing[-1] <= index:
            emit(")", closing.pop() - 1)
        if is_string_start(source, index):
            end = skip_string(source, index)
            emit(source[index:end], index)
            index = end
            continue
        char = source[index]
        previous = source[index - 1] if index else ""
        if source.startswith("//", index):
            end = source.find("\n", index)
            end = len(source) if end < 0 else end
            emit(source[index:end], index)
            index = end
            continue
        if char == "/":
            emit(char, index)
            divisor_end = _operand_end(source, index + 1)
            if divisor_end is not None:
                emit("_nonzero(", index)
                closing.append(divisor_end)
                closing.sort(reverse=True)
            index += 1
            continue
        if char.isdigit() and not _IDENT_CHAR.match(previous):
            match = _NUMBER.match(source, index)
            assert match is not None
            literal, end = match.group(0), match.end()
            whole = not any(mark in literal for mark in ".eEuU")
            is_hex = literal == "0" and source[end : end + 1] in ("x", "X")
            emit(literal, index)
            if whole and previous != "." and not is_hex and not _is_subscript(source, index, end):
                emit(".0", end - 1)
            index = end
            continue
        if (char.isalpha() or char == "_") and not _IDENT_CHAR.match(previous):
            match = _IDENTIFIER.match(source, index)
            assert match is not None
            word, end = match.group(0), match.end()
            # size() is CEL's one function that gives an integer; count() gives a number.
            if word == "size" and source[end:].lstrip().startswith("("):
                emit("count", index)
            else:
                emit(word, index)
            index = end
            continue
        emit(char, index)
        index += 1
    while closing:
        emit(")", closing.pop() - 1)
    return "".join(out), origin


_HEX = re.compile(r"0[xX][0-9a-fA-F]+[uU]?")


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _closing_bracket(text: str, index: int) -> int | None:
    """Index just past the bracket that closes the one at ``index`` (strings skipped)."""
    depth = 0
    while index < len(text):
        if is_string_start(text, index):
            index = skip_string(text, index)
            continue
        if text[index] in "([{":
            depth += 1
        elif text[index] in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return None


def _operand_end(text: str, index: int) -> int | None:
    """Where the divisor that starts at ``index`` ends, or None if it cannot be told.

    A divisor binds tighter than any binary operator: signs, then a name, literal,
    call or bracketed part, then any members, calls and subscripts after it.
    """
    index = _skip_space(text, index)
    while index < len(text) and text[index] in "-!":
        index = _skip_space(text, index + 1)
    if index >= len(text):
        return None
    if is_string_start(text, index):
        index = skip_string(text, index)
    elif match := _HEX.match(text, index) or _NUMBER.match(text, index):
        index = match.end()
    elif match := _IDENTIFIER.match(text, index):
        index = match.end()
    elif text[index] in "([{":
        end = _closing_bracket(text, index)
        if end is None:
            return None
        index = end
    else:
        return None
    while True:
        ahead = _skip_space(text, index)
        if ahead < len(text) and text[ahead] in "([":
            end = _closing_bracket(text, ahead)
            if end is None:
                return None
            index = end
        elif ahead < len(text) and text[ahead] == "." and not text[ahead + 1 : ahead + 2].isdigit():
            match = _IDENTIFIER.match(text, _skip_space(text, ahead + 1))
            if match is None:
                return None
            index = match.end()
        else:
            return index
