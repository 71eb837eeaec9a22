"""Interpreter versus hand-written workflow: history events, throughput and worker CPU.

    python bench/interpreter.py [--runs 200] [--rounds 3] [--loop-items 1000]

One dev server (SQLite file), one worker subprocess hosting both the process workflow and
the hand-written one, the two variants run alternately. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from temporalio.client import Client  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from backoffice import search_attributes  # noqa: E402
from backoffice.catalog import build_catalog  # noqa: E402
from backoffice.engine.runs import Definitions, start_process  # noqa: E402
from backoffice.registry import Registry  # noqa: E402
from backoffice.settings import interpreter_bin_dir  # noqa: E402
from backoffice.worker import workflow_runner  # noqa: E402
from bench.workload import (  # noqa: E402
    ACTIVITIES,
    DEFINITION,
    LOOP_DEFINITION,
    HandWritten,
    Invoice,
)
from workflows.process import ProcessWorkflow  # noqa: E402


def found_workflows() -> Registry:
    """The engine's registrations (the process workflow passes through the sandbox)."""
    from backoffice import registry

    return registry.discover()


IN_FLIGHT = 100


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


async def serve_worker(address: str, task_queue: str) -> None:
    client = await Client.connect(address, data_converter=pydantic_data_converter)
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=[ProcessWorkflow, HandWritten],
        activities=ACTIVITIES,
        max_concurrent_workflow_tasks=100,
        workflow_runner=workflow_runner(found_workflows()),
    ):
        print("ready", flush=True)
        await asyncio.get_running_loop().create_future()  # until killed


async def run_batch(count: int, start_one: Any) -> float:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(index: int) -> None:
        async with gate:
            handle = await start_one(index)
            await handle.result()

    began = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - began


async def history_events(client: Client, workflow_id: str) -> int:
    total = 0
    async for execution in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        history = await client.get_workflow_handle(
            workflow_id, run_id=execution.run_id
        ).fetch_history()
        total += len(history.events)
    return total


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--loop-items", type=int, default=1000)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--task-queue", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        await serve_worker(args.worker, args.task_queue)
        return

    state = Path(tempfile.mkdtemp(prefix="bench-"))
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(interpreter_bin_dir() / "temporal"),
        dev_server_database_filename=str(state / "temporal.db"),
        search_attributes=search_attributes.ALL,
        data_converter=pydantic_data_converter,
    )
    client = env.client
    task_queue = f"bench-{uuid.uuid4().hex[:8]}"
    worker = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--worker", client.service_client.config.target_host,
        "--task-queue", task_queue, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert worker.stdout is not None
    await asyncio.wait_for(worker.stdout.readline(), timeout=60)

    try:
        (state / "definitions").mkdir()
        (state / "definitions" / "bench_invoice.yaml").write_text(DEFINITION)
        (state / "definitions" / "bench_loop.yaml").write_text(LOOP_DEFINITION)
        found = Registry()
        for fn in ACTIVITIES:
            found.add_activity(fn)
        definitions = Definitions(state / "definitions", build_catalog(found))
        tag = uuid.uuid4().hex[:6]

        def start_hand(prefix: str) -> Any:
            async def start(index: int) -> Any:
                invoice = Invoice(invoice_id=f"{prefix}-{index}", amount=100.0 + index)
                return await client.start_workflow(
                    HandWritten.run, invoice, id=f"hand/{prefix}-{index}", task_queue=task_queue
                )

            return start

        def start_interpreted(prefix: str) -> Any:
            async def start(index: int) -> Any:
                data = {"invoice_id": f"{prefix}-{index}", "amount": 100.0 + index}
                return await start_process(
                    client, "bench-invoice", data, task_queue=task_queue, definitions=definitions
                )

            return start

        # Warm up both paths (imports, sandbox, caches) before measuring.
        await run_batch(20, start_hand(f"warm-{tag}"))
        await run_batch(20, start_interpreted(f"warm-{tag}"))

        measured: dict[str, dict[str, float]] = {
            "hand": {"seconds": 0.0, "cpu": 0.0, "runs": 0},
            "interpreter": {"seconds": 0.0, "cpu": 0.0, "runs": 0},
        }
        for round_number in range(args.rounds):
            order = ["hand", "interpreter"] if round_number % 2 == 0 else ["interpreter", "hand"]
            for variant in order:
                prefix = f"{variant[:4]}-{tag}-{round_number}"
                starter = start_hand(prefix) if variant == "hand" else start_interpreted(prefix)
                cpu_before = cpu_seconds(worker.pid)
                seconds = await run_batch(args.runs, starter)
                measured[variant]["cpu"] += cpu_seconds(worker.pid) - cpu_before
                measured[variant]["seconds"] += seconds
                measured[variant]["runs"] += args.runs
                print(f"round {round_number + 1} {variant:<11} {args.runs / seconds:7.1f} runs/s")

        hand_events = await history_events(client, f"hand/hand-{tag}-0-0")
        interpreted_events = await history_events(client, f"bench-invoice/inte-{tag}-0-0")

        loop_began = time.perf_counter()
        items = list(range(1, args.loop_items + 1))
        loop = await start_process(
            client, "bench-loop", {"case": f"loop-{tag}", "items": items},
            task_queue=task_queue, definitions=definitions,
        )  # fmt: skip
        loop_result = await loop.result()
        loop_seconds = time.perf_counter() - loop_began
        loop_events = await history_events(client, loop.id)
        loop_runs = len([e async for e in client.list_workflows(f"WorkflowId = '{loop.id}'")])
        assert loop_result["output"]["checked"] == args.loop_items

    finally:
        worker.terminate()
        await worker.wait()
        await env.shutdown()

    def per(variant: str, what: str) -> float:
        return measured[variant][what] / measured[variant]["runs"]

    hand_rate = measured["hand"]["runs"] / measured["hand"]["seconds"]
    interpreter_rate = measured["interpreter"]["runs"] / measured["interpreter"]["seconds"]
    figures = {
        "runs_per_variant": int(measured["hand"]["runs"]),
        "hand_events_per_run": hand_events,
        "interpreter_events_per_run": interpreted_events,
        "events_ratio": round(interpreted_events / hand_events, 3),
        "hand_runs_per_second": round(hand_rate, 2),
        "interpreter_runs_per_second": round(interpreter_rate, 2),
        "throughput_ratio": round(interpreter_rate / hand_rate, 3),
        "hand_worker_cpu_ms_per_run": round(per("hand", "cpu") * 1000, 2),
        "interpreter_worker_cpu_ms_per_run": round(per("interpreter", "cpu") * 1000, 2),
        "worker_cpu_ratio": round(per("interpreter", "cpu") / per("hand", "cpu"), 3),
        "foreach_items": args.loop_items,
        "foreach_total_events": loop_events,
        "foreach_runs": loop_runs,
        "foreach_wall_seconds": round(loop_seconds, 2),
    }
    for key, value in figures.items():
        print(f"{key:>36}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    asyncio.run(main())
    # Temporal's core threads can still hold the GIL machinery while the interpreter
    # finalises; leave without finalising once the figures are printed.
    sys.stdout.flush()
    os._exit(0)
