"""The worker's runtime: polls every task queue the registry knows and runs its code.

``backoffice worker`` and ``python worker.py`` both end up in :func:`serve`. It connects
with the settings (dev server, self-hosted cluster or Temporal Cloud alike), discovers the
workflows, activities and bots that registered themselves, and on SIGINT/SIGTERM stops
polling, gives activities in flight a grace period to finish, then runs the shutdown hooks
that parts of the worker registered (the bot framework closes its browsers there).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import NoReturn

from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from backoffice import database, registry, runtime
from backoffice.connection import ConnectionFailed, connect
from backoffice.database import RecordsDatabaseError
from backoffice.interceptors import LogContextInterceptor, StepAuditInterceptor
from backoffice.logs import configure_logging, get_logger
from backoffice.people.store import DirectoryFileError, sync_directory
from backoffice.process_exit import exit_now
from backoffice.running_stack import with_running_stack
from backoffice.settings import Settings, SettingsError, load_settings
from backoffice.tasks.orphans import sweep_until

log = get_logger("backoffice.worker")

# What stops a worker from starting that its operator can fix: told in one line, exit 1.
STARTUP_ERRORS: tuple[type[Exception], ...] = (
    SettingsError,
    ConnectionFailed,
    registry.PluginError,
    DirectoryFileError,
    RecordsDatabaseError,
)


def task_queue_name(settings: Settings, queue: str) -> str:
    """The Temporal task queue of a logical queue: the default one, or one per legacy system."""
    if queue == registry.DEFAULT_QUEUE:
        return settings.task_queue
    return f"{settings.task_queue}.{queue}"


def workflow_runner(found: registry.Registry) -> SandboxedWorkflowRunner:
    """The sandbox, with the engine modules that asked to be imported once passed through."""
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*sorted(found.passthrough))
    return SandboxedWorkflowRunner(restrictions=restrictions)


def build_workers(
    client: Client, settings: Settings, found: registry.Registry | None = None
) -> list[Worker]:
    """One Temporal worker per logical queue, each with what registered for it."""
    found = found if found is not None else registry.discover(plugins=settings.plugins)
    workers = []
    for queue in found.queues():
        system = settings.systems.get(queue)
        workers.append(
            Worker(
                client,
                task_queue=task_queue_name(settings, queue),
                workflows=found.workflows_for(queue),
                activities=found.activities_for(queue),
                # A legacy system takes as many bots at once as it has accounts/licences.
                max_concurrent_activities=system.concurrency if system else None,
                interceptors=[LogContextInterceptor(), StepAuditInterceptor()],
                workflow_runner=workflow_runner(found),
                graceful_shutdown_timeout=timedelta(seconds=settings.shutdown_grace_seconds),
            )
        )
    return workers


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """Set ``stop`` on the first SIGINT/SIGTERM; restore the default handlers afterwards."""
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM)
    for signum in handled:
        loop.add_signal_handler(signum, stop.set)
    try:
        yield
    finally:
        for signum in handled:
            loop.remove_signal_handler(signum)


async def run_workers(
    client: Client,
    settings: Settings,
    stop: asyncio.Event,
    found: registry.Registry | None = None,
) -> None:
    """Run the workers until ``stop`` is set or one of them fails, then shut down gracefully."""
    workers = build_workers(client, settings, found)
    runs = [asyncio.create_task(worker.run(), name=worker.task_queue) for worker in workers]
    sweeper = None
    if settings.task_sweep_seconds > 0:
        sweeper = asyncio.create_task(
            sweep_until(client, database.engine(settings), settings.task_sweep_seconds, stop)
        )
    for worker in workers:
        log.info("worker polling", task_queue=worker.task_queue, namespace=client.namespace)
    stopping = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([*runs, stopping], return_when=asyncio.FIRST_COMPLETED)
    if stopping in done:
        log.info(
            "worker stopping: no new tasks; activities in flight get a grace period",
            grace_seconds=settings.shutdown_grace_seconds,
        )
    else:
        stopping.cancel()
    await asyncio.gather(*(worker.shutdown() for worker in workers), return_exceptions=True)
    if sweeper is not None:
        sweeper.cancel()
        await asyncio.gather(sweeper, return_exceptions=True)
    await registry.run_shutdown_hooks()  # no browser outlives the worker
    # Surface a worker's fatal error (for example a workflow that fails sandbox validation).
    for run in runs:
        if run.done() and not run.cancelled() and run.exception() is not None:
            raise run.exception()  # type: ignore[misc]
    log.info("worker stopped")


def prepare_records(settings: Settings, upgrade: bool = True) -> None:
    """Give activities their settings; bring the records database to this version's schema
    (under the schema lock, so workers starting together take turns) unless ``upgrade`` is
    off (the inbox alone, which changes no table), and load the people directory into it."""
    runtime.use(settings)
    records = database.upgraded(settings) if upgrade else database.engine(settings)
    loaded = sync_directory(records, settings.directory_file)
    if loaded:
        log.info("directory loaded", people=loaded, file=str(settings.directory_file))


async def serve(settings: Settings) -> None:
    """Connect to the configured cluster and run the workers until SIGINT/SIGTERM."""
    prepare_records(settings)
    client = await connect(settings)
    stop = asyncio.Event()
    with stop_on_signals(stop):
        await run_workers(client, settings, stop)


def main() -> NoReturn:
    """``python worker.py``: what ``backoffice worker`` does, and ends the same way.

    An error the user can fix (a bad setting, an unreachable cluster) is one line and exit
    status 1, Ctrl-C is 130; anything else is a bug and keeps its traceback.
    """
    code = 0
    try:
        settings = load_settings()
        # The links the worker writes point at a `backoffice dev` running meanwhile.
        settings = with_running_stack(settings)
        configure_logging(settings.log_format, settings.log_level)
        asyncio.run(serve(settings))
    except STARTUP_ERRORS as error:
        print(f"error: {error}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        code = 130
    exit_now(code)
