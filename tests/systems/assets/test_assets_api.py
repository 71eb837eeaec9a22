"""The sandbox asset register over HTTP on 127.0.0.1: stock, assignment, shipping, return."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.assets.app import create_app
from tests.support.sandbox_servers import serve_app

TOKEN = "assets-test-token-77aa"


@pytest.fixture
def register(tmp_path: Path) -> Iterator[httpx.Client]:
    with (
        serve_app(create_app(tmp_path, {"backoffice": TOKEN})) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        yield client


def admin(client: httpx.Client, path: str) -> str:
    return f"{str(client.base_url).rstrip('/')}/__admin/{path}"


def test_no_token_no_answer(register: httpx.Client) -> None:
    url = f"{str(register.base_url).rstrip('/')}/api/v1/assets/AST-LAP-0931"
    assert httpx.get(url).status_code == 401


def test_jordan_s_laptop_is_assigned_and_both_models_are_in_stock(
    register: httpx.Client,
) -> None:
    laptop = register.get("/api/v1/assets/AST-LAP-0931").json()
    assert (laptop["holder_ref"], laptop["model"], laptop["status"]) == (
        "EMP-0420", "STD-WIN-14", "Assigned",
    )  # fmt: skip
    assert laptop["serial"].startswith("PF4")
    assert register.get("/api/v1/stock").json()["stock"] == {"STD-WIN-14": 6, "STD-MAC-14": 6}
    held = register.get("/api/v1/assignments", params={"holder_ref": "EMP-0420"}).json()
    assert [a["asset"] for a in held["assignments"]] == ["AST-LAP-0931"]
    assert register.get("/api/v1/assets/AST-LAP-9999").status_code == 404


def test_a_laptop_is_assigned_once_per_holder_shipped_and_returned(
    register: httpx.Client,
) -> None:
    wanted = {"holder_ref": "HR-EMP-ONB-2025-00042", "model": "STD-MAC-14"}
    made = register.post("/api/v1/assignments", json=wanted)
    assert made.status_code == 201, made.text
    asset = made.json()["asset"]
    again = register.post("/api/v1/assignments", json=wanted)
    assert (again.status_code, again.json()["asset"]) == (200, asset)
    assert register.get("/api/v1/stock").json()["stock"]["STD-MAC-14"] == 5
    shipped = register.post(f"/api/v1/assets/{asset}/shipment").json()
    assert shipped["status"] == "Shipped"
    assert shipped["tracking"].startswith("1Z")
    assert (
        register.post(f"/api/v1/assets/{asset}/shipment").json()["tracking"]
        == (shipped["tracking"])
    )
    refused = register.post(f"/api/v1/assets/{asset}/cancel")
    assert refused.status_code == 409
    assert "record its return instead" in refused.json()["error"]
    returned = register.post(f"/api/v1/assets/{asset}/return").json()
    assert returned["status"] == "Returned"
    assert register.post(f"/api/v1/assets/{asset}/return").json()["status"] == "Returned"
    # Returned laptops are refurbished before they are in stock again.
    assert register.get("/api/v1/stock").json()["stock"]["STD-MAC-14"] == 5


def test_a_cancelled_assignment_puts_the_laptop_back_in_stock(register: httpx.Client) -> None:
    made = register.post(
        "/api/v1/assignments", json={"holder_ref": "ONB-7", "model": "STD-WIN-14"}
    ).json()
    cancelled = register.post(f"/api/v1/assets/{made['asset']}/cancel").json()
    assert cancelled["status"] == "Cancelled"
    assert register.get("/api/v1/stock").json()["stock"]["STD-WIN-14"] == 6


def test_no_stock_is_refused_in_words(register: httpx.Client) -> None:
    for n in range(6):
        register.post(
            "/api/v1/assignments", json={"holder_ref": f"ONB-{n}", "model": "STD-MAC-14"}
        ).raise_for_status()
    refused = register.post(
        "/api/v1/assignments", json={"holder_ref": "ONB-LAST", "model": "STD-MAC-14"}
    )
    assert refused.status_code == 409
    assert refused.json()["error"] == ("no STD-MAC-14 laptop is in stock; in stock: STD-WIN-14 (6)")
    unknown = register.post(
        "/api/v1/assignments", json={"holder_ref": "ONB-X", "model": "STD-LINUX-13"}
    )
    assert unknown.status_code == 422
    httpx.post(admin(register, "reset")).raise_for_status()
    assert httpx.get(admin(register, "state")).json()["stock"]["STD-MAC-14"] == 6


def test_an_outage_until_cleared(register: httpx.Client) -> None:
    httpx.put(admin(register, "faults"), json={"until_cleared": True}).raise_for_status()
    down = register.get("/api/v1/stock")
    assert down.status_code == 503
    assert "temporarily unavailable" in down.json()["error"]
    assert httpx.get(admin(register, "state")).status_code == 200  # the admin is never hit
    httpx.delete(admin(register, "faults")).raise_for_status()
    assert register.get("/api/v1/stock").status_code == 200
