"""Evidence of a change: a screenshot of the record's page, as the system shows it after.

A bot that changes a record (or finds it already changed) keeps a picture of the record
page next to the attempt's other evidence (``evidence.evidence_dir``), and returns its
path in its result, so an auditor sees what the system said. The picture is bounded: the
whole page when it is small enough, else what the window shows. Password fields are
masked, whatever the screen; record pages show none anyway.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from playwright.async_api import Page
from temporalio import activity

from backoffice import runtime
from bots.kit.evidence import CAPTURE_TIMEOUT_SECONDS, evidence_dir

MAX_SCREENSHOT_BYTES = 4 * 1024 * 1024


def _where(bot: str) -> tuple[str, str, str, int]:
    try:
        info = activity.info()
    except RuntimeError:  # a bot run outside Temporal (tests of bots alone, scripts)
        return ("standalone", "no-run", bot, 1)
    return (
        info.workflow_id or "no-workflow",
        info.workflow_run_id or "no-run",
        info.activity_id,
        info.attempt,
    )


async def record_screenshot(page: Page, bot: str, name: str) -> str:
    """Take the picture of the record page in front of the bot; the file's path.

    ``bot`` names the bot (the folder of a standalone run), ``name`` the record.
    """
    root = runtime.settings().resolved_artifacts_dir
    directory = evidence_dir(root, *_where(bot))
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:80] or "record"
    path = directory / f"record-{safe}.png"
    timeout = CAPTURE_TIMEOUT_SECONDS * 1000
    masked = [page.locator("input[type=password]")]
    await page.screenshot(path=str(path), full_page=True, timeout=timeout, mask=masked)
    if await asyncio.to_thread(_size, path) > MAX_SCREENSHOT_BYTES:
        await page.screenshot(path=str(path), full_page=False, timeout=timeout, mask=masked)
    return str(path)


def _size(path: Path) -> int:
    return path.stat().st_size
