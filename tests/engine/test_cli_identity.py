"""People at the command line prove who they are; an operator acting for one is audited so."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from backoffice import database, runtime
from backoffice.tasks.store import TaskEventRow, TaskRow
from tests.engine.test_task_records import DEFINITION, task_row
from tests.support.payload_keys import KEY_ENVIRONMENT
from tests.support.processes import ProcessRunner
from tests.support.records import records_environ

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "backoffice-demo"  # every demo person's, olivia the operator's too


async def backoffice(
    dev_env: WorkflowEnvironment, tmp_path: Path, *args: str, stdin: str | None = None
) -> tuple[int, str]:
    """The command as a person runs it; ``stdin`` None: not a terminal, and nothing to read."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
        "BACKOFFICE_LOG_LEVEL": "WARNING",
        **KEY_ENVIRONMENT,
        **records_environ(tmp_path / "state"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backoffice.cli.main", *args,
        cwd=ROOT, env=environment, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    given = stdin.encode() if stdin is not None else b""
    out, _ = await asyncio.wait_for(process.communicate(given), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode()


def audit(task_id: str) -> list[tuple[str, str, str, dict[str, object]]]:
    with Session(database.engine(runtime.settings())) as session:
        rows = session.exec(
            select(TaskEventRow).where(TaskEventRow.task_id == task_id).order_by(TaskEventRow.id)  # type: ignore[arg-type]
        )
        return [(r.event, r.actor, r.source, json.loads(r.detail_json)) for r in rows]


def status(task_id: str) -> str:
    with Session(database.engine(runtime.settings())) as session:
        row = session.get(TaskRow, task_id)
    assert row is not None
    return row.status


async def test_deciding_at_the_command_line_needs_the_persons_own_password(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    handle = await runner.start(
        runner.define(DEFINITION),
        {"case": uuid.uuid4().hex[:8], "cost_center": "CC-4100", "entered_by": "carol"},
    )
    row = await task_row(handle)
    decide = ("decide", row.id, "--as", "alice", "--outcome", "approve")

    code, out = await backoffice(dev_env, tmp_path, *decide)
    assert code == 1
    assert "acting as alice needs alice's inbox password" in out
    assert "--password-stdin" in out
    code, out = await backoffice(dev_env, tmp_path, *decide, "--password-stdin", stdin="guess\n")
    assert code == 1
    assert "error: not done: alice: wrong name or password" in out
    # A password is no argument: there is no option that would keep it in shell history.
    code, out = await backoffice(dev_env, tmp_path, *decide, "--password", PASSWORD)
    assert code != 0
    assert status(row.id) == "open"

    code, out = await backoffice(
        dev_env, tmp_path, *decide, "--password-stdin", stdin=f"{PASSWORD}\n"
    )
    assert code == 0, out
    assert f"approve by alice on {row.id}: decided" in out
    assert (await handle.result())["output"] == {"outcome": "approve"}
    decided = audit(row.id)[-1]
    assert decided[:3] == ("decided", "alice", "cli")
    assert "operator" not in decided[3]


async def test_an_operator_acts_for_a_person_with_a_reason_and_the_audit_names_both(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    handle = await runner.start(
        runner.define(DEFINITION),
        {"case": uuid.uuid4().hex[:8], "cost_center": "CC-4100", "entered_by": "carol"},
    )
    row = await task_row(handle)
    for_alice = ("--as", "alice", "--password-stdin")
    reason = "alice is in hospital; she approved by phone, ticket OPS-812"

    code, out = await backoffice(
        dev_env, tmp_path, "claim", row.id, *for_alice, "--operator", "olivia",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert code == 1
    assert "--operator olivia needs --reason TEXT: why you act for alice" in out
    # bob knows his own password, but is no operator: he cannot act in alice's name.
    code, out = await backoffice(
        dev_env, tmp_path, "claim", row.id, *for_alice, "--operator", "bob", "--reason", reason,
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert code == 1
    assert "not done: bob is not an operator" in out
    # The operator proves who *she* is: alice's password would not do.
    code, out = await backoffice(
        dev_env, tmp_path, "claim", row.id, *for_alice, "--operator", "olivia", "--reason",
        reason, stdin="not-olivias\n",
    )  # fmt: skip
    assert code == 1
    assert "not done: olivia: wrong name or password" in out
    assert [event for event, *_ in audit(row.id)] == ["created"]

    operator = ("--operator", "olivia", "--reason", reason)
    code, out = await backoffice(
        dev_env, tmp_path, "claim", row.id, *for_alice, *operator, stdin=f"{PASSWORD}\n"
    )
    assert code == 0, out
    assert f"{row.id} claimed by olivia for alice" in out
    code, out = await backoffice(
        dev_env, tmp_path, "decide", row.id, *for_alice, *operator, "--outcome", "approve",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert code == 0, out
    assert f"approve by olivia for alice on {row.id}: decided" in out
    assert (await handle.result())["output"] == {"outcome": "approve"}

    claimed, decided = audit(row.id)[1:]
    # The decision is alice's (the process's decided_by); the audit says who took it, and why.
    assert claimed[:3] == ("claimed", "alice", "operator")
    assert decided[:3] == ("decided", "alice", "operator")
    for _, _, _, detail in (claimed, decided):
        assert detail["operator"] == "olivia"
        assert detail["reason"] == reason
