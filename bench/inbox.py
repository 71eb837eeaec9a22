"""How fast a person's inbox lists their open tasks, with thousands of tasks open.

    python bench/inbox.py [--tasks 5000] [--samples 200]

Opens the tasks as real process runs on one dev server (each run waits on a human task for
the AP clerks group, so alice sees every one), then times the listing the inbox and
`backoffice tasks` use (the task table), and, as the baseline measured in the same run, a
Temporal visibility query for the same runs. The last line is one JSON object.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from activities.tasks import close_task, escalate_task, open_task, remind_task  # noqa: E402
from backoffice import database, registry, runtime, search_attributes  # noqa: E402
from backoffice.catalog import build_catalog  # noqa: E402
from backoffice.engine.runs import Definitions, start_process  # noqa: E402
from backoffice.people.store import sync_directory  # noqa: E402
from backoffice.settings import interpreter_bin_dir, load_settings  # noqa: E402
from backoffice.tasks.queries import count_open_for, inbox_listing  # noqa: E402
from worker import workflow_runner  # noqa: E402
from workflows.process import ProcessWorkflow  # noqa: E402

DEFINITION = """
name: bench-inbox
version: 1
title: Inbox benchmark
owner: bench
business_key: input.case
input:
  case: string
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{group: ap-clerks}]
      due: 3bd
      timeout: {after: 20bd, outcome: expired}
"""
IN_FLIGHT = 50


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
                    await start_process(
                        client, "bench-inbox", {"case": f"{tag}-{index}"},
                        task_queue=queue, definitions=definitions,
                    )  # fmt: skip

            began = time.perf_counter()
            await asyncio.gather(*(start(i) for i in range(args.tasks)))
            for _ in range(6000):  # bounded: every task must be in the table before timing
                if count_open_for(records, "alice") >= args.tasks:
                    break
                await asyncio.sleep(0.1)
            opened_seconds = time.perf_counter() - began
            open_now = count_open_for(records, "alice")

            table: list[float] = []
            for _ in range(args.samples):
                t0 = time.perf_counter()
                page = inbox_listing(records, "alice").rows
                table.append(time.perf_counter() - t0)
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
        "visibility_page_p95_seconds": round(percentile(visibility, 0.95), 5),
        "visibility_page_size": len(listed),
        "list_vs_visibility_ratio": round(
            percentile(table, 0.95) / percentile(visibility, 0.95), 3
        ),
    }
    for key, value in figures.items():
        print(f"{key:>30}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
    sys.stdout.flush()
    os._exit(0)  # Temporal's core threads and interpreter finalisation (sdk-python #300)
