"""Workers that start together share one records database without tripping on each other:
on an empty database one makes the tables while the others wait, and on an existing one
their directory loads take turns."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, func, select

from backoffice import database
from backoffice.people.store import DelegationRow, PersonRow, read_directory_file
from backoffice.settings import load_settings
from tests.support.records import records_environ
from tests.support.worker_starts import start_together

PEOPLE = Path(__file__).resolve().parents[2] / "directory" / "people.yaml"
WORKERS = 4


def _environ(state_dir: Path) -> dict[str, str]:
    return {
        "BACKOFFICE_STATE_DIR": str(state_dir),
        "BACKOFFICE_DIRECTORY_FILE": str(PEOPLE),
        "PATH": "/usr/bin:/bin",
        **records_environ(state_dir),
    }


def _directory_as_shipped(environ: dict[str, str]) -> None:
    shipped = read_directory_file(PEOPLE)
    with Session(database.engine(load_settings(environ))) as session:
        people = session.exec(select(func.count()).select_from(PersonRow)).one()
        delegations = session.exec(select(func.count()).select_from(DelegationRow)).one()
    assert (people, delegations) == (len(shipped.people), len(shipped.delegations))


def test_workers_starting_together_on_an_empty_database_all_start(tmp_path: Path) -> None:
    environ = _environ(tmp_path / "state")

    assert start_together(environ, WORKERS) == [""] * WORKERS
    _directory_as_shipped(environ)


def test_workers_starting_together_on_an_existing_database_load_the_directory_in_turn(
    tmp_path: Path,
) -> None:
    environ = _environ(tmp_path / "state")
    database.upgraded(load_settings(environ))  # the tables exist from an earlier start

    # Each loads the directory a few times over, so that loads overlap whatever the timing.
    assert start_together(environ, WORKERS, loads=5) == [""] * WORKERS
    _directory_as_shipped(environ)
