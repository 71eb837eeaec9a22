"""``backoffice dev`` starts the sandbox API systems with a token each, kept for next time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from backoffice.sandbox import SandboxSystems, ensure_token
from backoffice.settings import Settings, load_settings
from tests.support.network import free_port

ROOT = Path(__file__).resolve().parents[2]


def _settings(state_dir: Path, systems: dict[str, int]) -> Settings:
    credentials = {"idp": "idp-scim", "hris": "hris-api"}
    return load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(state_dir),
            "BACKOFFICE_SYSTEMS": json.dumps(
                {name: {"url": f"http://127.0.0.1:{port}", "credential": credentials[name]}
                 for name, port in systems.items()}
            ),
            "PATH": "/usr/bin:/bin",
        }
    )  # fmt: skip


def test_a_token_is_made_once_and_kept_in_the_secrets_file(tmp_path: Path) -> None:
    settings = _settings(tmp_path, {})
    token = ensure_token(settings, "idp-scim")
    assert len(token) >= 16
    assert ensure_token(settings, "idp-scim") == token
    kept = tomllib.loads(settings.resolved_secrets_file.read_text(encoding="utf-8"))
    assert kept["idp-scim"] == {"token": token}
    assert settings.resolved_secrets_file.stat().st_mode & 0o077 == 0


async def test_dev_serves_the_identity_provider_with_its_token_and_skips_a_missing_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    # The HRIS module is built elsewhere; here it is made missing on purpose.
    monkeypatch.setitem(sys.modules, "sandbox.hris.app", None)
    settings = _settings(tmp_path, {"idp": port, "hris": free_port()})
    systems = SandboxSystems(settings)
    systems.start()
    try:
        await systems.wait_ready()
        assert "hris" in systems.missing
        assert systems.api_ports() == {"idp": port}
        token = ensure_token(settings, "idp-scim")
        process = systems.processes["idp"]
        command_line = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert token not in command_line
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}/scim/v2") as client:
            assert (await client.get("/Users")).status_code == 401
            answer = await client.get("/Users", headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200
        assert (tmp_path / "sandbox" / "idp.db").exists()
    finally:
        systems.stop()


def test_python_m_sandbox_refuses_to_serve_without_a_token(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_TOKEN_")}
    refused = subprocess.run(
        [sys.executable, "-m", "sandbox", "idp", "--data", str(tmp_path)],
        cwd=ROOT, env={**environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "SANDBOX_TOKEN_BACKOFFICE" in refused.stderr
