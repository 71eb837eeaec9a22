"""The ``backoffice`` command: one entry point for process owners, ops and developers."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, ParamSpec, TypeVar

import typer

from backoffice.connection import connect, dev_server_connection
from backoffice.devstack import DevServer, ensure_port_free, find_temporal_binary
from backoffice.engine.smoke import WORKFLOW_TYPE, SmokeRequest, SmokeResult
from backoffice.errors import BackofficeError
from backoffice.links import run_url
from backoffice.logs import configure_logging
from backoffice.mail import MailSink
from backoffice.markdown_text import md
from backoffice.payload_keys import ensure_dev_key, payload_keys
from backoffice.process_exit import exit_now
from backoffice.running_stack import with_running_stack
from backoffice.sandbox import SandboxSystems
from backoffice.settings import Settings, load_settings, masked_url

if TYPE_CHECKING:
    from backoffice.cli.identity import Actor

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="backoffice",
    help="Back-office processes as durable Temporal workflows, defined in YAML.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Any BackofficeError as one line and exit 1; any other exception is a bug and keeps
    its traceback."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except BackofficeError as error:
            fail(str(error))
        except KeyboardInterrupt:
            raise typer.Exit(130) from None

    return run


def settings_and_logging(follow_running_stack: bool = True) -> Settings:
    """The settings; by default with the links of a ``backoffice dev`` running meanwhile."""
    settings = load_settings()
    if follow_running_stack:
        settings = with_running_stack(settings)
    configure_logging(settings.log_format, settings.log_level)
    return settings


@app.command()
@friendly_errors
def worker() -> None:
    """Run the worker against the configured Temporal."""
    from backoffice.worker import serve

    settings = settings_and_logging()
    asyncio.run(serve(settings))


@app.command()
@friendly_errors
def dev(
    port: Annotated[int, typer.Option(help="gRPC port of the Temporal dev server.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Port of the Temporal Web UI.")] = 8233,
    smtp_port: Annotated[
        int, typer.Option(help="Port of the local mail sink for notifications.")
    ] = 8025,
    inbox_port: Annotated[int, typer.Option(help="Port of the approvals inbox.")] = 8280,
    legacy: Annotated[
        bool,
        typer.Option(
            "--legacy/--no-legacy",
            help="Run the sandbox legacy systems (ERP, HR, treasury) the bots drive.",
        ),
    ] = True,
    run_worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run the worker in this command.")
    ] = True,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Once everything runs, start a batch of supplier invoices (see demo)."
        ),
    ] = False,
) -> None:
    """Run the embedded stack: dev server, Web UI, worker, inbox, mail sink."""
    from backoffice.cli.dev import run_dev

    if demo and not (legacy and run_worker):
        fail("--demo needs the worker and the sandbox ERP: leave out --no-worker and --no-legacy")
    settings = settings_and_logging()
    binary = find_temporal_binary(settings.environ)
    ensure_port_free(smtp_port, "mail sink", "--smtp-port")
    ensure_port_free(inbox_port, "inbox", "--inbox-port")
    state_dir = settings.state_dir.resolve()
    sink = MailSink(state_dir / "mail", smtp_port, log_file=state_dir / "logs" / "mail.log")
    server = DevServer(
        binary=binary,
        state_dir=settings.state_dir.resolve(),
        port=port,
        ui_port=ui_port,
    )
    # The links this stack's worker, inbox and mails give point at this stack's ports,
    # unless the user named other addresses (a proxy in front, say).
    inbox_scheme = "https" if settings.inbox_tls_certificate else "http"
    links = {
        "temporal_ui_url": server.ui_url,
        "inbox_url": f"{inbox_scheme}://localhost:{inbox_port}",
    }
    update = {k: v for k, v in links.items() if k not in settings.model_fields_set}
    settings = settings.model_copy(update={"smtp_url": sink.url, **update})
    if ensure_dev_key(settings):
        typer.echo(f"made a dev payload key in {settings.resolved_secrets_file}", err=True)
    payload_keys(settings)  # missing or bad keys stop dev before anything starts
    if settings.payload_encryption:
        server.codec_endpoint = f"{settings.inbox_url}/codec"
    sandbox = SandboxSystems(settings if legacy else settings.model_copy(update={"systems": {}}))
    try:
        sink.start()
        sandbox.start()
        server.start()
        asyncio.run(run_dev(settings, server, run_worker, inbox_port, sandbox, demo))
    finally:
        server.stop()
        sandbox.stop()
        sink.stop()
        typer.echo("backoffice dev stopped: Temporal server and worker are down.")


@app.command()
@friendly_errors
def inbox(
    port: Annotated[int, typer.Option(help="Port to serve the inbox on.")] = 8280,
    host: Annotated[
        str, typer.Option(help="Address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
) -> None:
    """Run the approvals inbox on its own, against the configured Temporal."""
    from backoffice.cli.dev import run_inbox

    settings = settings_and_logging()
    ensure_port_free(port, "inbox", "--port")
    asyncio.run(run_inbox(settings, host, port))


@app.command("hash-password")
@friendly_errors
def hash_password_command() -> None:
    """Hash an inbox password for the directory file (asked twice, never echoed)."""
    from backoffice.inbox.auth import hash_password

    password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        fail("use at least 8 characters")
    typer.echo(hash_password(password))


@app.command()
@friendly_errors
def smoke(
    name: Annotated[str, typer.Option(help="Who the smoke workflow greets.")] = "back office",
    pause: Annotated[
        float, typer.Option(help="Seconds of durable timer before the greeting.", min=0)
    ] = 0,
    port: Annotated[
        int | None, typer.Option(help="Use the dev server on this port instead of the settings.")
    ] = None,
) -> None:
    """Run the smoke workflow end to end and print its result."""
    settings = settings_and_logging()
    result = asyncio.run(_run_smoke(settings, SmokeRequest(name=name, pause_seconds=pause), port))
    typer.echo(result)


async def _run_smoke(settings: Settings, request: SmokeRequest, port: int | None) -> str:
    client = await connect(settings, dev_server_connection(port) if port else None)
    workflow_id = f"smoke/{uuid.uuid4().hex[:12]}"
    handle = await client.start_workflow(
        WORKFLOW_TYPE,
        request,
        id=workflow_id,
        task_queue=settings.task_queue,
        static_summary=md(f"Smoke check: greet {request.name}"),
        execution_timeout=timedelta(minutes=5),
        result_type=SmokeResult,
    )
    try:
        result = await asyncio.wait_for(handle.result(), timeout=60 + request.pause_seconds)
    except TimeoutError:
        fail(
            f"{workflow_id} did not finish in time: is a worker polling task queue "
            f"'{settings.task_queue}'? Start one with `backoffice worker` or `backoffice dev`."
        )
    link = run_url(settings.temporal_ui_url, client.namespace, workflow_id, handle.result_run_id)
    return f"{result.greeting} (worker {result.worker})\nworkflow {workflow_id}: {link}"


@app.command("validate")
@friendly_errors
def validate_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Definition files, or directories to search.")
    ],
    catalog: Annotated[
        bool, typer.Option("--catalog/--no-catalog", help="Check calls against the catalog.")
    ] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")] = False,
) -> None:
    """Check definitions; print FILE:LINE:COLUMN for each problem."""
    from backoffice.cli.language import validate

    validate(paths, catalog, quiet)


@app.command("test")
@friendly_errors
def rehearse_command(
    file: Annotated[Path, typer.Argument(help="The definition to rehearse.")],
    scenarios: Annotated[
        list[Path] | None,
        typer.Option(
            "--scenarios",
            help="Scenario files to run (default: every file in the definition's "
            "NAME.scenarios/ folder beside it).",
        ),
    ] = None,
    only: Annotated[
        str | None, typer.Option("--only", help="Run only the scenario of this name.")
    ] = None,
) -> None:
    """Rehearse a definition against its scenarios, on skipped time, with no real system."""
    from backoffice.cli.rehearse import rehearse

    rehearse(file, scenarios or [], only)


@app.command("explain")
@friendly_errors
def explain_command(
    file: Annotated[Path, typer.Argument(help="The definition to explain.")],
    as_mermaid: Annotated[
        bool, typer.Option("--mermaid", help="Print a Mermaid flowchart instead.")
    ] = False,
    detail: Annotated[
        Literal["overview", "full"] | None,
        typer.Option(
            help="With --mermaid, how much the flowchart shows. overview (the default): "
            "for the process owner, what people decide and what is waited for, "
            "conditions in words, loops, parallel blocks and groups folded into one node "
            "each. full: every step with its id, conditions and values as written."
        ),
    ] = None,
    catalog: Annotated[
        bool, typer.Option("--catalog/--no-catalog", help="Check calls against the catalog.")
    ] = True,
) -> None:
    """Show a definition as an outline or a Mermaid flowchart (overview or full)."""
    from backoffice.cli.language import explain

    explain(file, as_mermaid, catalog, detail)


@app.command("systems")
@friendly_errors
def systems_command(
    resume: Annotated[
        str | None,
        typer.Option(
            help="Resume a paused system now instead of waiting for its next probe.",
            metavar="SYSTEM",
        ),
    ] = None,
) -> None:
    """The legacy systems: answering or paused for everyone, licences in use, failures."""
    from backoffice.cli.systems import resume_system, show_systems

    settings = settings_and_logging()
    if resume is not None:
        resume_system(settings, resume)
    show_systems(settings)


db_app = typer.Typer(
    help="The records database's tables: upgrade them, or see where they stand.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
@friendly_errors
def db_upgrade_command() -> None:
    """Bring the records tables to this version (workers do it when they start)."""
    from backoffice.cli.db import upgrade_records

    upgrade_records(settings_and_logging())


@db_app.command("current")
@friendly_errors
def db_current_command() -> None:
    """Each migration branch's revision in the records database, against this version's."""
    from backoffice.cli.db import show_current

    show_current(settings_and_logging())


@db_app.command("check")
@friendly_errors
def db_check_command() -> None:
    """Compare the upgraded tables with the models (for developers adding a revision)."""
    from backoffice.cli.db import check_models

    check_models(settings_and_logging())


@app.command("catalog")
@friendly_errors
def catalog_command() -> None:
    """List the activities and bots definitions can call."""
    from backoffice.cli.language import show_catalog

    show_catalog()


@app.command("packs")
@friendly_errors
def packs_command() -> None:
    """List the process packs: each one's processes, tables, demo and guide."""
    from backoffice.cli.packs import show_packs

    show_packs(load_settings())


