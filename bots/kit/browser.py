"""One browser per worker process, a fresh context per bot run, sessions kept in memory.

Launching Chromium costs about a second; a context, a few tens of milliseconds. So the
worker keeps one browser and gives every run its own context, closed whatever happens.
After a number of runs (``BACKOFFICE_BOT_BROWSER_RECYCLE``), or when it crashed, the
browser is replaced: memory grows in long-lived browsers. Logged-in sessions (cookies)
are kept per system and credential, in memory only, so the next run skips the login.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from backoffice import registry
from backoffice.settings import Settings

# Chromium here has no network beyond the systems it drives: these flags stop it from
# calling home, which a closed network refuses slowly.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
CLOSE_TIMEOUT_SECONDS = 10


@dataclass
class _Browser:
    browser: Browser
    made: int = 0  # contexts made on it
    open: int = 0  # contexts open now


@dataclass
class BrowserPool:
    settings: Settings
    _playwright: Playwright | None = None
    _current: _Browser | None = None
    _retired: list[_Browser] = field(default_factory=list)
    _sessions: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    launches: int = 0

    async def _browser(self) -> _Browser:
        async with self._lock:
            current = self._current
            worn = current is not None and current.made >= self.settings.bot_browser_recycle
            if current is not None and (worn or not current.browser.is_connected()):
                self._retired.append(current)
                self._current = current = None
            if current is None:
                current = self._current = _Browser(await self._launch())
            await self._close_retired()
            return current

    async def _launch(self) -> Browser:
        if self._playwright is None:
            self._playwright = await async_playwright().start()
        executable = self.settings.resolved_browser_executable
        self.launches += 1
        return await self._playwright.chromium.launch(
            executable_path=str(executable) if executable else None,
            headless=self.settings.browser_headless,
            args=list(CHROMIUM_ARGS),
        )

    async def _close_retired(self) -> None:
        for old in [b for b in self._retired if b.open == 0]:
            self._retired.remove(old)
            with contextlib.suppress(Exception):  # a crashed browser may not answer
                await asyncio.wait_for(old.browser.close(), CLOSE_TIMEOUT_SECONDS)

    @contextlib.asynccontextmanager
    async def context(self, session_key: tuple[str, str] | None) -> AsyncIterator[BrowserContext]:
        """A fresh context, with the remembered session of ``session_key`` if there is one."""
        state = self._sessions.get(session_key) if session_key else None
        holder, context = await self._new_context(state)
        try:
            yield context
        finally:
            holder.open -= 1
            with contextlib.suppress(Exception):
                await asyncio.wait_for(context.close(), CLOSE_TIMEOUT_SECONDS)

    async def _new_context(self, state: Any) -> tuple[_Browser, BrowserContext]:
        for attempt in range(2):  # a browser that died since its last run is replaced once
            holder = await self._browser()
            holder.made += 1
            holder.open += 1
            try:
                context = await holder.browser.new_context(
                    storage_state=state,
                    accept_downloads=True,
                    viewport={"width": 1280, "height": 900},
                )
            except PlaywrightError:
                holder.open -= 1
                if attempt:
                    raise  # a fresh browser refuses it too: not a crash
                # A browser that crashed may not have reported it yet: replace it.
                async with self._lock:
                    if self._current is holder:
                        self._retired.append(holder)
                        self._current = None
                continue
            return holder, context
        raise AssertionError("unreachable")

    async def remember(self, session_key: tuple[str, str], context: BrowserContext) -> None:
        self._sessions[session_key] = await context.storage_state()

    def forget(self, session_key: tuple[str, str]) -> None:
        self._sessions.pop(session_key, None)

    def knows(self, session_key: tuple[str, str]) -> bool:
        return session_key in self._sessions

    async def close(self) -> None:
        if self._current is not None:
            self._retired.append(self._current)
            self._current = None
        for old in self._retired:
            old.open = 0
        await self._close_retired()
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None


_pools: dict[int, BrowserPool] = {}


def pool_for(settings: Settings) -> BrowserPool:
    """The worker process's pool (one per event loop: tests run several loops)."""
    loop_id = id(asyncio.get_running_loop())
    if loop_id not in _pools:
        _pools[loop_id] = BrowserPool(settings)
    return _pools[loop_id]


async def close_pool() -> None:
    """Close this event loop's browsers (the worker does it when it stops)."""
    pool = _pools.pop(id(asyncio.get_running_loop()), None)
    if pool is not None:
        await pool.close()


registry.at_worker_shutdown(close_pool)  # no browser outlives the worker
