"""The engine's own activities do not exist for a definition: not listed, not callable.

``tasks.close`` marks a task decided; a definition that could call it would decide another
process's task around the checks people's decisions pass. The commands run as a user runs
them, in a process of their own, against the catalog the shipped packages register.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from backoffice import registry
from backoffice.catalog import build_catalog
from backoffice.language.problems import did_you_mean

ROOT = Path(__file__).resolve().parents[2]

HEADER = """
name: {name}
version: 1
title: Decides what is not its own
owner: tests
business_key: input.id
defaults: {{repair_by: [{{group: ap-managers}}]}}
input:
  id: string
steps:
"""

CLOSE = "{task_id: T-1, status: decided, outcome: approve, decided_by: [cfo], at: '2026-01-05'}"

STEPS = {
    "as-call": f"  - {{id: close, call: tasks.close, with: {CLOSE}}}\n",
    "as-bot": f"  - {{id: close, bot: tasks.close, with: {CLOSE}}}\n",
    "as-undo": (
        "  - id: ask\n"
        "    call: http.request\n"
        "    with: {url: 'https://example.invalid/'}\n"
        f"    compensate: {{id: close, call: tasks.close, with: {CLOSE}}}\n"
    ),
}


def backoffice(*arguments: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(state_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", *arguments],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_worker_still_runs_the_engines_activities_which_live_beside_the_engine() -> None:
    found = registry.discover()
    on_default = {
        registry.activity_name(fn): fn.__module__
        for fn in found.activities_for(registry.DEFAULT_QUEUE)
    }
    tasks = {name for name in on_default if name.startswith("tasks.")}
    assert len(tasks) == 10
    assert tasks | {"events.subscribe", "smoke.greet", "notify.send"} == found.internal
    for name in found.internal:
        assert on_default[name].startswith("backoffice."), name
    # activities/ holds only what definitions may call.
    for queue in found.queues():
        for fn in found.activities_for(queue):
            if fn.__module__.startswith("activities."):
                assert not found.is_internal(registry.activity_name(fn)), fn.__module__


def test_the_catalog_lists_none_of_the_engines_own_activities(tmp_path: Path) -> None:
    found = registry.discover()
    internal = sorted(found.internal)
    assert {"tasks.open", "tasks.close", "tasks.record_decision", "events.subscribe"} <= set(
        internal
    )
    assert not set(internal) & set(build_catalog(found).names())

    done = backoffice("catalog", state_dir=tmp_path / "state")
    assert done.returncode == 0, done.stderr
    assert "http.request" in done.stdout  # what definitions may call is still listed
    for name in internal:
        assert name not in done.stdout
    assert "tasks." not in done.stdout


def test_validate_calls_an_internal_activity_unknown_as_a_call_a_bot_or_an_undo(
    tmp_path: Path,
) -> None:
    files = []
    for name, step in STEPS.items():
        path = tmp_path / f"{name.replace('-', '_')}.yaml"
        path.write_text(textwrap.dedent(HEADER).lstrip().format(name=name) + step, "utf-8")
        files.append(path)

    done = backoffice("validate", *map(str, files), state_dir=tmp_path / "state")

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    catalog = build_catalog(registry.discover())
    # The shipped catalog, as the command's own process builds it: without what other
    # tests of this session registered in this one.
    shipped = [n for n in catalog.names() if not catalog.actions[n].origin.startswith("tests.")]
    hint = did_you_mean("tasks.close", shipped)
    activities = ", ".join(n for n in shipped if catalog.actions[n].kind == "activity")
    bots = ", ".join(n for n in shipped if catalog.actions[n].kind == "bot")
    # Word for word what any name missing from the catalog gets.
    assert done.stdout.splitlines() == [
        f"{files[0]}:10:23: steps[0].call: unknown activity 'tasks.close'.{hint} Known: "
        f"{activities}",
        f"{files[1]}:10:22: steps[0].bot: unknown bot 'tasks.close'.{hint} Known: {bots}",
        f"{files[2]}:13:35: steps[0].compensate.call: unknown activity 'tasks.close'.{hint} "
        f"Known: {activities}",
    ]
    # Nor is one suggested, or listed among what is known.
    listed = done.stdout.replace("'tasks.close'", "")
    for name in registry.discover().internal:
        assert name not in listed
