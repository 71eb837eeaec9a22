"""The admin endpoints: loopback only, fault settings, counts by business key, reset, seed."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from legacy import create_app, seed
from tests.legacy.conftest import PASSWORD, USER, Running
from tests.legacy.test_login_and_sessions import INVOICE

ADMIN_CALLS = [
    ("GET", "/__admin/faults", None),
    ("PUT", "/__admin/faults", {"error_rate": 1}),
    ("GET", "/__admin/count?kind=invoice&key=AOS-88231", None),
    ("POST", "/__admin/seed", {"users": {"intruder": "x"}}),
    ("POST", "/__admin/reset", {}),
    ("POST", "/__admin/purchase-orders", {"po_number": "PO-X-0001"}),
    ("POST", "/__admin/purchase-orders/PO-2025-01234/status", {"status": "Cancelled"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
async def test_admin_endpoints_refuse_callers_from_other_hosts(
    tmp_path: Path, method: str, path: str, body: object
) -> None:
    seed("erp", tmp_path, {USER: PASSWORD})
    app = create_app("erp", tmp_path)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://erp") as client:
        response = await client.request(method, path, json=body)
    assert response.status_code == 403
    assert response.json() == {"error": "admin endpoints answer only 127.0.0.1"}
    local = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
    async with httpx.AsyncClient(transport=local, base_url="http://erp") as client:
        faults = (await client.get("/__admin/faults")).json()
        count = (await client.get("/__admin/count?kind=invoice&key=AOS-88231")).json()
    assert faults["error_rate"] == 0
    assert count["count"] == 0
    app.state.legacy.db.close()


async def test_put_faults_replaces_the_settings_and_get_shows_counters_left(erp: Running) -> None:
    async with erp.client() as client:
        put = await client.put("/__admin/faults", json={"popup_next": 2, "seed": 3})
        assert put.status_code == 200
        assert put.json()["popup_next"] == 2
        await client.get("/login")  # not a screen with a menu: no pop-up used up
        async with erp.logged_in() as user:
            await user.get("/")
        settings = (await client.get("/__admin/faults")).json()
    assert settings["popup_next"] == 1
    assert settings["seed"] == 3
    assert settings["error_rate"] == 0


async def test_put_faults_refuses_bad_settings_with_the_field_named(erp: Running) -> None:
    async with erp.client() as client:
        unknown = await client.put("/__admin/faults", json={"eror_rate": 0.1})
        out_of_range = await client.put("/__admin/faults", json={"error_rate": 2})
        not_json = await client.put("/__admin/faults", content=b"{oops")
    assert unknown.status_code == 422
    assert unknown.json()["problems"][0]["field"] == "eror_rate"
    assert out_of_range.json()["problems"][0]["field"] == "error_rate"
    assert not_json.status_code == 400


async def test_count_names_the_kinds_it_knows(hr: Running) -> None:
    async with hr.client() as client:
        unknown = await client.get("/__admin/count", params={"kind": "invoice", "key": "x"})
        no_key = await client.get("/__admin/count", params={"kind": "payroll_record"})
    assert unknown.status_code == 400
    assert set(unknown.json()["kinds"]) == {
        "payroll_record",
        "account_disable",
        "offcycle_run",
        "account",
        "badge",
        "employee",
    }
    assert no_key.status_code == 400


async def test_count_filters_by_extra_parameters(erp: Running) -> None:
    async with erp.logged_in() as client:
        await client.post("/invoices", data=INVOICE)
    assert await erp.count("invoice", "AOS-88231", supplier="SUP-00087") == 1
    assert await erp.count("invoice", "AOS-88231", supplier="SUP-00012") == 0


async def test_reset_deletes_entered_records_keeps_users_and_ends_sessions(erp: Running) -> None:
    async with erp.logged_in() as client:
        posted = await client.post("/invoices", data=INVOICE)
        assert posted.status_code == 200
        assert await erp.count("invoice", "AOS-88231") == 1
        async with erp.client() as admin:
            reset = await admin.post("/__admin/reset")
        assert reset.json() == {"reset": "erp", "users": []}
        assert (await client.get("/suppliers")).status_code == 302
    assert await erp.count("invoice", "AOS-88231") == 0
    async with erp.logged_in() as client:
        # Master data is back, and the number range starts again.
        assert "12 records found" in (await client.get("/suppliers")).text
        again = await client.post("/invoices", data=INVOICE)
        assert 'value="5105600101"' in again.text


async def test_seed_endpoint_creates_users_who_can_log_in(treasury: Running) -> None:
    async with treasury.client() as client:
        seeded = await client.post("/__admin/seed", json={"users": {"bot-7": "pw-7"}})
        assert seeded.json() == {"seeded": "treasury", "users": ["bot-7"]}
        bad = await client.post("/__admin/seed", json={"users": ["bot-8"]})
        assert bad.status_code == 400
        login = await client.post("/login", data={"username": "bot-7", "password": "pw-7"})
    assert login.status_code == 302


ORDER = {
    "po_number": "PO-DEMO-0001",
    "supplier_id": "SUP-00087",
    "lines": [
        {"line_no": 1, "item": "LAPTOP-14", "qty": 4, "unit_price": "1245.00", "received_qty": 4},
        {"line_no": 2, "item": "DOCK-USB-C", "qty": 4, "unit_price": "189.00"},
    ],
}


async def test_a_purchase_order_is_added_once_with_its_receipts(erp: Running) -> None:
    async with erp.client() as client:
        created = await client.post("/__admin/purchase-orders", json=ORDER)
        again = await client.post(
            "/__admin/purchase-orders", json={**ORDER, "lines": ORDER["lines"][:1]}
        )
        receipts = await client.get("/__admin/count?kind=goods_receipt&key=PO-DEMO-0001")
        unknown = await client.post(
            "/__admin/purchase-orders",
            json={**ORDER, "po_number": "PO-DEMO-0002", "supplier_id": "SUP-1"},
        )
        bad = await client.post("/__admin/purchase-orders", json={**ORDER, "lines": []})
    assert (created.status_code, created.json()) == (
        201,
        {"po_number": "PO-DEMO-0001", "created": True},
    )
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert receipts.json()["count"] == 1  # line 2 is ordered, not yet received
    assert (unknown.status_code, unknown.json()) == (422, {"error": "vendor SUP-1 does not exist"})
    assert bad.status_code == 422
    assert bad.json()["problems"][0]["field"] == "lines"
    async with erp.logged_in() as user:
        page = await user.get("/purchase-orders/PO-DEMO-0001")
    assert "DOCK-USB-C" in page.text
    assert "Released" in page.text


async def test_purchasing_may_close_or_cancel_an_order(erp: Running) -> None:
    async with erp.client() as client:
        cancelled = await client.post(
            "/__admin/purchase-orders/PO-2025-01234/status", json={"status": "Cancelled"}
        )
        unknown = await client.post(
            "/__admin/purchase-orders/PO-1999-00001/status", json={"status": "Closed"}
        )
        wrong = await client.post(
            "/__admin/purchase-orders/PO-2025-01234/status", json={"status": "Gone"}
        )
    assert cancelled.json() == {"po_number": "PO-2025-01234", "status": "Cancelled"}
    assert unknown.status_code == 404
    assert wrong.status_code == 422
    assert "Released, Closed, Cancelled" in wrong.json()["error"]
    async with erp.logged_in() as user:
        page = await user.get("/purchase-orders/PO-2025-01234")
    assert "Cancelled" in page.text
