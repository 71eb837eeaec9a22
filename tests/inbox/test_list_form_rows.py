"""Reading a list field back from the inbox's indexed names (lines-0-amount), exactly."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from backoffice.inbox.bulk import approvable
from backoffice.inbox.forms import decision_fields
from backoffice.inbox.list_forms import CellProblems, shown_rows

LINES = {
    "id": "lines",
    "label": "Lines",
    "type": "list",
    "fields": [
        {"id": "amount", "label": "Amount", "type": "number", "required": True},
        {"id": "nights", "label": "Nights", "type": "integer"},
        {"id": "receipt", "type": "boolean"},
    ],
    "rows": [{"amount": 412.8}],
}
FORM = {"fields": [LINES, {"id": "comment"}], "outcomes": ["resubmit"]}


def test_rows_are_read_in_index_order_blank_and_removed_ones_left_out() -> None:
    submitted = FormData(
        [
            ("lines-10-amount", "1,234.50"),
            ("lines-2-amount", "12345678901234567.89"),
            ("lines-2-receipt", "on"),
            ("lines-3-amount", "5"),
            ("lines-3--remove", "on"),
            ("lines-4-amount", ""),  # a spare row nobody filled
            ("lines-4-nights", " "),
            ("comment", "fixed"),
        ]
    )
    comment, fields = decision_fields(FORM, submitted)
    assert comment == "fixed"
    assert fields == {
        "lines": [
            {"amount": "12345678901234567.89", "receipt": True},
            {"amount": 1234.5, "receipt": False},
        ]
    }


def test_every_bad_cell_is_named_by_its_input_and_the_first_in_the_message() -> None:
    submitted = FormData(
        [("lines-0-amount", "12.3.4"), ("lines-0-nights", "2"), ("lines-5-nights", "two")]
    )
    with pytest.raises(CellProblems) as refused:
        decision_fields(FORM, submitted)
    assert str(refused.value) == "Lines, row 1, Amount: '12.3.4' is not a number such as 12.50"
    assert refused.value.problems == {
        "lines-0-amount": "'12.3.4' is not a number such as 12.50",
        "lines-5-nights": "'two' is not a whole number",
        "lines-5-amount": "is required",
    }


def test_the_page_opens_with_the_prefilled_lines_then_spare_rows_within_the_most() -> None:
    rows = shown_rows(LINES, None)
    assert [(r.index, r.values, r.spare) for r in rows] == [
        (0, {"amount": "412.8"}, False),
        (1, {}, True),
        (2, {}, True),
        (3, {}, True),
    ]
    assert len(shown_rows({**LINES, "max_items": 2}, None)) == 2


def test_a_list_with_a_fewest_number_of_lines_is_not_approved_in_bulk() -> None:
    form = {"fields": [{**LINES, "min_items": 1}], "outcomes": ["approve"]}
    assert not approvable(form)
    assert approvable({"fields": [LINES], "outcomes": ["approve"]})


def test_a_number_field_outside_a_list_is_read_exactly_too() -> None:
    form = {"fields": [{"id": "agreed", "label": "Agreed amount", "type": "number"}]}
    _, fields = decision_fields(form, FormData([("agreed", "12345678901234567.89")]))
    assert fields == {"agreed": "12345678901234567.89"}  # a double would round it
    _, fields = decision_fields(form, FormData([("agreed", "0.10")]))
    assert fields == {"agreed": 0.1}
    with pytest.raises(ValueError, match=r"Agreed amount: 'ten' is not a number such as 12.50"):
        decision_fields(form, FormData([("agreed", "ten")]))
