"""The directory resolves assignee rules, delegations included, from a real records database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from backoffice.people.directory import SqlDirectory, UnknownAssigneeRule
from backoffice.people.store import DirectoryFileError, load_directory, read_directory_file
from tests.support.records import records_url_in, upgraded_at

SHIPPED = Path(__file__).resolve().parents[2] / "directory" / "people.yaml"


@pytest.fixture
def directory(tmp_path: Path) -> SqlDirectory:
    engine = upgraded_at(records_url_in(tmp_path))
    load_directory(engine, read_directory_file(SHIPPED))
    return SqlDirectory(engine)


@pytest.mark.parametrize(
    ("rule", "people"),
    [
        ("user:alice", {"alice"}),
        ("user:nobody", set()),
        ("users:alice,bob,nobody", {"alice", "bob"}),
        ("group:ap-clerks", {"alice", "bob"}),
        ("role:cfo", {"frank"}),
        ("manager_of:alice", {"carol"}),
        ("manager_of:carol", set()),
        ("cost_center_owner:CC-4100", {"alice"}),
        ("approval_limit:20000", {"carol", "frank", "grace", "dave"}),
        ("approval_limit:20000@ap-managers", {"dave"}),
        # The managers of the people a rule names; or_else alternatives after "|".
        ("manager_of:role:buyer", {"frank"}),
        ("manager_of:role:cfo", set()),
        ("manager_of:role:cfo|role:deputy_cfo", {"grace"}),
        ("manager_of:carol|group:ap-managers", {"dave"}),
        ("manager_of:alice|group:ap-managers", {"carol"}),
        ("manager_of:role:cfo|role:nobody|user:bob", {"bob"}),
        # Owners of systems and records, from the owners list; cost centers from people too.
        ("owner_of:system:erp", {"dave"}),
        ("owner_of:system:mainframe", set()),
        ("owner_of:system:mainframe|role:cfo", {"frank"}),
        ("owner_of:supplier:SUP-100", {"alice"}),
        ("owner_of:supplier:SUP-999|group:ap-managers", {"dave"}),
        ("owner_of:cost_center:CC-4100", {"alice"}),
        ("manager_of:owner_of:system:erp", {"carol"}),
    ],
)
def test_assignee_rules_resolve_to_people(
    directory: SqlDirectory, rule: str, people: set[str]
) -> None:
    assert directory.resolve(rule) == people


def test_an_alternative_naming_only_excluded_people_gives_way_to_the_next(
    directory: SqlDirectory,
) -> None:
    assert directory.resolve("role:cfo|user:carol", excluded=["frank"]) == {"carol"}
    assert directory.resolve("role:cfo|user:carol", excluded=["carol"]) == {"frank"}
    # A rule without alternatives names whom it names: delegates may still stand in.
    assert directory.resolve("role:cfo", excluded=["frank"]) == {"frank"}
    assert directory.deciders(["role:cfo|user:carol"], date(2026, 12, 1), ["frank"]) == {
        "carol": "assignee"
    }


def test_delegate_may_decide_only_while_the_delegation_runs(directory: SqlDirectory) -> None:
    before = directory.deciders(["manager_of:alice"], date(2026, 12, 20))
    during = directory.deciders(["manager_of:alice"], date(2026, 12, 21))
    last_day = directory.deciders(["manager_of:alice"], date(2027, 1, 4))
    after = directory.deciders(["manager_of:alice"], date(2027, 1, 5))
    assert before == {"carol": "assignee"} == after
    assert during == {"carol": "assignee", "dave": "delegate of carol"} == last_day


def test_inactive_people_are_never_resolved(tmp_path: Path) -> None:
    text = SHIPPED.read_text().replace(
        "id: bob, name: Bob Keller,", "id: bob, active: false, name: Bob Keller,"
    )
    path = tmp_path / "people.yaml"
    path.write_text(text)
    engine = upgraded_at(records_url_in(tmp_path))
    load_directory(engine, read_directory_file(path))
    assert SqlDirectory(engine).resolve("group:ap-clerks") == {"alice"}


def test_reloading_replaces_the_directory(tmp_path: Path) -> None:
    engine = upgraded_at(records_url_in(tmp_path))
    load_directory(engine, read_directory_file(SHIPPED))
    path = tmp_path / "people.yaml"
    path.write_text(
        "people:\n  - {id: zoe, name: Zoe, email: zoe@acme.example, groups: [ap-clerks]}\n"
    )
    load_directory(engine, read_directory_file(path))
    assert SqlDirectory(engine).resolve("group:ap-clerks") == {"zoe"}


def test_unknown_rule_is_refused(directory: SqlDirectory) -> None:
    with pytest.raises(UnknownAssigneeRule, match="'boss_of:alice' is not an assignee rule"):
        directory.resolve("boss_of:alice")


A = "  - {id: a, name: A, email: a@x.example}\n"
B = "  - {id: b, name: B, email: b@x.example}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("people:\n  - {id: a, name: A, email: a@x.example, manager: ghost}\n",
         "a's manager ghost is not in the directory"),
        ("people:\n" + A + A, "people listed twice: a"),
        ("people:\n" + A + B + "delegations:\n"
         "  - {from: a, to: b, starts: 2026-01-05, ends: 2026-01-01}\n",
         "a delegation ends on or after the day it starts"),
        ("people: [\n", "cannot read the directory"),
        ("people:\n" + A + "owners:\n  - {system: erp, owner: ghost}\n",
         "the owner of system erp, ghost, is not in the directory"),
        ("people:\n" + A + "owners:\n  - {record: supplier, owner: a}\n",
         "an owner owns a system or a record"),
    ],
)  # fmt: skip
def test_bad_directory_file_says_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "people.yaml"
    path.write_text(text)
    with pytest.raises(DirectoryFileError) as caught:
        read_directory_file(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)
