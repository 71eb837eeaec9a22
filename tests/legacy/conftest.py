"""Legacy systems served for real by uvicorn on 127.0.0.1, and a headless Chromium to drive them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page
from starlette.applications import Starlette

from legacy import FaultSettings, create_app, seed
from legacy.context import AppContext
from tests.support.browser import chromium
from tests.support.eventually import eventually as support_eventually
from tests.support.network import free_port

USER = "clerk"
PASSWORD = "Correct-Horse-7"
# Every wait in these tests is bounded by this.
WAIT_SECONDS = 15


@dataclass
class FakeClock:
    """Seconds on a clock that tests move forward, for session idleness."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Running:
    """A legacy system served on a free port."""

    system: str
    url: str
    app: Starlette
    clock: FakeClock = field(default_factory=FakeClock)

    @property
    def context(self) -> AppContext:
        context: AppContext = self.app.state.legacy
        return context

    def client(self, **options: Any) -> httpx.AsyncClient:
        """An HTTP client of this system (not logged in)."""
        return httpx.AsyncClient(base_url=self.url, timeout=WAIT_SECONDS, **options)

    @asynccontextmanager
    async def logged_in(self, **options: Any) -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client with a live session."""
        async with self.client(**options) as client:
            response = await client.post("/login", data={"username": USER, "password": PASSWORD})
            assert response.status_code == 302, response.text
            yield client

    async def faults(self, **settings: Any) -> None:
        """Replace the fault settings through the admin endpoint (no built-in delay)."""
        async with self.client() as client:
            response = await client.put(
                "/__admin/faults", json={"screen_delay_seconds": 0, **settings}
            )
            response.raise_for_status()

    async def count(self, kind: str, key: str, **params: str) -> int:
        async with self.client() as client:
            response = await client.get(
                "/__admin/count", params={"kind": kind, "key": key, **params}
            )
            response.raise_for_status()
            found: int = response.json()["count"]
            return found


@asynccontextmanager
async def serving(
    system: str, data_dir: Path, *, faults: FaultSettings | None = None, **options: Any
) -> AsyncIterator[Running]:
    """Seed and serve a system until the block ends."""
    seed(system, data_dir, {USER: PASSWORD})
    clock = FakeClock()
    app = create_app(
        system,
        data_dir,
        faults=faults or FaultSettings(screen_delay_seconds=0),
        clock=clock,
        **options,
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            log_level="warning",
            ws="none",
            lifespan="on",
            timeout_graceful_shutdown=2,
        )
    )
    task = asyncio.create_task(server.serve())

    def started() -> bool:
        if task.done():
            task.result()  # raises what stopped it, if anything did
            raise AssertionError(f"{system} stopped before it started")
        return server.started

    await eventually(started, f"{system} to start")
    try:
        yield Running(system=system, url=f"http://127.0.0.1:{port}", app=app, clock=clock)
    finally:
        server.should_exit = True
        async with asyncio.timeout(WAIT_SECONDS):
            await task


@pytest_asyncio.fixture
async def erp(tmp_path: Path) -> AsyncIterator[Running]:
    async with serving("erp", tmp_path) as running:
        yield running


@pytest_asyncio.fixture
async def hr(tmp_path: Path) -> AsyncIterator[Running]:
    async with serving("hr", tmp_path) as running:
        yield running


@pytest_asyncio.fixture
async def treasury(tmp_path: Path) -> AsyncIterator[Running]:
    async with serving("treasury", tmp_path) as running:
        yield running


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as launched:
        yield launched


@pytest_asyncio.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context()
    context.set_default_timeout(WAIT_SECONDS * 1000)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def log_in(page: Page, running: Running, path: str = "/") -> None:
    """Open a page and log in on the login page it leads to."""
    await page.goto(running.url + path)
    await page.get_by_label("User name").fill(USER)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()


async def eventually(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    """Wait, bounded, until ``check`` holds (for effects a browser set off)."""
    await support_eventually(check, what, within=WAIT_SECONDS, every=0.1)


def field_value(html: str, field_id: str) -> str:
    """The value of a read-only field on a result page."""
    found = re.search(rf'id="{field_id}" value="([^"]*)"', html)
    assert found, f"no field {field_id} on the page"
    return found.group(1)


def message(html: str) -> str:
    """The status or alert line of a page."""
    found = re.search(r'role="(?:status|alert)">([^<]*)<', html)
    assert found, "no message on the page"
    return found.group(1)
