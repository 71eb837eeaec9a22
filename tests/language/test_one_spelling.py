"""One spelling of cost center everywhere; the old one read only where runs still carry it.

Runs started before the spelling was settled name ``cost_centre_owner`` in their snapshot
and call ``people.cost_centre``: those keep working (the replay tests replay such runs).
A definition file being written now is told the spelling to use, through the command a
user runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from backoffice import registry
from backoffice.catalog import build_catalog
from backoffice.language import model

ROOT = Path(__file__).resolve().parents[2]
OLD = re.compile(r"cost.?centre", re.IGNORECASE)

# Where the old spellings may stay: the compatibility code and its tests (and the records
# of the past, below).
COMPATIBILITY = {
    "backoffice/old_spellings.py",
    "activities/common/people_renamed.py",
    "tests/language/test_one_spelling.py",
    "tests/people/test_old_directory_spellings.py",
    "tests/engine/test_retired_activities.py",
}

HEADER = """
name: {name}
version: 1
title: Approves by the old words
owner: tests
business_key: input.id
input:
  id: string
  cost_center: string
steps:
"""

STEPS = {
    "old-assignee": (
        "  - id: approve\n"
        "    task:\n"
        '      assignees: [{cost_centre_owner: "${ input.cost_center }"}]\n'
        "      timeout: {after: 3bd, outcome: expired}\n"
    ),
    "old-activity": (
        "  - id: owner\n"
        "    call: people.cost_centre\n"
        "    with: {cost_centre: '${ input.cost_center }'}\n"
    ),
    "new-words": (
        "  - id: owner\n"
        "    call: people.cost_center\n"
        "    with: {cost_center: '${ input.cost_center }'}\n"
        "  - id: approve\n"
        "    task:\n"
        '      assignees: [{cost_center_owner: "${ input.cost_center }"}]\n'
        "      timeout: {after: 3bd, outcome: expired}\n"
    ),
}


def backoffice(*arguments: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(state_dir),
    }
    if "PYTHONPATH" in os.environ:
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", *arguments],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def is_record_of_the_past(path: str) -> bool:
    """Recorded histories, migrations and databases from before (and the test that upgrades
    one): they say what was then."""
    return (
        ("/histories/" in path and path.endswith(".json"))
        or "/migrations/" in path
        or path.startswith("tests/records/data/")
        or path == "tests/records/test_migrations.py"
    )


def test_only_compatibility_code_and_recorded_histories_spell_cost_centre() -> None:
    git = shutil.which("git")
    assert git is not None, "git lists the files of this checkout"
    listed = subprocess.run(
        [git, "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert "definitions/invoice_approval.yaml" in listed  # the listing is of this checkout
    found = []
    for name in listed:
        path = ROOT / name
        if name in COMPATIBILITY or is_record_of_the_past(name) or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        found += [f"{name}: {match.group()}" for match in OLD.finditer(text)]
    assert found == []


def test_a_snapshot_naming_the_old_assignee_kind_still_reads_as_the_new_one() -> None:
    old = model.Assignee.model_validate({"cost_centre_owner": "CC-4100"})
    assert old.kind == "cost_center_owner"
    assert old == model.Assignee.model_validate({"cost_center_owner": "CC-4100"})
    assert old.model_dump(by_alias=True, exclude_none=True) == {"cost_center_owner": "CC-4100"}


def test_the_catalog_hides_the_retired_name_and_lists_the_new_one(tmp_path: Path) -> None:
    found = registry.discover()
    assert found.retired == {"people.cost_centre": "people.cost_center"}
    assert found.is_retired("people.cost_centre")
    assert not found.is_internal("people.cost_centre")  # runs are not refused it
    names = build_catalog(found).names()
    assert "people.cost_center" in names
    assert "people.cost_centre" not in names

    done = backoffice("catalog", state_dir=tmp_path / "state")
    assert done.returncode == 0, done.stderr
    assert "people.cost_center " in done.stdout
    assert "people.cost_centre" not in done.stdout


def test_validate_refuses_the_old_spellings_and_says_what_to_write(tmp_path: Path) -> None:
    files = []
    for name, steps in STEPS.items():
        path = tmp_path / f"{name.replace('-', '_')}.yaml"
        path.write_text(textwrap.dedent(HEADER).lstrip().format(name=name) + steps, "utf-8")
        files.append(path)

    done = backoffice("validate", *map(str, files), state_dir=tmp_path / "state")

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.splitlines() == [
        f"{files[0]}:12:20: steps[0].task.assignees[0].cost_centre_owner: 'cost_centre_owner' "
        "is spelled 'cost_center_owner' now: write cost_center_owner instead",
        f"{files[1]}:11:11: steps[0].call: 'people.cost_centre' was renamed: call "
        "people.cost_center (`backoffice catalog` shows what it takes)",
        f"{files[2]}: ok",
    ]
