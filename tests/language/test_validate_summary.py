"""`backoffice validate`'s summary stands on a line of its own after the last problem.

The problems go to stdout, the summary to stderr; shown together (a terminal, a CI log,
a tool that joins the two) the summary must not run on into the last problem's line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BAD = """\
name: summed
version: 1
title: Summed
owner: tests
business_key: inpt.id
input:
  id: string
steps:
  - {id: wait, wait: 1d}
"""


def test_the_summary_follows_the_last_problem_on_a_line_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "summed.yaml"
    path.write_text(BAD, encoding="utf-8")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", "validate", "--no-catalog", str(path)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{path}:5:15: business_key: unknown name 'inpt'")
    assert lines[-2:] == ["", "1 of 1 definition invalid, 1 problem"]
