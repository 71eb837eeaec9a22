"""A real headless Chromium for tests: Playwright's own build, else the system's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from playwright.async_api import Browser, async_playwright

from backoffice.settings import load_settings
from bots.kit.browser import CHROMIUM_ARGS


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = load_settings().resolved_browser_executable
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(executable) if executable else None,
            headless=True,
            args=list(CHROMIUM_ARGS),
        )
        try:
            yield browser
        finally:
            await browser.close()
