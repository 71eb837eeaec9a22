"""docs/systems/ tells the truth: each system's screens open, the settings and kinds exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from legacy.app import system_spec
from legacy.faults import FaultSettings
from tests.legacy.conftest import serving

DOCS = Path(__file__).resolve().parents[2] / "docs" / "systems"
GUIDE = (DOCS / "sandbox.md").read_text(encoding="utf-8")
SECTIONS = ("erp", "hr", "treasury")


def section(system: str) -> str:
    """The system's table of screens, from its own page."""
    page = (DOCS / f"{system}.md").read_text(encoding="utf-8")
    start = page.index("## Screens")
    end = page.find("\n## ", start + 1)
    return page[start : end if end > 0 else None]


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
