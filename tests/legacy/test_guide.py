"""docs/legacy.md tells the truth: its screens open, its settings and kinds exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from legacy.app import system_spec
from legacy.faults import FaultSettings
from tests.legacy.conftest import serving

GUIDE = (Path(__file__).resolve().parents[2] / "docs" / "legacy.md").read_text(encoding="utf-8")
SECTIONS = {"erp": "### ERP", "hr": "### HR intranet", "treasury": "### Treasury portal"}


def section(system: str) -> str:
    start = GUIDE.index(SECTIONS[system])
    end = min(i for i in (GUIDE.find("\n### ", start + 1), GUIDE.find("\n## ", start)) if i > 0)
    return GUIDE[start:end]


@pytest.mark.parametrize("system", SECTIONS)
async def test_every_screen_the_guide_names_opens_for_a_logged_in_user(
    system: str, tmp_path: Path
) -> None:
    text = section(system)
    screens = re.findall(r"`GET (/[^`]*)`", text) + re.findall(r"`(/[a-z-]+/[\w/-]+)`", text)
    assert len(screens) >= 3
    async with serving(system, tmp_path) as running, running.logged_in() as client:
        for path in screens:
            response = await client.get(path)
            assert response.status_code == 200, path


def test_the_guide_lists_every_fault_setting() -> None:
    for name in FaultSettings.model_fields:
        assert f"`{name}`" in GUIDE, name


@pytest.mark.parametrize("system", SECTIONS)
def test_the_guide_lists_every_countable_kind(system: str) -> None:
    kinds = GUIDE[GUIDE.index("Kinds: ") :]
    for kind in system_spec(system).count_kinds:
        assert f"`{kind}`" in kinds, kind
