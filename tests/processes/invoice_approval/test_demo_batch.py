"""The demo batch itself: every invoice is one the process accepts, and says what it shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources

import pytest
import yaml

from activities.payables.demo_batch import BATCH_PATTERN, batch, batch_name
from activities.payables.demo_data import DATA_FILE, read_batch_file
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions
from backoffice.language.inputs import check_input
from backoffice.packs import DemoError
from tests.processes.invoice_approval.conftest import ROOT


def test_every_demo_invoice_is_valid_input_with_a_reference_the_erp_keeps_whole() -> None:
    name = batch_name(datetime(2026, 11, 25, 3, 30, 12, tzinfo=UTC))
    assert BATCH_PATTERN.match(name)
    definition, _ = Definitions(ROOT / "definitions", build_catalog()).snapshot("invoice-approval")
    invoices = batch(name, date(2026, 11, 25))
    for invoice in invoices:
        checked = check_input(definition, invoice.data)
        assert len(checked["supplier_invoice_no"]) <= 16
        # The header adds up to the cent, as capture would hand it over.
        data = invoice.data
        lines = sum(Decimal(line["amount"]) for line in data["lines"])
        assert lines == Decimal(data["net_amount"])
        assert Decimal(data["net_amount"]) + Decimal(data["tax_amount"]) == Decimal(
            data["gross_amount"]
        )
    ids = [invoice.data["invoice_id"] for invoice in invoices]
    assert len(set(ids)) == len(ids) == 12
    paths = [invoice.path for invoice in invoices]
    assert {"fraud hold", "exact duplicate", "suspected duplicate", "price variance"} <= set(paths)
    # Duplicates follow the invoice they repeat; every order they need comes with them.
    for invoice in invoices:
        if invoice.after is not None:
            assert ids.index(invoice.after) < ids.index(invoice.data["invoice_id"])
        assert all(o.po_number == invoice.data.get("po_number") for o in invoice.orders)


def test_batch_names_differ_second_by_second() -> None:
    first = batch_name(datetime(2026, 11, 25, 3, 30, 12, tzinfo=UTC))
    second = batch_name(datetime(2026, 11, 25, 3, 30, 13, tzinfo=UTC))
    assert first != second


def test_with_the_erps_archive_each_demo_invoice_links_to_its_own_scan() -> None:
    scans = "http://127.0.0.1:8301/__admin/invoice-scans"
    invoices = batch("DS2", date(2026, 11, 25), scans=scans)
    assert [i.data["document_url"] for i in invoices] == [
        f"{scans}/{i.data['invoice_id']}.pdf" for i in invoices
    ]
    # Without it, the address capture would have given (a bucket nobody opens here).
    assert batch("DS2", date(2026, 11, 25))[0].data["document_url"].startswith("s3://")


def test_the_batch_file_refuses_an_amount_yaml_would_read_as_a_float() -> None:
    text = resources.files("activities.payables").joinpath(DATA_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["invoices"][0]["lines"][0]["unit_price"] = 1245.10
    with pytest.raises(DemoError) as caught:
        read_batch_file(data)
    assert "invoices.0.lines.0.unit_price" in str(caught.value)
    assert 'write 1245.1 in quotes ("1245.1")' in str(caught.value)
