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

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

import cel  # Rust bindings; pure and sandbox-safe when imported through passthrough

from backoffice.errors import BackofficeError
from backoffice.language.budget import (
    ANY,
    EXPRESSION_BUDGET,
    SCALAR,
    VALUE_LIMIT,
    Size,
    bound,
    measure,
    value_units,
)
from backoffice.language.business_days import WEEKDAYS, BusinessCalendar, ResolvedHolidays
from backoffice.language.business_days import zone as zone  # where callers found it
from backoffice.language.cel_source import is_string_start, prepare, prepare_mapped, skip_string
from backoffice.language.cel_syntax import (
    Binary,
    Literal,
    Node,
    Unary,
    Unreadable,
    parse,
    walk,
)
from backoffice.language.expression_types import problems as type_problems
from backoffice.language.local_times import ResolvedZones, local_date, local_time
from backoffice.language.model import Calendar
from backoffice.language.value_types import named_values, value_type

# --- errors --------------------------------------------------------------------------


class ExpressionError(BackofficeError):
    """An expression failed to compile or evaluate; says which and why."""

    type: ClassVar[str] = "ExpressionError"  # what a definition's ``catch`` names

    def __init__(self, source: str, problem: str, column: int | None = None) -> None:
        super().__init__(f"expression `{source}`: {problem}")
        self.source = source
        self.problem = problem
        self.column = column  # 1-based within the expression, when known


class ExpressionOverBudget(ExpressionError):
    """An expression would take more work, or give a larger value, than one evaluation may."""

    type: ClassVar[str] = "ExpressionOverBudget"


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

_WEEKDAYS = WEEKDAYS


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


def _as_moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"'{value}' is not a time: write it like 2025-07-07T13:00:00Z"
            ) from None
    raise ValueError(f"{value!r} is not a time")


