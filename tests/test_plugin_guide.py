"""docs/activities.md, followed as written: a plugin module adds an activity a definition calls.

The guide's module is written to a folder of its own, the guide's settings name it, and
the commands a developer types see it: the catalog lists it as the guide shows, the
guide's definition validates, and a run of it on a worker calls the activity.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backoffice import registry
from backoffice.worker import workflow_runner
from tests.support.payload_keys import KEY_ENVIRONMENT
from tests.support.records import records_environ
from workflows.process import ProcessWorkflow

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "activities.md").read_text(encoding="utf-8")


def block(language: str) -> str:
    (found,) = re.findall(rf"^```{language}\n(.*?)^```", GUIDE, re.S | re.M)
    return str(found)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder as the guide leaves it: the plugin, the settings, the definition."""
    package = tmp_path / "my_plugins"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "greetings.py").write_text(block("python"), encoding="utf-8")
    (tmp_path / "backoffice.toml").write_text(block("toml"), encoding="utf-8")
    (tmp_path / "definitions").mkdir()
    (tmp_path / "definitions" / "greet_supplier.yaml").write_text(block("yaml"), encoding="utf-8")
    return tmp_path


def environment(project: Path, task_queue: str, address: str = "127.0.0.1:1") -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": f"{project}{os.pathsep}{ROOT}",
        "TEMPORAL_ADDRESS": address,
        "BACKOFFICE_TASK_QUEUE": task_queue,
        "BACKOFFICE_STATE_DIR": str(project / "state"),
        "BACKOFFICE_LOG_LEVEL": "WARNING",
        **KEY_ENVIRONMENT,
        **records_environ(project / "state"),
    }


async def backoffice(project: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backoffice.cli.main", *args,
        cwd=project, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.fixture
def plugin_module(project: Path) -> Iterator[ModuleType]:
    """The guide's module imported here, for the worker of this test; forgotten after it."""
    sys.path.insert(0, str(project))
    before = {queue: dict(found) for queue, found in registry.REGISTRY.activities.items()}
    try:
        yield importlib.import_module("my_plugins.greetings")
    finally:
        sys.path.remove(str(project))
        for name in [name for name in sys.modules if name.startswith("my_plugins")]:
            del sys.modules[name]
        registry.REGISTRY.activities.clear()
        registry.REGISTRY.activities.update(before)


async def test_the_catalog_lists_the_plugin_s_activity_as_the_guide_shows(project: Path) -> None:
    code, out, err = await backoffice(project, environment(project, "unused"), "catalog")
    assert code == 0, err
    shown = block("text").splitlines()[1:]  # the heading line lists the shipped ones too
    lines = out.splitlines()
    at = lines.index(shown[0])
    assert lines[at : at + len(shown)] == shown


async def test_the_guide_s_definition_validates_against_the_plugin(project: Path) -> None:
    code, out, err = await backoffice(
        project, environment(project, "unused"), "validate", "definitions/greet_supplier.yaml"
    )
    assert code == 0, out + err
    assert out == "definitions/greet_supplier.yaml: ok\n"


async def test_a_misspelt_error_of_the_plugin_is_refused(project: Path) -> None:
    path = project / "definitions" / "greet_supplier.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[NoName]", "[NoNames]"))
    code, out, _ = await backoffice(
        project, environment(project, "unused"), "validate", "definitions/greet_supplier.yaml"
    )
    assert code == 1
    assert "Did you mean 'NoName'?" in out
    assert "The steps here can raise NoName;" in out


async def test_a_run_of_the_guide_s_definition_calls_the_plugin_activity(
    project: Path, plugin_module: ModuleType, dev_env: WorkflowEnvironment
) -> None:
    task_queue = f"guide-{uuid.uuid4().hex}"
    env = environment(project, task_queue, dev_env.client.service_client.config.target_host)
    async with Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[ProcessWorkflow],
        activities=[plugin_module.hello],
        workflow_runner=workflow_runner(registry.discover()),
    ):
        code, out, err = await backoffice(
            project, env, "start", "greet-supplier", "--input", '{"name": "Ada"}', "--wait"
        )
    assert code == 0, err
    result = json.loads(out[out.index("{") :])
    assert result["output"] == {"greeting": "Dear Ada"}
