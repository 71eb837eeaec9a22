"""The shipped onboarding definition: it validates with the shipped catalog, the guide's
sample input starts it, and its scenarios rehearse as a process owner runs them
(``backoffice test definitions/onboarding.yaml``: the real worker and interpreter on the
time-skipping server, stand-ins for every call and bot).

The definition uses the workforce pack's activities and bots, guests who decide through a
link, file fields and ``local_time()``. Where one of them is missing from the engine or the
catalog, these tests are skipped with what is missing, rather than failing on it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import get_args

import pytest

from backoffice.catalog import build_catalog
from backoffice.engine.runs import business_key
from backoffice.language import model
from backoffice.language.expressions import helpers
from backoffice.language.holiday_calendars import resolve
from backoffice.language.inputs import check_input
from backoffice.language.validate import validate_file
from backoffice.people.store import read_directory_file
from backoffice.settings import load_settings

ROOT = Path(__file__).resolve().parents[3]
ONBOARDING = ROOT / "definitions" / "onboarding.yaml"
SAMPLE = ROOT / "docs" / "examples" / "onboarding.json"
COMMAND_SECONDS = 600  # a bound on a run of the command, never a measure of it
# The people the tasks name and the scenarios decide as.
PEOPLE = ("carol", "dave", "hanna", "henrik", "ivan", "isabel", "sofia")


def missing() -> list[str]:
    """What the definition needs that this build does not have."""
    text = ONBOARDING.read_text(encoding="utf-8")
    catalog = build_catalog(plugins=load_settings().plugins)
    named = sorted(set(re.findall(r"^\s*(?:- )?(?:call|bot): ([a-z_.]+)", text, re.M)))
    lacking = [f"activity or bot {name}" for name in named if catalog.get(name) is None]
    if "guest" not in model.Assignee.model_fields:
        lacking.append("the guest: assignee")
    if "file" not in get_args(model.FormFieldType):
        lacking.append("form fields of type file")
    if "local_time" not in helpers(model.Calendar()):
        lacking.append("the local_time() helper")
    directory = load_settings().directory_file
    known = {person.id for person in read_directory_file(directory).people} if directory else set()
    lacking += [f"{person} in the directory" for person in PEOPLE if person not in known]
    return lacking


@pytest.fixture(scope="module", autouse=True)
def everything_it_uses() -> None:
    lacking = missing()
    if lacking:
        pytest.skip("the onboarding needs " + ", ".join(lacking))


def definition() -> model.Definition:
    checked = validate_file(ONBOARDING, build_catalog(plugins=load_settings().plugins))
    assert checked.ok, "\n".join(str(problem) for problem in checked.problems)
    assert checked.definition is not None
    return checked.definition


def test_the_onboarding_validates_with_the_shipped_catalog() -> None:
    assert definition().name == "onboarding"


def test_the_guides_sample_input_fits_and_names_the_run() -> None:
    shipped = definition()
    data = check_input(shipped, json.loads(SAMPLE.read_text(encoding="utf-8")))
    key = business_key(shipped, data, resolve(shipped.calendar, date(2027, 6, 1)))
    assert key == "HR-EMP-ONB-2027-00042"


def test_every_rule_of_the_policy_is_in_the_variables() -> None:
    # A process owner changes the policy in one place: the variables.
    policy = definition().variables
    assert policy["time_zones"]["SFO-01"] == "America/Los_Angeles"
    assert policy["compressed_below_bd"] == 10
    assert (policy["critical_due_bd"], policy["payroll_due_bd"]) == (3, 5)
    activities = policy["templates"]["ONB-TPL-FIN-US"]["activities"]
    assert all(
        {"name", "role", "begin_on", "duration", "required_for_employee_creation"} <= set(a)
        for a in activities
    )
    assert {"ERP:AP_CLERK", "ERP:PAYMENT_RELEASE"} in [set(r["roles"]) for r in policy["sod_rules"]]


def test_the_scenarios_pass_and_reach_every_step() -> None:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("BACKOFFICE_")}
    environ["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "backoffice"), "test", str(ONBOARDING)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    for case in ("T1 ", "T2 ", "T3 ", "T4 "):
        assert any(line.startswith("PASS  " + case) for line in lines), done.stdout
    assert "FAIL" not in done.stdout
    assert "16 of 16 scenarios passed" in done.stdout
    assert "every step was reached by a scenario" in done.stdout
