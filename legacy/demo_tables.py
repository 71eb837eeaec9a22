"""Demo master data kept as CSV files next to the system that uses it."""

from __future__ import annotations

import csv
from pathlib import Path


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header line, as text fields."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
