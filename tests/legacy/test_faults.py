"""Injected faults: each kind by its counter over real HTTP, and rates that a seed repeats."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from legacy import FaultSettings
from legacy.faults import FAULT_KINDS, FaultInjector
from legacy.login import EXPIRED
from tests.legacy.conftest import Running, field_value, message, serving
from tests.legacy.test_login_and_sessions import INVOICE


def test_counters_strike_exactly_that_many_times_then_stop() -> None:
    injector = FaultInjector(FaultSettings(error_next=2))
    assert [injector.strikes("error") for _ in range(4)] == [True, True, False, False]
    assert injector.settings.error_next == 0


def test_rates_with_a_seed_repeat_the_same_draws() -> None:
    def draws() -> list[bool]:
        injector = FaultInjector(FaultSettings(seed=42, popup_rate=0.3))
        return [injector.strikes("popup") for _ in range(50)]

    first = draws()
    assert first == draws()
    assert 0 < sum(first) < 50


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_no_fault_strikes_by_default(kind: str) -> None:
    injector = FaultInjector()
    assert not any(injector.strikes(kind) for _ in range(100))  # type: ignore[arg-type]


def test_settings_refuse_unknown_keys_and_rates_outside_zero_to_one() -> None:
    with pytest.raises(ValidationError, match="extra_forbidden"):
        FaultSettings.model_validate({"eror_rate": 0.1})
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        FaultSettings(error_rate=1.5)


async def test_error_fault_serves_a_system_unavailable_page_then_recovers(erp: Running) -> None:
    async with erp.logged_in() as client:
        await erp.faults(error_next=2)
        first = await client.get("/suppliers")
        assert first.status_code == 503
        assert "System temporarily unavailable" in first.text
        assert first.headers["retry-after"] == "30"
        assert (await client.get("/suppliers")).status_code == 503
        assert (await client.get("/suppliers")).status_code == 200


async def test_error_fault_can_answer_500(hr: Running) -> None:
    await hr.faults(error_next=1, error_status=500)
    async with hr.client() as client:
        response = await client.get("/login")
    assert response.status_code == 500
    assert "System temporarily unavailable" in response.text


async def test_latency_fault_makes_a_client_with_a_short_timeout_give_up(treasury: Running) -> None:
    async with treasury.logged_in() as client:
        await treasury.faults(latency_next=1, latency_seconds=30)
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/deals", timeout=0.5)
        # The counter is used up: the next page comes at once.
        assert (await client.get("/deals", timeout=10)).status_code == 200


async def test_session_expiry_fault_ends_the_session_on_the_next_page(erp: Running) -> None:
    async with erp.logged_in() as client:
        await erp.faults(session_expiry_next=1)
        response = await client.post("/invoices", data=INVOICE)
        assert response.headers["location"] == "/login?expired=1"
        assert EXPIRED in (await client.get(response.headers["location"])).text
    assert await erp.count("invoice", "AOS-88231") == 0


async def test_lost_response_drop_commits_the_write_but_the_answer_never_comes(
    erp: Running,
) -> None:
    async with erp.logged_in() as client:
        await erp.faults(lost_response_next=1, lost_response_mode="drop")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/invoices", data=INVOICE)
    assert await erp.count("invoice", "AOS-88231") == 1


async def test_lost_response_hold_keeps_the_client_waiting_until_it_gives_up(
    treasury: Running,
) -> None:
    async with treasury.logged_in() as client:
        await treasury.faults(lost_response_next=1, lost_response_max_seconds=60)
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/deals/FX-20250612-000871/confirm", timeout=1)
    assert await treasury.count("confirmation", "FX-20250612-000871") == 1


async def test_lost_response_hold_ends_by_dropping_the_connection_at_its_maximum(
    hr: Running,
) -> None:
    async with hr.logged_in() as client:
        await hr.faults(lost_response_next=1, lost_response_max_seconds=0.2)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(
                "/offcycle",
                data={
                    "employee_id": "EMP-0420",
                    "amount": "100",
                    "currency": "USD",
                    "reason": "Bonus",
                    "payment_date": "2025-06-27",
                },
                timeout=10,
            )
    assert await hr.count("offcycle_run", "EMP-0420") == 1


async def test_lost_response_strikes_only_a_committed_submit(erp: Running) -> None:
    async with erp.logged_in() as client:
        await erp.faults(lost_response_next=1, lost_response_mode="drop")
        assert (await client.get("/invoices/new")).status_code == 200
        assert (await client.get("/invoices?search=Search")).status_code == 200
        refused = await client.post("/invoices", data={**INVOICE, "gross_amount": "1.00"})
        assert "Balance is not zero" in message(refused.text)
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/invoices", data=INVOICE)
        answered = await client.post("/invoices", data=INVOICE)
        assert field_value(answered.text, "doc_number") == "5105600102"
    assert await erp.count("invoice", "AOS-88231") == 2


async def test_popup_fault_shows_a_modal_once_on_a_screen(hr: Running) -> None:
    async with hr.logged_in() as client:
        await hr.faults(popup_next=1)
        first = await client.get("/")
        second = await client.get("/")
    assert 'aria-labelledby="sysmsg-title"' in first.text
    assert "Maintenance tonight" in first.text
    assert "sysmsg" not in second.text


async def test_popup_fault_can_be_a_javascript_alert(treasury: Running) -> None:
    async with treasury.logged_in() as client:
        await treasury.faults(popup_next=1, popup_kind="alert")
        page = await client.get("/deals")
    assert 'alert("System message: maintenance tonight' in page.text


async def test_faults_given_at_start_apply_from_the_first_request(tmp_path: Path) -> None:
    async with (
        serving("erp", tmp_path, faults=FaultSettings(error_next=1)) as running,
        running.client() as client,
    ):
        assert (await client.get("/login")).status_code == 503
        assert (await client.get("/login")).status_code == 200


async def test_admin_endpoints_and_favicon_never_use_up_counters(erp: Running) -> None:
    await erp.faults(error_next=1, latency_next=1, latency_seconds=30)
    async with erp.client() as client:
        assert (await client.get("/favicon.ico")).status_code == 404
        settings = (await client.get("/__admin/faults")).json()
    assert settings["error_next"] == 1
    assert settings["latency_next"] == 1


async def test_error_rate_with_a_seed_fails_some_pages_and_serves_the_rest(erp: Running) -> None:
    await erp.faults(error_rate=0.5, seed=7)
    async with erp.client() as client:
        statuses = [(await client.get("/login")).status_code for _ in range(20)]
    assert set(statuses) == {200, 503}
    await erp.faults(error_rate=0.5, seed=7)
    async with erp.client() as client:
        again = [(await client.get("/login")).status_code for _ in range(20)]
    assert again == statuses


async def test_concurrent_requests_use_a_counter_exactly_once_each(erp: Running) -> None:
    await erp.faults(error_next=5)
    async with erp.client() as client:
        responses = await asyncio.gather(*(client.get("/login") for _ in range(12)))
    assert sorted(response.status_code for response in responses) == [200] * 7 + [503] * 5
