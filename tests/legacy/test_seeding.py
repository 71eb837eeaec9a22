"""Seeding and the public API: master data once, users upserted, systems by name."""

from __future__ import annotations

import sqlite3
import types
from contextlib import closing
from pathlib import Path

import pytest

import legacy
from legacy import DEFAULT_PORTS, SYSTEMS, create_app, seed
from tests.legacy.conftest import PASSWORD, USER, serving

TABLES = {
    "erp": ["supplier", "purchase_order", "po_line", "goods_receipt", "invoice_document"],
    "hr": ["employee", "user_account", "payroll_record"],
    "treasury": ["deal"],
}


def row_counts(path: Path, tables: list[str]) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as connection:
        return {t: connection.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}  # noqa: S608


def test_public_api_lists_what_it_exports() -> None:
    public = {
        name
        for name, value in vars(legacy).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(legacy.__all__) == public
    assert SYSTEMS == ("erp", "hr", "treasury")
    assert DEFAULT_PORTS == {"erp": 8301, "hr": 8302, "treasury": 8303}


@pytest.mark.parametrize("system", SYSTEMS)
def test_seeding_twice_adds_no_master_data(system: str, tmp_path: Path) -> None:
    path = seed(system, tmp_path, {USER: PASSWORD})
    assert path == tmp_path / f"{system}.db"
    first = row_counts(path, TABLES[system])
    assert all(first.values()), first
    seed(system, tmp_path, {USER: "another-password"})
    assert row_counts(path, TABLES[system]) == first


def test_demo_master_data_has_the_reference_records(tmp_path: Path) -> None:
    with closing(sqlite3.connect(seed("erp", tmp_path))) as erp:
        supplier = erp.execute(
            "select name, iban, bic, status from supplier where supplier_id = 'SUP-00087'"
        ).fetchone()
        blocked = erp.execute("select count(*) from supplier where status = 'BLOCKED'").fetchone()
        line = erp.execute(
            "select item, qty, uom, unit_price from po_line where po_number = 'PO-2025-01234'"
        ).fetchone()
        received = erp.execute(
            "select received_qty from goods_receipt where po_number = 'PO-2025-01234'"
        ).fetchone()
    assert supplier == (
        "Acme Office Supplies GmbH",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "ACTIVE",
    )
    assert blocked == (1,)
    assert line == ("LAPTOP-14", "10", "EA", "1245.00")
    assert received == ("10",)
    with closing(sqlite3.connect(seed("hr", tmp_path))) as hr:
        systems = hr.execute(
            "select system from user_account where employee_id = 'EMP-0420' order by system"
        ).fetchall()
    assert [s for (s,) in systems] == sorted(["AD", "M365", "ERP", "VPN", "CRM", "LEGACY_PAYROLL"])
    with closing(sqlite3.connect(seed("treasury", tmp_path))) as treasury:
        deal = treasury.execute(
            "select bought_ccy, bought_amount, sold_ccy, sold_amount, rate from deal"
            " where deal_id = 'FX-20250612-000871'"
        ).fetchone()
        deposit = treasury.execute(
            "select principal_amount, interest_amount from deal"
            " where deal_id = 'MM-20250611-000412'"
        ).fetchone()
    assert deal == ("USD", "10000000.00", "EUR", "9208103.13", "1.08600")
    assert deposit == ("25000000.00", "203993.06")


async def test_seeding_again_gives_the_user_the_new_password_and_keeps_records(
    tmp_path: Path,
) -> None:
    async with serving("treasury", tmp_path) as running:
        async with running.logged_in() as client:
            await client.post("/deals/FX-20250612-000871/confirm")
        seed("treasury", tmp_path, {USER: "rotated-password"})
        async with running.client() as client:
            old = await client.post("/login", data={"username": USER, "password": PASSWORD})
            new = await client.post(
                "/login", data={"username": USER, "password": "rotated-password"}
            )
        assert old.status_code == 200
        assert new.status_code == 302
        assert await running.count("confirmation", "FX-20250612-000871") == 1


def test_unknown_system_names_the_ones_there_are(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="choose one of erp, hr, treasury"):
        create_app("crm", tmp_path)
    with pytest.raises(ValueError, match="choose one of erp, hr, treasury"):
        seed("crm", tmp_path)


def test_passwords_are_stored_as_argon2_hashes(tmp_path: Path) -> None:
    with closing(sqlite3.connect(seed("hr", tmp_path, {USER: PASSWORD}))) as connection:
        (stored,) = connection.execute(
            "select password_hash from login_user where username = ?", (USER,)
        ).fetchone()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
