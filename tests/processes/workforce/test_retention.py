"""Retention of a leaver's records (DOMAIN.md offboarding step 7): each category's purge
date from the definition's table, a purge stopped by a legal hold in force, and otherwise
done once with its deletion certificate; incidents go with the category they were filed
under."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, select

from activities.workforce.incidents import Incident, incident_id_for, keep_incident
from activities.workforce.moments import add_years
from activities.workforce.records import DeletionCertificateRow, IncidentRow, RetentionRow
from tests.processes.workforce.conftest import Pack

SCHEDULE = "workforce.schedule_retention"
PURGE = "workforce.purge"
PLACE = "workforce.place_legal_hold"
LIFT = "workforce.lift_legal_hold"
HOLDS = "workforce.legal_holds"
PERIODS = [
    {"category": "payroll_tax", "years": 7},
    {"category": "personnel_file", "years": 3},
    {"category": "mailbox", "days": 90},
    {"category": "security_incident", "years": 1},
]
# Long enough ago that every category is due today.
LEFT = "2016-02-29"


async def test_each_category_gets_its_purge_date_from_the_table(pack: Pack) -> None:
    found = await pack.call(
        SCHEDULE, {"employee_id": "EMP-0420", "relieving_date": "2025-06-27", "periods": PERIODS}
    )

    assert found == {
        "entries": [
            {"category": "payroll_tax", "purge_on": "2032-06-27"},
            {"category": "personnel_file", "purge_on": "2028-06-27"},
            {"category": "mailbox", "purge_on": "2025-09-25"},
            {"category": "security_incident", "purge_on": "2026-06-27"},
        ]
    }
    # A leap day's anniversary in a common year is 28 February.
    leap = await pack.call(
        SCHEDULE,
        {"employee_id": "EMP-0421", "relieving_date": LEFT, "periods": PERIODS[1:2]},
    )
    assert leap["entries"] == [{"category": "personnel_file", "purge_on": "2019-02-28"}]


async def test_a_moved_relieving_date_moves_the_purges_not_yet_done(pack: Pack) -> None:
    plan = {"employee_id": "EMP-0430", "relieving_date": "2025-06-27", "periods": PERIODS[:2]}
    await pack.call(SCHEDULE, plan)

    moved = await pack.call(SCHEDULE, {**plan, "relieving_date": "2025-07-11"})

    assert [entry["purge_on"] for entry in moved["entries"]] == ["2032-07-11", "2028-07-11"]
    with Session(pack.records) as session:
        rows = session.exec(select(RetentionRow).where(RetentionRow.employee_id == "EMP-0430"))
        assert len(list(rows)) == 2


async def test_a_table_naming_a_category_twice_or_with_no_period_is_refused(pack: Pack) -> None:
    twice = await pack.refusal(
        SCHEDULE,
        {"employee_id": "EMP-1", "relieving_date": LEFT, "periods": [PERIODS[0], PERIODS[0]]},
    )
    never = await pack.refusal(
        SCHEDULE,
        {"employee_id": "EMP-1", "relieving_date": LEFT, "periods": [{"category": "badge"}]},
    )

    assert twice.type == never.type == "BadRetentionPlan"
    assert "names payroll_tax twice: keep one period for it" in twice.message
    assert "badge is no time at all: give it years: or days:" in never.message


async def test_a_purge_writes_a_certificate_of_what_went_under_which_rule(pack: Pack) -> None:
    await pack.call(
        SCHEDULE, {"employee_id": "EMP-0440", "relieving_date": LEFT, "periods": PERIODS}
    )
    incident = await pack.call(
        "workforce.raise_incident",
        {
            "severity": "P1",
            "summary": "VPN session after revocation",
            "employee_id": "EMP-0440",
            "findings": ["vpn: session since 2016-03-01T08:00:00Z"],
        },
    )

    purged = await pack.call(PURGE, {"employee_id": "EMP-0440", "category": "security_incident"})
    again = await pack.call(PURGE, {"employee_id": "EMP-0440", "category": "security_incident"})
    nothing = await pack.call(PURGE, {"employee_id": "EMP-0440", "category": "mailbox"})

    assert purged["purged"] is True
    assert purged["held"] is False
    assert purged["certificate_id"].startswith("DEL-")
    assert purged["deleted"] == [
        f"security incident {incident['incident_id']} (P1) of {incident['opened_at'][:10]}, "
        "with its findings"
    ]
    assert again == purged  # a purge is done once; asked again, its certificate answers
    assert nothing["deleted"] == ["nothing: the pack kept no mailbox records of EMP-0440"]
    with Session(pack.records) as session:
        assert session.get(IncidentRow, incident["incident_id"]) is None
        certificate = session.get(DeletionCertificateRow, purged["certificate_id"])
        entry = session.get(RetentionRow, ("EMP-0440", "security_incident"))
    assert certificate is not None
    assert (certificate.employee_id, certificate.category) == ("EMP-0440", "security_incident")
    assert certificate.rule == (
        "security_incident: kept 1 year after the relieving date 2016-02-29, so purged on "
        "2017-02-28"
    )
    assert json.loads(certificate.deleted_json) == purged["deleted"]
    assert entry is not None
    assert entry.purged_at is not None


async def test_a_legal_hold_stops_the_purge_until_it_is_lifted(pack: Pack) -> None:
    await pack.call(
        SCHEDULE, {"employee_id": "EMP-0450", "relieving_date": LEFT, "periods": PERIODS}
    )
    hold = {
        "employee_id": "EMP-0450",
        "matter": "LIT-2025-014",
        "category": "personnel_file",
        "reason": "wrongful-termination claim",
        "placed_by": "hanna",
    }
    placed = await pack.call(PLACE, hold)
    assert await pack.call(PLACE, hold) == placed  # placed once, however often asked
    everything = await pack.call(PLACE, {**hold, "category": "", "matter": "AUDIT-7"})

    held = await pack.call(PURGE, {"employee_id": "EMP-0450", "category": "personnel_file"})
    payroll = await pack.call(PURGE, {"employee_id": "EMP-0450", "category": "payroll_tax"})

    assert held == {
        "category": "personnel_file",
        "purged": False,
        "held": True,
        "hold_reason": (
            f"LIT-2025-014 ({placed['hold_id']}): wrongful-termination claim; "
            f"AUDIT-7 ({everything['hold_id']}): wrongful-termination claim"
        ),
        "certificate_id": "",
        "deleted": [],
    }
    assert payroll["held"] is True  # the hold on all categories
    with Session(pack.records) as session:
        assert session.exec(select(DeletionCertificateRow)).first() is None

    lift = {"employee_id": "EMP-0450", "reason": "claim settled", "lifted_by": "hanna"}
    lifted = await pack.call(LIFT, {**lift, "matter": "LIT-2025-014"})
    assert await pack.call(LIFT, {**lift, "matter": "LIT-2025-014"}) == lifted
    assert [h["in_force"] for h in lifted["holds"]] == [False]
    assert lifted["holds"][0]["lift_reason"] == "claim settled"
    still = await pack.call(PURGE, {"employee_id": "EMP-0450", "category": "personnel_file"})
    assert still["hold_reason"].startswith("AUDIT-7")

    await pack.call(LIFT, {**lift, "matter": "AUDIT-7"})
    purged = await pack.call(PURGE, {"employee_id": "EMP-0450", "category": "personnel_file"})
    assert purged["purged"] is True
    listed = await pack.call(HOLDS, {"employee_id": "EMP-0450"})
    assert [(h["matter"], h["in_force"]) for h in listed["holds"]] == [
        ("LIT-2025-014", False),
        ("AUDIT-7", False),
    ]


async def test_lifting_a_hold_never_placed_is_refused(pack: Pack) -> None:
    refused = await pack.refusal(
        LIFT, {"employee_id": "EMP-0460", "matter": "LIT-0", "reason": "r", "lifted_by": "hanna"}
    )

    assert refused.type == "LegalHoldNotFound"
    assert "no legal hold for matter LIT-0 was placed on EMP-0460" in refused.message


async def test_a_purge_before_its_date_or_never_scheduled_is_refused(pack: Pack) -> None:
    today = date.today().isoformat()
    await pack.call(
        SCHEDULE, {"employee_id": "EMP-0470", "relieving_date": today, "periods": PERIODS[:1]}
    )

    early = await pack.refusal(PURGE, {"employee_id": "EMP-0470", "category": "payroll_tax"})
    unknown = await pack.refusal(PURGE, {"employee_id": "EMP-0470", "category": "badge"})

    assert early.type == unknown.type == "PurgeRefused"
    kept_until = add_years(date.today(), 7)
    assert f"kept until {kept_until.isoformat()}: purge them on that day" in early.message
    assert "no retention is scheduled for the badge records of EMP-0470" in unknown.message


async def test_an_incident_is_kept_once_per_step(pack: Pack) -> None:
    incident = {
        "severity": "P2",
        "summary": "ERP token still valid",
        "employee_id": "EMP-0480",
        "findings": ["erp: token since 2025-06-27T18:00:00Z"],
    }
    first = await pack.call("workforce.raise_incident", incident)
    second = await pack.call("workforce.raise_incident", incident)

    assert first["incident_id"] != second["incident_id"]  # two runs: two incidents
    with Session(pack.records) as session:
        kept = session.get(IncidentRow, first["incident_id"])
    assert kept is not None
    assert json.loads(kept.findings_json) == incident["findings"]
    assert kept.retention_category == "security_incident"


def test_every_attempt_of_one_call_keeps_the_same_incident(pack: Pack) -> None:
    incident = Incident(severity="P1", summary="VPN", employee_id="EMP-0490")
    call = incident_id_for("offboarding/HR-EMP-SEP-2025-00007/run/verify")

    first = keep_incident(pack.records, call, incident)
    retried = keep_incident(pack.records, call, incident)

    assert retried.incident_id == first.incident_id
    with Session(pack.records) as session:
        rows = session.exec(select(IncidentRow).where(IncidentRow.employee_id == "EMP-0490"))
        assert len(list(rows)) == 1


async def test_a_blank_id_or_a_negative_period_is_refused_at_once_naming_the_field(
    pack: Pack,
) -> None:
    blank = await pack.refusal(PURGE, {"employee_id": " ", "category": "mailbox"})
    negative = await pack.refusal(
        SCHEDULE,
        {
            "employee_id": "EMP-1",
            "relieving_date": LEFT,
            "periods": [{"category": "x", "years": -1}],
        },
    )
    unheld = await pack.refusal(
        PLACE,
        {"employee_id": "EMP-1", "matter": "", "reason": "r", "placed_by": "hanna"},
    )

    assert (blank.type, blank.non_retryable) == ("PurgeRefused", True)
    assert blank.message == "employee_id is empty: give it a value"
    assert negative.type == "BadRetentionPlan"
    assert negative.message == "periods[0].years is -1: give a number of 0 or more"
    assert (unheld.type, unheld.message) == ("BadLegalHold", "matter is empty: give it a value")
