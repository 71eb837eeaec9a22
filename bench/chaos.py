"""Invoices through the process while the ERP misbehaves and workers are killed.

    python bench/chaos.py [--invoices 20] [--workers 2] [--kill-every 25] [--outage 90]

One dev server, the sandbox ERP on 127.0.0.1 with faults (error pages, lost answers,
latency, expired sessions, pop-ups) and, a while in, an outage (every page an error for
``--outage`` seconds), and ``--workers`` worker processes of which one is killed with
SIGKILL (with its Chromium) every ``--kill-every`` seconds on average and restarted.
Touchless invoices go through ``definitions/invoice_approval.yaml``; each ends archived
(completed), waiting for a person (an open task: a reconciliation, an undo by hand), or
failed. Then the ERP's own database is read: an invoice posted twice is a duplicate, one
posted and not reversed without a payment proposal, whose run waits for nobody, is half
done. The last line is one JSON object: duplicates and half_done must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import AsyncExitStack, suppress
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from temporalio.client import Client, WorkflowExecutionStatus  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from backoffice import database, search_attributes  # noqa: E402
from backoffice.audit.steps import trail  # noqa: E402
from backoffice.catalog import build_catalog  # noqa: E402
from backoffice.engine.runs import Definitions, start_process  # noqa: E402
from backoffice.payload_keys import new_key  # noqa: E402
from backoffice.registry import discover  # noqa: E402
from backoffice.serving import EmbeddedServer  # noqa: E402
from backoffice.settings import interpreter_bin_dir, load_settings  # noqa: E402
from bench.invoices import free_port, invoice  # noqa: E402
from legacy import create_app, seed  # noqa: E402
from legacy.erp.models import InvoiceDocument, PaymentProposal  # noqa: E402

FAULTS = {
    "error_rate": 0.1,
    "latency_rate": 0.1,
    "latency_seconds": 1.0,
    "session_expiry_rate": 0.05,
    "lost_response_rate": 0.03,
    "lost_response_mode": "drop",
    "popup_rate": 0.05,
}
DEADLINE_SECONDS = 1800  # the whole batch; what is not settled by then counts as failed
POLL_SECONDS = 2.0


class Workers:
    """Worker processes, each in its own process group so a kill takes its Chromium too."""

    def __init__(self, count: int, environ: dict[str, str], logs: Path) -> None:
        self.environ = environ
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self.kills = 0

    def start(self, index: int) -> None:
        log = (self.logs / f"worker-{index}.log").open("ab")
        self.processes[index] = subprocess.Popen(
            [sys.executable, str(ROOT / "worker.py")],
            cwd=ROOT,
            env=self.environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, index: int) -> None:
        process = self.processes[index]
        if process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        self.processes[index] = None
        self.kills += 1

    def stop_all(self) -> None:
        for index, process in enumerate(self.processes):
            if process is None:
                continue
            with_grace = process.poll() is None
            if with_grace:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    self.kill(index)
                    continue
            self.processes[index] = None


async def chaos(
    workers: Workers, erp_url: str, args: argparse.Namespace, stop: asyncio.Event
) -> None:
    """Kill a worker now and then, and take the ERP down once, until told to stop."""
    draw = random.Random(args.seed)
    began = time.monotonic()
    outage_done = False
    async with httpx.AsyncClient(base_url=erp_url, timeout=30) as http:
        for _ in range(10_000):  # bounded by ``stop`` and the batch's deadline
            if stop.is_set():
                return
            await asyncio.sleep(min(draw.expovariate(1 / args.kill_every), 3 * args.kill_every))
            if stop.is_set():
                return
            index = draw.randrange(len(workers.processes))
            workers.kill(index)
            print(f"{time.monotonic() - began:7.1f} s  killed worker {index}", flush=True)
            await asyncio.sleep(draw.uniform(1, 4))
            workers.start(index)
            if not outage_done and time.monotonic() - began > args.outage_after:
                outage_done = True
                await http.put("/__admin/faults", json={**FAULTS, "error_rate": 1.0})
                print(f"{time.monotonic() - began:7.1f} s  ERP down", flush=True)
                await asyncio.sleep(args.outage)
                await http.put("/__admin/faults", json={**FAULTS, "seed": args.seed})
                print(f"{time.monotonic() - began:7.1f} s  ERP back", flush=True)


async def outcome(client: Client, engine: Any, workflow_id: str) -> str | None:
    """completed, waiting_for_person or failed once settled; None while still at work."""
    done = trail(engine, workflow_id)
    if any(s.action == "invoice.archive" and s.outcome == "completed" for s in done):
        return "completed"
    described = await client.get_workflow_handle(workflow_id).describe()
    if described.status != WorkflowExecutionStatus.RUNNING:
        return "completed" if described.status == WorkflowExecutionStatus.COMPLETED else "failed"
    # The search attributes, not a query: a query waits for a worker, and workers die here.
    held = described.typed_search_attributes
    waiting_on = held.get(search_attributes.WAITING_ON) or []
    status = held.get(search_attributes.PROCESS_STATUS)
    return "waiting_for_person" if status == "waiting" and waiting_on else None


def erp_ledger(data: Path, references: list[str]) -> tuple[int, dict[str, str]]:
    """Duplicates, and per reference what the ERP holds: posted, paid, reversed or none."""
    engine = create_engine(f"sqlite:///{data / 'erp.db'}")
    duplicates = 0
    held: dict[str, str] = {}
    with Session(engine) as session:
        for reference in references:
            documents = list(
                session.scalars(
                    select(InvoiceDocument).where(
                        InvoiceDocument.doc_type == "INVOICE",
                        InvoiceDocument.supplier_invoice_no == reference,
                    )
                )
            )
            duplicates += max(0, len(documents) - 1)
            if not documents:
                held[reference] = "none"
                continue
            document = documents[0]
            proposals = session.scalars(
                select(PaymentProposal).where(
                    PaymentProposal.doc_number == document.doc_number,
                    PaymentProposal.status == "PROPOSED",
                )
            ).all()
            if document.status == "REVERSED":
                held[reference] = "reversed"
            else:
                held[reference] = "paid" if proposals else "posted"
    engine.dispose()
    return duplicates, held


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=25.0, help="seconds, on average")
    parser.add_argument("--outage", type=float, default=90.0, help="seconds the ERP is down")
    parser.add_argument("--outage-after", type=float, default=20.0, help="seconds in")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="bench-chaos-"))
    password = secrets.token_urlsafe(12)
    seed("erp", state / "legacy", users={"bot-erp": password})
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(interpreter_bin_dir() / "temporal"),
        dev_server_database_filename=str(state / "temporal.db"),
        search_attributes=search_attributes.ALL,
        data_converter=pydantic_data_converter,
    )
    began = time.monotonic()
    async with AsyncExitStack() as stack:
        stack.push_async_callback(env.shutdown)
        server = EmbeddedServer(
            create_app("erp", state / "legacy"), "127.0.0.1", free_port(), "erp"
        )
        await server.start()
        stack.push_async_callback(server.stop)
        erp_url = f"http://127.0.0.1:{server.port}"
        queue = f"chaos-{uuid.uuid4().hex[:8]}"
        environ = {
            "BACKOFFICE_STATE_DIR": str(state / "state"),
            "BACKOFFICE_TASK_QUEUE": queue,
            "BACKOFFICE_SYSTEMS": json.dumps(
                {
                    "erp": {
                        "url": erp_url,
                        "credential": "erp-bot",
                        "concurrency": 2,
                        "probe_seconds": 5,
                    }
                }
            ),
            "BACKOFFICE_SECRET_ERP_BOT_USERNAME": "bot-erp",
            "BACKOFFICE_SECRET_ERP_BOT_PASSWORD": password,
            "BACKOFFICE_BOT_TRACES": "false",
            # The workers encrypt what they write; this script reads only records and
            # search attributes, which stay in clear.
            "BACKOFFICE_SECRET_PAYLOAD_KEYS_CURRENT": "bench1",
            "BACKOFFICE_SECRET_PAYLOAD_KEYS_BENCH1": new_key(),
            "BACKOFFICE_LOG_FORMAT": "json",
            "BACKOFFICE_SHUTDOWN_GRACE_SECONDS": "5",
            "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(state)),
        }
        settings = load_settings(environ)
        engine = database.engine(settings)
        workers = Workers(args.workers, environ, state)
        for index in range(args.workers):
            workers.start(index)
        stack.callback(workers.stop_all)

        async with httpx.AsyncClient(base_url=erp_url, timeout=30) as http:
            await http.put("/__admin/faults", json={**FAULTS, "seed": args.seed})
            definitions = Definitions(ROOT / "definitions", build_catalog(discover()))
            today = date.today()
            tag = uuid.uuid4().hex[:6].upper()
            ids: list[str] = []
            references: list[str] = []
            for number in range(args.invoices):
                po = f"PO-C{tag}-{number}"
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
                data = invoice(f"{tag}-{number}", po, today, prefix="C")
                handle = await start_process(
                    env.client, "invoice-approval", data, task_queue=queue, definitions=definitions
                )
                ids.append(handle.id)
                references.append(data["supplier_invoice_no"])

        stop = asyncio.Event()
        chaos_task = asyncio.create_task(chaos(workers, erp_url, args, stop))
        settled: dict[str, str] = {}
        deadline = time.monotonic() + DEADLINE_SECONDS
        while len(settled) < len(ids) and time.monotonic() < deadline:
            for workflow_id in ids:
                if workflow_id not in settled:
                    found = await outcome(env.client, engine, workflow_id)
                    if found is not None:
                        settled[workflow_id] = found
            print(
                f"{time.monotonic() - began:7.1f} s  settled {len(settled)} of {len(ids)}",
                flush=True,
            )
            await asyncio.sleep(POLL_SECONDS)
        stop.set()
        chaos_task.cancel()
        await asyncio.gather(chaos_task, return_exceptions=True)
        async with httpx.AsyncClient(base_url=erp_url, timeout=30) as http:
            await http.put("/__admin/faults", json={})

        duplicates, held = erp_ledger(state / "legacy", references)
        half_done = 0
        for workflow_id, reference in zip(ids, references, strict=True):
            result = settled.get(workflow_id, "failed")
            if held[reference] == "posted" and result != "waiting_for_person":
                half_done += 1  # in the ERP without its payment, and nobody told
        figures = {
            "invoices": len(ids),
            "completed": sum(1 for r in settled.values() if r == "completed"),
            "waiting_for_person": sum(1 for r in settled.values() if r == "waiting_for_person"),
            "failed": len(ids) - sum(1 for r in settled.values() if r != "failed"),
            "duplicates": duplicates,
            "half_done": half_done,
            "worker_kills": workers.kills,
            "outage_seconds": args.outage,
            "seconds": round(time.monotonic() - began, 1),
        }
    for key, value in figures.items():
        print(f"{key:>20}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
