"""`backoffice validate FILE` reads the file's own folder only, and survives its going away.

The processes a definition may start are found beside it (a definitions folder is flat,
and so is the engine's search): folders below are not read, so a file in a large tree is
checked as fast as one alone; a folder removed while the command runs ends in problems
said plainly, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from backoffice.cli.main import app

ROOT = Path(__file__).resolve().parents[2]

PARENT = """
name: {name}
version: 1
title: Parent
owner: tests
business_key: input.id
input:
  id: string
steps:
  - id: child
    process: {child}
    input: {{id: "${{ input.id }}"}}
"""

CHILD = """
name: {name}
version: 1
title: Child
owner: tests
business_key: input.id
input:
  id: string
steps:
  - {{id: noted, set: {{seen: "${{ input.id }}"}}}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.replace('-', '_')}.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_a_file_knows_the_processes_beside_it_not_those_in_folders_below(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    write(folder, "beside", CHILD.format(name="beside"))
    write(folder / "archive" / "2024", "below", CHILD.format(name="below"))
    starts_beside = write(
        folder, "starts-beside", PARENT.format(name="starts-beside", child="beside")
    )
    starts_below = write(folder, "starts-below", PARENT.format(name="starts-below", child="below"))
    runner = CliRunner()

    result = runner.invoke(app, ["validate", "--no-catalog", str(starts_beside)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{starts_beside}: ok\n"

    # The engine would not find archive/2024/below.yaml either: a start would fail.
    result = runner.invoke(app, ["validate", "--no-catalog", str(starts_below)])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{starts_below}:10:14: steps[0].process: no process named 'below' among the definitions.\n"
    )


def test_a_folder_removed_while_it_is_validated_gives_problems_not_a_traceback(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "definitions"
    write(folder, "beside", CHILD.format(name="beside"))
    parent = write(folder, "starts-beside", PARENT.format(name="starts-beside", child="beside"))
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
        "BACKOFFICE_PLUGINS": "tests.support.vanishing_folder",
        "TEST_VANISHING_FOLDER": str(folder),
    }
    done = subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", "validate", str(parent)],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert not folder.exists()  # the plugin removed it before the folder was read
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    assert done.stdout == f"{parent}:1:1: cannot read: No such file or directory\n"
    assert done.stderr == "\n1 of 1 definition invalid, 1 problem\n"


def test_a_four_eyes_task_the_directory_cannot_staff_is_warned(tmp_path: Path) -> None:
    definition = tmp_path / "two_managers.yaml"
    definition.write_text(
        textwrap.dedent(
            """\
            name: two-managers
            version: 1
            title: Two managers approve
            owner: tests
            business_key: input.case
            input: {case: string}
            steps:
              - id: approve
                task:
                  assignees: [{group: ap-managers}]
                  approvals: 2
                  timeout: {after: 5bd, outcome: reject}
            """
        ),
        encoding="utf-8",
    )
    people = Path(__file__).resolve().parents[2] / "directory" / "people.yaml"
    result = CliRunner().invoke(
        app,
        ["validate", "--no-catalog", str(definition)],
        env={"BACKOFFICE_DIRECTORY_FILE": str(people)},
    )
    assert result.exit_code == 0, result.output
    assert (
        "steps[0].task.approvals: warning: approvals: 2 needs 2 different people, but the "
        "assignees (group: ap-managers, as the directory has them) name at most 1"
    ) in result.output
