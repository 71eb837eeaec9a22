"""Process packs reach the engine only by registering: the command line finds them itself."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.packs import Pack, PackError, packs, register_pack
from tests.support.network import free_port

ROOT = Path(__file__).resolve().parents[2]


def backoffice(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
    }
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", *arguments],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_packs_command_lists_payables_with_its_process_and_guide(tmp_path: Path) -> None:
    done = backoffice(tmp_path, "packs")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "payables  Payables"
    assert "  processes  invoice-approval" in lines
    assert "  guide      docs/processes/invoice_approval.md" in lines
    assert (ROOT / "docs" / "processes" / "invoice_approval.md").exists()


def test_a_demo_of_a_pack_that_does_not_exist_names_the_packs_there_are(tmp_path: Path) -> None:
    # Told before any connection is tried: the port has no server behind it.
    done = backoffice(tmp_path, "demo", "--pack", "hiring", "--port", str(free_port()))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr, done.stderr
    assert "no pack is named 'hiring': the packs are payables, workforce" in done.stderr


def test_every_pack_lives_under_activities_and_names_its_definitions() -> None:
    definitions = {path.stem.replace("_", "-") for path in (ROOT / "definitions").glob("*.yaml")}
    for pack in packs():
        assert (ROOT / "activities" / pack.name / "__init__.py").exists()
        assert set(pack.processes) <= definitions, pack.name
        for guide in pack.docs:
            assert (ROOT / guide).exists(), guide


def test_a_second_pack_by_a_taken_name_is_refused() -> None:
    [payables] = [pack for pack in packs() if pack.name == "payables"]
    assert register_pack(payables) is payables  # registering itself again changes nothing
    with pytest.raises(PackError, match="two packs are named 'payables'"):
        register_pack(Pack(name="payables", title="Another", processes=()))


def test_the_catalog_names_the_pack_or_system_each_entry_comes_from(tmp_path: Path) -> None:
    done = backoffice(tmp_path, "catalog")
    assert done.returncode == 0, done.stderr
    entries = {line.split()[0]: line.split()[1:3] for line in done.stdout.splitlines()
               if line.startswith("  ") and not line.startswith("      ")}  # fmt: skip
    assert entries["invoice.check"] == ["[pack", "payables]"]
    assert entries["http.request"][0] == "[common]"
    assert entries["erp.post_invoice"] == ["[queue", "erp]"]