@app.command("schema")
@friendly_errors
def schema_command(
    write: Annotated[
        bool, typer.Option("--write", help="Write docs/definition.schema.json.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Fail if the shipped file is stale.")
    ] = False,
) -> None:
    """Print the JSON Schema of the definition language."""
    from backoffice.cli.language import schema

    schema(write, check)


PortOption = Annotated[int | None, typer.Option("--port", help="Use the dev server on this port.")]
OperatorOption = Annotated[
    str | None,
    typer.Option(
        "--operator",
        help="Act for the --as person as this operator (a person with the directory's role "
        "'operator'), proving who you are with your own password; needs --reason.",
    ),
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="With --operator: why (kept in the audit).")
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the inbox password (of --as, or of --operator) from standard input, for "
        "scripts; without it, a terminal asks for it.",
    ),
]


def _actor(
    settings: Settings,
    person: str,
    operator: str | None,
    reason: str | None,
    password_stdin: bool,
) -> Actor:
    from backoffice import database
    from backoffice.cli.identity import from_options

    engine = database.engine(settings)
    return from_options(engine, person, operator, reason, password_stdin)


@app.command("start")
@friendly_errors
def start_command(
    name: Annotated[str, typer.Argument(help="Process name, e.g. invoice-approval.")],
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Input: JSON, or a JSON file path.")
    ] = None,
    wait: Annotated[bool, typer.Option("--wait", help="Wait for the result.")] = False,
    port: PortOption = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="Give a variable another value for this run, e.g. --set approval_limit=500 "
            "(repeat for more).",
        ),
    ] = None,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="Run a key again whose run failed, was cancelled, terminated or timed out.",
        ),
    ] = False,
) -> None:
    """Start a process run; its input is checked first."""
    from backoffice.cli import runs

    settings = settings_and_logging(follow_running_stack=port is None)
    data = runs.parse_data(input, "--input")
    variables = runs.parse_assignments(set_ or [])
    asyncio.run(runs.start(settings, name, data, port, wait, restart=restart, variables=variables))


