"""validate_text never raises: random text, YAML-like text, and mutations of a valid file.

Every problem it returns must be placed (line and column at least 1) and say something.
The examples are derandomised so the suite gives the same answer on every run.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backoffice.language.model import STEP_KINDS
from backoffice.language.structure import KNOWN_KEYS
from backoffice.language.validate import Checked, validate_text
from tests.language.helpers import EVERY_KIND, KNOWN_PROCESSES, make_catalog

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

EVERY_KIND_TEXT = EVERY_KIND.read_text(encoding="utf-8")
EVERY_KIND_LINES = EVERY_KIND_TEXT.splitlines(keepends=True)
CATALOG = make_catalog()
# YAML's own line breaks; a problem may sit on the line after the last one (end of stream).
YAML_BREAKS = re.compile("\r\n|\r|\n|\x85|\u2028|\u2029")


def _check(text: str, file: str = "fuzz.yaml", *, catalog: bool = False) -> Checked:
    checked = validate_text(
        text,
        file,
        CATALOG if catalog else None,
        KNOWN_PROCESSES if catalog else None,
    )
    assert checked.file == file
    assert len(checked.content_hash) == 64
    assert checked.ok == (checked.definition is not None and not checked.problems)
    assert checked.problems == sorted(checked.problems)
    last_line = len(YAML_BREAKS.split(text)) + 1
    for problem in checked.problems:
        assert problem.file == file
        assert 1 <= problem.line <= last_line, problem
        assert problem.column >= 1, problem
        assert problem.message.strip(), problem
        assert str(problem).startswith(f"{file}:{problem.line}:{problem.column}: ")
    return checked


# --- known crashes ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["name: demo\x00\n", "name: demo\x0c\n", "\x1f", "a: \x7f\n"])
def test_control_character_is_a_problem_not_a_crash(text: str) -> None:
    problems = validate_text(text, "fuzz.yaml").problems
    assert len(problems) == 1
    assert problems[0].line == 1
    assert "character" in problems[0].message


# --- (a) random text -------------------------------------------------------------------


@FUZZ
@given(text=st.text(max_size=400))
def test_random_text_never_raises(text: str) -> None:
    _check(text)


TOKENS = st.one_of(
    st.sampled_from(sorted(KNOWN_KEYS | set(STEP_KINDS))).map(lambda key: f"{key}: "),
    st.sampled_from(
        [
            "\n", "\n  ", "\n    ", "\n  - ", "\n    - ", "- ", ": ", ":", "{", "}", "[", "]",
            ", ", "'", '"', "${ ", " }", "&a ", "*a", "!tag ", "!!str ", "<<: ", "# c", "\t",
            "? ", "|\n", ">\n", "---\n", "...\n", "~", "null", "true", "no", "1h", "3bd",
            "2bd4h", "0s", "12:30", "2025-12-25", "1e3", "-1", "0x1F", "input.amount",
            "steps.a.b", "vars.x", "has(input.x)", "a ? b : c", "DUPLICATE", "invoice.validate",
            "erp.post_invoice", "id: a", "id: b", "wait: 1h", "fail: X", "steps:",
        ]
    ),
    st.text(alphabet="abcxyz_-.:$ {}[]'\"0123456789", max_size=6),
)  # fmt: skip


@FUZZ
@given(tokens=st.lists(TOKENS, max_size=60), catalog=st.booleans())
def test_yaml_like_text_never_raises(tokens: list[str], catalog: bool) -> None:
    _check("".join(tokens), catalog=catalog)


HEADER = (
    "name: fuzz\nversion: 1\ntitle: Fuzz\nowner: ap\nbusiness_key: input.id\n"
    "input:\n  id: string\nsteps:\n  - "
)


@FUZZ
@given(tokens=st.lists(TOKENS, max_size=40))
def test_yaml_like_steps_after_a_valid_header_never_raise(tokens: list[str]) -> None:
    _check(HEADER + "".join(tokens), catalog=True)


# Data shaped like definitions: known keys, nested maps and lists, plausible leaves.
LEAVES = st.one_of(
    st.sampled_from(
        [
            "1h", "3bd", "5m", "x", "a.b", "input.id", "steps.a", "${ input.id }",
            "${ steps.a.b }", "a ${ b", "DUPLICATE", "approve", "Europe/Berlin", "Mars/Base",
            "2025-12-25", "any", "all", "first", "string", "number?", "invoice.validate",
            "erp.post_invoice",
        ]
    ),
    st.integers(min_value=-3, max_value=1000),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)  # fmt: skip
KEYS = st.sampled_from(sorted(KNOWN_KEYS | set(STEP_KINDS) | {"zzz"}))
SHAPES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=5),
    ),
    max_leaves=30,
)
STEPS = st.lists(st.dictionaries(KEYS, SHAPES, max_size=5), max_size=4)


@settings(FUZZ, max_examples=100)
@given(top=st.dictionaries(KEYS, SHAPES, max_size=6), steps=STEPS, catalog=st.booleans())
def test_definition_shaped_data_never_raises(
    top: dict[str, Any], steps: list[Any], catalog: bool
) -> None:
    data = {
        "name": "fuzz",
        "version": 1,
        "title": "Fuzz",
        "owner": "ap",
        "business_key": "input.id",
        **top,
        "steps": steps,
    }
    _check(yaml.safe_dump(data, sort_keys=False), catalog=catalog)


# --- (b) mutations of a valid definition -----------------------------------------------


def _mutate(lines: list[str], operation: str, first: int, second: int, char: str) -> list[str]:
    lines = list(lines)
    first %= len(lines)
    second %= len(lines)
    if operation == "delete":
        del lines[first]
    elif operation == "duplicate":
        lines.insert(first, lines[first])
    elif operation == "swap":
        lines[first], lines[second] = lines[second], lines[first]
    elif operation == "replace":
        line = lines[first]
        if line:
            at = second % len(line)
            lines[first] = line[:at] + char + line[at + 1 :]
    elif operation == "indent":
        stripped = lines[first].lstrip(" ")
        lines[first] = " " * (second % 9) + stripped
    return lines


MUTATION = st.tuples(
    st.sampled_from(["delete", "duplicate", "swap", "replace", "indent"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
    st.sampled_from(list(" -:{}[],'\"$#&*!|>\t\nxX0_.")),
)


@FUZZ
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3), catalog=st.booleans())
def test_mutations_of_every_kind_never_raise(
    mutations: list[tuple[str, int, int, str]], catalog: bool
) -> None:
    lines = EVERY_KIND_LINES
    for operation, first, second, char in mutations:
        lines = _mutate(lines, operation, first, second, char)
    _check("".join(lines), str(EVERY_KIND), catalog=catalog)


@pytest.mark.parametrize(
    ("operation", "first", "second", "char", "expected"),
    [
        ("delete", 1, 0, "", EVERY_KIND_LINES[:1] + EVERY_KIND_LINES[2:]),
        ("duplicate", 2, 0, "", EVERY_KIND_LINES[:3] + EVERY_KIND_LINES[2:]),
        ("swap", 3, 3, "", EVERY_KIND_LINES),
        ("replace", 2, 0, "N", ["N" + EVERY_KIND_LINES[2][1:]]),
        ("indent", 2, 3, "", ["   " + EVERY_KIND_LINES[2]]),
    ],
)
def test_mutations_do_what_they_say(
    operation: str, first: int, second: int, char: str, expected: list[str]
) -> None:
    mutated = _mutate(EVERY_KIND_LINES, operation, first, second, char)
    if operation in ("replace", "indent"):
        assert mutated[first] == expected[0]
        assert mutated[:first] + mutated[first + 1 :] == (
            EVERY_KIND_LINES[:first] + EVERY_KIND_LINES[first + 1 :]
        )
    else:
        assert mutated == expected


def test_the_mutation_source_is_valid_and_mutations_break_it() -> None:
    # The mutations start from a valid file, so every problem they find is theirs.
    assert _check(EVERY_KIND_TEXT, str(EVERY_KIND), catalog=True).ok
    # Line 3 is 'name: every-kind'; without it the name is missing, reported at the top
    # mapping, which now starts on line 3 (after the two comment lines) with 'version'.
    without_name = "".join(_mutate(EVERY_KIND_LINES, "delete", 2, 0, ""))
    problems = _check(without_name, str(EVERY_KIND)).problems
    assert [str(problem).split(str(EVERY_KIND) + ":")[1] for problem in problems] == [
        "3:1: 'name' is required here: add it"
    ]
