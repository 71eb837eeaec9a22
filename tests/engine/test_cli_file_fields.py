"""A file field at the command line: `backoffice decide --field evidence=@path` keeps the
file in the artifacts store and the decision holds its reference."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from backoffice.settings import load_settings
from backoffice.tasks import uploads
from tests.engine.test_cli_identity import PASSWORD, backoffice
from tests.support.processes import ProcessRunner
from tests.support.records import records_environ
from tests.support.waits import opened_task

pytestmark = pytest.mark.slow

EVIDENCE = """
name: disable-evidence
version: 1
title: Evidence of a disabled account
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: confirm
    task:
      assignees: [{user: alice}]
      form:
        fields: [{id: evidence, label: Screenshot, type: file, required: true}]
        outcomes: [done]
      timeout: {after: 2bd, outcome: done}
output:
  evidence: ${ steps.confirm.fields.evidence }
"""


async def test_a_file_field_is_given_as_at_path_and_kept_for_the_task(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    handle = await runner.start(runner.define(EVIDENCE), {"case": uuid.uuid4().hex[:8]})
    task = await opened_task(handle, decidable=True)
    shot = tmp_path / "disabled.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 500)
    decide = ("decide", task.task_id, "--as", "alice", "--outcome", "done", "--password-stdin")

    code, out = await backoffice(
        dev_env, tmp_path, *decide, "--field", f"evidence=@{tmp_path / 'missing.png'}",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert code == 1
    assert "--field evidence: evidence: no file" in out

    code, out = await backoffice(
        dev_env, tmp_path, *decide, "--field", f"evidence=@{shot}", stdin=f"{PASSWORD}\n"
    )
    assert code == 0, out
    evidence = (await handle.result())["output"]["evidence"]
    assert evidence["name"] == "disabled.png"
    assert evidence["size"] == len(shot.read_bytes())
    assert evidence["sha256"] == hashlib.sha256(shot.read_bytes()).hexdigest()
    assert evidence["content_type"] == "image/png"
    # The command's state directory is the test's: its artifacts hold the file, kept.
    settings = load_settings(
        {"BACKOFFICE_STATE_DIR": str(tmp_path / "state"), **records_environ(tmp_path / "state")}
    )
    kept = uploads.find(settings, task.task_id, evidence["file_id"])
    assert kept is not None
    assert kept.path.read_bytes() == shot.read_bytes()
