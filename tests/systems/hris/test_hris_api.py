"""The sandbox HRIS over HTTP on 127.0.0.1: employees, separations, and the full-and-final
statement the HRIS refuses to submit while anything is unsettled or still owned."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.hris.app import create_app
from tests.support.sandbox_servers import serve_app

TOKEN = "hris-test-token-0b1c"
NEW_HIRE = {
    "onboarding_id": "HR-EMP-ONB-2025-00042",
    "first_name": "Maria",
    "last_name": "Lopez",
    "designation": "Accounts Payable Specialist",
    "department": "Finance",
    "grade": "G5",
    "cost_center": "CC-4100",
    "location": "SFO-01",
    "employment_type": "Full-time",
    "manager_id": "EMP-0193",
    "date_of_joining": "2025-07-07",
}
SEPARATION = {
    "employee_id": "EMP-0420",
    "type": "voluntary",
    "relieving_date": "2025-06-27",
    "notice_given_at": "2025-06-02",
}


def base(client: httpx.Client) -> str:
    return str(client.base_url).rstrip("/")


@pytest.fixture
def hris(tmp_path: Path) -> Iterator[httpx.Client]:
    with (
        serve_app(create_app(tmp_path, {"backoffice": TOKEN})) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        yield client


def test_without_a_valid_token_nothing_is_answered(hris: httpx.Client) -> None:
    bare = httpx.get(f"{base(hris)}/api/v1/employees/EMP-0420")
    wrong = httpx.get(
        f"{base(hris)}/api/v1/employees/EMP-0420", headers={"Authorization": "Bearer nope"}
    )
    assert (bare.status_code, wrong.status_code) == (401, 401)
    assert bare.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Jordan" not in bare.text + wrong.text


def test_the_intranet_s_leaver_is_there_with_wage_and_location(hris: httpx.Client) -> None:
    jordan = hris.get("/api/v1/employees/EMP-0420").json()
    assert (jordan["first_name"], jordan["last_name"]) == ("Jordan", "Miller")
    assert (jordan["manager_id"], jordan["location"], jordan["status"]) == (
        "EMP-0193", "SFO-01", "Active",
    )  # fmt: skip
    assert (jordan["daily_wage"], jordan["currency"]) == ("288.00", "USD")
    missing = hris.get("/api/v1/employees/EMP-9999")
    assert missing.status_code == 404
    assert "no employee EMP-9999" in missing.json()["error"]


def test_a_new_hire_is_made_once_per_onboarding(hris: httpx.Client) -> None:
    made = hris.post("/api/v1/employees", json=NEW_HIRE)
    assert made.status_code == 201, made.text
    employee = made.json()
    assert employee["employee_id"] == "EMP-0700"
    assert employee["work_email"] == "maria.lopez@acme.example"
    again = hris.post("/api/v1/employees", json=NEW_HIRE)
    assert again.status_code == 409
    assert again.json()["employee_id"] == "EMP-0700"
    found = hris.get("/api/v1/employees", params={"onboarding_id": NEW_HIRE["onboarding_id"]})
    assert [e["employee_id"] for e in found.json()["employees"]] == ["EMP-0700"]
    bad = hris.post("/api/v1/employees", json={**NEW_HIRE, "onboarding_id": "X-1",
                                               "manager_id": "EMP-0000"})  # fmt: skip
    assert bad.status_code == 422
    assert "manager EMP-0000" in bad.json()["error"]
    wrong = hris.post("/api/v1/employees", json={"first_name": "A"})
    assert wrong.status_code == 422
    assert {p["field"] for p in wrong.json()["problems"]} >= {"onboarding_id", "last_name"}


def test_the_statement_is_refused_with_each_reason_until_all_is_settled(
    hris: httpx.Client,
) -> None:
    recorded = hris.put("/api/v1/separations/HR-EMP-SEP-2025-00007", json=SEPARATION)
    assert recorded.status_code == 201, recorded.text
    opened = hris.post(
        "/api/v1/final-statements",
        json={"employee_id": "EMP-0420", "separation_id": "HR-EMP-SEP-2025-00007"},
    )
    assert opened.status_code == 201, opened.text
    statement = opened.json()
    sid = statement["statement_id"]
    assert statement["status"] == "Draft"
    assert [r["reference"] for r in statement["payables"] if r["status"] == "Unsettled"] == [
        "HR-EXP-2025-00031", "HR-EXP-2025-00044",
    ]  # fmt: skip
    assert statement["assets"] == [
        {"asset": "AST-LAP-0931", "action": "Return", "status": "Owned", "amount": "1150.00"}
    ]

    refused = hris.post(f"/api/v1/final-statements/{sid}/submit")
    assert refused.status_code == 409
    reasons = refused.json()["reasons"]
    assert reasons == [
        "Expense Claim HR-EXP-2025-00031 (180.40 USD) is Unsettled",
        "Expense Claim HR-EXP-2025-00044 (64.25 USD) is Unsettled",
        "Employee Advance HR-EAD-2025-00007 (300.00 USD) is Unsettled",
        "asset AST-LAP-0931 is to be returned and is still Owned: record its return or set "
        "its action to Recover Cost",
    ]
    paid_early = hris.post(
        f"/api/v1/final-statements/{sid}/payment",
        json={"run_number": "OC-000001", "journal_entry": "JE-1"},
    )
    assert paid_early.status_code == 409

    for reference in ("HR-EXP-2025-00031", "HR-EXP-2025-00044", "HR-EAD-2025-00007"):
        settled = hris.put(
            f"/api/v1/final-statements/{sid}/rows/{reference}", json={"status": "Settled"}
        )
        assert settled.status_code == 200, settled.text
    recovered = hris.put(
        f"/api/v1/final-statements/{sid}/assets/AST-LAP-0931",
        json={"action": "Recover Cost", "amount": "1150.00"},
    )
    assert recovered.json()["assets"][0]["action"] == "Recover Cost"
    submitted = hris.post(f"/api/v1/final-statements/{sid}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "Submitted"
    payment = {"run_number": "OC-000001", "journal_entry": "JE-2025-00088"}
    paid = hris.post(f"/api/v1/final-statements/{sid}/payment", json=payment)
    assert paid.json()["status"] == "Paid"
    # The same payment again is the same answer; another journal entry is refused.
    assert hris.post(f"/api/v1/final-statements/{sid}/payment", json=payment).status_code == 200
    other = hris.post(
        f"/api/v1/final-statements/{sid}/payment", json={**payment, "journal_entry": "JE-9"}
    )
    assert other.status_code == 409
    # One statement per separation: asking again gives the same one.
    same = hris.post(
        "/api/v1/final-statements",
        json={"employee_id": "EMP-0420", "separation_id": "HR-EMP-SEP-2025-00007"},
    )
    assert (same.status_code, same.json()["statement_id"]) == (200, sid)
    cancel = hris.post("/api/v1/separations/HR-EMP-SEP-2025-00007/cancel")
    assert cancel.status_code == 409


def test_a_leaver_leaves_and_a_withdrawn_resignation_cancels(hris: httpx.Client) -> None:
    hris.put("/api/v1/separations/SEP-1", json=SEPARATION).raise_for_status()
    moved = hris.put(
        "/api/v1/separations/SEP-1", json={**SEPARATION, "relieving_date": "2025-07-03"}
    )
    assert (moved.status_code, moved.json()["relieving_date"]) == (200, "2025-07-03")
    cancelled = hris.post("/api/v1/separations/SEP-1/cancel")
    assert cancelled.json()["status"] == "Cancelled"
    assert hris.put("/api/v1/separations/SEP-1", json=SEPARATION).status_code == 409
    left = hris.patch(
        "/api/v1/employees/EMP-0466", json={"status": "Left", "relieving_date": "2025-06-27"}
    )
    assert (left.json()["status"], left.json()["relieving_date"]) == ("Left", "2025-06-27")
    no_date = hris.patch("/api/v1/employees/EMP-0246", json={"status": "Left"})
    assert no_date.status_code == 422


def test_an_outage_answers_503_then_passes_and_reset_restores_the_seed(
    hris: httpx.Client,
) -> None:
    admin = f"{base(hris)}/__admin"
    httpx.put(f"{admin}/faults", json={"next": 2}).raise_for_status()
    statuses = [hris.get("/api/v1/employees/EMP-0420").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    httpx.put(f"{admin}/faults", json={"until_cleared": True}).raise_for_status()
    assert hris.get("/api/v1/employees/EMP-0420").status_code == 503
    httpx.delete(f"{admin}/faults").raise_for_status()
    hris.post("/api/v1/employees", json=NEW_HIRE).raise_for_status()
    assert len(httpx.get(f"{admin}/state").json()["employees"]) == 14
    httpx.post(f"{admin}/reset").raise_for_status()
    assert len(httpx.get(f"{admin}/state").json()["employees"]) == 13
    assert hris.post("/api/v1/employees", json=NEW_HIRE).json()["employee_id"] == "EMP-0700"
