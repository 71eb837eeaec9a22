"""The bot runner against a raw Playwright script: time per task, launch, context, memory.

    python bench/bots.py [--rounds 12] [--contexts 8]

The sandbox ERP runs as its own process. One task is a login and 20 actions on it (five
invoice searches: open the search, fill two fields, search), done alternately by a plain
Playwright script and by the bot runner (fresh context, read before write, heartbeats,
tracing as in production), each on its own already-launched browser. Also measured:
Chromium's launch, a context's open-and-close, and the memory (PSS) each concurrent
context adds. The last line is one JSON object; runner_ratio = runner time / raw time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.async_api import Browser, Page, async_playwright  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from backoffice import runtime  # noqa: E402
from backoffice.settings import load_settings  # noqa: E402
from bots.kit.browser import CHROMIUM_ARGS, pool_for  # noqa: E402
from bots.kit.page_object import BotInput  # noqa: E402
from bots.kit.runner import run_bot  # noqa: E402
from bots.kit.sandbox_screens import SandboxScreens  # noqa: E402
from legacy import seed  # noqa: E402

SEARCHES = 5  # x 4 actions = 20
REFERENCES = ["AOS-88231", "AOS-1", "INV-7", "X-12", "Y-99"]


class Searched(BaseModel):
    found: int


class SearchInput(BotInput):
    supplier: str = "SUP-00087"


class SearchInvoices(SandboxScreens):
    """A read-only task: its lookup does the 20 actions and always 'finds' the result."""

    system: ClassVar[str] = "erp"

    def business_key(self, data: SearchInput) -> str:
        return data.supplier

    async def find(self, page: Page, data: SearchInput) -> Searched:
        return Searched(found=await twenty_actions(page, self.base_url, data.supplier))

    async def submit(self, page: Page, data: SearchInput) -> Searched:
        raise AssertionError("never submits")


async def twenty_actions(page: Page, base: str, supplier: str) -> int:
    found = 0
    for reference in REFERENCES[:SEARCHES]:
        await page.goto(f"{base}/invoices")
        await page.get_by_label("Supplier", exact=True).fill(supplier)
        await page.get_by_label("Supplier invoice number").fill(reference)
        await page.get_by_role("button", name="Search").click()
        found += await page.get_by_text("records found").count()
    return found


async def raw_task(browser: Browser, base: str, user: str, password: str) -> None:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{base}/")
        await page.get_by_label("User name").fill(user)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Log in").click()
        assert await twenty_actions(page, base, "SUP-00087") == SEARCHES
    finally:
        await context.close()


def pss_mib(root_pid: int) -> float:
    """Proportional memory of a process and all its descendants, in MiB."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def browser_pid(marker: str) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline and "--type=" not in cmdline:
                return int(entry.name)
    raise RuntimeError("the browser process was not found")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--contexts", type=int, default=8)
    parser.add_argument(
        "--no-traces", action="store_true", help="run the bots without Playwright traces"
    )
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bench-bots-"))
    user, password = "bot-erp", secrets.token_urlsafe(12)
    seed("erp", data, users={user: password})
    port = 18000 + os.getpid() % 1000
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is timed
        [sys.executable, "-m", "legacy", "erp", "--port", str(port), "--data", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    if (await client.get(f"{base}/login")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        settings = load_settings(
            {
                "BACKOFFICE_STATE_DIR": str(data / "state"),
                "BACKOFFICE_SYSTEMS": json.dumps(
                    {"erp": {"url": base, "credential": "erp-bot", "reuse_session": False}}
                ),
                "BACKOFFICE_SECRET_ERP_BOT_USERNAME": user,
                "BACKOFFICE_SECRET_ERP_BOT_PASSWORD": password,
                "BACKOFFICE_BOT_TRACES": "false" if args.no_traces else "true",
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            }
        )
        runtime.use(settings)
        figures = await measure(settings, base, user, password, args)
    finally:
        server.terminate()
        server.wait(timeout=10)
    for key, value in figures.items():
        print(f"{key:>24}: {value}")
    print(json.dumps(figures))


async def measure(
    settings: Any, base: str, user: str, password: str, args: argparse.Namespace
) -> dict[str, Any]:
    executable = settings.resolved_browser_executable
    path = str(executable) if executable else None
    async with async_playwright() as playwright:
        launches: list[float] = []
        for _ in range(3):
            began = time.perf_counter()
            browser = await playwright.chromium.launch(
                executable_path=path, args=list(CHROMIUM_ARGS)
            )
            launches.append(time.perf_counter() - began)
            await browser.close()

        raw_browser = await playwright.chromium.launch(
            executable_path=path, args=list(CHROMIUM_ARGS)
        )
        await raw_task(raw_browser, base, user, password)  # warm both paths once
        await run_bot(SearchInvoices, SearchInput())
        raw: list[float] = []
        runner: list[float] = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            await raw_task(raw_browser, base, user, password)
            raw.append(time.perf_counter() - began)
            began = time.perf_counter()
            result = await run_bot(SearchInvoices, SearchInput())
            runner.append(time.perf_counter() - began)
            assert result.found == SEARCHES

        contexts: list[float] = []
        for _ in range(20):
            began = time.perf_counter()
            context = await raw_browser.new_context()
            await context.close()
            contexts.append(time.perf_counter() - began)
        await raw_browser.close()

        marker = f"--bench-marker-{secrets.token_hex(4)}"
        browser = await playwright.chromium.launch(
            executable_path=path, args=[*CHROMIUM_ARGS, marker]
        )
        pid = browser_pid(marker)
        page = await (await browser.new_context()).new_page()
        await page.goto(f"{base}/login")
        baseline = pss_mib(pid)
        opened = []
        for _ in range(args.contexts):
            context = await browser.new_context()
            page = await context.new_page()
            await page.goto(f"{base}/login")
            opened.append(context)
        await asyncio.sleep(1)
        loaded = pss_mib(pid)
        await browser.close()
    await pool_for(settings).close()
    raw_median, runner_median = statistics.median(raw), statistics.median(runner)
    return {
        "rounds": args.rounds,
        "traces": not args.no_traces,
        "raw_task_seconds": round(raw_median, 3),
        "runner_task_seconds": round(runner_median, 3),
        "runner_ratio": round(runner_median / raw_median, 3),
        "launch_seconds": round(statistics.median(launches), 3),
        "context_seconds": round(statistics.median(contexts), 4),
        "context_rss_mib": round((loaded - baseline) / args.contexts, 1),
        "browser_pss_mib": round(baseline, 1),
    }


if __name__ == "__main__":
    asyncio.run(main())
