"""The sandbox identity provider, served as a real process for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sandboxes import Sandbox, start_sandbox


@pytest.fixture
def idp(tmp_path: Path) -> Iterator[Sandbox]:
    with start_sandbox("idp", tmp_path) as served:
        yield served
