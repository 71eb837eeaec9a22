from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.support import activities
from tests.support.processes import ProcessRunner, process_worker


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    activities.calls.clear()


@pytest_asyncio.fixture
async def runner(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[ProcessRunner]:
    """A worker with the process workflow and the test activities, on the dev server."""
    async with process_worker(dev_env.client, tmp_path) as started:
        yield started


@pytest_asyncio.fixture
async def skipping_runner(
    time_env: WorkflowEnvironment, tmp_path: Path
) -> AsyncIterator[ProcessRunner]:
    """The same on the time-skipping server: timers and deadlines pass at once."""
    async with process_worker(time_env.client, tmp_path) as started:
        yield started