@app.command("demo")
@friendly_errors
def demo_command(
    batch: Annotated[
        str | None,
        typer.Option(help="2-8 capitals and digits (default: a new name each second)."),
    ] = None,
    port: PortOption = None,
    pack: Annotated[
        str | None,
        typer.Option(
            help="The pack whose demo to start (`backoffice packs` lists them; default: all)."
        ),
    ] = None,
) -> None:
    """Start the packs' demo batches (invoices, hires, leavers) in the running stack."""
    from backoffice.cli.demo import demo

    demo(settings_and_logging(follow_running_stack=port is None), port, batch, pack)


@app.command("status")
@friendly_errors
def status_command(
    workflow_id: Annotated[
        str | None,
        typer.Argument(help="Run id: <process>/<business key>; none lists the runs."),
    ] = None,
    process: Annotated[
        str | None, typer.Option("--process", help="List only this process's runs.")
    ] = None,
    state: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="List only runs in this state: running, waiting, completed, finished, "
            "failed, cancelled, terminated.",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Runs listed at most.")] = 50,
    port: PortOption = None,
) -> None:
    """Show a run step by step (done, running, waiting for whom), or list the runs."""
    from backoffice.cli import runs
    from backoffice.cli.systems import paused_notice

    if workflow_id is None:
        settings = settings_and_logging()
        asyncio.run(runs.list_runs(settings, process, state, limit, port))
    else:
        settings = settings_and_logging(follow_running_stack=port is None)
        asyncio.run(runs.status(settings, workflow_id, port))
    for line in paused_notice(settings):
        typer.echo(line)