def helpers(
    calendar: Calendar,
    resolved: ResolvedHolidays | None = None,
    zones: ResolvedZones | None = None,
) -> dict[str, Callable[..., Any]]:
    """The functions expressions may call, bound to the process calendar, the holidays
    resolved for the run (those of a package calendar, see ``business_days``) and the
    rules of the time zones it took with it (see ``local_times``)."""
    business = BusinessCalendar.from_model(calendar, resolved)
    rules: ResolvedZones = zones or {}

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
        # local times (a time of day on a date, in a named time zone)
        "local_time": lambda value, clock, zone_name: local_time(
            _as_date(value), _text(clock), _text(zone_name), rules
        ),
        "local_date": lambda value, zone_name: iso(
            local_date(_as_moment(value), _text(zone_name), rules)
        ),
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
_compiled: dict[str, Compiled] = {}
_MACRO_BINDER = re.compile(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,")
_SYNTAX_AT = re.compile(r"<input>:(\d+):(\d+):\s*(.*)")


@dataclass(frozen=True)
class Compiled:
    """An expression ready to run: CEL's program, and the tree its work is bounded from."""

    program: Any
    tree: Node | None
    unreadable: str | None = None  # why there is no tree


def compiled(source: str) -> Compiled:
    """``source`` compiled (cached); ExpressionError with a column if it is not CEL."""
    found = _compiled.get(source)
    if found is not None:
        return found
    prepared = prepare(source)
    try:
        program = cel.compile(prepared)
    except ValueError as error:
        raise _syntax_error(source, str(error)) from None
    try:
        found = Compiled(program, parse(source))
    except Unreadable as error:
        found = Compiled(program, None, str(error))
    except RecursionError:
        found = Compiled(program, None, "it nests too deeply")
    if len(_compiled) >= _MAX_CACHED:
        # Deterministic eviction (oldest first): a random one would break workflow replay.
        del _compiled[next(iter(_compiled))]
    _compiled[source] = found
    return found


def compile_expression(source: str) -> Any:
    """The compiled program of ``source`` (cached); ExpressionError with a column if bad."""
    return compiled(source).program


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


def fixed_problems(source: str) -> list[tuple[int, str]]:
    """What fails in ``source`` whatever the data: (offset into it, message) pairs.

    ExpressionError if it does not compile (see :func:`compiled`).
    """
    ready = compiled(source)
    if ready.tree is None:
        return [
            (
                0,
                f"the engine cannot read `{source}` to bound its work ({ready.unreadable}): "
                "write it with the operators, calls and macros of docs/definitions.md",
            )
        ]
    found: list[tuple[int, str]] = []
    if any(
        isinstance(node, Binary) and node.operator == "/" and _is_zero(node.right)
        for node in walk(ready.tree)
    ):
        zero = _ZERO_DIVISOR.search(_STRING_LITERAL.sub(lambda m: " " * len(m.group(0)), source))
        found.append(
            (
                zero.start() if zero else 0,
                f"`{source}` divides by zero, which fails at every run: divide by something "
                "else, or test the divisor first, as in `x != 0 ? total / x : 0`",
            )
        )
    # The bound only grows with the data: over the budget with none, it is so at every run.
    least = bound(ready.tree, lambda _: SCALAR).total
    if least > EXPRESSION_BUDGET:
        found.append(
            (
                0,
                f"`{source}` may take up to {least:,} units of work even with no data at "
                f"all, more than the {EXPRESSION_BUDGET:,} one expression may take: build "
                "shorter lists in it, or nest fewer map, filter, all or exists",
            )
        )
    return found


_ZERO_DIVISOR = re.compile(r"/\s*[-\s]*(?:0[xX]0+|0*\.?0+(?:[eE][+-]?\d+)?)[uU]?(?![\w.])")


def _is_zero(node: Node) -> bool:
    if isinstance(node, Unary) and node.operator == "-":
        return _is_zero(node.operand)
    if not (isinstance(node, Literal) and node.kind == "number"):
        return False
    text = node.value.rstrip("uU")
    try:
        return (int(text, 16) if text[:2] in ("0x", "0X") else float(text)) == 0
    except ValueError:
        return False


class Scope:
    """Names and helpers one evaluation sees; build once per state change, reuse.

    Every evaluation is bounded before it runs and measured after (see :mod:`budget`).
    """

    def __init__(self, variables: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]):
        self._values = {name: to_cel(value) for name, value in variables.items()}
        self._context = cel.Context(
            variables=self._values, functions={**functions, "_nonzero": _nonzero}
        )
        self._sizes: dict[tuple[str, ...], Size] = {}
        self._measured: dict[int, Size] = {}  # by identity: the values never change here

    @property
    def context(self) -> Any:
        """The CEL context itself, for measuring evaluations (``bench/expressions.py``)."""
        return self._context

    def bound(self, source: str) -> int:
        """The most work evaluating ``source`` here can take, in units (see :mod:`budget`)."""
        ready = compiled(source)
        if ready.tree is None:
            raise ExpressionError(source, f"its work cannot be bounded: {ready.unreadable}")
        return bound(ready.tree, self.size_at).total

    def evaluate(self, source: str) -> Any:
        work = self.bound(source)
        if work > EXPRESSION_BUDGET:
            raise ExpressionOverBudget(source, over_budget(work))
        ready = compiled(source)
        try:
            value = from_cel(ready.program.execute(self._context))
        except (RuntimeError, TypeError, ValueError, KeyError, ArithmeticError) as error:
            raise ExpressionError(source, self._explain(ready.tree, error)) from None
        return checked_value(source, value)

    def _explain(self, tree: Node | None, error: Exception) -> str:
        """Why an evaluation failed, in words, with the types of the values it read."""
        problem = _explain(error)
        if tree is None or isinstance(error, KeyError) or problem.startswith("division"):
            return problem
        names = {name: value_type(value) for name, value in self._values.items()}
        try:
            found = type_problems(tree, names)
            read = named_values(tree, self._values)
        except RecursionError:  # nested too deeply to follow: CEL's words, plainly
            return _plain(problem)
        problem = found[0].message if found else _plain(problem)
        return f"{problem} ({'; '.join(read)})" if read else problem

    def size_at(self, path: tuple[str, ...]) -> Size:
        """The size of the data at ``path`` (``*``: the largest item); past what exists, at
        most an entry of what does."""
        size = self._sizes.get(path)
        if size is None:
            size = self._sizes[path] = _size_at(self._values, path, self._measured)
        return size


