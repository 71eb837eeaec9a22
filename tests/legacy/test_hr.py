"""The HR intranet over HTTP: payroll records, account disabling, off-cycle runs, searches."""

from __future__ import annotations

import re

from tests.legacy.conftest import Running, field_value, message

PAYROLL = {
    "employee_id": "EMP-0512",
    "effective_date": "2025-07-07",
    "pay_frequency": "Biweekly",
    "account_holder": "Priya Raman",
    "bank_name": "Wells Fargo Bank",
    "routing_number": "121000248",
    "account_number": "12345678",
    "account_type": "Checking",
    "filing_status": "Married filing jointly",
    "multiple_jobs": "on",
    "dependents_amount": "2000",
    "state": "CA",
    "state_allowances": "2",
}
OFFCYCLE = {
    "employee_id": "EMP-0420",
    "amount": "4,250.00",
    "currency": "USD",
    "reason": "Final settlement",
    "payment_date": "2025-06-27",
}


async def account_of(client: object, employee_id: str, system: str) -> str:
    response = await client.get(  # type: ignore[attr-defined]
        "/accounts", params={"employee_id": employee_id, "system": system}
    )
    found = re.findall(r'href="/accounts/(\d+)"', response.text)
    assert len(found) == 1
    return str(found[0])


async def test_payroll_record_twice_makes_two_records(hr: Running) -> None:
    async with hr.logged_in() as client:
        first = await client.post("/payroll/records", data=PAYROLL)
        second = await client.post("/payroll/records", data=PAYROLL)
        assert message(first.text) == "Payroll record PR-100101 was created for employee EMP-0512"
        assert field_value(second.text, "record_number") == "PR-100102"
        shown = await client.get("/payroll/records/PR-100101")
    assert field_value(shown.text, "filing_status") == "Married filing jointly"
    assert field_value(shown.text, "multiple_jobs") == "Yes"
    assert field_value(shown.text, "dependents_amount") == "2,000.00"
    assert field_value(shown.text, "account_number") == "******5678"
    assert await hr.count("payroll_record", "EMP-0512") == 2


async def test_payroll_record_checks_bank_and_employee(hr: Running) -> None:
    cases = {
        "Routing number: not a valid ABA routing number": {"routing_number": "121000249"},
        "Account number: 4 to 17 digits": {"account_number": "12-34"},
        "Employee EMP-0471 has left the company": {"employee_id": "EMP-0471"},
        "Employee EMP-9999 does not exist": {"employee_id": "EMP-9999"},
        "Filing status: choose one of Single or Married filing separately, "
        "Married filing jointly, Head of household": {"filing_status": "Exempt"},
    }
    async with hr.logged_in() as client:
        for expected, changes in cases.items():
            response = await client.post("/payroll/records", data={**PAYROLL, **changes})
            assert message(response.text) == expected
    assert await hr.count("payroll_record", "EMP-0512") == 0


async def test_disabling_an_account_records_when_and_refuses_a_second_time(hr: Running) -> None:
    async with hr.logged_in() as client:
        account = await account_of(client, "EMP-0420", "LEGACY_PAYROLL")
        no_reason = await client.post(f"/accounts/{account}/disable", data={})
        assert message(no_reason.text) == "Reason: choose a reason for disabling"
        disabled = await client.post(f"/accounts/{account}/disable", data={"reason": "Leaver"})
        assert message(disabled.text) == "Account P0420 on LEGACY_PAYROLL was disabled"
        assert field_value(disabled.text, "account_status") == "DISABLED"
        when = field_value(disabled.text, "disabled_at")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", when)
        again = await client.post(f"/accounts/{account}/disable", data={"reason": "Leaver"})
        assert message(again.text) == f"Account P0420 is already disabled (since {when})"
        listing = await client.get(
            "/accounts", params={"employee_id": "EMP-0420", "status": "DISABLED"}
        )
        assert "1 records found" in listing.text
        enabled = await client.post(f"/accounts/{account}/enable")
        assert message(enabled.text) == "Account P0420 on LEGACY_PAYROLL was enabled"
    assert await hr.count("account_disable", "EMP-0420") == 1
    assert await hr.count("account_disable", "EMP-0420", system="VPN") == 0


async def test_offcycle_run_gets_a_number_and_can_be_cancelled(hr: Running) -> None:
    async with hr.logged_in() as client:
        created = await client.post("/offcycle", data=OFFCYCLE)
        number = field_value(created.text, "run_number")
        assert number == "OC-2025-000001"
        assert field_value(created.text, "amount") == "4,250.00"
        refused = await client.post("/offcycle", data={**OFFCYCLE, "amount": "-5"})
        assert message(refused.text) == "Gross amount: must be more than zero"
        cancelled = await client.post(f"/offcycle/{number}/cancel")
        assert message(cancelled.text) == f"Off-cycle run {number} was cancelled"
    assert await hr.count("offcycle_run", "EMP-0420") == 1
    assert await hr.count("offcycle_run", "EMP-0420", status="CREATED") == 0


async def test_employee_search_pages_and_filters(hr: Running) -> None:
    async with hr.logged_in() as client:
        everyone = await client.get("/employees", params={"search": "Search", "page": "3"})
        sales = await client.get("/employees", params={"department": "Sales", "search": "S"})
        miller = await client.get("/employees", params={"last_name": "mil", "search": "S"})
        shown = await client.get("/employees/EMP-0420")
    assert "30 records found" in everyone.text
    assert "Page 3 of 3" in everyone.text
    assert "7 records found" in sales.text
    assert "EMP-0420" in miller.text
    assert "1 records found" in miller.text
    assert field_value(shown.text, "manager") == "EMP-0193 Christopher Hale"
    accounts = shown.text.split('id="employee-accounts"')[1].split("</table>")[0]
    assert accounts.count("<td>ACTIVE</td>") == 6


async def test_new_hire_gets_the_next_employee_id(hr: Running) -> None:
    hire = {
        "first_name": "Maria",
        "last_name": "Lopez",
        "department": "Finance",
        "job_title": "Accounts Payable Specialist",
        "manager_id": "EMP-0193",
        "hire_date": "2025-07-07",
    }
    async with hr.logged_in() as client:
        hired = await client.post("/employees/new", data=hire)
        taken = await client.post("/employees/new", data={**hire, "employee_id": "EMP-0420"})
        payroll = await client.post("/payroll/records", data={**PAYROLL, "employee_id": "EMP-0600"})
    assert field_value(hired.text, "employee_id") == "EMP-0600"
    assert message(taken.text) == "Employee ID EMP-0420 is already in use"
    assert field_value(payroll.text, "record_number") == "PR-100101"
