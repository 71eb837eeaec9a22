"""The posting bot on invoices of few and many lines: seconds a posting, and their ratio.

    python bench/postings.py [--lines 3,60,200] [--rounds 3] [--no-traces]

The sandbox ERP runs as its own process (with its built-in slowness of postings and
searches). Each round posts one new invoice of each size through the bot runner as a worker
runs it (fresh context, read before write, rows added, every line entered, the document
read back whole page by page), sizes taking turns. The last line is one JSON object;
``ratio_<n>`` is the median time of an n-line posting over that of the smallest.
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
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from backoffice import runtime  # noqa: E402
from backoffice.money import round_money  # noqa: E402
from backoffice.settings import load_settings  # noqa: E402
from bots.erp.postings import InvoicePosting, PostInvoice  # noqa: E402
from bots.kit.browser import close_pool  # noqa: E402
from bots.kit.runner import run_bot  # noqa: E402
from legacy import seed  # noqa: E402


def posting(lines: int) -> InvoicePosting:
    """A new invoice of ``lines`` lines, line n of n % 7 + 1 parts at 3.15 + 1.05 n."""
    rows, net = [], Decimal(0)
    for n in range(1, lines + 1):
        qty, price = n % 7 + 1, Decimal("3.15") + Decimal("1.05") * n
        amount = round_money(qty * price, "EUR")
        net += amount
        rows.append(
            {"line": n, "item": f"PART-{n:03d}", "qty": qty, "unit_price": price,
             "amount": amount}
        )  # fmt: skip
    tax = round_money(net * Decimal("0.19"), "EUR")
    return InvoicePosting.model_validate(
        {
            "supplier_id": "SUP-00087",
            "supplier_invoice_no": f"B{lines}-{secrets.token_hex(4).upper()}",
            "invoice_date": "2025-06-12",
            "net_amount": net,
            "tax_amount": tax,
            "gross_amount": net + tax,
            "lines": rows,
        }
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", default="3,60,200", help="invoice sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-traces", action="store_true", help="post without traces")
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.lines.split(","))

    data = Path(tempfile.mkdtemp(prefix="bench-postings-"))
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
        systems = {"erp": {"url": base, "credential": "erp-bot"}}
        runtime.use(
            load_settings(
                {
                    "BACKOFFICE_STATE_DIR": str(data / "state"),
                    "BACKOFFICE_SYSTEMS": json.dumps(systems),
                    "BACKOFFICE_SECRET_ERP_BOT_USERNAME": user,
                    "BACKOFFICE_SECRET_ERP_BOT_PASSWORD": password,
                    "BACKOFFICE_BOT_TRACES": "false" if args.no_traces else "true",
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                }
            )
        )
        figures = await measure(sizes, args.rounds)
        figures["traces"] = not args.no_traces
    finally:
        await close_pool()
        server.terminate()
        server.wait(timeout=10)
    for key, value in figures.items():
        print(f"{key:>18}: {value}")
    print(json.dumps(figures))


async def measure(sizes: list[int], rounds: int) -> dict[str, Any]:
    await run_bot(PostInvoice, posting(sizes[0]))  # the browser launch and login, untimed
    seconds: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(rounds):
        for size in sizes:
            data = posting(size)
            began = time.perf_counter()
            posted = await run_bot(PostInvoice, data)
            seconds[size].append(time.perf_counter() - began)
            assert posted.line_count == size
    medians = {size: statistics.median(times) for size, times in seconds.items()}
    figures: dict[str, Any] = {"rounds": rounds}
    figures |= {f"seconds_{size}": round(medians[size], 2) for size in sizes}
    figures |= {f"ratio_{size}": round(medians[size] / medians[sizes[0]], 2) for size in sizes[1:]}
    return figures


if __name__ == "__main__":
    asyncio.run(main())
