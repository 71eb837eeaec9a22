"""The HR intranet's badges, account opening and sign-ins, and new hires with the HRIS's ID."""

from __future__ import annotations

import re

from tests.legacy.conftest import Running, field_value, message

HIRE = {
    "employee_id": "EMP-0612",
    "first_name": "Maria",
    "last_name": "Lopez",
    "department": "Finance",
    "job_title": "Accounts Payable Specialist",
    "manager_id": "EMP-0193",
    "hire_date": "2025-07-07",
}
TIMESTAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"


async def test_new_hire_keeps_the_employee_id_the_hris_gave(hr: Running) -> None:
    async with hr.logged_in() as client:
        unknown = await client.post(
            "/badges",
            data={
                "employee_id": "EMP-0612",
                "holder_name": "Maria Lopez",
                "valid_from": "2025-07-07",
            },
        )
        wrong = await client.post("/employees/new", data={**HIRE, "employee_id": "612"})
        hired = await client.post("/employees/new", data=HIRE)
        # An assigned ID skips one the HRIS has already given.
        await client.post("/employees/new", data={**HIRE, "employee_id": "EMP-0600"})
        assigned = await client.post("/employees/new", data={**HIRE, "employee_id": ""})
    assert message(unknown.text) == (
        "Employee EMP-0612 does not exist: enter the new hire first (New hire)"
    )
    assert message(wrong.text).startswith("Employee ID: write it as the HRIS gives it")
    assert field_value(hired.text, "employee_id") == "EMP-0612"
    assert field_value(assigned.text, "employee_id") == "EMP-0601"
    assert await hr.count("employee", "EMP-0612") == 1


async def test_badge_is_issued_once_and_revoked_once_with_its_time(hr: Running) -> None:
    badge = {"employee_id": "EMP-0512", "holder_name": "Priya Raman", "valid_from": "2025-07-07"}
    async with hr.logged_in() as client:
        issued = await client.post("/badges", data=badge)
        number = field_value(issued.text, "badge_number")
        second = await client.post("/badges", data=badge)
        no_reason = await client.post(f"/badges/{number}/revoke", data={})
        revoked = await client.post(f"/badges/{number}/revoke", data={"reason": "Offer withdrawn"})
        when = field_value(revoked.text, "revoked_at")
        again = await client.post(f"/badges/{number}/revoke", data={"reason": "Leaver"})
        listed = await client.get("/badges", params={"employee_id": "EMP-0512"})
        missing = await client.get("/badges/BDG-999999")
    assert number == "BDG-100101"
    assert message(issued.text) == f"Badge {number} was issued"
    assert field_value(issued.text, "valid_from") == "07/07/2025"
    assert field_value(issued.text, "status") == "Active"
    assert message(second.text) == (
        f"Employee EMP-0512 already has active badge {number}: revoke it before issuing another"
    )
    assert message(no_reason.text) == "Reason: choose a reason for revoking"
    assert message(revoked.text) == f"Badge {number} was revoked"
    assert field_value(revoked.text, "status") == "Revoked"
    assert re.fullmatch(TIMESTAMP, when)
    assert message(again.text) == f"Badge {number} is already revoked (since {when})"
    assert "1 records found" in listed.text
    assert missing.status_code == 404
    assert message(missing.text) == "Badge BDG-999999 does not exist"
    assert await hr.count("badge", "EMP-0512", status="Revoked") == 1


async def test_badges_are_listed_by_employee_and_paged(hr: Running) -> None:
    async with hr.logged_in() as client:
        everyone = await client.get("/badges", params={"page": "3"})
        leaver = await client.get("/badges", params={"employee_id": "EMP-0471"})
        active = await client.get("/badges", params={"status": "Active"})
    # 28 people have started (two pre-hires have no card yet).
    assert "28 records found" in everyone.text
    assert "Page 3 of 3" in everyone.text
    assert "<td>Revoked</td>" in leaver.text
    assert "27 records found" in active.text


async def test_account_is_opened_once_per_system_and_its_last_login_shown(hr: Running) -> None:
    account = {"employee_id": "EMP-0512", "system": "LEGACY_PAYROLL", "user_id": "P0512"}
    async with hr.logged_in() as client:
        opened = await client.post("/accounts", data=account)
        second = await client.post("/accounts", data=account)
        taken = await client.post(
            "/accounts", data={**account, "employee_id": "EMP-0612", "user_id": "P0420"}
        )
        taken_by_other = await client.post(
            "/accounts", data={"employee_id": "EMP-0512", "system": "BADGE", "user_id": "bad id!"}
        )
        badge = await client.post(
            "/accounts", data={"employee_id": "EMP-0512", "system": "BADGE", "user_id": "praman"}
        )
        async with hr.client() as admin:
            reported = await admin.post(
                "/__admin/logins",
                json={
                    "employee_id": "EMP-0512",
                    "system": "LEGACY_PAYROLL",
                    "at": "2025-07-08T08:15:00Z",
                },
            )
            nobody = await admin.post(
                "/__admin/logins", json={"employee_id": "EMP-0512", "system": "VPN"}
            )
        number = reported.json()["account_id"]
        shown = await client.get(f"/accounts/{number}")
    assert message(opened.text) == "Account P0512 on LEGACY_PAYROLL was created"
    assert field_value(opened.text, "account_status") == "ACTIVE"
    assert field_value(opened.text, "last_login_at") == "never"
    assert message(second.text) == "Employee EMP-0512 already has account P0512 on LEGACY_PAYROLL"
    assert message(taken.text).startswith("Employee EMP-0612 does not exist")
    assert message(taken_by_other.text).startswith("User ID: 2 to 40 letters")
    assert message(badge.text) == "Account praman on BADGE was created"
    assert nobody.status_code == 404
    assert field_value(shown.text, "last_login_at") == "2025-07-08 08:15:00 UTC"
    assert await hr.count("account", "EMP-0512") == 2


async def test_user_id_taken_on_a_system_is_refused(hr: Running) -> None:
    async with hr.logged_in() as client:
        await client.post("/employees/new", data=HIRE)
        taken = await client.post(
            "/accounts",
            data={"employee_id": "EMP-0612", "system": "LEGACY_PAYROLL", "user_id": "P0420"},
        )
    assert message(taken.text) == (
        "User ID P0420 is already taken on LEGACY_PAYROLL (by EMP-0420): choose another"
    )
    assert await hr.count("account", "EMP-0612") == 0


async def test_inactivating_and_cancelling_say_when_the_record_is_missing(hr: Running) -> None:
    async with hr.logged_in() as client:
        record = await client.post("/payroll/records/PR-999999/inactivate")
        run = await client.post("/offcycle/OC-2025-999999/cancel")
        inactivated = await client.post("/payroll/records/PR-100001/inactivate")
        twice = await client.post("/payroll/records/PR-100001/inactivate")
    assert record.status_code == 404
    assert message(record.text) == "Payroll record PR-999999 does not exist"
    assert run.status_code == 404
    assert message(run.text) == "Off-cycle run OC-2025-999999 does not exist"
    assert message(inactivated.text) == "Payroll record PR-100001 was inactivated"
    assert message(twice.text) == "Payroll record PR-100001 is already inactive"
