"""Local times in a named time zone: ``local_time(date, "06:00", "America/Los_Angeles")``.

Pure, and imported inside the workflow sandbox. A time zone's rules live in tzdata files,
which workflow code must never read (a file read there is I/O, and a tzdata upgrade
would change a replay). So a run takes the rules of the zones it may need with it when it
starts (``backoffice.language.zone_names.resolve``), as the calendar's holidays are
taken: the zones named in the definition and in the input, each as its compiled tzdata
(TZif) bytes in the run's snapshot. Here those bytes are read from memory only.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

from backoffice.errors import BackofficeError

# Zone name -> its TZif bytes, base64: what a run's snapshot holds (``DefinitionSnapshot.zones``).
ResolvedZones = Mapping[str, str]

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
CLOCK_HELP = 'write the time of day as HH:MM on a 24-hour clock, such as "06:00" or "17:30"'

_loaded: dict[tuple[str, str], ZoneInfo] = {}


class ZoneNotTaken(BackofficeError, ValueError):
    """A zone the run did not take with it when it started."""


def clock_time(text: str) -> time:
    """``"06:00"`` as a time of day; ValueError saying how to write one."""
    match = _CLOCK.match(str(text).strip())
    if match is None:
        raise ValueError(f"'{text}' is not a time of day: {CLOCK_HELP}")
    return time(int(match.group(1)), int(match.group(2)))


def zone_of(name: str, zones: ResolvedZones) -> tzinfo:
    """The zone ``name`` from the rules the run took with it."""
    if name in ("UTC", "Etc/UTC"):
        return UTC  # fixed rules: nothing to take
    data = zones.get(name)
    if data is None:
        raise ZoneNotTaken(
            f"the time zone '{name}' is not one the run took with it when it started (those "
            "named in its definition and its input, written as Area/City like "
            "America/Los_Angeles): write the zone in the definition, for example in a "
            "vars: table, or pass it in the input"
        )
    cache_key = (name, data[-24:])
    found = _loaded.get(cache_key)
    if found is None:
        found = ZoneInfo.from_file(io.BytesIO(base64.b64decode(data)), key=name)
        if len(_loaded) >= 256:
            # Deterministic eviction (oldest first), as the expression cache does.
            del _loaded[next(iter(_loaded))]
        _loaded[cache_key] = found
    return found


def local_time(day: date, clock: str, name: str, zones: ResolvedZones) -> datetime:
    """The moment (UTC) at which clocks in zone ``name`` show ``clock`` on ``day``.

    A time that does not exist that day (clocks go forward through it) is read with the
    offset from before the change, so 02:30 on the spring change is 03:30 local; a time
    that happens twice (clocks go back) is its first occurrence.
    """
    moment = datetime.combine(day, clock_time(clock), zone_of(str(name), zones))
    return moment.astimezone(UTC)


def local_date(moment: datetime, name: str, zones: ResolvedZones) -> date:
    """The date clocks in zone ``name`` show at ``moment``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone_of(str(name), zones)).date()