@app.command("send")
@friendly_errors
def send_command(
    workflow_id: Annotated[str, typer.Argument(help="Run id: <process>/<business key>.")],
    event: Annotated[str, typer.Argument(help="Event name the process waits for.")],
    data: Annotated[str | None, typer.Option("--data", help="Event data: JSON or file.")] = None,
    port: PortOption = None,
) -> None:
    """Send an external event to a run."""
    from backoffice.cli import runs

    payload = runs.parse_data(data, "--data", "data")
    asyncio.run(runs.send(settings_and_logging(), workflow_id, event, payload, port))


@app.command("cancel")
@friendly_errors
def cancel_command(
    workflow_id: Annotated[str, typer.Argument(help="Run id: <process>/<business key>.")],
    port: PortOption = None,
) -> None:
    """Cancel a run; completed steps are compensated."""
    from backoffice.cli import runs

    asyncio.run(runs.cancel(settings_and_logging(), workflow_id, port))


@app.command("history")
@friendly_errors
def history_command(
    workflow_id: Annotated[str, typer.Argument(help="Run id: <process>/<business key>.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    port: PortOption = None,
) -> None:
    """Export a run's history as JSON (for replay tests)."""
    from backoffice.cli import runs

    asyncio.run(runs.history(settings_and_logging(), workflow_id, output, port))


@app.command("tasks")
@friendly_errors
def tasks_command(
    person: Annotated[str, typer.Option("--as", help="Whose open tasks to list.")],
    port: Annotated[
        int | None,
        typer.Option(
            help="Taken like every command's; the list itself comes from the records "
            "database, so it needs no Temporal."
        ),
    ] = None,
) -> None:
    """List a person's open tasks, soonest due first, each with its link in the inbox."""
    from backoffice.cli.tasks import list_tasks

    list_tasks(settings_and_logging(), person)


@app.command("decide")
@friendly_errors
def decide_command(
    task_id: Annotated[str, typer.Argument(help="The task, as `backoffice tasks` lists it.")],
    person: Annotated[
        str, typer.Option("--as", help="Who decides (proved by their password, or by --operator).")
    ],
    outcome: Annotated[str, typer.Option("--outcome", help="approve, reject, ...")],
    comment: Annotated[str | None, typer.Option("--comment", help="Why.")] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            help="A form field: NAME=VALUE; a list field as JSON: lines='[{\"amount\": 12.50}]'; "
            "a file field as NAME=@path.",
        ),
    ] = None,
    by_signal: Annotated[
        bool,
        typer.Option("--signal", help="Operators: send even when no worker is running."),
    ] = False,
    operator: OperatorOption = None,
    reason: ReasonOption = None,
    password_stdin: PasswordStdinOption = False,
    port: PortOption = None,
) -> None:
    """Decide a task (refused with the reason if not allowed)."""
    from backoffice.cli import tasks

    settings = settings_and_logging()
    values = tasks.parse_fields(field or [])
    actor = _actor(settings, person, operator, reason, password_stdin)
    asyncio.run(tasks.decide(settings, task_id, actor, outcome, comment, values, port, by_signal))


