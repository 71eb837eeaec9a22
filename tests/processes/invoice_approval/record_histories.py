"""Record histories of the shipped invoice process for the replay tests.

    python -m tests.processes.invoice_approval.record_histories

Two runs on the time-skipping server with the sandbox ERP and the real worker: a non-PO
invoice through rejection, clarification and three approvals; and a posted invoice
reversed when a duplicate is reported. ``test_replay.py`` beside this file replays every
file in its ``histories/`` against today's interpreter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import tempfile
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from backoffice import database
from backoffice.engine.runs import send_event
from backoffice.settings import interpreter_bin_dir
from tests.processes.invoice_approval.conftest import Stack, erp_and_worker
from tests.processes.invoice_approval.test_invoice_paths import cleaning

HISTORIES = Path(__file__).resolve().parent / "histories"


async def save(stack: Stack, handle: WorkflowHandle[object, object], name: str) -> Path:
    history = await handle.fetch_history()
    document = {"workflow_id": handle.id, **json.loads(history.to_json())}
    path = HISTORIES / f"{name}.json"
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return path


async def approval_matrix(stack: Stack) -> Path:
    handle = await stack.start(cleaning(stack, "HIST-1", "60000.00"))
    await stack.decide(handle, "approve_owner", "alice", "reject", "which quarter?")
    await stack.decide(handle, "clarify", "bob", "clarified", "Q3, agreed with facilities")
    for step, person in (
        ("approve_owner", "alice"),
        ("approve_head", "carol"),
        ("approve_cfo", "frank"),
    ):
        await stack.decide(handle, step, person, "approve")
    await handle.result()
    return await save(stack, handle, "invoice_approval_matrix")


async def reversal(stack: Stack) -> Path:
    handle = await stack.start(stack.invoice("HIST-2"))
    await stack.archived(handle)
    await send_event(stack.env.client, handle.id, "duplicate_found", {"by": "alice"})
    with contextlib.suppress(Exception):
        await handle.result()
    return await save(stack, handle, "invoice_reversal")


async def main() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(interpreter_bin_dir() / "temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    directory = Path(tempfile.mkdtemp())
    try:
        async with erp_and_worker(env, directory) as (settings, erp, definitions):
            today = (await env.get_current_time()).date()
            stack = Stack(env, erp, settings, definitions, database.engine(settings), today)
            print("recorded", await approval_matrix(stack))
            # The first run's result skipped the server's clock ahead: today moved with it,
            # or the next invoice would be due (and paid) before its duplicate is reported.
            today = (await env.get_current_time()).date()
            stack = Stack(env, erp, settings, definitions, database.engine(settings), today)
            print("recorded", await reversal(stack))
    finally:
        shutil.rmtree(directory)
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
