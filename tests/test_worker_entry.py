"""``python worker.py`` and ``backoffice worker`` are one program with two names."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _environ(**extra: str) -> dict[str, str]:
    # Only what a program needs: a BACKOFFICE_* variable of the caller's must not leak in.
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    environ = _environ(BACKOFFICE_LOG_FORMAT="xml")  # refused before anything connects
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command", [("worker.py",), ("-m", "backoffice.cli.main", "worker")], ids=["script", "cli"]
)
def test_a_bad_setting_stops_the_worker_with_one_line_naming_it(command: tuple[str, ...]) -> None:
    finished = _run(*command)
    assert finished.returncode == 1
    assert finished.stderr.startswith("error: ")
    assert "BACKOFFICE_LOG_FORMAT = 'xml'" in finished.stderr
    assert "Traceback" not in finished.stderr


def test_the_worker_script_imports_no_command_line() -> None:
    probe = (
        "import runpy, sys; runpy.run_path('worker.py', run_name='probe'); "
        "print(sorted(m for m in sys.modules if m.startswith('backoffice.cli')))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=_environ(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert finished.stdout.strip() == "[]"
