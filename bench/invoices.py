"""A touchless supplier invoice through the whole process, against its bots alone.

    python bench/invoices.py [--invoices 6] [--rounds 2]

One dev server, the sandbox ERP on 127.0.0.1, the real worker (two ERP bots at once, as
the sandbox licenses). Each round runs a batch of touchless invoices through
``definitions/invoice_approval.yaml`` (until archived; the run then waits for its payment
date) and, alternately, the same number through a definition that only makes the four
ERP bot calls such an invoice needs (read vendor, read order, post, propose payment).
The ratio is what the process adds on top of the legacy screens: checks, duplicate
register, matching, records, step audit, history. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import socket
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from backoffice import database, registry, runtime, search_attributes  # noqa: E402
from backoffice.audit.steps import trail  # noqa: E402
from backoffice.catalog import build_catalog  # noqa: E402
from backoffice.engine.runs import Definitions, start_process  # noqa: E402
from backoffice.people.store import load_directory, read_directory_file  # noqa: E402
from backoffice.serving import EmbeddedServer  # noqa: E402
from backoffice.settings import interpreter_bin_dir, load_settings  # noqa: E402
from backoffice.worker import build_workers  # noqa: E402
from bots.kit.browser import close_pool  # noqa: E402
from legacy import create_app, seed  # noqa: E402

BOTS_ONLY = """
name: bench-bots-only
version: 1
title: The ERP bot calls of a touchless invoice, and nothing else
owner: bench
business_key: input.invoice_id
input:
  invoice: object
  invoice_id: string
  posting_date: string
steps:
  - {id: supplier, bot: erp.read_supplier, with: {supplier_id: "${ input.invoice.supplier_id }"}}
  - {id: order, bot: erp.read_purchase_order, with: {po_number: "${ input.invoice.po_number }"}}
  - id: post
    bot: erp.post_invoice
    with:
      supplier_id: ${ input.invoice.supplier_id }
      supplier_invoice_no: ${ input.invoice.supplier_invoice_no }
      invoice_date: ${ input.invoice.invoice_date }
      posting_date: ${ input.posting_date }
      net_amount: ${ input.invoice.net_amount }
      tax_amount: ${ input.invoice.tax_amount }
      gross_amount: ${ input.invoice.gross_amount }
      po_number: ${ input.invoice.po_number }
      lines: ${ input.invoice.lines }
  - id: propose
    bot: erp.create_payment_proposal
    with:
      document_number: ${ steps.post.document_number }
      payment_date: ${ input.posting_date }
      discount_percent: 2
