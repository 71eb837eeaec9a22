"""HR and treasury bots through the worker, faults included; one record per business key."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from tests.bots.conftest import Sites

HEADER = """
version: 1
title: Bot check
owner: tests
business_key: input.case
input:
  case: string
steps:
"""

DISABLE = """
  - id: disable
    bot: hr.disable_account
    timeout: 60s
    retry: {initial_interval: 1s, max_interval: 2s}
    with: {employee_id: EMP-0420, system: LEGACY_PAYROLL, reason: Leaver}
output:
  status: ${ steps.disable.status }
  at: ${ steps.disable.disabled_at }
"""

PAYROLL = """
  - id: payroll
    bot: hr.create_payroll_record
    timeout: 60s
    retry: {initial_interval: 1s, max_interval: 2s}
    with:
      employee_id: EMP-0433
      effective_date: "2026-12-01"
      account_holder: Fatima Zahra
      bank_name: Bank of the West
      routing_number: "121000358"
      account_number: "000123456789"
      state: CA
output:
  record: ${ steps.payroll.record_number }
"""

OFF_CYCLE = """
  - id: pay
    bot: hr.create_off_cycle_run
    timeout: 60s
    retry: {initial_interval: 1s, max_interval: 2s}
    with: {employee_id: EMP-0447, amount: 4210.55, reason: Final settlement,
           payment_date: "2026-12-04"}
output:
  run: ${ steps.pay.run_number }
  amount: ${ steps.pay.amount }
"""

CONFIRM = """
  - id: confirm
    bot: treasury.respond_to_deal
    timeout: 60s
    retry: {initial_interval: 1s, max_interval: 2s}
    with: {deal_id: FX-20250612-000871, action: confirm}
output:
  reference: ${ steps.confirm.reference }
  status: ${ steps.confirm.deal_status }
"""


async def run(sites: Sites, steps: str) -> Any:
    name = sites.runner.define(f"name: bot-{uuid.uuid4().hex[:8]}\n{HEADER}{steps}")
    result = await sites.runner.run(name, {"case": uuid.uuid4().hex[:8]})
    return result["output"]


async def test_account_disabled_once_and_its_time_read_back(sites: Sites) -> None:
    await sites.hr.faults(session_expiry_next=2)
    first = await run(sites, DISABLE)
    assert first["status"] == "DISABLED"
    assert first["at"].endswith("UTC")
    again = await run(sites, DISABLE)  # a second offboarding run finds it disabled
    assert again == first
    assert await sites.hr.count("account_disable", "EMP-0420", system="LEGACY_PAYROLL") == 1


async def test_payroll_record_is_entered_inside_frames(sites: Sites) -> None:
    before = await sites.hr.count("payroll_record", "EMP-0433")
    await sites.hr.faults(error_next=1)
    output = await run(sites, PAYROLL)
    assert output["record"].startswith("PR-")
    assert await run(sites, PAYROLL) == output
    assert await sites.hr.count("payroll_record", "EMP-0433") == before + 1


async def test_off_cycle_run_survives_a_lost_answer(sites: Sites) -> None:
    before = await sites.hr.count("offcycle_run", "EMP-0447")
    await sites.hr.faults(lost_response_next=1, lost_response_mode="drop")
    output = await run(sites, OFF_CYCLE)
    assert output["amount"] == 4210.55
    assert await sites.hr.count("offcycle_run", "EMP-0447") == before + 1


async def test_deal_confirmed_once_through_pop_ups_and_a_lost_answer(sites: Sites) -> None:
    await sites.treasury.faults(popup_next=2, lost_response_next=1, lost_response_mode="drop")
    output = await run(sites, CONFIRM)
    assert output["reference"].startswith("CNF-")
    assert output["status"] == "CONFIRMED"
    assert await sites.treasury.count("confirmation", "FX-20250612-000871") == 1


POSTINGS = 8


@pytest.mark.slow
async def test_many_postings_under_frequent_faults_leave_one_record_each(sites: Sites) -> None:
    await sites.erp.faults(
        seed=7,
        error_rate=0.1,
        session_expiry_rate=0.05,
        popup_rate=0.2,
        lost_response_rate=0.25,
        lost_response_mode="drop",
    )
    posting = """
  - id: post
    bot: erp.post_invoice
    timeout: 60s
    retry: {initial_interval: 1s, max_interval: 2s}
    with:
      supplier_id: SUP-00087
      supplier_invoice_no: ${ input.case }
      invoice_date: "2025-06-12"
      net_amount: 100
      tax_amount: 19
      gross_amount: 119
      lines: [{line: 1, item: PAPER-A4, qty: 10, unit_price: 10, amount: 100}]
output:
  document: ${ steps.post.document_number }
"""
    name = sites.runner.define(f"name: many-postings\n{HEADER}{posting}")
    keys = [f"MANY-{uuid.uuid4().hex[:6].upper()}" for _ in range(POSTINGS)]
    results = await asyncio.gather(*(sites.runner.run(name, {"case": key}) for key in keys))
    assert len({r["output"]["document"] for r in results}) == POSTINGS
    for key in keys:
        assert await sites.erp.count("invoice", key) == 1
