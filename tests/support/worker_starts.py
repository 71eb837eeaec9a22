"""Workers starting at the same moment, as production starts them: separate processes,
released together, each running the worker's own start (records and directory)."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Mapping
from multiprocessing.synchronize import Barrier
from typing import Any

START_TIMEOUT = 120.0  # seconds for every process to import, meet and finish


def start_together(environ: Mapping[str, str], workers: int, loads: int = 1) -> list[str]:
    """Run ``prepare_records`` in ``workers`` processes at once, then ``loads - 1`` more
    directory loads each; what went wrong in each (empty when nothing did)."""
    context = multiprocessing.get_context("spawn")  # a fresh interpreter, like a new worker
    barrier = context.Barrier(workers, timeout=START_TIMEOUT)
    results: multiprocessing.Queue[str] = context.Queue()
    processes = [
        context.Process(target=_start, args=(dict(environ), barrier, results, loads))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    found = []
    try:
        for _ in processes:
            try:
                found.append(results.get(timeout=START_TIMEOUT))
            except queue.Empty:
                found.append("no answer in time")
    finally:
        for process in processes:
            process.join(timeout=START_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join(timeout=10)
    return found


def _start(
    environ: dict[str, str], barrier: Barrier, results: multiprocessing.Queue[Any], loads: int
) -> None:
    try:
        from backoffice import database
        from backoffice.people.store import sync_directory
        from backoffice.settings import load_settings
        from backoffice.worker import prepare_records

        settings = load_settings(environ)
        barrier.wait()
        prepare_records(settings)
        for _ in range(loads - 1):
            sync_directory(database.engine(settings), settings.directory_file)
    except BaseException as error:  # everything goes back to the test, which names it
        results.put(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
    else:
        results.put("")
