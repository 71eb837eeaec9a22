"""`http.request` against a real HTTP server on 127.0.0.1, through the interpreter."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import pytest_asyncio
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.common.http import request
from backoffice import registry, runtime
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions, start_process
from backoffice.registry import Registry
from backoffice.secrets import LocalSecrets, SecretNotFound
from backoffice.settings import load_settings
from backoffice.worker import workflow_runner
from tests.support.processes import write_definition
from workflows.process import ProcessWorkflow

TOKEN = "tok-" + "7f3a9c"  # a test token; it must never show up in history


class Api(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        Api.seen.append(
            {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
        )

    def do_GET(self) -> None:
        self._record()
        if self.path.startswith("/suppliers/SUP-1"):
            self._reply(200, {"id": "SUP-1", "blocked": False})
        elif self.path.startswith("/broken"):
            self._reply(503, {"error": "down"})
        else:
            self._reply(404, {"error": "no such supplier"})

    def do_POST(self) -> None:
        self._record()
        self._reply(201, {"order": "PO-9", "received": Api.seen[-1]["body"]})

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        return


@pytest.fixture
def api() -> Iterator[str]:
    Api.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest_asyncio.fixture
async def runner(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Any]:
    runtime.use(load_settings({"BACKOFFICE_SECRET_CRM_API_TOKEN": TOKEN, "PATH": "/usr/bin"}))
    found = Registry()
    found.add_activity(request)
    queue = f"http-{uuid.uuid4().hex}"
    async with Worker(
        dev_env.client,
        task_queue=queue,
        workflows=[ProcessWorkflow],
        activities=[request],
        workflow_runner=workflow_runner(registry.discover()),
    ):

        async def run(body: str, data: dict[str, Any]) -> Any:
            name = write_definition(tmp_path, body)
            handle = await start_process(
                dev_env.client, name, data, task_queue=queue,
                definitions=Definitions(tmp_path, build_catalog(found)),
            )  # fmt: skip
            return handle, await handle.result()

        yield run
    runtime.use(load_settings({}))


HEADER = """
version: 1
title: API test
owner: tests
business_key: input.case
input:
  case: string
  api: string
"""


async def test_get_returns_the_json_body(runner: Any, api: str) -> None:
    _, result = await runner(
        "name: get-supplier\n"
        + HEADER
        + """
steps:
  - id: supplier
    call: http.request
    with: {url: "${ input.api + '/suppliers/SUP-1' }", query: {full: true}}
output:
  blocked: ${ steps.supplier.body.blocked }
  status: ${ steps.supplier.status }
""",
        {"case": uuid.uuid4().hex, "api": api},
    )
    assert result["output"] == {"blocked": False, "status": 200}
    assert Api.seen[0]["path"] == "/suppliers/SUP-1?full=true"


async def test_post_sends_the_token_and_an_idempotency_key(runner: Any, api: str) -> None:
    handle, result = await runner(
        "name: post-order\n"
        + HEADER
        + """
steps:
  - id: order
    call: http.request
    with:
      url: ${ input.api + '/orders' }
      method: POST
      credential: crm-api
      body: {item: LAPTOP-14, qty: 10}
output:
  order: ${ steps.order.body.order }
""",
        {"case": uuid.uuid4().hex, "api": api},
    )
    assert result["output"] == {"order": "PO-9"}
    (call,) = Api.seen
    assert call["body"] == {"item": "LAPTOP-14", "qty": 10}
    assert call["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert call["headers"]["Idempotency-Key"] == f"{handle.id}/order"
    history = (await handle.fetch_history()).to_json()
    assert TOKEN not in history


async def test_client_errors_fail_at_once_with_a_catchable_type(runner: Any, api: str) -> None:
    _, result = await runner(
        "name: missing-supplier\n"
        + HEADER
        + """
steps:
  - id: supplier
    call: http.request
    with: {url: "${ input.api + '/suppliers/NOPE' }"}
    catch:
      - errors: [HttpClientError]
        steps: [{id: note, set: {status: "${ error.details[0].status }"}}]
output:
  status: ${ vars.status }
""",
        {"case": uuid.uuid4().hex, "api": api},
    )
    assert result["output"] == {"status": 404}
    assert len(Api.seen) == 1, "a 4xx answer is not retried"


async def test_server_errors_are_retried_then_fail(runner: Any, api: str) -> None:
    with pytest.raises(WorkflowFailureError) as caught:
        await runner(
            "name: broken-api\n"
            + HEADER
            + """
steps:
  - id: fetch
    call: http.request
    retry: {attempts: 2, initial_interval: 1s}
    with: {url: "${ input.api + '/broken' }"}
""",
            {"case": uuid.uuid4().hex, "api": api},
        )
    assert isinstance(caught.value.cause, ApplicationError)
    assert caught.value.cause.type == "HttpServerError"
    assert len(Api.seen) == 2


def test_secrets_come_from_the_environment_before_the_file(tmp_path: Path) -> None:
    file = tmp_path / "secrets.toml"
    file.write_text('[erp-ap-bot]\nusername = "ap_bot"\npassword = "from-file"\n')
    store = LocalSecrets({"BACKOFFICE_SECRET_ERP_AP_BOT_PASSWORD": "from-env"}, file)
    assert store.get("erp-ap-bot") == {"username": "ap_bot", "password": "from-env"}


def test_missing_secret_says_where_it_looked_without_values(tmp_path: Path) -> None:
    store = LocalSecrets({"BACKOFFICE_SECRET_OTHER_TOKEN": "x"}, tmp_path / "secrets.toml")
    with pytest.raises(SecretNotFound) as caught:
        store.get("crm-api")
    assert "BACKOFFICE_SECRET_CRM_API_TOKEN" in str(caught.value)
    assert "[crm-api]" in str(caught.value)
    with pytest.raises(SecretNotFound, match="has no field 'token'"):
        LocalSecrets({"BACKOFFICE_SECRET_CRM_API_KEY": "k"}, tmp_path / "x.toml").field(
            "crm-api", "token"
        )


def test_secret_variables_are_not_mistaken_for_settings() -> None:
    settings = load_settings({"BACKOFFICE_SECRET_CRM_API_TOKEN": TOKEN})
    assert TOKEN not in repr(settings)
