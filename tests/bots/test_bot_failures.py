"""Failures an engineer on call meets: each of the right kind, with evidence that explains it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from backoffice import runtime
from tests.bots.conftest import Sites
from tests.bots.test_erp_bots import POSTING, reference
from tests.support.eventually import eventually


async def failure(sites: Sites, definition: str, data: dict[str, Any]) -> ApplicationError:
    name = sites.runner.define(definition)
    with pytest.raises(WorkflowFailureError) as failed:
        await sites.runner.run(name, data)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


def evidence_of(error: ApplicationError) -> dict[str, str]:
    files: dict[str, str] = error.details[0]["evidence"]
    return files


async def test_lost_answer_and_no_record_stops_as_ambiguous_submit(sites: Sites) -> None:
    key = reference()
    await sites.erp.faults(lost_response_next=1, lost_response_mode="hold")
    name = sites.runner.define(POSTING)
    handle = await sites.runner.start(name, {"reference": key, "gross_amount": 14815.5})

    async def committed() -> bool:
        return await sites.erp.count("invoice", key) == 1

    # The ERP committed the posting and holds its answer...
    await eventually(committed, f"the ERP to commit {key}")
    await sites.erp.reset()  # ...then loses it: the system cannot tell whether it arrived
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "BotAmbiguousSubmit"
    assert "reconcile by hand" in cause.message
    assert await sites.erp.count("invoice", key) == 0  # and it was not posted a second time


async def test_changed_screen_is_selector_drift_not_retried(sites: Sites) -> None:
    drifting = POSTING.replace("bot: erp.post_invoice", "bot: test.post_invoice_on_old_screen")
    drifting = drifting.replace("name: erp-posting", "name: erp-posting-old")
    error = await failure(sites, drifting, {"reference": reference(), "gross_amount": 14815.5})
    assert error.type == "BotSelectorDrift"
    assert "Vendor number" in error.message
    evidence = evidence_of(error)
    assert "Enter Incoming Invoice" in Path(evidence["html"]).read_text()
    assert Path(evidence["screenshot"]).stat().st_size > 1000
    assert Path(evidence["trace"]).stat().st_size > 1000
    assert str(Path(evidence["html"]).parent) in error.message  # the UI shows where to look


async def test_refused_login_is_credential_rejected_and_never_retried(sites: Sites) -> None:
    wrong = POSTING.replace(
        "bot: erp.post_invoice", "bot: erp.post_invoice\n    credential: erp-wrong"
    )
    wrong = wrong.replace("name: erp-posting", "name: erp-posting-wrong-login")
    settings = runtime.settings()
    environ = {
        **settings.environ,
        "BACKOFFICE_SECRET_ERP_WRONG_USERNAME": "bot-erp",
        "BACKOFFICE_SECRET_ERP_WRONG_PASSWORD": "not-the-password",
    }
    runtime.use(settings.model_copy(update={"environ": environ}))
    try:
        error = await failure(sites, wrong, {"reference": reference(), "gross_amount": 1.0})
    finally:
        runtime.use(settings)
    assert error.type == "BotCredentialRejected"
    assert "Invalid user name or password" in error.message
    for path in evidence_of(error).values():
        assert b"not-the-password" not in Path(path).read_bytes()
