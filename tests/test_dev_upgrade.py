"""A state directory from an earlier version keeps working with ``backoffice dev``.

The dev server registers its search attributes only when it creates its database, so a
``.backoffice/temporal.db`` made before ``ProcessReason`` and ``WaitingSince`` existed lacks
them; ``dev`` adds what is missing, and runs start and show them.
"""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client

from backoffice import search_attributes
from backoffice.settings import interpreter_bin_dir
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.test_dev_command import dev_stack

pytestmark = pytest.mark.slow


def earlier_database(db_file: Path, port: int) -> None:
    """A dev server database made with the earlier list of search attributes."""
    flags = [
        "--search-attribute",
        "BackofficeProcess=Keyword",
        "--search-attribute",
        "BusinessKey=Keyword",
        "--search-attribute",
        "ProcessStatus=Keyword",
        "--search-attribute",
        "CurrentStep=KeywordList",
        "--search-attribute",
        "WaitingOn=KeywordList",
        "--search-attribute",
        "WaitingUntil=Datetime",
    ]
    db_file.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [
            str(interpreter_bin_dir() / "temporal"),
            *("server", "start-dev", "--headless", "--db-filename", str(db_file)),
            *("--port", str(port), "--ui-port", str(free_port()), *flags),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def answers() -> bool:
        done = subprocess.run(
            [
                str(interpreter_bin_dir() / "temporal"),
                *("operator", "search-attribute", "list", "--address", f"localhost:{port}"),
            ],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
        )
        return done.returncode == 0 and "WaitingUntil" in done.stdout

    try:  # in a thread of its own (asyncio.to_thread), so with a loop of its own
        asyncio.run(eventually(answers, "the earlier dev server to answer", within=60, every=0.2))
    finally:
        server.terminate()
        server.wait(timeout=30)


async def test_dev_adds_the_search_attributes_an_earlier_state_directory_lacks(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    port = free_port()
    await asyncio.to_thread(earlier_database, state / "temporal.db", port)
    async with dev_stack(state, port, free_port()):
        client = await Client.connect(f"localhost:{port}")
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="default")
        )
        assert {key.name for key in search_attributes.ALL} <= set(listed.custom_attributes)
