"""``backoffice dev``: the dev server, then the worker in the same process, until Ctrl-C."""

from __future__ import annotations

import asyncio
import os

import typer
from temporalio.client import Client

from backoffice import registry, running_stack
from backoffice.client_certificates import inbox_tls
from backoffice.connection import connect, dev_server_connection
from backoffice.devstack import DevServer
from backoffice.engine.runs import RunError, register_search_attributes
from backoffice.events.receiver import serve_receiver
from backoffice.inbox import create_app
from backoffice.sandbox import DEMO_PASSWORD, DEMO_USER, SandboxSystems, bot_user
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, masked_url
from backoffice.worker import prepare_records, run_workers, stop_on_signals, task_queue_name


def banner(
    settings: Settings,
    server: DevServer,
    found: registry.Registry | None,
    inbox_url: str,
    sandbox: SandboxSystems,
) -> str:
    state = server.state_dir
    lines = [
        "backoffice dev is running",
        f"  Temporal server   {server.address}  (namespace default, pid {_pid(server)})",
        f"  Temporal Web UI   {server.ui_url}",
    ]
    if server.codec_endpoint:
        roles = " or ".join(settings.codec_roles)
        lines.append(
            f"    Codec endpoint  {server.codec_endpoint}  (payloads are encrypted: the Web UI "
            f"shows them to an inbox user with the role {roles}, olivia in the demo)"
        )
    if found is not None:
        for queue in found.queues():
            workflows, activities = found.workflows_for(queue), found.activities_for(queue)
            lines.append(
                f"  Worker            task queue {task_queue_name(settings, queue)}: "
                f"{_count(len(workflows), 'workflow')}, {_count(len(activities), 'activity')}"
            )
    else:
        lines.append("  Worker            not started (--no-worker): run `backoffice worker`")
    lines += [
        f"  Inbox             {inbox_url}  (sign in as alice, password backoffice-demo)",
        f"  Mail sink         {settings.smtp_url} (read with `backoffice mail` or in the inbox)",
        f"  Event receiver    http://127.0.0.1:{settings.event_receiver_port}/events/<system>"
        "  (the sandbox ERP posts its goods receipts there)",
        *(
            f"  Sandbox {name:<9} http://localhost:{port}  (user {DEMO_USER}, password "
            f"{DEMO_PASSWORD}; bots log in as {bot_user(name)})"
            for name, port in sandbox.legacy_ports().items()
        ),
        *(
            f"  Sandbox {name:<9} http://localhost:{port}  (API; bearer token: field 'token' "
            f"of [{settings.systems[name].credential}] in {settings.resolved_secrets_file})"
            for name, port in sandbox.api_ports().items()
        ),
        *(
            f"  Sandbox {name:<9} not started: {reason}"
            for name, reason in sorted(sandbox.missing.items())
        ),
        f"  State directory   {state}",
        f"    Temporal data   {server.db_file}",
        f"    Records         {masked_url(settings.resolved_database_url)}",
        f"    Logs            {server.log_file.parent}/ (temporal.log, mail.log, legacy-*.log, "
        "sandbox-*.log)",
        f"Try `backoffice smoke --port {server.port}`. Stop with Ctrl-C.",
    ]
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{number} {noun if number == 1 else plural}"


def _pid(server: DevServer) -> str:
    return str(server.process.pid) if server.process is not None else "?"


async def run_dev(
    settings: Settings,
    server: DevServer,
    with_worker: bool,
    inbox_port: int,
    sandbox: SandboxSystems,
    demo: bool = False,
) -> None:
    """Wait for the server, print what runs where, run the worker until Ctrl-C/SIGTERM."""
    prepare_records(settings)
    stop = asyncio.Event()
    with stop_on_signals(stop):
        waiting = asyncio.create_task(server.wait_healthy())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait([waiting, stopping], return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            waiting.cancel()
            return
        stopping.cancel()
        waiting.result()
        await sandbox.wait_ready()
        found = registry.discover(plugins=settings.plugins) if with_worker else None
        client = await connect(settings, dev_server_connection(server.port))
        added = await register_search_attributes(client)
        if added:  # a state directory from before these attributes existed
            typer.echo(f"registered search attributes: {', '.join(added)}", err=True)
        receiver = serve_receiver(settings, client)  # fails first if its port is taken
        inbox = EmbeddedServer(
            create_app(settings, client), "127.0.0.1", inbox_port, tls=inbox_tls(settings)
        )
        await inbox.start()
        stack = running_stack.RunningStack(
            pid=os.getpid(),
            temporal_address=server.address,
            ui_url=settings.temporal_ui_url,
            inbox_url=settings.inbox_url,
        )
        running_stack.announce(settings, stack)
        await running_stack.announce_on_server(client, stack)
        try:
            await receiver.start()
            # Only now: a system sends what it kept for its subscriber as soon as it has one.
            await sandbox.subscribe_events(f"http://127.0.0.1:{receiver.port}")
            typer.echo(banner(settings, server, found, inbox.url, sandbox), err=False)
            if found is None:
                await stop.wait()
                return
            batch = None
            if demo:
                batch = asyncio.create_task(start_demo(settings, client))
            await run_workers(client, settings, stop)
            if batch is not None and not batch.done():
                batch.cancel()
        finally:
            running_stack.withdraw(settings)
            await receiver.stop()
            await inbox.stop()


async def start_demo(settings: Settings, client: Client) -> None:
    """The demo batch, once the worker polls; a failure is told, and dev goes on."""
    from backoffice.cli.demo import run_demo

    try:
        await run_demo(settings, client, None)
    except RunError as error:
        typer.echo(f"demo not started: {error}", err=True)


async def run_inbox(settings: Settings, host: str, port: int) -> None:
    """``backoffice inbox``: the inbox alone, until Ctrl-C/SIGTERM."""
    prepare_records(settings, upgrade=False)
    client = await connect(settings)
    inbox = EmbeddedServer(create_app(settings, client), host, port, tls=inbox_tls(settings))
    stop = asyncio.Event()
    with stop_on_signals(stop):
        await inbox.start()
        typer.echo(f"backoffice inbox on {inbox.url}; stop with Ctrl-C")
        try:
            await stop.wait()
        finally:
            await inbox.stop()
