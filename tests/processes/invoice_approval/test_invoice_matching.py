"""Matching by the rules of accounts payable, with the scenarios of DOMAIN.md section 3."""

from __future__ import annotations

from typing import Any

import pytest

from activities.payables.matching import MatchRequest, match

PO_LINE = {"po_line": 1, "qty": 10, "unit_price": 1245.00, "received_qty": 10}


def request(price: float, qty: float = 10, **changes: Any) -> MatchRequest:
    order = {**PO_LINE, **changes.pop("order", {})}
    return MatchRequest.model_validate(
        {
            "lines": [{"line": 1, "po_line": 1, "qty": qty, "unit_price": price}],
            "order": [order],
            **changes,
        }
    )


def test_t1_exact_three_way_match_is_touchless() -> None:
    result = match(request(1245.00, net_amount=12450.00))
    assert (result.status, result.should_be_paid, result.reason_codes) == ("matched", "yes", [])
    assert result.price_variance == 0


def test_t2_price_within_two_percent_is_accepted_with_its_variance() -> None:
    result = match(request(1260.00, net_amount=12600.00))
    assert result.status == "matched"
    assert result.price_variance == 150.00  # posted to the price-variance account


def test_t3_price_three_percent_higher_is_blocked_for_the_buyer() -> None:
    result = match(request(1282.35))
    assert (result.status, result.should_be_paid) == ("exception", "exception")
    assert result.reason_codes == ["PRICE_VAR"]
    assert result.lines[0].price_variance == 373.50
    assert result.lines[0].blocked


def test_a_lower_price_beyond_tolerance_only_warns() -> None:
    result = match(request(1200.00))
    assert result.status == "matched"
    assert result.lines[0].warnings == ["billed 450.00 below the order price"]


@pytest.mark.parametrize(
    ("price", "qty", "expected"),
    [
        (1269.90, 1, "matched"),  # 24.90 is 2% of the line
        (1269.91, 1, "exception"),
        (6.00, 1, "matched"),  # on a 1.00 line the floor of 5.00 applies
        (6.01, 1, "exception"),
    ],
)
def test_the_larger_of_two_percent_and_five_is_the_tolerance(
    price: float, qty: float, expected: str
) -> None:
    base = 1.00 if price < 100 else 1245.00
    line = request(price, qty=qty, order={"qty": qty, "received_qty": qty, "unit_price": base})
    assert match(line).status == expected


def test_billing_more_than_received_is_a_quantity_variance() -> None:
    result = match(request(1245.00, qty=10, order={"received_qty": 8}))
    assert result.reason_codes == ["QTY_VAR"]
    assert result.lines[0].quantity_variance == 2


def test_billing_what_earlier_invoices_already_billed_is_a_quantity_variance() -> None:
    result = match(request(1245.00, qty=4, order={"received_qty": 10, "invoiced_qty": 8}))
    assert result.reason_codes == ["QTY_VAR"]


def test_no_goods_receipt_yet_waits_for_it() -> None:
    result = match(request(1245.00, order={"received_qty": 0}))
    assert (result.status, result.should_be_paid, result.reason_codes) == (
        "awaiting_gr",
        "no",
        ["NO_GR"],
    )


def test_services_match_two_way_without_a_receipt() -> None:
    result = match(request(1245.00, route="two_way", order={"received_qty": 0}))
    assert result.status == "matched"


def test_a_line_without_its_po_line_and_a_closed_po_are_exceptions() -> None:
    orphan = request(1245.00)
    orphan.lines[0].po_line = 9
    assert match(orphan).reason_codes == ["NO_PO"]
    assert match(request(1245.00, po_status="closed")).reason_codes == ["PO_CLOSED"]


def test_a_header_far_from_its_lines_is_a_price_variance() -> None:
    assert match(request(1245.00, net_amount=12550.01)).reason_codes == ["PRICE_VAR"]
    assert match(request(1245.00, net_amount=12550.00)).reason_codes == []


def test_tolerances_come_from_the_request() -> None:
    strict = request(1260.00, tolerances={"price_percent": 0, "price_absolute": 0})
    assert match(strict).reason_codes == ["PRICE_VAR"]


def test_goods_not_yet_received_wait_even_when_the_price_is_off() -> None:
    result = match(request(1282.35, order={"received_qty": 0}))
    assert (result.status, result.reason_codes) == ("awaiting_gr", ["NO_GR", "PRICE_VAR"])


def test_a_header_below_its_lines_is_a_discount_that_only_warns() -> None:
    result = match(request(1245.00, net_amount=11205.00))  # 10% off the whole invoice
    assert (result.status, result.reason_codes) == ("matched", [])
    assert result.warnings == ["the header is 1245.00 below its lines (a discount)"]


def test_two_lines_on_one_po_line_may_not_together_bill_more_than_arrived() -> None:
    split = MatchRequest.model_validate(
        {
            "lines": [
                {"line": 1, "po_line": 1, "qty": 6, "unit_price": 1245.00},
                {"line": 2, "po_line": 1, "qty": 6, "unit_price": 1245.00},
            ],
            "order": [PO_LINE],
        }
    )
    result = match(split)
    assert result.reason_codes == ["QTY_VAR"]
    assert [(x.line, x.quantity_variance) for x in result.lines] == [(1, 0.0), (2, 2.0)]


def test_a_line_without_its_po_line_is_matched_by_item_when_only_one_line_has_it() -> None:
    by_item = MatchRequest.model_validate(
        {
            "lines": [{"line": 1, "item": "LAPTOP-14", "qty": 10, "unit_price": 1245.00}],
            "order": [{**PO_LINE, "item": "LAPTOP-14"}, {**PO_LINE, "po_line": 2, "item": "DOCK"}],
        }
    )
    result = match(by_item)
    assert (result.status, result.lines[0].po_line) == ("matched", 1)
    by_item.order[1].item = "LAPTOP-14"  # two candidates: no guessing
    assert match(by_item).reason_codes == ["NO_PO"]


def test_the_total_variance_counts_lines_the_buyer_must_accept_too() -> None:
    result = match(request(1282.35))
    assert (result.price_variance, result.total_price_variance) == (0.0, 373.50)
