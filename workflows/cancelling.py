"""Cancelling what runs inside a block, at every depth, and deadlines on blocks.

``workflow.wait`` (like ``asyncio.wait``) never cancels the work it waits on: a block whose
own coroutine is cancelled must cancel its children itself and wait for them to end, or
they go on running (a task still open in an inbox, the next step of an item running after
the block was given up). Each child ends by cleaning up as its kind does: a task closes as
cancelled, an activity hears the cancel through its heartbeat, a child process is cancelled.
Like the interpreter, this is workflow code passed through the sandbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

# Patch ids: recorded runs from before each change replay with the behaviour they had.
CANCEL_AT_DEPTH = "cancel-reaches-every-step"
CANCELLED_BRANCHES_UNDONE = "cancelled-branches-undone"
BLOCK_DEADLINE = "block-deadline"
BOT_CANCEL_WAITS = "bot-cancel-waits-for-the-bot"
REPEAT_ROUNDS_CLEARED = "repeat-rounds-start-clear"
CANCEL_CLEANUP_BOUNDED = "cancel-cleanup-bounded"

# How long a cancelled task's close may take, all its attempts together: the clean-up a
# block, a branch or a parent waits for ends within this even when the records cannot
# be written, and what is left the worker's sweep of ended runs closes.
CANCEL_CLOSE_LIMIT = timedelta(minutes=10)


async def cancel_and_wait(tasks: Sequence[asyncio.Future[Any]]) -> None:
    """Cancel ``tasks`` and wait until each has ended (cleaned up after itself)."""
    for task in tasks:
        task.cancel()
    # Each child's clean-up is bounded by its own activities' time limits.
    await asyncio.gather(*tasks, return_exceptions=True)


async def wait_first(
    tasks: Sequence[asyncio.Future[None]],
) -> tuple[list[asyncio.Future[None]], list[asyncio.Future[None]]]:
    """``workflow.wait`` for the first to end (what ended, what still runs); cancelled
    meanwhile, it cancels the tasks too and waits for them to end."""
    try:
        return await workflow.wait(list(tasks), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        # Only a cancel reaches this: runs from before cancelled the wait alone.
        if workflow.patched(CANCEL_AT_DEPTH):
            await cancel_and_wait([task for task in tasks if not task.done()])
        raise


async def finished_by(work: asyncio.Future[Any], deadline: datetime, summary: str) -> bool:
    """Wait for ``work`` until ``deadline``; False when the deadline came first.

    Work not finished by then is cancelled and has ended when this returns. Cancelled
    itself, this cancels the work too.
    """
    remaining = max(deadline - workflow.now(), timedelta(seconds=1))
    timer = asyncio.ensure_future(workflow.sleep(remaining, summary=summary))
    try:
        await workflow.wait([work, timer], return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        await cancel_and_wait([timer, work])
        raise
    if work.done():
        await cancel_and_wait([timer])
        return True
    await cancel_and_wait([work])
    return False


__all__ = [
    "BLOCK_DEADLINE",
    "BOT_CANCEL_WAITS",
    "CANCELLED_BRANCHES_UNDONE",
    "CANCEL_AT_DEPTH",
    "CANCEL_CLEANUP_BOUNDED",
    "CANCEL_CLOSE_LIMIT",
    "REPEAT_ROUNDS_CLEARED",
    "cancel_and_wait",
    "finished_by",
    "wait_first",
]
