"""``python -m legacy``: serving a system from the command line."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import httpx

from tests.legacy.conftest import WAIT_SECONDS
from tests.support.eventually import eventually
from tests.support.network import free_port

REPO = Path(__file__).resolve().parents[2]


async def test_serves_a_seeded_system_with_faults_and_stops_on_terminate(tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "legacy",
        "hr",
        "--port",
        str(port),
        "--data",
        str(tmp_path),
        "--user",
        "clerk=Sw0rdfish",
        "--faults",
        '{"popup_next": 1, "seed": 5}',
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            login = await eventually(
                lambda: client.get("/login"), "python -m legacy to answer", within=WAIT_SECONDS
            )
            assert "PeopleDesk" in login.text
            faults = (await client.get("/__admin/faults")).json()
            assert (faults["popup_next"], faults["seed"]) == (1, 5)
            logged_in = await client.post(
                "/login", data={"username": "clerk", "password": "Sw0rdfish"}
            )
            assert logged_in.status_code == 302
            home = await client.get("/")
            assert "System message" in home.text
    finally:
        process.terminate()
        async with asyncio.timeout(WAIT_SECONDS):
            await process.wait()
    assert (tmp_path / "hr.db").exists()


async def test_bad_fault_settings_stop_it_with_the_field_named(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "legacy",
        "erp",
        "--data",
        str(tmp_path),
        "--faults",
        '{"error_rate": 3}',
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    async with asyncio.timeout(WAIT_SECONDS):
        _, stderr = await process.communicate()
    assert process.returncode == 2
    assert "--faults" in stderr.decode()
    assert "error_rate" in stderr.decode()
