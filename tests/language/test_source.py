"""The YAML loader: a small dialect, and the line and column of every value and key."""

from __future__ import annotations

import pytest

from backoffice.language.source import Position, SourceError, load


def _error(text: str) -> tuple[str, Position]:
    with pytest.raises(SourceError) as caught:
        load(text)
    return caught.value.message, caught.value.position


def test_only_true_and_false_are_booleans_and_dates_stay_text() -> None:
    data, _ = load(
        "a: yes\nb: no\nc: on\nd: off\ne: true\nf: False\ng: TRUE\nh: y\n"
        "i: 2025-12-25\nj: 2025-12-25T10:00:00Z\nk: ~\nl: null\nm: 1.5\nn: 7\ncountry: NO\n"
    )
    assert data == {
        "a": "yes",
        "b": "no",
        "c": "on",
        "d": "off",
        "e": True,
        "f": False,
        "g": True,
        "h": "y",
        "i": "2025-12-25",
        "j": "2025-12-25T10:00:00Z",
        "k": None,
        "l": None,
        "m": 1.5,
        "n": 7,
        "country": "NO",
    }


def test_positions_of_values_and_keys() -> None:
    _, source = load("name: demo\nsteps:\n  - id: a\n    wait: {event: x}\n")
    assert source.values[()] == Position(1, 1)
    assert source.values[("name",)] == Position(1, 7)
    assert source.keys[("name",)] == Position(1, 1)
    assert source.keys[("steps",)] == Position(2, 1)
    assert source.values[("steps",)] == Position(3, 3)
    assert source.values[("steps", 0)] == Position(3, 5)
    assert source.values[("steps", 0, "id")] == Position(3, 9)
    assert source.keys[("steps", 0, "wait")] == Position(4, 5)
    assert source.values[("steps", 0, "wait")] == Position(4, 11)
    assert source.keys[("steps", 0, "wait", "event")] == Position(4, 12)
    assert source.values[("steps", 0, "wait", "event")] == Position(4, 19)


def test_locate_falls_back_to_the_nearest_written_ancestor() -> None:
    _, source = load("name: demo\nsteps:\n  - id: a\n    wait: {event: x}\n")
    # A missing key is placed at the mapping that should hold it.
    assert source.locate(("steps", 0, "wait", "timeout")) == Position(4, 11)
    # Asked for a key, it gives the key of the nearest ancestor that has one.
    assert source.locate(("steps", 0, "wait", "timeout"), key=True) == Position(4, 5)
    # A list item has no key: its value is the place.
    assert source.locate(("steps", 0), key=True) == Position(3, 5)
    assert source.locate(("nope",)) == Position(1, 1)
    assert source.locate(()) == Position(1, 1)


def test_recursive_alias_is_refused() -> None:
    assert _error("a: &a [*a]\n") == (
        "an alias refers to a node that contains it",
        Position(1, 4),
    )


def test_undefined_alias_gets_advice() -> None:
    assert _error("a: *nope\n") == (
        "YAML syntax: found undefined alias 'nope'; define the &anchor before using *alias",
        Position(1, 4),
    )


def test_an_alias_to_a_finished_node_is_a_copy() -> None:
    data, source = load("a: &x {k: 1}\nb: *x\n")
    assert data == {"a": {"k": 1}, "b": {"k": 1}}
    # Values reached through the alias are placed where the anchor wrote them.
    assert source.values[("b", "k")] == Position(1, 11)


def test_non_scalar_key_is_refused() -> None:
    assert _error("? [a]\n: b\n") == ("a key must be plain text", Position(1, 3))


def test_duplicate_key_names_the_first_line() -> None:
    assert _error("a: 1\nb:\n  c: 1\n  c: 2\n") == (
        "'c' is written twice in this mapping (first at line 3): keep one",
        Position(4, 3),
    )


def test_duplicate_keys_compare_as_text() -> None:
    assert _error("1: a\n'1': b\n") == (
        "'1' is written twice in this mapping (first at line 1): keep one",
        Position(2, 1),
    )


def test_numbers_read_as_they_look() -> None:
    data, _ = load("cutoff: 12:30\nmode: 0777\ncount: 1_000\n")
    assert data == {"cutoff": "12:30", "mode": 777, "count": "1_000"}


def test_second_document_message_reads_well() -> None:
    message, position = _error("a: 1\n---\nb: 2\n")
    assert position == Position(2, 1)
    assert "single document" in message
