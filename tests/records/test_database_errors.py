"""A records database that cannot be used is one line naming it, never its password, and
no traceback; wherever a database URL is printed, its password is masked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import make_url

from backoffice import database
from backoffice.cli.dev import banner
from backoffice.database import RecordsDatabaseError
from backoffice.devstack import DevServer
from backoffice.sandbox import SandboxSystems
from backoffice.settings import load_settings
from tests.support.network import free_port
from tests.support.records import records_url, server_url

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "n0t-the-right-0ne"
NOWHERE = f"postgresql+psycopg://bo:{PASSWORD}@127.0.0.1:{free_port()}/records"


def _backoffice(tmp_path: Path, *args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    """The command line of this tree (not an installed one), as a user runs it."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
        **environ,
    }
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_an_unreachable_database_is_one_line_naming_its_host_and_database() -> None:
    with pytest.raises(RecordsDatabaseError) as caught:
        database.engine_for(NOWHERE)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"records database {NOWHERE.replace(PASSWORD, '***')}: ")
    assert "Connection refused" in message
    assert "BACKOFFICE_DATABASE_URL" in message
    assert PASSWORD not in message


@pytest.mark.skipif(server_url() is None, reason="needs TEST_RECORDS_DATABASE_URL")
def test_a_wrong_password_is_one_line_saying_so_without_the_password(tmp_path: Path) -> None:
    good = make_url(str(records_url(tmp_path)))
    wrong = good.set(password=PASSWORD).render_as_string(hide_password=False)
    with pytest.raises(RecordsDatabaseError) as caught:
        database.engine_for(wrong)
    message = str(caught.value)
    assert "\n" not in message
    assert f"@{good.host}:{good.port}/{good.database}" in message
    assert "password authentication failed" in message
    assert PASSWORD not in message
    assert str(good.password) not in message


def test_the_command_line_says_a_database_is_unreachable_in_one_line(tmp_path: Path) -> None:
    ran = _backoffice(tmp_path, "systems", BACKOFFICE_DATABASE_URL=NOWHERE)
    assert ran.returncode == 1
    assert ran.stderr.count("\n") == 1, ran.stderr
    assert ran.stderr.startswith("error: records database postgresql+psycopg://bo:***@")
    assert PASSWORD not in ran.stdout + ran.stderr


def test_config_shows_the_database_url_with_its_password_masked(tmp_path: Path) -> None:
    ran = _backoffice(tmp_path, "config", BACKOFFICE_DATABASE_URL=NOWHERE.replace("+psycopg", ""))
    assert ran.returncode == 0, ran.stderr
    shown = [line for line in ran.stdout.splitlines() if line.startswith("database_url")]
    assert len(shown) == 2
    assert all(line.endswith(NOWHERE.replace(PASSWORD, "***")) for line in shown), shown
    assert PASSWORD not in ran.stdout


def test_the_dev_banner_shows_the_records_url_with_its_password_masked(tmp_path: Path) -> None:
    settings = load_settings(
        {"BACKOFFICE_STATE_DIR": str(tmp_path), "BACKOFFICE_DATABASE_URL": NOWHERE}
    )
    server = DevServer(binary=Path("temporal"), state_dir=tmp_path)
    shown = banner(settings, server, None, "http://localhost:8280", SandboxSystems(settings))
    assert f"Records         {NOWHERE.replace(PASSWORD, '***')}" in shown
    assert PASSWORD not in shown
