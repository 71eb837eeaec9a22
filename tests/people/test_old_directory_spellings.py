"""A directory file or an open task from before the spelling was settled still works.

The file says ``cost_centers`` now; one that still says ``cost_centres`` loads the same
people into the same tables, and the log tells its owner to rename the key. Tasks opened
before carry ``cost_centre_owner:...`` rules, which still name the owner.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select
from structlog.testing import capture_logs

from backoffice.people.directory import SqlDirectory
from backoffice.people.store import CostCenterRow, load_directory, read_directory_file
from tests.support.records import records_url_in, upgraded_at

SHIPPED = Path(__file__).resolve().parents[2] / "directory" / "people.yaml"


def test_the_shipped_directory_says_cost_centers_and_loading_it_warns_of_nothing() -> None:
    assert "cost_centers:" in SHIPPED.read_text(encoding="utf-8")
    with capture_logs() as logs:
        read_directory_file(SHIPPED)
    assert [entry for entry in logs if entry["log_level"] == "warning"] == []


def test_a_directory_file_saying_cost_centres_loads_and_warns_to_rename_the_key(
    tmp_path: Path,
) -> None:
    old = tmp_path / "people.yaml"
    old.write_text(SHIPPED.read_text(encoding="utf-8").replace("cost_centers:", "cost_centres:"))

    with capture_logs() as logs:
        directory = read_directory_file(old)

    assert directory == read_directory_file(SHIPPED)
    warnings = [entry for entry in logs if entry["log_level"] == "warning"]
    assert len(warnings) == 1
    warning = warnings[0]
    assert "rename the key to cost_centers" in warning["event"]
    assert warning["file"] == str(old)
    assert warning["key"] == "cost_centres"
    assert warning["rename_to"] == "cost_centers"
    assert warning["people"] == ["carol", "alice"]  # whose entries to edit, in file order

    engine = upgraded_at(records_url_in(tmp_path))
    load_directory(engine, directory)
    with Session(engine) as session:
        owners = {row.id: row.owner_id for row in session.exec(select(CostCenterRow))}
    assert owners == {"CC-4000": "carol", "CC-4100": "alice"}


def test_a_task_opened_with_the_old_rule_kind_still_names_the_owner(tmp_path: Path) -> None:
    engine = upgraded_at(records_url_in(tmp_path))
    load_directory(engine, read_directory_file(SHIPPED))
    directory = SqlDirectory(engine)
    assert directory.resolve("cost_centre_owner:CC-4100") == {"alice"}
    assert directory.resolve("cost_centre_owner:CC-4100") == directory.resolve(
        "cost_center_owner:CC-4100"
    )
    assert directory.resolve("cost_centre_owner:CC-9999|group:ap-managers") == {"dave"}
