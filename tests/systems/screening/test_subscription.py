"""The dev stack subscribes every sandbox system that pushes events, and says so in words
when one cannot be reached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backoffice.devstack import DevStackError
from backoffice.sandbox import SandboxSystems
from backoffice.settings import load_settings
from tests.support.network import free_port


async def test_a_vendor_that_does_not_answer_is_named_with_its_port(tmp_path: Path) -> None:
    port = free_port()
    systems = {"screening": {"url": f"http://127.0.0.1:{port}", "credential": "screening-api"}}
    settings = load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
            "PATH": "/usr/bin:/bin",
            "BACKOFFICE_SYSTEMS": json.dumps(systems),
        }
    )
    with pytest.raises(DevStackError) as caught:
        await SandboxSystems(settings).subscribe_events("http://127.0.0.1:1")
    assert str(caught.value).startswith(
        f"the sandbox screening on port {port} cannot be reached to subscribe it to events"
    )
    # The signing secret was made for it, in the secrets file, never on a command line.
    secrets_file = (tmp_path / "state" / "secrets.toml").read_text()
    assert "[screening-webhook]" in secrets_file


async def test_a_system_served_elsewhere_is_left_to_its_admins(tmp_path: Path) -> None:
    systems = {"screening": {"url": "https://screening.example.com", "credential": "s-api"}}
    settings = load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
            "PATH": "/usr/bin:/bin",
            "BACKOFFICE_SYSTEMS": json.dumps(systems),
        }
    )
    assert await SandboxSystems(settings).subscribe_events("http://127.0.0.1:1") == []
