"""``backoffice test``: a definition rehearsed against its scenario files."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import typer

from backoffice.catalog import build_catalog
from backoffice.language.model import Definition
from backoffice.language.validate import (
    process_names,
    process_reasons,
    process_starts,
    validate_file,
)
from backoffice.logs import configure_logging
from backoffice.people.store import read_directory_file
from backoffice.rehearsal.report import differences, unreached
from backoffice.rehearsal.runner import rehearsal
from backoffice.rehearsal.scenarios import Loaded, load_file, scenario_files
from backoffice.settings import load_settings

USAGE_ERROR = 2


def rehearse(file: Path, scenario_paths: list[Path], only: str | None) -> None:
    """Validate the definition and its scenarios, run them, print what passed and what not."""
    settings = load_settings()
    # What a rehearsal says is its report; the worker's own lines would only bury it.
    configure_logging(settings.log_format, "WARNING")
    if not file.is_file():
        typer.echo(f"error: no such definition file: {file}", err=True)
        raise typer.Exit(USAGE_ERROR)
    checked = validate_file(
        file,
        build_catalog(plugins=settings.plugins),
        process_names(file.parent),
        process_starts(file.parent),
        reasons=process_reasons(file.parent),
    )
    if not checked.ok or checked.definition is None:
        for problem in checked.problems:
            typer.echo(str(problem))
        typer.echo(f"{file} is not valid: nothing was rehearsed", err=True)
        raise typer.Exit(1)
    definition = checked.definition
    paths = scenario_paths or scenario_files(file)
    if not paths:
        folder = file.with_suffix(".scenarios")
        typer.echo(
            f"error: {file} has no scenarios: write them in {folder}/*.yaml "
            "(see docs/rehearsal.md)",
            err=True,
        )
        raise typer.Exit(USAGE_ERROR)
    directory = settings.directory_file
    people = (
        {person.id for person in read_directory_file(directory).people}
        if directory is not None and directory.exists()
        else set()
    )
    loaded = [load_file(path, definition, people) for path in paths]
    problems = [problem for item in loaded for problem in item.problems]
    if problems:
        for problem in problems:
            typer.echo(str(problem))
        typer.echo(f"{len(problems)} problem(s) in the scenarios: nothing was rehearsed", err=True)
        raise typer.Exit(1)
    if only is not None and not any(s.name == only for item in loaded for s in item.scenarios):
        names = ", ".join(s.name for item in loaded for s in item.scenarios)
        typer.echo(f"error: no scenario named '{only}' (there are: {names})", err=True)
        raise typer.Exit(USAGE_ERROR)
    started = time.monotonic()
    failed, total, taken = asyncio.run(
        _run_all(definition, checked.content_hash, directory, loaded, only)
    )
    seconds = time.monotonic() - started
    # One scenario alone says nothing of what the others reach: no list of unreached steps.
    missed = unreached(definition, taken) if only is None else []
    if missed:
        typer.echo(f"steps no scenario reached ({len(missed)}): {', '.join(missed)}")
    elif only is None:
        typer.echo("every step was reached by a scenario")
    typer.echo(f"{total - failed} of {total} scenarios passed in {seconds:.1f} s")
    if failed:
        raise typer.Exit(1)


async def _run_all(
    definition: Definition,
    content_hash: str,
    directory: Path | None,
    loaded: list[Loaded],
    only: str | None,
) -> tuple[int, int, set[str]]:
    failed = total = 0
    taken: set[str] = set()
    async with rehearsal(definition, content_hash, directory) as stage:
        for item in loaded:
            for scenario in item.scenarios:
                if only is not None and scenario.name != only:
                    continue
                total += 1
                began = time.monotonic()
                outcome = await stage.run(scenario)
                took = time.monotonic() - began
                taken |= set(outcome.steps_taken)
                found = differences(scenario.expect, outcome)
                mark = "FAIL" if found else "PASS"
                typer.echo(f"{mark}  {scenario.name}  ({item.file}, {took:.1f} s)")
                for line in found:
                    typer.echo(f"      {line}")
                if found:
                    failed += 1
                    typer.echo(f"      steps taken: {', '.join(outcome.steps_taken) or 'none'}")
    return failed, total, taken
