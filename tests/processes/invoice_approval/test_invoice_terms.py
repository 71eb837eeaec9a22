"""Payment dates and cash discounts under the terms invoices print."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from activities.payables.terms import PaymentRequest, parse_terms, plan_payment


def plan(approved: str, terms: str = "2/10 NET 30", gross: str = "14815.50") -> dict[str, object]:
    request = PaymentRequest(
        invoice_date=date(2025, 6, 12),
        approved_on=date.fromisoformat(approved),
        gross_amount=Decimal(gross),
        payment_terms=terms,
    )
    return plan_payment(request).model_dump()


def test_approved_by_day_8_is_paid_on_day_10_with_the_discount() -> None:
    assert plan("2025-06-20") == {
        "payment_date": date(2025, 6, 22),
        "due_date": date(2025, 7, 12),
        "discount_percent": Decimal("2"),
        "discount_amount": Decimal("296.31"),
        "payment_amount": Decimal("14519.19"),
        "discount_missed": False,
    }


def test_approved_on_the_last_discount_day_still_gets_it() -> None:
    assert plan("2025-06-22")["payment_date"] == date(2025, 6, 22)


def test_a_payment_run_lead_time_moves_the_last_approval_day_forward() -> None:
    def with_lead(approved: str) -> dict[str, object]:
        request = PaymentRequest(
            invoice_date=date(2025, 6, 12),
            approved_on=date.fromisoformat(approved),
            gross_amount=Decimal("14815.50"),
            payment_terms="2/10 NET 30",
            lead_days=2,
        )
        return plan_payment(request).model_dump()

    assert with_lead("2025-06-20")["payment_date"] == date(2025, 6, 22)  # day 8: in time
    assert with_lead("2025-06-21")["discount_missed"] is True  # day 9: too late for the run


def test_approved_late_is_paid_net_on_the_due_date_and_says_the_discount_was_missed() -> None:
    result = plan("2025-06-25")
    assert (result["payment_date"], result["payment_amount"]) == (
        date(2025, 7, 12),
        Decimal("14815.50"),
    )
    assert result["discount_missed"] is True


def test_approved_after_the_due_date_is_paid_at_once() -> None:
    assert plan("2025-07-20", terms="NET 30")["payment_date"] == date(2025, 7, 20)
    assert plan("2025-07-20", terms="NET 30")["discount_missed"] is False


def test_the_best_discount_still_open_applies() -> None:
    result = plan("2025-06-22", terms="3/7 2/14 NET 30", gross="1000")
    assert (result["discount_percent"], result["payment_date"]) == (2, date(2025, 6, 26))
    early = plan("2025-06-15", terms="3/7 2/14 NET 30", gross="1000")
    assert (early["discount_percent"], early["payment_amount"]) == (3, Decimal("970.00"))


def test_a_discount_rounds_half_up_to_the_currency_of_the_invoice() -> None:
    def discount(gross: str, currency: str) -> object:
        request = PaymentRequest(
            invoice_date=date(2025, 6, 12),
            approved_on=date(2025, 6, 13),
            gross_amount=Decimal(gross),
            currency=currency,
            payment_terms="2/10 NET 30",
        )
        return plan_payment(request).discount_amount

    assert discount("100.25", "EUR") == Decimal("2.01")  # 2.005: half up, not half even
    assert discount("1025", "JPY") == Decimal("21")  # 20.5 yen
    assert discount("100.025", "KWD") == Decimal("2.001")  # 2.0005 dinars


@pytest.mark.parametrize("printed", ["2/10, NET 30", "2/10 N/30", "2/10 net 30 days"])
def test_terms_are_read_as_invoices_print_them(printed: str) -> None:
    assert parse_terms(printed) == parse_terms("2/10 NET 30")


@pytest.mark.parametrize(
    ("terms", "problem"),
    [
        ("2/10", "have no NET days"),
        ("2/10 NET 5", "outlasts the net period"),
        ("two ten net 30", "'TWO' is neither a discount"),
    ],
)
def test_terms_that_cannot_be_read_say_what_is_expected(terms: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_terms(terms)
