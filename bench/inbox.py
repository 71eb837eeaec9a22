"""How fast a person's inbox lists their open tasks, with thousands of tasks open.

    python bench/inbox.py [--tasks 5000] [--samples 200]

Opens the tasks as real process runs on one dev server (each run waits on a human task for
the AP clerks group, so alice sees every one, and bob has all of them in his group's
queue), then times the lists the inbox shows from the task table: a person's list as
the page lists it unfiltered, the same filtered (a search and a supplier) and sorted by
amount, and the group's queue. Two baselines are measured in the same run: a Temporal
visibility query for the same runs, and the plain listing the page used before it had
filters (a person's soonest-due tasks and their count). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from backoffice import database, registry, runtime, search_attributes  # noqa: E402
from backoffice.catalog import build_catalog  # noqa: E402
from backoffice.engine.runs import Definitions, start_process  # noqa: E402
from backoffice.people.store import sync_directory  # noqa: E402
from backoffice.settings import interpreter_bin_dir, load_settings  # noqa: E402
from backoffice.tasks.activities import close_task, escalate_task, open_task, remind_task  # noqa: E402
from backoffice.tasks.listing import ListFilter, person_list, queue_list  # noqa: E402
from backoffice.tasks.queries import count_open_for, inbox_listing  # noqa: E402
from backoffice.worker import workflow_runner  # noqa: E402
from workflows.process import ProcessWorkflow  # noqa: E402

DEFINITION = """
name: bench-inbox
version: 1
title: Inbox benchmark
owner: bench
business_key: input.case
input:
  case: string
  supplier: string
  amount: number
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{group: ap-clerks}]
      context:
        supplier: ${ input.supplier }
        gross: ${ money(input.amount) } EUR
      due: 3bd
      timeout: {after: 20bd, outcome: expired}
"""
IN_FLIGHT = 50
SUPPLIERS = 50  # the tasks' suppliers: SUP-00000 to SUP-00049, a fiftieth of them each
FILTERED = ListFilter(search="sup-0000", supplier="SUP-00007", sort="amount")


def timed(work: Callable[[], object], samples: int) -> list[float]:
    seconds: list[float] = []
    for _ in range(samples):
        began = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - began)
    return seconds


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()

    state = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    settings = load_settings(
        {"BACKOFFICE_STATE_DIR": str(state), "PATH": os.environ.get("PATH", "/usr/bin")}
    )
    runtime.use(settings)
    records = database.engine(settings)
    sync_directory(records, ROOT / "directory" / "people.yaml")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(interpreter_bin_dir() / "temporal"),
        dev_server_database_filename=str(state / "temporal.db"),
        search_attributes=search_attributes.ALL,
        data_converter=pydantic_data_converter,
    )
    client = env.client
    definitions_dir = state / "definitions"
    definitions_dir.mkdir()
    (definitions_dir / "bench_inbox.yaml").write_text(DEFINITION)
    definitions = Definitions(definitions_dir, build_catalog(registry.Registry()))
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    tag = uuid.uuid4().hex[:6]
    try:
        async with Worker(
            client,
            task_queue=queue,
            workflows=[ProcessWorkflow],
            activities=[open_task, close_task, remind_task, escalate_task],
            workflow_runner=workflow_runner(registry.discover()),
            max_concurrent_workflow_tasks=100,
        ):
            gate = asyncio.Semaphore(IN_FLIGHT)

            async def start(index: int) -> None:
                async with gate:
                    data = {
                        "case": f"{tag}-{index}",
                        "supplier": f"SUP-{index % SUPPLIERS:05d} Supplier {index % SUPPLIERS}",
                        "amount": round(index * 37.9 % 90000, 2),
                    }
                    await start_process(
                        client, "bench-inbox", data, task_queue=queue, definitions=definitions
                    )

            began = time.perf_counter()
            await asyncio.gather(*(start(i) for i in range(args.tasks)))
            for _ in range(6000):  # bounded: every task must be in the table before timing
                if count_open_for(records, "alice") >= args.tasks:
                    break
                await asyncio.sleep(0.1)
            opened_seconds = time.perf_counter() - began
            open_now = count_open_for(records, "alice")

            now = datetime.now(UTC)
            page = person_list(records, "alice", ListFilter(), now).tasks
            filtered = person_list(records, "alice", FILTERED, now)
            queued = queue_list(records, "ap-clerks", "bob", ListFilter(), now)
            plain = timed(lambda: inbox_listing(records, "alice"), args.samples)
            table = timed(lambda: person_list(records, "alice", ListFilter(), now), args.samples)
            narrowed = timed(lambda: person_list(records, "alice", FILTERED, now), args.samples)
            queue_page = timed(
                lambda: queue_list(records, "ap-clerks", "bob", ListFilter(), now), args.samples
            )
            visibility: list[float] = []
            query = "BackofficeProcess = 'bench-inbox' AND WaitingOn = 'group:ap-clerks'"
            for _ in range(max(5, args.samples // 20)):
                t0 = time.perf_counter()
                listed = [e async for e in client.list_workflows(query, page_size=200, limit=200)]
                visibility.append(time.perf_counter() - t0)
    finally:
        await env.shutdown()

    figures = {
        "open_tasks": open_now,
        "page_size": len(page),
        "open_seconds": round(opened_seconds, 1),
        "list_p50_seconds": round(statistics.median(table), 5),
        "list_p95_seconds": round(percentile(table, 0.95), 5),
        "filtered_matches": filtered.total,
        "filtered_p50_seconds": round(statistics.median(narrowed), 5),
        "filtered_p95_seconds": round(percentile(narrowed, 0.95), 5),
        "queue_tasks": queued.total,
        "queue_p50_seconds": round(statistics.median(queue_page), 5),
        "queue_p95_seconds": round(percentile(queue_page, 0.95), 5),
        "plain_list_p50_seconds": round(statistics.median(plain), 5),
        "plain_list_p95_seconds": round(percentile(plain, 0.95), 5),
        "visibility_page_p95_seconds": round(percentile(visibility, 0.95), 5),
        "visibility_page_size": len(listed),
        "list_vs_visibility_ratio": round(
            percentile(table, 0.95) / percentile(visibility, 0.95), 3
        ),
        # The page's lists against the plain listing of before, p50 (p95 is noise-prone).
        "list_vs_plain_ratio": round(statistics.median(table) / statistics.median(plain), 2),
        "filtered_vs_plain_ratio": round(statistics.median(narrowed) / statistics.median(plain), 2),
        "queue_vs_plain_ratio": round(statistics.median(queue_page) / statistics.median(plain), 2),
    }
    for key, value in figures.items():
        print(f"{key:>30}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    os._exit(0)  # Temporal's core threads and interpreter finalisation (sdk-python #300)
