"""Wait for something that becomes true in its own time: one bounded retry loop for every test.

Tests against a real server, worker or browser often wait for a thing another process does
(a task opens, visibility catches up, a page shows a row). ``eventually`` retries a check
until it holds and gives back what it found; when the bound runs out it fails with what
was awaited and the check's last answer, so a failure says what never happened instead of
a bare timeout. The bound is a safety net for a hung test, not a claim about speed.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

WITHIN_SECONDS = 30.0
EVERY_SECONDS = 0.05


async def eventually(
    check: Callable[[], Awaitable[T | None] | T | None],
    what: str,
    *,
    within: float = WITHIN_SECONDS,
    every: float = EVERY_SECONDS,
) -> T:
    """The first value of ``check`` that is neither ``None`` nor ``False``.

    ``check`` may be sync or async. An exception it raises (a failed assert, a server that
    does not answer yet) counts as not yet, and is the cause of the failure if it was the
    last answer. ``what`` names what is awaited, as in "the approver's task to open".
    """
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while True:
        found: object = None
        last: Exception | None = None
        try:
            found = check()
            if inspect.isawaitable(found):
                found = await found
        except Exception as error:  # not yet; kept to explain a failure
            last = error
        else:
            if found is not None and found is not False:
                return found  # type: ignore[return-value]  # an awaitable was awaited above
        if loop.time() >= give_up:
            answer = f"{type(last).__name__}: {last}" if last is not None else repr(found)
            raise AssertionError(
                f"gave up after {within:g} s waiting for {what}; last answer: {answer}"
            ) from last
        await asyncio.sleep(every)