def _size_at(value: Any, path: tuple[str, ...], memo: dict[int, Size]) -> Size:
    if not path:
        return measure(value, memo)
    part, rest = path[0], path[1:]
    if part == ANY and isinstance(value, list):
        widest = SCALAR
        for item in value:
            widest = widest.widest(_size_at(item, rest, memo))
        return widest
    if part == ANY and isinstance(value, dict):  # a macro over a map goes through its keys
        return measure(max(value, key=len, default="")) if not rest else SCALAR
    if isinstance(value, dict) and part in value:
        return _size_at(value[part], rest, memo)
    return measure(value, memo).entry()


def over_budget(work: int) -> str:
    return (
        f"it would take up to {work:,} units of work, more than the {EXPRESSION_BUDGET:,} one "
        "expression may take: go through long lists fewer times (fewer map, filter, all or "
        "exists inside one another), or do this work in an activity"
    )


def checked_value(source: str, value: Any) -> Any:
    """``value`` if it is within the size limit and holds only finite numbers."""
    weight = value_units(value)
    if weight > VALUE_LIMIT:
        raise ExpressionOverBudget(
            source,
            f"it gives a value of {weight:,} units (entries and characters), more than the "
            f"{VALUE_LIMIT:,} one expression may give: keep less in one value, or leave "
            "large data to activities",
        )
    problem = non_finite(value)
    if problem is not None:
        raise ExpressionError(source, problem)
    return value


def non_finite(value: Any) -> str | None:
    """What is wrong if ``value`` holds infinity or not-a-number anywhere, else None."""
    if isinstance(value, float) and not math.isfinite(value):
        if math.isnan(value):
            return "it gives not-a-number, which no amount or count can be"
        return "it gives an infinite number: a number in it grew too large"
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            problem = non_finite(item)
            if problem is not None:
                return problem
    return None


def _nonzero(divisor: Any) -> Any:
    """The divisor of every ``/``: CEL's doubles would give infinity for a zero one."""
    if divisor == 0:
        raise ValueError(_DIVISION_BY_ZERO)
    return divisor


_DIVISION_BY_ZERO = "division by zero"


def _explain(error: Exception) -> str:
    text = str(error).split("Traceback")[0].strip()
    if isinstance(error, KeyError):
        return (
            f"no field {text} here; test with has(...) or use get(map, 'field', default) "
            "when a field may be missing"
        )
    if "'_nonzero'" in text or isinstance(error, ZeroDivisionError):
        return (
            "division by zero: a divisor is 0 here; test it first, as in `x != 0 ? total / x : 0`"
        )
    return text


# CEL's own advice ends its messages; it suggests int(x), which here gives a whole number
# that does not mix with the decimal numbers everything else is.
_CEL_ADVICE = re.compile(r"\s*(CEL does not coerce|Convert explicitly|Check function arguments)")
_NO_OVERLOAD = "No such overload: the operation is not defined for the given operand types."


def _plain(text: str) -> str:
    text = text.replace(
        _NO_OVERLOAD, "these values cannot be used together this way (see their types)."
    )
    match = _CEL_ADVICE.search(text)
    return (text[: match.start()] if match else text).strip().rstrip(".")


def evaluate(
    source: str,
    variables: Mapping[str, Any],
    calendar: Calendar | None = None,
    resolved: ResolvedHolidays | None = None,
) -> Any:
    """Evaluate one expression; for many, build a Scope once."""
    return Scope(variables, helpers(calendar or Calendar(), resolved)).evaluate(source)


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
            if is_string_start(text, cursor):
                cursor = skip_string(text, cursor)
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
    joined = "".join(out)
    if len(joined) > VALUE_LIMIT:
        raise ExpressionOverBudget(
            text, f"it gives {len(joined):,} characters, more than the {VALUE_LIMIT:,} one text may"
        )
    return joined


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
