"""Evidence of a failed bot run: what the screen showed, its HTML, console errors, a trace.

Written under the artifacts directory by workflow / run / activity / attempt, each
capture bounded in time and size, so a failure leaves enough to explain it and never
gigabytes. Only the paths travel in the error (and so in the run's history). Logins
happen before tracing starts, and every file is checked for the secrets the run used:
a file that contains one is deleted rather than kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import zipfile
from pathlib import Path

from playwright.async_api import BrowserContext, Page

CAPTURE_TIMEOUT_SECONDS = 10
MAX_HTML_BYTES = 2 * 1024 * 1024
MAX_TRACE_BYTES = 50 * 1024 * 1024
MAX_CONSOLE_LINES = 200


def evidence_dir(root: Path, workflow_id: str, run_id: str, activity_id: str, attempt: int) -> Path:
    def safe(part: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "_", part)[:120] or "_"

    return root / safe(workflow_id) / safe(run_id) / safe(activity_id) / f"attempt-{attempt}"


async def capture(
    directory: Path,
    page: Page | None,
    context: BrowserContext,
    console: list[str],
    secrets: list[str],
    tracing: bool,
) -> dict[str, str]:
    """Write what can be written in bounded time; the paths of the files kept."""
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    texts: dict[str, bytes] = {}
    files: dict[str, Path] = {}
    if page is not None and not page.is_closed():
        shot = directory / "screenshot.png"
        with contextlib.suppress(Exception):
            timeout = CAPTURE_TIMEOUT_SECONDS * 1000
            await page.screenshot(path=str(shot), full_page=True, timeout=timeout)
            files["screenshot"] = shot
        with contextlib.suppress(Exception):
            html = await asyncio.wait_for(page.content(), CAPTURE_TIMEOUT_SECONDS)
            texts["html"] = html.encode("utf-8", "replace")[:MAX_HTML_BYTES]
    lines = console[-MAX_CONSOLE_LINES:]
    if page is not None:
        lines = [f"url: {page.url}", *lines]
    texts["console"] = ("\n".join(lines) + "\n").encode()
    if tracing:
        trace = directory / "trace.zip"
        with contextlib.suppress(Exception):
            await asyncio.wait_for(context.tracing.stop(path=str(trace)), CAPTURE_TIMEOUT_SECONDS)
            files["trace"] = trace
    return await asyncio.to_thread(_keep, directory, texts, files, secrets)


_NAMES = {"html": "page.html", "console": "console.txt"}


def _keep(
    directory: Path, texts: dict[str, bytes], files: dict[str, Path], secrets: list[str]
) -> dict[str, str]:
    for kind, data in texts.items():
        path = directory / _NAMES[kind]
        path.write_bytes(data)
        files[kind] = path
    trace = files.get("trace")
    if trace is not None and (not trace.exists() or trace.stat().st_size > MAX_TRACE_BYTES):
        trace.unlink(missing_ok=True)
        files.pop("trace")
    return {kind: str(path) for kind, path in files.items() if _clean(path, secrets)}


def _clean(path: Path, secrets: list[str]) -> bool:
    """Keep a file only if no secret appears in it (a trace is a zip: look inside too)."""
    data = path.read_bytes()
    blobs = [data]
    if path.suffix == ".zip":
        with contextlib.suppress(zipfile.BadZipFile), zipfile.ZipFile(path) as archive:
            blobs += [archive.read(name) for name in archive.namelist()]
    for secret in (s for s in secrets if len(s) >= 4):
        needle = secret.encode()
        if any(needle in blob for blob in blobs):
            path.unlink()
            return False
    return True
