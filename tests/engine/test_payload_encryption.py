"""On the real server: a run's history holds its personal and financial data only encrypted."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload, WorkflowExecution
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.workflowservice.v1 import GetWorkflowExecutionHistoryRequest
from temporalio.client import Client, WorkflowFailureError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from backoffice import registry
from backoffice.engine.runs import send_event
from backoffice.payload_codec import KEY_ID, data_converter
from backoffice.payload_keys import parse_keys
from backoffice.worker import workflow_runner
from tests.support.payload_keys import CONVERTER, KEY_ENVIRONMENT, SECOND_KEY
from tests.support.processes import ProcessRunner, process_worker
from tests.support.waits import waiting_run
from workflows.process import ProcessWorkflow

IBAN = "DE89370400440532013000"
NAME = "Margarethe Quellenbach"
AMOUNT = 48213.57

PAYMENT = """
name: supplier-payment
version: 1
title: Supplier payment
owner: tests
business_key: input.case
input:
  case: string
  payee: string
  iban: string
  amount: number
steps:
  - id: noted
    title: Note the payee
    call: test.note
    with: {note: "${ input.payee + ' ' + input.iban }", amount: "${ input.amount }"}
  - id: receipt
    title: Wait for the bank's receipt
    wait: {event: bank_receipt, timeout: 10d}
output:
  paid_to: ${ steps.noted.note }
  amount: ${ input.amount }
  receipt: ${ steps.receipt.data }
"""

REFUSED = """
name: refused-payment
version: 1
title: Refused payment
owner: tests
business_key: input.case
input:
  case: string
  iban: string
steps:
  - id: pay
    call: test.fail
    with: {type: BankRefused, message: "${ 'the bank refused account ' + input.iban }"}
"""


async def raw_history(client: Client, workflow_id: str) -> bytes:
    """The history's bytes exactly as the server keeps and sends them."""
    response = await client.workflow_service.get_workflow_execution_history(
        GetWorkflowExecutionHistoryRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    return response.history.SerializeToString()


def payment(case: str) -> dict[str, object]:
    return {"case": case, "payee": NAME, "iban": IBAN, "amount": AMOUNT}


async def test_the_history_holds_no_iban_name_or_amount_in_clear_and_the_codec_reads_them(
    runner: ProcessRunner, dev_env: WorkflowEnvironment
) -> None:
    name = runner.define(PAYMENT)
    handle = await runner.start(name, payment(uuid.uuid4().hex[:10]))
    await send_event(runner.client, handle.id, "bank_receipt", {"payer_iban": IBAN})
    result = await handle.result()
    assert result["output"]["paid_to"] == f"{NAME} {IBAN}"
    assert result["output"]["amount"] == AMOUNT
    assert result["output"]["receipt"] == {"payer_iban": IBAN}

    stored = await raw_history(dev_env.client, handle.id)
    for clear in (IBAN, NAME, str(AMOUNT)):
        assert clear.encode() not in stored, f"{clear} is in the history in clear"
    assert b"binary/encrypted" in stored
    # Without the keys, the run's result cannot be read at all.
    target = dev_env.client.service_client.config.target_host
    stranger = await Client.connect(target, data_converter=pydantic_data_converter)
    with pytest.raises(KeyError, match="Unknown payload encoding binary/encrypted"):
        await stranger.get_workflow_handle(handle.id).result()


async def test_a_failure_message_quoting_an_iban_is_encrypted_too(
    runner: ProcessRunner, dev_env: WorkflowEnvironment
) -> None:
    name = runner.define(REFUSED)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:10], "iban": IBAN})
    with pytest.raises(WorkflowFailureError) as caught:
        await handle.result()
    refusal = caught.value.cause
    while refusal.__cause__ is not None and not isinstance(refusal, ApplicationError):
        refusal = refusal.__cause__  # type: ignore[assignment]
    assert isinstance(refusal, ApplicationError)
    assert refusal.message == f"the bank refused account {IBAN}"
    assert IBAN.encode() not in await raw_history(dev_env.client, handle.id)


async def test_an_encrypted_history_replays_with_the_keys(runner: ProcessRunner) -> None:
    name = runner.define(PAYMENT)
    handle = await runner.start(name, payment(uuid.uuid4().hex[:10]))
    await send_event(runner.client, handle.id, "bank_receipt", {"ok": True})
    await handle.result()
    history = await handle.fetch_history()
    replayer = Replayer(
        workflows=[ProcessWorkflow],
        data_converter=CONVERTER,
        workflow_runner=workflow_runner(registry.discover()),
    )
    replayed = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert replayed.replay_failure is None


async def test_a_run_started_before_a_rotation_finishes_after_it_under_the_new_key(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    queue = f"rotation-{uuid.uuid4().hex}"
    async with process_worker(dev_env.client, tmp_path, queue) as before:
        name = before.define(PAYMENT)
        handle = await before.start(name, payment(uuid.uuid4().hex[:10]))
        await wait_for_the_receipt_wait(before.client, handle.id)
    # The rotation: test2 made current, test1 kept to read what it encrypted.
    first = KEY_ENVIRONMENT["BACKOFFICE_SECRET_PAYLOAD_KEYS_TEST1"]
    keys = parse_keys({"current": SECOND_KEY[0], "test1": first, SECOND_KEY[0]: SECOND_KEY[1]})
    target = dev_env.client.service_client.config.target_host
    rotated = await Client.connect(target, data_converter=data_converter(keys))
    async with process_worker(rotated, tmp_path, queue) as after:
        after.define(PAYMENT)
        await send_event(rotated, handle.id, "bank_receipt", {"payer_iban": IBAN})
        result = await rotated.get_workflow_handle(handle.id).result()
    assert result["output"]["paid_to"] == f"{NAME} {IBAN}"
    ids = {
        payload.metadata[KEY_ID]
        for event in (await handle.fetch_history()).events
        for payload in _payloads(event)
    }
    assert ids == {b"test1", b"test2"}  # the input under the old key, the receipt under the new


async def wait_for_the_receipt_wait(client: Client, workflow_id: str) -> None:
    await waiting_run(client, workflow_id)


def _payloads(event: HistoryEvent) -> list[Payload]:
    # The payloads the run's own start and its signal carry.
    if event.HasField("workflow_execution_started_event_attributes"):
        return list(event.workflow_execution_started_event_attributes.input.payloads)
    if event.HasField("workflow_execution_signaled_event_attributes"):
        return list(event.workflow_execution_signaled_event_attributes.input.payloads)
    return []
