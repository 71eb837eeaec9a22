"""Time zone names: checking those a definition writes, and taking their rules along
when a run starts.

Only validation and the start of a run read tzdata (through ``zoneinfo``); the workflow
reads the rules from its snapshot (``DefinitionSnapshot.zones``, see ``local_times``), so
a tzdata upgrade never changes a run in flight or its replay.
"""

from __future__ import annotations

import base64
import difflib
import functools
import re
import zoneinfo
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from backoffice.language.cel_syntax import Call, Literal, Node, walk
from backoffice.language.local_times import CLOCK_HELP, clock_time

ZONE_HELP = (
    "write an IANA time zone as Area/City, such as America/Los_Angeles, Europe/Berlin or "
    "Asia/Kolkata"
)
# What one run takes at most from its input: a zone is a few kilobytes of history.
MAX_INPUT_ZONES = 8
# Text that could be a zone name: Area/City, with a second level (America/Indiana/Knox).
_CANDIDATE = re.compile(r"\b[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z0-9_+-]+){1,2}\b")
# The helpers that take a zone, and the position of their zone and clock arguments.
ZONE_ARGUMENT = {"local_time": 2, "local_date": 1}
CLOCK_ARGUMENT = {"local_time": 1}


@functools.cache
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def zone_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a time zone, in words (None: it is one)."""
    if name in known_zones():
        return None
    by_case = [zone for zone in known_zones() if zone.lower() == name.lower()]
    close = by_case or difflib.get_close_matches(name, sorted(known_zones()), n=1, cutoff=0.6)
    if not close:
        # People write the city alone ("Berlin") or with spaces ("Los Angeles").
        city = name.strip().replace(" ", "_").lower()
        close = sorted(zone for zone in known_zones() if zone.lower().endswith("/" + city))
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"unknown time zone '{name}': {ZONE_HELP}.{hint}"


def literal_problems(tree: Node) -> Iterator[tuple[str, str]]:
    """(the text at fault, why) for each zone or time of day written literally in a call of
    ``local_time`` or ``local_date`` that cannot work."""
    for node in walk(tree):
        if not isinstance(node, Call) or node.target is not None:
            continue
        position = ZONE_ARGUMENT.get(node.function)
        if position is not None and position < len(node.args):
            argument = node.args[position]
            if isinstance(argument, Literal) and argument.kind == "string":
                problem = zone_problem(argument.value)
                if problem is not None:
                    yield argument.value, f"{node.function}(): {problem}"
        clock = CLOCK_ARGUMENT.get(node.function)
        if clock is not None and clock < len(node.args):
            argument = node.args[clock]
            if isinstance(argument, Literal) and argument.kind == "string":
                try:
                    clock_time(argument.value)
                except ValueError:
                    yield (
                        argument.value,
                        f"{node.function}(): '{argument.value}' is not a time of day: "
                        + CLOCK_HELP,
                    )


def named_in(value: Any) -> set[str]:
    """The time zones named anywhere in ``value`` (text inside maps and lists included)."""
    found: set[str] = set()
    for text in _texts(value):
        found.update(name for name in _CANDIDATE.findall(text) if name in known_zones())
    return found


def _texts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def resolve(names: Iterable[str]) -> dict[str, str]:
    """The rules of each zone in ``names`` as a run keeps them: its TZif bytes, base64."""
    return {name: base64.b64encode(_tzif(name)).decode("ascii") for name in sorted(set(names))}


def _tzif(name: str) -> bytes:
    # Where zoneinfo itself looks: the system's tzdata first, then the tzdata package.
    for root in zoneinfo.TZPATH:
        candidate = Path(root) / name
        if candidate.is_file():
            return candidate.read_bytes()
    from importlib import resources  # only when the system has no tzdata

    package, _, leaf = f"tzdata.zoneinfo.{name.replace('/', '.')}".rpartition(".")
    return resources.files(package).joinpath(leaf).read_bytes()


def uses_zones(definition: dict[str, Any]) -> bool:
    """Whether a definition (as a snapshot keeps it) calls a helper that needs zone rules:
    runs of the others carry none (every byte of a run's input is in its history)."""
    return any(f"{name}(" in text for text in _texts(definition) for name in ZONE_ARGUMENT)


def taken_by(definition: dict[str, Any]) -> dict[str, str]:
    """The zone rules a run of ``definition`` (its snapshot form) takes: those it names."""
    return resolve(named_in(definition)) if uses_zones(definition) else {}


def with_zones(
    definition: dict[str, Any], zones: dict[str, str], value: Any, limit: int = MAX_INPUT_ZONES
) -> dict[str, str]:
    """``zones`` and those named in ``value`` (at most ``limit`` more, in name order), for a
    run of a ``definition`` that takes zones at all."""
    if not uses_zones(definition):
        return zones
    extra = sorted(named_in(value) - set(zones))[:limit]
    return {**zones, **resolve(extra)} if extra else zones
