"""The runner outside Temporal: browser recycling and crashes, downloads kept, sessions reused."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import ClassVar

import pytest_asyncio
from playwright.async_api import Page
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, load_settings
from bots.kit.browser import pool_for
from bots.kit.page_object import Bot, BotInput
from bots.kit.runner import run_bot, standalone
from tests.support.network import free_port
from tests.support.records import records_environ, upgraded

LOGINS: list[str] = []


async def home(request: Request) -> Response:
    if request.cookies.get("session") != "ok":
        return HTMLResponse('<form name="logonForm"><button>Log in</button></form>')
    return HTMLResponse('<a href="/report.csv">Monthly report</a>')


async def login(request: Request) -> Response:
    LOGINS.append("login")
    response = HTMLResponse("<p>welcome</p>")
    response.set_cookie("session", "ok")
    return response


async def report(request: Request) -> Response:
    return PlainTextResponse(
        "invoice,amount\nINV-1,100.00\n",
        headers={"Content-Disposition": 'attachment; filename="report.csv"'},
    )


class ReportInput(BotInput):
    month: str = "2026-11"


class Report(BaseModel):
    path: str
    size: int


class ReportBot(Bot[ReportInput, Report]):
    system: ClassVar[str] = "reports"

    def business_key(self, data: ReportInput) -> str:
        return data.month

    async def is_login_page(self, page: Page) -> bool:
        return await page.locator("form[name=logonForm]").count() > 0

    async def login(self, page: Page, credentials: Mapping[str, str]) -> None:
        await page.goto(self.url("/login"))
        await page.goto(self.url("/"))

    async def find(self, page: Page, data: ReportInput) -> Report | None:
        async with page.expect_download() as started:
            await page.get_by_role("link", name="Monthly report").click()
        await (await started.value).path()  # the download has finished
        await page.wait_for_timeout(50)
        saved = self.downloads[-1] if self.downloads else None
        return Report(path=str(saved), size=saved.stat().st_size) if saved else None

    async def submit(self, page: Page, data: ReportInput) -> Report:
        raise AssertionError("a report is only read")


def chromium_main_processes() -> list[int]:
    """Browsers this test process launched (Playwright talks to them over a pipe)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:
            continue
        if "--remote-debugging-pipe" in cmdline and "--type=" not in cmdline:
            parent = int(
                next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1]
            )
            if _descends_from(parent, os.getpid()):
                found.append(int(entry.name))
    return found


def _descends_from(pid: int, ancestor: int) -> bool:
    for _ in range(20):  # bounded walk up the process tree
        if pid == ancestor:
            return True
        if pid <= 1:
            return False
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return False
        pid = int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])
    return False


@pytest_asyncio.fixture
async def reports(tmp_path: Path) -> AsyncIterator[Settings]:
    app = Starlette(routes=[Route("/", home), Route("/login", login), Route("/report.csv", report)])
    server = EmbeddedServer(app, "127.0.0.1", free_port(), name="reports")
    await server.start()
    settings = load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
            "BACKOFFICE_SYSTEMS": json.dumps(
                {"reports": {"url": f"http://127.0.0.1:{server.port}", "credential": "reports"}}
            ),
            "BACKOFFICE_SECRET_REPORTS_USERNAME": "reader",
            "BACKOFFICE_SECRET_REPORTS_PASSWORD": "reader-password",
            "BACKOFFICE_BOT_BROWSER_RECYCLE": "2",
            "PATH": "/usr/bin:/bin",
            **records_environ(tmp_path / "state"),
        }
    )
    upgraded(settings)  # the system's pauses are kept in the records, as a worker leaves them
    LOGINS.clear()
    try:
        async with standalone(settings):
            yield settings
    finally:
        await server.stop()


async def test_downloads_are_kept_and_sessions_reused(reports: Settings) -> None:
    first = await run_bot(ReportBot, ReportInput())
    second = await run_bot(ReportBot, ReportInput())
    assert Path(first.path).read_text() == "invoice,amount\nINV-1,100.00\n"
    assert Path(first.path).is_relative_to(reports.resolved_artifacts_dir)
    assert second.size == first.size
    assert LOGINS == ["login"]  # the second run reused the first one's session


async def test_the_browser_is_replaced_after_some_runs_and_after_a_crash(
    reports: Settings,
) -> None:
    pool = pool_for(reports)
    for _ in range(5):
        await run_bot(ReportBot, ReportInput())
    assert pool.launches == 3  # two runs per browser (BACKOFFICE_BOT_BROWSER_RECYCLE=2)

    browsers = chromium_main_processes()
    assert browsers
    for pid in browsers:
        os.kill(pid, signal.SIGKILL)  # the browser dies between two runs
    result = await run_bot(ReportBot, ReportInput())
    assert result.size > 0
    assert pool.launches == 4