"""
WAIT_SECONDS = 600


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def invoice(number: str, po_number: str, today: date, prefix: str = "B") -> dict[str, Any]:
    """A touchless invoice of one laptop against ``po_number`` (``prefix`` tells benches apart)."""
    return {
        "invoice_id": f"INV-{prefix}-{number}",
        "company": "ACME-DE",
        "supplier_id": "SUP-00087",
        "supplier_invoice_no": f"{prefix}-{number}",
        "invoice_date": (today - timedelta(days=2)).isoformat(),
        "currency": "EUR",
        "net_amount": "1245.00",
        "tax_amount": "236.55",
        "gross_amount": "1481.55",
        "payment_terms": "2/10 NET 30",
        "po_number": po_number,
        "cost_center": "CC-4100",
        "category": "GOODS",
        "entered_by": "bob",
        "lines": [
            {
                "line": 1,
                "po_line": 1,
                "item": "LAPTOP-14",
                "qty": 1,
                "uom": "EA",
                "unit_price": "1245.00",
                "amount": "1245.00",
                "tax_code": "DE19",
            }
        ],
        "bank": {"iban": "DE89370400440532013000"},
    }


async def archived(engine: Any, workflow_id: str) -> None:
    """Until the run has archived the invoice (it then waits for the payment date)."""
    deadline = time.perf_counter() + WAIT_SECONDS
    while time.perf_counter() < deadline:
        if any(s.action == "invoice.archive" for s in trail(engine, workflow_id)):
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"{workflow_id} was not archived within {WAIT_SECONDS} s")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="bench-invoices-"))
    password = secrets.token_urlsafe(12)
    seed("erp", state / "legacy", users={"bot-erp": password})
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(interpreter_bin_dir() / "temporal"),
        dev_server_database_filename=str(state / "temporal.db"),
        search_attributes=search_attributes.ALL,
        data_converter=pydantic_data_converter,
    )
    async with AsyncExitStack() as stack:
        stack.push_async_callback(env.shutdown)
        server = EmbeddedServer(
            create_app("erp", state / "legacy"), "127.0.0.1", free_port(), "erp"
        )
        await server.start()
        stack.push_async_callback(server.stop)
        erp_url = f"http://127.0.0.1:{server.port}"
        (state / "definitions").mkdir()
        for source in (ROOT / "definitions").glob("*.yaml"):
            (state / "definitions" / source.name).write_text(source.read_text())
        (state / "definitions" / "bench_bots_only.yaml").write_text(BOTS_ONLY)
        settings = load_settings(
            {
                "BACKOFFICE_STATE_DIR": str(state / "state"),
                "BACKOFFICE_TASK_QUEUE": f"bench-{uuid.uuid4().hex[:8]}",
                "BACKOFFICE_SYSTEMS": json.dumps(
                    {"erp": {"url": erp_url, "credential": "erp-bot", "concurrency": 2}}
                ),
                "BACKOFFICE_SECRET_ERP_BOT_USERNAME": "bot-erp",
                "BACKOFFICE_SECRET_ERP_BOT_PASSWORD": password,
                "BACKOFFICE_BOT_TRACES": "false",
                "PATH": "/usr/bin:/bin",
            }
        )
        runtime.use(settings)
        engine = database.engine(settings)
        load_directory(engine, read_directory_file(ROOT / "directory" / "people.yaml"))
        found = registry.discover()
        for worker in build_workers(env.client, settings, found):
            await stack.enter_async_context(worker)
        stack.push_async_callback(close_pool)
        definitions = Definitions(state / "definitions", build_catalog(found))
        today = date.today()
        tag = uuid.uuid4().hex[:6].upper()
        counter = 0

        async def new_order(http: httpx.AsyncClient) -> str:
            nonlocal counter
            counter += 1
            po = f"PO-B{tag}-{counter}"
            order = {
                "po_number": po,
                "supplier_id": "SUP-00087",
                "lines": [
                    {
                        "line_no": 1,
                        "item": "LAPTOP-14",
                        "qty": 1,
                        "unit_price": 1245,
                        "received_qty": 1,
                    }
                ],
            }
            (await http.post("/__admin/purchase-orders", json=order)).raise_for_status()
            return po

        async def through_process(http: httpx.AsyncClient, number: str) -> None:
            data = invoice(number, await new_order(http), today)
            handle = await start_process(
                env.client,
                "invoice-approval",
                data,
                task_queue=settings.task_queue,
                definitions=definitions,
            )
            await archived(engine, handle.id)

        async def bots_only(http: httpx.AsyncClient, number: str) -> None:
            data = invoice(number, await new_order(http), today)
            handle = await start_process(
                env.client,
                "bench-bots-only",
                {
                    "invoice": data,
                    "invoice_id": data["invoice_id"],
                    "posting_date": today.isoformat(),
                },
                task_queue=settings.task_queue,
                definitions=definitions,
            )
            await asyncio.wait_for(handle.result(), WAIT_SECONDS)

        async def batch(variant: str, prefix: str) -> float:
            one = through_process if variant == "process" else bots_only
            async with httpx.AsyncClient(base_url=erp_url, timeout=30) as http:
                began = time.perf_counter()
                await asyncio.gather(*(one(http, f"{prefix}-{i}") for i in range(args.invoices)))
                return time.perf_counter() - began

        await batch("process", f"W{tag}P")  # warm up: browser, sessions, caches
        await batch("bots", f"W{tag}B")
        seconds = {"process": 0.0, "bots": 0.0}
        for round_number in range(args.rounds):
            order = ["process", "bots"] if round_number % 2 == 0 else ["bots", "process"]
            for variant in order:
                taken = await batch(variant, f"R{round_number}{tag}{variant[0].upper()}")
                seconds[variant] += taken
                print(
                    f"round {round_number + 1} {variant:<8} {taken / args.invoices:6.2f} s/invoice"
                )
        audit_rows = len(trail(engine, f"invoice-approval/INV-B-R0{tag}P-0"))

    count = args.invoices * args.rounds
    figures = {
        "invoices_per_variant": count,
        "process_seconds_per_invoice": round(seconds["process"] / count, 3),
        "bots_only_seconds_per_invoice": round(seconds["bots"] / count, 3),
        "process_ratio": round(seconds["process"] / seconds["bots"], 3),
        "process_invoices_per_minute": round(60 * count / seconds["process"], 1),
        "step_audit_rows_per_invoice": audit_rows,
    }
    for key, value in figures.items():
        print(f"{key:>32}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
