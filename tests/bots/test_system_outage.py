"""A legacy system that is down for a while loses no run, and its licences hold across workers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from backoffice import database
from backoffice.audit.steps import StepEventRow, trail
from backoffice.cli.systems import paused_notice
from backoffice.interceptors import StepAuditInterceptor
from backoffice.systems import store
from tests.bots.conftest import BOTS, Sites
from tests.bots.test_erp_bots import POSTING, reference
from tests.support.eventually import eventually

READING = """
name: {name}
version: 1
title: Read a supplier
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: supplier
    bot: erp.read_supplier
    timeout: 6s
    retry: {{initial_interval: 1s, max_interval: 1s}}
    with: {{supplier_id: SUP-00087}}
output:
  name: ${{ steps.supplier.name }}
"""
# Attempts a bot step had before it was bounded by time instead of by count.
OLD_BUDGET = 5


async def attempt_now(handle: WorkflowHandle[Any, Any]) -> int:
    pending = (await handle.describe()).raw_description.pending_activities
    return max((activity.attempt for activity in pending), default=0)


async def test_an_outage_longer_than_the_old_retry_budget_pauses_the_system_and_loses_no_run(
    sites: Sites,
) -> None:
    engine = database.engine(sites.settings)
    name = sites.runner.define(READING.format(name=f"outage-{uuid.uuid4().hex[:6]}"))
    await sites.erp.faults(error_rate=1.0)  # every page an error: the ERP is down
    handles = [await sites.runner.start(name, {"case": uuid.uuid4().hex[:8]}) for _ in range(3)]

    # Failures from all runs add up to a pause for everyone...

    def paused() -> store.SystemStateRow | None:
        state = store.state(engine, "erp")
        return state if state is not None and state.paused_since is not None else None

    state = await eventually(paused, "the ERP to be paused", within=60)
    assert "503" in (state.last_error or "") or "unavailable" in (state.last_error or "")
    [notice] = paused_notice(sites.settings)  # what backoffice status adds for ops
    assert notice.startswith("erp is PAUSED since ")
    # ...and the runs outlast the attempts they used to have, waiting instead of failing.

    async def past_the_old_budget() -> bool:
        return max([await attempt_now(handle) for handle in handles]) > OLD_BUDGET

    await eventually(past_the_old_budget, f"a run to go past {OLD_BUDGET} attempts", within=90)
    for handle in handles:
        assert (await handle.describe()).status.name == "RUNNING"  # type: ignore[union-attr]

    await sites.erp.faults(error_rate=0.0)  # the ERP is back: the paused work resumes by itself
    results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 120)
    assert {result["output"]["name"] for result in results} == {results[0]["output"]["name"]}
    state = store.state(engine, "erp")
    assert state is not None
    assert state.paused_since is None
    assert state.resumed_at is not None


def overlapping(rows: list[StepEventRow]) -> int:
    """The most attempts that were on the system at the same moment."""
    moments = sorted(
        [(row.started_at, 1) for row in rows] + [(row.ended_at, -1) for row in rows],
        key=lambda moment: (moment[0], moment[1]),  # an end before a start at the same time
    )
    most = now = 0
    for _, change in moments:
        now += change
        most = max(most, now)
    return most


async def test_two_workers_never_run_more_bots_than_the_system_has_licences(sites: Sites) -> None:
    engine = database.engine(sites.settings)
    store.record_success(engine, "erp")  # whatever an earlier test left
    await sites.erp.faults(latency_rate=1.0, latency_seconds=0.5)  # slow: bots overlap
    queue = sites.runner.task_queue
    # Another worker process as far as Temporal knows: its own connection.
    config = sites.runner.client.service_client.config
    other = await Client.connect(config.target_host, namespace=sites.runner.client.namespace)
    second = Worker(
        other,
        task_queue=f"{queue}.erp",
        activities=BOTS["erp"],
        max_concurrent_activities=2,
        interceptors=[StepAuditInterceptor()],
    )
    name = sites.runner.define(POSTING)
    async with second:
        handles = [
            await sites.runner.start(name, {"reference": reference(), "gross_amount": 14815.5})
            for _ in range(6)
        ]
        await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 300)
    await sites.erp.faults(latency_rate=0.0)
    rows = [row for handle in handles for row in trail(engine, handle.id)]
    assert len(rows) >= 6
    # Two workers with two slots each, and the ERP's two licences (concurrency 2).
    assert overlapping(rows) <= 2
    assert store.holders(engine, "erp") == []  # every licence given back
    assert all(row.ended_at - row.started_at >= timedelta(0) for row in rows)


async def test_a_submit_refused_by_an_error_page_is_posted_by_the_next_attempt(
    sites: Sites,
) -> None:
    key = reference()
    name = sites.runner.define(
        POSTING.replace("bot: erp.post_invoice", "bot: test.post_invoice_refused_once").replace(
            "name: erp-posting", "name: erp-posting-refused"
        )
    )
    handle = await sites.runner.start(name, {"reference": key, "gross_amount": 14815.5})
    # The first attempt fails: its submit got an error page, its look-ups too.

    async def failed_once() -> Any:
        pending = (await handle.describe()).raw_description.pending_activities
        return pending if pending and pending[0].HasField("last_failure") else None

    pending = await eventually(failed_once, "the first attempt to fail", within=120)
    failure = pending[0].last_failure
    assert failure.application_failure_info.type == "BotTransient"
    assert await sites.erp.count("invoice", key) == 0  # nothing was posted
    await sites.erp.faults(error_rate=0.0)  # the ERP is well again
    # A definite refusal: the next attempt submits again, it is not ambiguous.
    result = await asyncio.wait_for(handle.result(), 120)
    assert result["output"]["status"] == "POSTED"
    assert await sites.erp.count("invoice", key) == 1
