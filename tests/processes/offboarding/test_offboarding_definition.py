"""The shipped offboarding definition: it validates against the catalog, its sample input
fits it, and its rehearsal scenarios (T1-T4 and the edge cases) pass and reach every step.

The definition calls the workforce pack's activities and the HR intranet's bots; until
they are registered the catalog cannot check it, so these tests say so and skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.catalog import Catalog, build_catalog
from backoffice.language.inputs import check_input
from backoffice.language.validate import validate_file
from backoffice.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
DEFINITION = ROOT / "definitions" / "offboarding.yaml"
EXAMPLE = ROOT / "docs" / "examples" / "offboarding.json"
COMMAND_SECONDS = 400  # a bound on a run of the command, never a measure of it
NEEDED = (
    "hris.final_statement",
    "identity.deactivate_user",
    "workforce.final_pay_deadline",
    "people.hand_over_tasks",
    "hr.account_status",
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    found = build_catalog(plugins=load_settings().plugins)
    missing = [name for name in NEEDED if name not in found.actions]
    if missing:
        pytest.skip(f"the catalog has no {', '.join(missing)} to check offboarding against")
    return found


def test_the_definition_validates_without_problems_or_warnings(catalog: Catalog) -> None:
    checked = validate_file(DEFINITION, catalog)
    assert checked.problems == []
    assert checked.warnings == []
    assert checked.definition is not None
    assert checked.definition.name == "offboarding"


def test_the_guide_sample_input_is_accepted_as_a_start_would_check_it(catalog: Catalog) -> None:
    checked = validate_file(DEFINITION, catalog)
    assert checked.definition is not None
    data = check_input(checked.definition, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    assert data["separation_id"] == "HR-EMP-SEP-2025-00007"
    assert data["risk"] == "standard"


def test_the_rehearsal_passes_every_scenario_and_reaches_every_step(catalog: Catalog) -> None:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("BACKOFFICE_")}
    environ["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "backoffice"), "test", str(DEFINITION)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    cases = ("T1 ", "T2 ", "T3 ", "T4 ", "a resignation withdrawn", "a category under legal hold")
    for case in cases:
        assert any(line.startswith("PASS  " + case) for line in lines), done.stdout
    assert "FAIL" not in done.stdout
    assert "11 of 11 scenarios passed" in done.stdout
    assert "every step was reached by a scenario" in done.stdout
