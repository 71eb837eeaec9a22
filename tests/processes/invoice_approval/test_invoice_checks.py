"""Arriving invoices: data, arithmetic, supplier, bank account, and duplicates (T4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from activities.payables.checks import InvoiceToCheck, check, check_invoice
from activities.payables.register import reference_key
from backoffice import runtime
from backoffice.settings import load_settings
from tests.support.records import records_environ, upgraded

INVOICE: dict[str, Any] = {
    "invoice_id": "INV-IN-2025-004711",
    "company": "ACME-DE",
    "supplier_id": "SUP-00087",
    "supplier_invoice_no": "AOS-88231",
    "invoice_date": "2025-06-12",
    "posting_date": "2025-06-13",
    "currency": "EUR",
    "net_amount": 12450.00,
    "tax_amount": 2365.50,
    "gross_amount": 14815.50,
    "iban": "DE89370400440532013000",
    "lines": [{"line": 1, "amount": 12450.00}],
    "supplier": {"status": "active", "iban": "DE89 3704 0044 0532 0130 00"},
}


def invoice(**changes: Any) -> InvoiceToCheck:
    supplier = {**INVOICE["supplier"], **changes.pop("supplier", {})}
    return InvoiceToCheck.model_validate({**INVOICE, **changes, "supplier": supplier})


def test_a_clean_invoice_passes() -> None:
    assert check(invoice()).model_dump() == {
        "ok": True, "reason_codes": [], "problems": [], "duplicate_of": None, "fraud_hold": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"gross_amount": 14815.52}, "TAX_ERR"),
        ({"lines": [{"line": 1, "amount": 12000.00}]}, "TAX_ERR"),
        ({"lines": []}, "MISSING_DATA"),
        (
            {"lines": [{"line": 1, "amount": 12000.00}, {"line": 1, "amount": 450.00}]},
            "MISSING_DATA",
        ),
        ({"invoice_date": "2025-06-14"}, "MISSING_DATA"),
        ({"supplier": {"status": "blocked"}}, "SUPPLIER_BLOCKED"),
        ({"supplier": {"status": "active", "payment_block": True}}, "SUPPLIER_BLOCKED"),
        ({"supplier": {"found": False, "status": "unknown"}}, "MISSING_DATA"),
    ],
)
def test_each_problem_has_its_reason_code(changes: dict[str, Any], code: str) -> None:
    findings = check(invoice(**changes))
    assert not findings.ok
    assert findings.reason_codes == [code]


def test_a_cent_of_rounding_is_tolerated() -> None:
    assert check(invoice(gross_amount=14815.51)).ok


def test_two_hundred_lines_add_up_to_the_cent() -> None:
    lines = [{"line": n, "amount": 62.25} for n in range(1, 201)]  # 12,450.00 in all
    assert check(invoice(lines=lines)).ok
    lines[-1] = {"line": 200, "amount": 62.27}
    assert check(invoice(lines=lines)).problems == [
        "the lines add up to 12450.02, the net amount is 12450.00"
    ]


def test_a_bank_account_unlike_the_vendor_master_is_a_fraud_hold() -> None:
    findings = check(invoice(iban="GB29NWBK60161331926819"))
    assert findings.reason_codes == ["BANK_MISMATCH"]
    assert findings.fraud_hold


def test_references_compare_without_spaces_dashes_slashes_and_leading_zeros() -> None:
    assert reference_key("AOS-0088/231") == reference_key("aos 88231") == "AOS88231"
    # Zeros padding a number after a separator go too.
    assert reference_key("2025/000123") == reference_key("2025-123") == "2025123"
    assert reference_key("RE-2025-0042") == reference_key("RE 2025 42")
    assert reference_key("2025-1023") != reference_key("2025-123")


def test_an_account_on_the_invoice_when_the_master_has_none_is_held_too() -> None:
    findings = check(invoice(iban="GB29NWBK60161331926819", supplier={"iban": None}))
    assert findings.reason_codes == ["BANK_MISMATCH"]


async def test_t4_duplicates_exact_in_the_year_and_suspected_across_it(tmp_path: Path) -> None:
    environ = {"BACKOFFICE_STATE_DIR": str(tmp_path), "PATH": "/usr/bin"}
    runtime.use(load_settings({**environ, **records_environ(tmp_path)}))
    upgraded(runtime.settings())
    first = await check_invoice(invoice())
    assert first.ok

    again = await check_invoice(invoice(invoice_id="INV-IN-2025-004799"))
    assert (again.reason_codes, again.duplicate_of) == (["DUPLICATE"], "INV-IN-2025-004711")

    # The same number a year later is no exact duplicate...
    next_year = {"invoice_date": "2026-06-12", "posting_date": "2026-06-12"}
    later = await check_invoice(invoice(invoice_id="INV-IN-2026-000100", **next_year))
    assert later.ok
    # ...but the same amount, date and a reference written differently is suspect.
    suspect = await check_invoice(
        invoice(invoice_id="INV-IN-2026-000200", supplier_invoice_no="AOS 088231", **next_year)
    )
    assert (suspect.reason_codes, suspect.duplicate_of) == (["DUP_SUSPECT"], "INV-IN-2026-000100")

    # Credit memos are not checked; a retried check of the same invoice finds no twin.
    memo = await check_invoice(invoice(invoice_id="CM-1", kind="credit_memo"))
    assert memo.ok
    assert (await check_invoice(invoice())).ok