@app.command("claim")
@friendly_errors
def claim_command(
    task_id: Annotated[str, typer.Argument(help="The task, as `backoffice tasks` lists it.")],
    person: Annotated[str, typer.Option("--as", help="Who takes the task (proved as for decide).")],
    release: Annotated[bool, typer.Option("--release", help="Give it back.")] = False,
    operator: OperatorOption = None,
    reason: ReasonOption = None,
    password_stdin: PasswordStdinOption = False,
    port: PortOption = None,
) -> None:
    """Take a task to work on it, or give it back (--release)."""
    from backoffice.cli import tasks

    settings = settings_and_logging()
    actor = _actor(settings, person, operator, reason, password_stdin)
    asyncio.run(tasks.claim(settings, task_id, actor, release, port))


@app.command("delegate")
@friendly_errors
def delegate_command(
    task_id: Annotated[str, typer.Argument(help="The task, as `backoffice tasks` lists it.")],
    person: Annotated[
        str, typer.Option("--as", help="Who hands the task on (proved as for decide).")
    ],
    to: Annotated[str, typer.Option("--to", help="Who takes it (same or higher authority).")],
    comment: Annotated[str | None, typer.Option("--comment", help="Why.")] = None,
    operator: OperatorOption = None,
    reason: ReasonOption = None,
    password_stdin: PasswordStdinOption = False,
    port: PortOption = None,
) -> None:
    """Hand a task you may decide to someone of the same or higher authority."""
    from backoffice.cli import tasks

    settings = settings_and_logging()
    actor = _actor(settings, person, operator, reason, password_stdin)
    asyncio.run(tasks.delegate(settings, task_id, actor, to, comment, port))


@app.command("reassign")
@friendly_errors
def reassign_command(
    task_id: Annotated[str, typer.Argument(help="The task, as `backoffice tasks` lists it.")],
    person: Annotated[
        str, typer.Option("--as", help="Who reassigns (a reassigner; proved as for decide).")
    ],
    to: Annotated[list[str], typer.Option("--to", help="Who decides from now on (repeat).")],
    comment: Annotated[str | None, typer.Option("--comment", help="Why.")] = None,
    operator: OperatorOption = None,
    reason: ReasonOption = None,
    password_stdin: PasswordStdinOption = False,
    port: PortOption = None,
) -> None:
    """Give a task to other people (the definition names who may)."""
    from backoffice.cli import tasks

    settings = settings_and_logging()
    actor = _actor(settings, person, operator, reason, password_stdin)
    asyncio.run(tasks.reassign(settings, task_id, actor, to, comment, port))


