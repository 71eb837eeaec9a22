"""Asking for a record that does not exist gives the screen's message, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.legacy.conftest import message, serving

UNKNOWN = {
    "erp": [
        ("GET", "/suppliers/SUP-00000", "Vendor SUP-00000 does not exist"),
        ("GET", "/purchase-orders/PO-0", "Purchase order PO-0 does not exist"),
        ("GET", "/purchase-orders/PO-0/receipt", "Purchase order PO-0 does not exist"),
        ("POST", "/purchase-orders/PO-0/receipt", "Purchase order PO-0 does not exist"),
        ("GET", "/documents/1", "Document 1 does not exist in company code ACME-DE"),
        ("GET", "/documents?number=1", "Document 1 does not exist in company code ACME-DE"),
        ("POST", "/documents/1/reverse", "Document 1 does not exist in company code ACME-DE"),
        ("GET", "/payments/PP-0", "Payment proposal PP-0 does not exist"),
        ("POST", "/payments/PP-0/cancel", "Payment proposal PP-0 does not exist"),
        ("POST", "/payments", "Document number: fill in this field"),
    ],
    "hr": [
        ("GET", "/employees/EMP-9999", "No employee found with ID EMP-9999"),
        ("GET", "/accounts/99999", "Account 99999 does not exist"),
        ("GET", "/accounts/abc", "Account abc does not exist"),
        ("POST", "/accounts/99999/disable", "Account 99999 does not exist"),
        ("GET", "/payroll/records/PR-0", "Payroll record PR-0 does not exist"),
        ("POST", "/payroll/records/PR-0/inactivate", "Payroll record PR-0 does not exist"),
        ("GET", "/offcycle/OC-0", "Off-cycle run OC-0 does not exist"),
        ("POST", "/offcycle/OC-0/cancel", "Off-cycle run OC-0 does not exist"),
    ],
    "treasury": [
        ("GET", "/deals/FX-0", "Deal FX-0 not found"),
        ("POST", "/deals/FX-0/confirm", "Deal FX-0 not found"),
    ],
}


@pytest.mark.parametrize("system", UNKNOWN)
async def test_unknown_records_get_a_message(system: str, tmp_path: Path) -> None:
    async with serving(system, tmp_path) as running, running.logged_in() as client:
        for method, path, expected in UNKNOWN[system]:
            response = await client.request(method, path, follow_redirects=True)
            assert response.status_code in {200, 404}, path
            assert message(response.text) == expected, path
