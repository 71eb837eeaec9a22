"""Expressions (CEL) and templates: compiled once, evaluated as pure functions.

CEL is safe (no access to Python, files, environment), deterministic (no clock or
randomness: the interpreter supplies ``now``) and not Turing-complete (every expression
terminates). It runs inside the workflow sandbox, so this module must stay pure.

One deliberate difference from plain CEL: every number is a decimal number. CEL refuses
``qty * 2.5`` when ``qty`` is the integer 10, which trips process owners who think of
amounts and quantities alike; so numbers in the data become doubles and whole-number
literals in expressions are read as ``2.0`` (list subscripts such as ``lines[0]`` excepted).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import cel  # Rust bindings; pure and sandbox-safe when imported through passthrough

from backoffice.language.model import Calendar

# --- errors --------------------------------------------------------------------------


class ExpressionError(Exception):
    """An expression failed to compile or evaluate; says which and why."""

    def __init__(self, source: str, problem: str, column: int | None = None) -> None:
        super().__init__(f"expression `{source}`: {problem}")
        self.source = source
        self.problem = problem
        self.column = column  # 1-based within the expression, when known


# --- source preparation ----------------------------------------------------------------

_NUMBER = re.compile(r"\d+(\.\d+)?([eE][+-]?\d+)?[uU]?")
_IDENT_CHAR = re.compile(r"[A-Za-z0-9_]")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _skip_string(text: str, start: int) -> int:
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


def _is_string_start(text: str, index: int) -> bool:
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
    """Rewrite whole-number literals to doubles and ``size(`` to ``count(``.

    Strings and list subscripts are left alone. Also returns, for every character of the
    result, the index of the source character it came from, so error columns point into
    what the owner wrote.
    """
    out: list[str] = []
    origin: list[int] = []

    def emit(text: str, start: int) -> None:
        out.append(text)
        origin.extend(min(start + i, len(source) - 1) for i in range(len(text)))

    index = 0
    while index < len(source):
        if _is_string_start(source, index):
            end = _skip_string(source, index)
            emit(source[index:end], index)
            index = end
            continue
        char = source[index]
        previous = source[index - 1] if index else ""
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
    return "".join(out), origin


# --- values in and out -----------------------------------------------------------------


def to_cel(value: Any) -> Any:
    """Plain data as CEL sees it: numbers as doubles, dates as ISO text."""
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value
    if isinstance(value, Mapping):
        return {str(key): to_cel(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_cel(item) for item in value]
    if hasattr(value, "model_dump"):
        return to_cel(value.model_dump(mode="json"))
    raise ExpressionError(repr(value), f"a value of type {type(value).__name__} cannot be used")


def from_cel(value: Any) -> Any:
    """CEL results as plain data: whole doubles become integers again (JSON-neutral)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: from_cel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_cel(item) for item in value]
    return value


# --- helpers ---------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise ValueError(f"'{value}' is not a date: write YYYY-MM-DD") from None
    raise ValueError(f"{value!r} is not a date")


def _as_int(value: Any) -> int:
    number = float(value)
    if not number.is_integer():
        raise ValueError(f"{value} must be a whole number")
    return int(number)


_zones: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` (cached; created here, outside the workflow sandbox's proxies)."""
    if name not in _zones:
        _zones[name] = ZoneInfo(name)
    return _zones[name]


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days from the definition's calendar."""

    weekend: frozenset[int]
    holidays: frozenset[date]

    @classmethod
    def from_model(cls, calendar: Calendar) -> BusinessCalendar:
        return cls(
            frozenset(_WEEKDAYS.index(day) for day in calendar.weekend),
            frozenset(calendar.holidays),
        )

    def is_business_day(self, day: date) -> bool:
        return day.weekday() not in self.weekend and day not in self.holidays

    def roll_forward(self, day: date) -> date:
        for _ in range(366):
            if self.is_business_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("the calendar has no business day within a year")

    def add_business_days(self, day: date, count: int) -> date:
        step = 1 if count >= 0 else -1
        remaining = abs(count)
        if remaining > 10_000:
            raise ValueError("at most 10000 business days")
        while remaining:
            day += timedelta(days=step)
            if self.is_business_day(day):
                remaining -= 1
        return day

    def deadline(self, start: datetime, business_days: int, timezone: str) -> datetime:
        """``start`` plus business days, at the same local time of day in ``timezone``."""
        local_zone = zone(timezone)
        local = start.astimezone(local_zone)
        day = self.add_business_days(local.date(), business_days)
        moment = datetime.combine(day, local.timetz().replace(tzinfo=None), local_zone)
        return moment.astimezone(start.tzinfo)

    def business_days_between(self, start: date, end: date) -> int:
        if abs((end - start).days) > 40_000:
            raise ValueError("dates more than a century apart")
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count = sum(
            1
            for offset in range(1, (end - start).days + 1)
            if self.is_business_day(start + timedelta(days=offset))
        )
        return sign * count


def _round_money(value: Any, places: Any = 2.0) -> float:
    quantum = Decimal(1).scaleb(-_as_int(places))
    return float(Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _money_text(value: Any) -> str:
    """An amount as people read it: 61,880.00 (two places, half up, thousands marked)."""
    amount = Decimal(str(from_cel(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{amount:,.2f}"


def _text(value: Any) -> str:
    """Text of a value as the owner wrote it: 42, not 42.0."""
    return str(from_cel(value))


def _normalize_ref(value: Any) -> str:
    text = re.sub(r"[\s\-/]", "", _text(value)).upper()
    return text.lstrip("0") or "0"


def _get(container: Any, key: Any, default: Any = None) -> Any:
    if isinstance(container, dict):
        return container.get(str(key), default)
    if isinstance(container, list):
        index = _as_int(key)
        return container[index] if -len(container) <= index < len(container) else default
    raise ValueError("get() takes a map or a list")


def helpers(calendar: Calendar) -> dict[str, Callable[..., Any]]:
    """The functions expressions may call, bound to the process calendar."""
    business = BusinessCalendar.from_model(calendar)

    def iso(day: date) -> str:
        return day.isoformat()

    return {
        # dates (ISO text in, ISO text out, so they compare and print as written)
        "date": lambda value: iso(_as_date(value)),
        "add_days": lambda value, days: iso(_as_date(value) + timedelta(days=_as_int(days))),
        "add_business_days": lambda value, days: iso(
            business.add_business_days(_as_date(value), _as_int(days))
        ),
        "days_between": lambda start, end: float((_as_date(end) - _as_date(start)).days),
        "business_days_between": lambda start, end: float(
            business.business_days_between(_as_date(start), _as_date(end))
        ),
        "is_business_day": lambda value: business.is_business_day(_as_date(value)),
        "next_business_day": lambda value: iso(business.roll_forward(_as_date(value))),
        "weekday": lambda value: _WEEKDAYS[_as_date(value).weekday()],
        # money and numbers
        "round_money": _round_money,
        "money": _money_text,
        "percent": lambda value, rate: float(value) * float(rate) / 100.0,
        "abs": lambda value: abs(float(value)),
        "within": lambda a, b, tolerance: abs(float(a) - float(b)) <= float(tolerance),
        "sum": lambda values: float(sum(float(item) for item in values)),
        "min_of": lambda values: float(min(float(item) for item in values)),
        "max_of": lambda values: float(max(float(item) for item in values)),
        "count": lambda values: float(len(values)),
        # text
        "lower": lambda value: _text(value).lower(),
        "upper": lambda value: _text(value).upper(),
        "trim": lambda value: _text(value).strip(),
        "normalize_ref": _normalize_ref,
        "join": lambda values, separator=", ": str(separator).join(
            str(from_cel(v)) for v in values
        ),
        # data
        "get": _get,
    }


HELPER_NAMES = frozenset(helpers(Calendar()))

CEL_FUNCTIONS = frozenset(
    {
        "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double",
        "string", "bytes", "bool", "timestamp", "duration", "dyn", "type", "has", "all",
        "exists", "exists_one", "map", "filter", "getFullYear", "getMonth", "getDayOfMonth",
        "getDate", "getDayOfWeek", "getDayOfYear", "getHours", "getMinutes", "getSeconds",
        "getMilliseconds",
    }
)  # fmt: skip
KNOWN_FUNCTIONS = CEL_FUNCTIONS | HELPER_NAMES

# --- compile and evaluate --------------------------------------------------------------

_MAX_CACHED = 4096
_programs: dict[str, Any] = {}
_MACRO_BINDER = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,")
_SYNTAX_AT = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")


def compile_expression(source: str) -> Any:
    """The compiled program of ``source`` (cached); ExpressionError with a column if bad."""
    program = _programs.get(source)
    if program is not None:
        return program
    prepared = prepare(source)
    try:
        program = cel.compile(prepared)
    except ValueError as error:
        raise _syntax_error(source, str(error)) from None
    if len(_programs) >= _MAX_CACHED:
        # Deterministic eviction (oldest first): a random one would break workflow replay.
        del _programs[next(iter(_programs))]
    _programs[source] = program
    return program


def _syntax_error(source: str, message: str) -> ExpressionError:
    match = _SYNTAX_AT.search(message)
    if not match:
        return ExpressionError(source, message.splitlines()[0])
    # The column counts in the prepared text; map it back to what the owner wrote.
    column = int(match.group(2))
    _, origin = prepare_mapped(source)
    if not origin:
        mapped = 1
    elif column - 1 < len(origin):
        mapped = origin[column - 1] + 1
    else:
        mapped = len(source) + (column - len(origin))
    problem = match.group(3).split("\n")[0].strip().removeprefix("Syntax error:").strip()
    if "'<EOF>'" in problem:
        problem = "the expression ends too early: something is missing at the end"
    else:
        problem = problem.split(" expecting ")[0]
    return ExpressionError(source, f"syntax error: {problem}", max(1, mapped))


@dataclass(frozen=True)
class References:
    """What an expression refers to, for static checks."""

    roots: frozenset[str]  # top-level names such as input, steps, vars
    paths: frozenset[tuple[str, str]]  # (root, first attribute) such as ("steps", "validate")
    functions: frozenset[str]
    bound: frozenset[str]  # names bound by macros such as `l` in lines.all(l, ...)


_STRING_LITERAL = re.compile(
    r"""[rRbB]{0,2}('''.*?'''|\"\"\".*?\"\"\"|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")""", re.S
)
_MEMBER = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)(?!\s*\()")


def references(source: str) -> References:
    program = compile_expression(source)
    bound = frozenset(_MACRO_BINDER.findall(source))
    roots = frozenset(program.variables()) - bound
    without_strings = _STRING_LITERAL.sub('""', source)
    paths = frozenset(
        (root, attribute) for root, attribute in _MEMBER.findall(without_strings) if root in roots
    )
    functions = frozenset(
        name for name in program.functions() if not name.startswith(("_", "@", "!"))
    )
    return References(roots, paths, functions, bound)


class Scope:
    """Names and helpers one evaluation sees; build once per state change, reuse."""

    def __init__(self, variables: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self._context = cel.Context(
            variables={name: to_cel(value) for name, value in variables.items()},
            functions=dict(functions),
        )

    def evaluate(self, source: str) -> Any:
        program = compile_expression(source)
        try:
            return from_cel(program.execute(self._context))
        except (RuntimeError, TypeError, ValueError, KeyError) as error:
            raise ExpressionError(source, _explain(error)) from None


def _explain(error: Exception) -> str:
    text = str(error).split("Traceback")[0].strip()
    if isinstance(error, KeyError):
        return (
            f"no field {text} here; test with has(...) or use get(map, 'field', default) "
            "when a field may be missing"
        )
    return text


def evaluate(source: str, variables: Mapping[str, Any], calendar: Calendar | None = None) -> Any:
    """Evaluate one expression; for many, build a Scope once."""
    return Scope(variables, helpers(calendar or Calendar())).evaluate(source)


# --- templates -------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplatePart:
    start: int  # index of "${"
    end: int  # index just past the closing "}"
    offset: int  # index where the expression text begins
    expression: str


def template_parts(text: str) -> list[TemplatePart]:
    """The ``${ ... }`` expressions in ``text``, in order."""
    parts: list[TemplatePart] = []
    index = 0
    while (start := text.find("${", index)) >= 0:
        depth, cursor = 1, start + 2
        while cursor < len(text) and depth:
            if _is_string_start(text, cursor):
                cursor = _skip_string(text, cursor)
                continue
            depth += {"{": 1, "}": -1}.get(text[cursor], 0)
            cursor += 1
        if depth:
            raise ExpressionError(text, "a '${' is never closed with '}'", start + 1)
        inner = text[start + 2 : cursor - 1]
        offset = start + 2 + len(inner) - len(inner.lstrip())
        parts.append(TemplatePart(start, cursor, offset, inner.strip()))
        index = cursor
    return parts


def render(value: Any, scope: Scope) -> Any:
    """Evaluate the ``${ }`` in a template value, recursively through maps and lists."""
    if isinstance(value, str):
        parts = template_parts(value)
        if not parts:
            return value
        stripped = value.strip()
        if len(parts) == 1 and stripped.startswith("${") and stripped.endswith("}"):
            return scope.evaluate(parts[0].expression)
        return _interpolate(value, parts, scope)
    if isinstance(value, dict):
        return {key: render(item, scope) for key, item in value.items()}
    if isinstance(value, list):
        return [render(item, scope) for item in value]
    return value


def _interpolate(text: str, parts: list[TemplatePart], scope: Scope) -> str:
    out: list[str] = []
    index = 0
    for part in parts:
        out.append(text[index : part.start])
        out.append(_as_text(scope.evaluate(part.expression)))
        index = part.end
    out.append(text[index:])
    return "".join(out)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def template_expressions(
    value: Any, path: tuple[str | int, ...] = ()
) -> list[tuple[tuple[str | int, ...], int, str]]:
    """Every expression inside a template value, with its path and offset in the string."""
    found: list[tuple[tuple[str | int, ...], int, str]] = []
    if isinstance(value, str):
        found += [(path, part.offset, part.expression) for part in template_parts(value)]
    elif isinstance(value, dict):
        for key, item in value.items():
            found += template_expressions(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += template_expressions(item, (*path, index))
    return found
