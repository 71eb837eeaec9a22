"""Logging in, lockout and sessions that end: the same in every legacy system."""

from __future__ import annotations

from pathlib import Path

import pytest

from legacy.login import EXPIRED, INVALID, LOCKED
from tests.legacy.conftest import PASSWORD, USER, Running, serving

INVOICE = {
    "supplier": "SUP-00087",
    "reference": "AOS-88231",
    "invoice_date": "2025-06-12",
    "currency": "EUR",
    "net_amount": "12450.00",
    "tax_amount": "2365.50",
    "gross_amount": "14815.50",
    "po_number": "PO-2025-01234",
    "line1_po_line": "1",
    "line1_item": "LAPTOP-14",
    "line1_qty": "10",
    "line1_uom": "EA",
    "line1_price": "1245.00",
}


@pytest.mark.parametrize("system", ["erp", "hr", "treasury"])
async def test_every_page_but_login_sends_a_stranger_to_the_login_page(
    system: str, tmp_path: Path
) -> None:
    async with serving(system, tmp_path) as running, running.client() as client:
        response = await client.get("/")
        assert response.status_code == 302
        assert response.headers["location"] == "/login?next=%2F"
        login = await client.get("/login")
        assert 'for="username">User name</label>' in login.text
        assert EXPIRED not in login.text


async def test_wrong_password_and_unknown_user_read_the_same(erp: Running) -> None:
    async with erp.client() as client:
        wrong = await client.post("/login", data={"username": USER, "password": "nope"})
        unknown = await client.post("/login", data={"username": "ghost", "password": "nope"})
    assert INVALID in wrong.text
    assert INVALID in unknown.text
    assert wrong.status_code == unknown.status_code == 200


async def test_account_locks_after_the_configured_failures_even_for_the_right_password(
    tmp_path: Path,
) -> None:
    async with serving("erp", tmp_path, lockout_attempts=3) as running, running.client() as client:
        for _ in range(2):
            response = await client.post("/login", data={"username": USER, "password": "bad"})
            assert INVALID in response.text
        third = await client.post("/login", data={"username": USER, "password": "bad"})
        assert LOCKED in third.text
        right = await client.post("/login", data={"username": USER, "password": PASSWORD})
        assert LOCKED in right.text
        assert right.status_code == 200
        # Seeding the user again (a new password from the engine) unlocks it.
        seeded = await client.post("/__admin/seed", json={"users": {USER: PASSWORD}})
        seeded.raise_for_status()
        unlocked = await client.post("/login", data={"username": USER, "password": PASSWORD})
        assert unlocked.status_code == 302


async def test_a_good_login_resets_the_failure_count(tmp_path: Path) -> None:
    async with serving("erp", tmp_path, lockout_attempts=2) as running, running.client() as client:
        await client.post("/login", data={"username": USER, "password": "bad"})
        good = await client.post("/login", data={"username": USER, "password": PASSWORD})
        assert good.status_code == 302
        again = await client.post("/login", data={"username": USER, "password": "bad"})
        assert INVALID in again.text


async def test_login_returns_to_the_page_asked_for_but_never_to_another_site(erp: Running) -> None:
    async with erp.client() as client:
        back = await client.post(
            "/login", data={"username": USER, "password": PASSWORD, "next": "/suppliers"}
        )
        assert back.headers["location"] == "/suppliers"
        away = await client.post(
            "/login", data={"username": USER, "password": PASSWORD, "next": "//evil.example/"}
        )
        assert away.headers["location"] == "/"


async def test_idle_session_expires_and_the_unsent_form_is_lost(erp: Running) -> None:
    async with erp.logged_in() as client:
        assert (await client.get("/invoices/new")).status_code == 200
        erp.clock.advance(14 * 60)
        assert (await client.get("/invoices/new")).status_code == 200  # still alive, and renewed
        erp.clock.advance(15 * 60 + 1)
        response = await client.post("/invoices", data=INVOICE)
        assert response.status_code == 302
        assert response.headers["location"] == "/login?expired=1"
        login = await client.get(response.headers["location"])
        assert EXPIRED in login.text
        # The session is gone for good: logging in again is the only way back.
        assert (await client.get("/invoices/new")).status_code == 302
    assert await erp.count("invoice", "AOS-88231") == 0


async def test_session_timeout_is_configurable(tmp_path: Path) -> None:
    async with (
        serving("hr", tmp_path, session_minutes=1) as running,
        running.logged_in() as client,
    ):
        running.clock.advance(61)
        response = await client.get("/employees")
        assert response.headers["location"] == "/login?expired=1&next=%2Femployees"


async def test_logout_ends_the_session(treasury: Running) -> None:
    async with treasury.logged_in() as client:
        response = await client.get("/logout")
        assert response.headers["location"] == "/login?logged_out=1"
        assert (await client.get("/deals")).status_code == 302


async def test_forged_session_cookie_counts_as_expired(erp: Running) -> None:
    async with erp.client(cookies={"JSESSIONID": "made-up.signature"}) as client:
        response = await client.get("/suppliers")
        assert response.headers["location"] == "/login?expired=1&next=%2Fsuppliers"
