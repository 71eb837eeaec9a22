"""The confirmation portal over HTTP: deals awaiting a response, and responses recorded."""

from __future__ import annotations

import re

from tests.legacy.conftest import Running, field_value, message

DEAL = "FX-20250612-000871"


def deal_ids(html: str) -> list[str]:
    return re.findall(r'<td><a href="/deals/([^"]+)">', html)


async def test_portal_opens_on_deals_awaiting_a_response_ten_per_page(treasury: Running) -> None:
    async with treasury.logged_in() as client:
        first = await client.get("/deals")
        second = await client.get("/deals", params={"page": "2"})
        everything = await client.get("/deals", params={"status": "ALL"})
        by_id = await client.get("/deals", params={"deal_id": DEAL.lower()})
    assert "14 records found" in first.text
    assert len(deal_ids(first.text)) == 10
    assert len(deal_ids(second.text)) == 4
    assert "15 records found" in everything.text
    assert deal_ids(by_id.text) == [DEAL]


async def test_deal_page_shows_the_economics_to_check(treasury: Running) -> None:
    async with treasury.logged_in() as client:
        spot = await client.get(f"/deals/{DEAL}")
        deposit = await client.get("/deals/MM-20250611-000412")
    assert field_value(spot.text, "bought_amount") == "10,000,000.00"
    assert field_value(spot.text, "sold_amount") == "9,208,103.13"
    assert field_value(spot.text, "rate") == "1.08600"
    assert field_value(spot.text, "value_date") == "2025-06-16"
    assert field_value(spot.text, "counterparty_bic") == "CPTYGB2LXXX"
    assert field_value(deposit.text, "principal_amount") == "25,000,000.00"
    assert field_value(deposit.text, "interest_amount") == "203,993.06"
    assert field_value(deposit.text, "day_count") == "ACT/360"


async def test_confirming_twice_records_two_confirmations(treasury: Running) -> None:
    async with treasury.logged_in() as client:
        first = await client.post(f"/deals/{DEAL}/confirm")
        second = await client.post(f"/deals/{DEAL}/confirm")
        affirmed = await client.post(f"/deals/{DEAL}/affirm")
        listing = await client.get("/confirmations", params={"deal_id": DEAL})
    assert message(first.text) == f"Deal {DEAL} was confirmed. Reference CNF-0000001"
    assert field_value(first.text, "confirmation_reference") == "CNF-0000001"
    assert field_value(second.text, "confirmation_reference") == "CNF-0000002"
    assert field_value(affirmed.text, "deal_status") == "AFFIRMED"
    assert field_value(affirmed.text, "confirmation_reference") == "AFF-0000003"
    assert "3 records found" in listing.text
    assert await treasury.count("confirmation", DEAL) == 3
    assert await treasury.count("confirmation", DEAL, action="CONFIRM") == 2


async def test_cancelled_deal_and_a_dispute_without_remarks_are_refused(treasury: Running) -> None:
    async with treasury.logged_in() as client:
        cancelled = await client.post("/deals/FX-20250613-000038/confirm")
        silent = await client.post("/deals/FX-20250612-000874/dispute", data={"remarks": ""})
        disputed = await client.post(
            "/deals/FX-20250612-000874/dispute", data={"remarks": "Rate 1.08600 agreed"}
        )
    assert message(cancelled.text) == "Deal FX-20250613-000038 was cancelled by the counterparty"
    assert message(silent.text) == "Remarks: say what is wrong with the deal"
    assert field_value(disputed.text, "deal_status") == "DISPUTED"
    assert await treasury.count("confirmation", "FX-20250613-000038") == 0
    assert await treasury.count("confirmation", "FX-20250612-000874", action="DISPUTE") == 1