@app.command("reschedule")
@friendly_errors
def reschedule_command(
    task_id: Annotated[str, typer.Argument(help="The task, as `backoffice tasks` lists it.")],
    person: Annotated[
        str, typer.Option("--as", help="Who moves it (a reassigner; proved as for decide).")
    ],
    deadline: Annotated[
        str,
        typer.Option(
            "--deadline",
            help="New final deadline: a time such as 2026-12-01T17:00 (UTC), or from now, "
            "such as +5d or +36h.",
        ),
    ],
    due: Annotated[
        str | None,
        typer.Option("--due", help="New due date, written the same way (default: moved as much)."),
    ] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="Why.")] = None,
    operator: OperatorOption = None,
    reason: ReasonOption = None,
    password_stdin: PasswordStdinOption = False,
    port: PortOption = None,
) -> None:
    """Move a task's deadline; reminders and escalations to come move with it."""
    from backoffice.cli import tasks

    settings = settings_and_logging()
    moved = tasks.moment(deadline, "--deadline")
    moved_due = tasks.moment(due, "--due") if due else None
    actor = _actor(settings, person, operator, reason, password_stdin)
    asyncio.run(tasks.reschedule(settings, task_id, actor, moved, moved_due, comment, port))


@app.command("resend-link")
@friendly_errors
def resend_link_command(
    task_id: Annotated[str, typer.Argument(help="The guest's task, as its page names it.")],
    person: Annotated[
        str, typer.Option("--as", help="Who sends it (a reassigner; proved as for decide).")
    ],
    operator: OperatorOption = None,
    reason: ReasonOption = None,
    password_stdin: PasswordStdinOption = False,
) -> None:
    """Mail a guest task's guest a fresh link; the link sent before stops working."""
    from backoffice.cli import tasks

    settings = settings_and_logging()
    actor = _actor(settings, person, operator, reason, password_stdin)
    tasks.resend_link(settings, task_id, actor)


@app.command("mail")
@friendly_errors
def mail_command(
    to: Annotated[str | None, typer.Option("--to", help="Only messages to this address.")] = None,
) -> None:
    """Show the notifications the local mail sink received."""
    from backoffice.mail import read_mailbox

    settings = load_settings()
    messages = read_mailbox(settings.state_dir / "mail", to)
    if not messages:
        typer.echo("no messages" + (f" to {to}" if to else ""))
    for message in messages:
        typer.echo(f"{message['Date'] or ''} to {message['To']}: {message['Subject']}")


@app.command("config")
@friendly_errors
def show_config() -> None:
    """Print the effective settings (secrets masked)."""
    settings = load_settings()
    values: dict[str, Any] = settings.model_dump(mode="json")
    if values.get("inbox_secret_key"):
        values["inbox_secret_key"] = "***"  # noqa: S105 - the mask, not a secret
    if values.get("database_url"):
        values["database_url"] = masked_url(values["database_url"])
    values["database_url (effective)"] = masked_url(settings.resolved_database_url)
    values["artifacts_dir (effective)"] = str(settings.resolved_artifacts_dir)
    browser = settings.resolved_browser_executable
    values["browser (effective)"] = str(browser) if browser else "Playwright's own Chromium"
    connection = dict(settings.temporal)
    if connection.get("api_key"):
        connection["api_key"] = "***"
    if "tls" in connection:
        connection["tls"] = "on" if connection["tls"] else "off"
    for key, value in connection.items():
        values[f"temporal.{key}"] = value
    width = max(len(key) for key in values)
    for key, value in values.items():
        typer.echo(f"{key.ljust(width)}  {value}")


def main() -> NoReturn:
    """Entry point: run the command, then leave without interpreter finalisation
    (see :mod:`backoffice.process_exit`)."""
    code: int = 0
    try:
        app(prog_name="backoffice")
    except SystemExit as exit_:
        if isinstance(exit_.code, int):
            code = exit_.code
        elif exit_.code is not None:
            print(exit_.code, file=sys.stderr)
            code = 1
    exit_now(code)


if __name__ == "__main__":
    main()
