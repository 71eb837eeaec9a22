"""``backoffice validate``, ``explain`` and ``schema``: the definition language at the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from backoffice.catalog import ActionSpec, Catalog, build_catalog
from backoffice.cli.catalog_view import errors_text, type_text
from backoffice.language.explain import Detail, mermaid, outline
from backoffice.language.schema import SCHEMA_FILE, schema_text, write_schema
from backoffice.language.validate import (
    Checked,
    definition_files,
    process_names,
    process_reasons,
    process_starts,
    validate_file,
)
from backoffice.people.store import DirectoryFileError, read_directory_file
from backoffice.settings import load_settings

USAGE_ERROR = 2


def _catalog(check_catalog: bool) -> Catalog | None:
    if not check_catalog:
        return None
    return build_catalog(plugins=load_settings().plugins)


def validate_paths(paths: list[Path], check_catalog: bool = True) -> list[Checked]:
    missing = [path for path in paths if not path.exists()]
    if missing:
        typer.echo(
            "error: no such file or directory: " + ", ".join(str(path) for path in missing),
            err=True,
        )
        raise typer.Exit(USAGE_ERROR)
    files = definition_files(paths)
    if not files:
        typer.echo("error: no .yaml definitions found in " + ", ".join(map(str, paths)), err=True)
        raise typer.Exit(USAGE_ERROR)
    catalog = _catalog(check_catalog)
    # The processes a file may start are those beside it, as the engine finds them.
    folders = {file.parent for file in files}
    known = {folder: process_names(folder) for folder in folders}
    starts = {folder: process_starts(folder) for folder in folders}
    reasons = {folder: process_reasons(folder) for folder in folders}
    people = _staffing(load_settings().directory_file)
    return [
        validate_file(
            file, catalog, known[file.parent], starts[file.parent], people, reasons[file.parent]
        )
        for file in files
    ]


def _staffing(path: Path | None) -> dict[str, frozenset[str]] | None:
    """Who holds each group and role in the directory file, so that a four-eyes task too
    few people can meet is warned of; None without a readable file (nothing is said then)."""
    if path is None or not path.is_file():
        return None
    try:
        directory = read_directory_file(path)
    except DirectoryFileError:
        return None  # the worker's start says what is wrong with it
    found: dict[str, set[str]] = {}
    for person in directory.people:
        if not person.active:
            continue
        for name in [f"group:{group}" for group in person.groups] + [
            f"role:{role}" for role in person.roles
        ]:
            found.setdefault(name, set()).add(person.id)
    return {name: frozenset(ids) for name, ids in found.items()}


def validate(paths: list[Path], check_catalog: bool, quiet: bool) -> None:
    results = validate_paths(paths, check_catalog)
    bad = 0
    for result in results:
        for problem in result.problems:
            typer.echo(str(problem))
        for warning in result.warnings:  # said, but the definition stays valid
            typer.echo(warning.as_warning())
        if result.ok:
            if not quiet:
                typer.echo(f"{result.file}: ok")
        else:
            bad += 1
    if bad:
        count = sum(len(result.problems) for result in results)
        # The summary goes to stderr, the problems to stdout: a blank line first keeps it
        # off the last problem's line wherever the two are shown together.
        typer.echo(
            f"\n{bad} of {len(results)} definition{'s' if len(results) != 1 else ''} "
            f"invalid, {count} problem{'s' if count != 1 else ''}",
            err=True,
        )
        raise typer.Exit(1)


def explain(
    file: Path, as_mermaid: bool, check_catalog: bool, detail: Detail | None = None
) -> None:
    if detail is not None and not as_mermaid:
        typer.echo("error: --detail chooses how much the flowchart shows: add --mermaid", err=True)
        raise typer.Exit(USAGE_ERROR)
    (result,) = validate_paths([file], check_catalog)
    if not result.ok or result.definition is None:
        for problem in result.problems:
            typer.echo(str(problem))
        typer.echo(f"{file} is not valid: fix the problems above first", err=True)
        raise typer.Exit(1)
    if as_mermaid:
        typer.echo(mermaid(result.definition, detail or "overview"))
    else:
        typer.echo(outline(result.definition))


def schema(write: bool, check: bool) -> None:
    if write:
        typer.echo(f"wrote {write_schema()}")
    elif check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != schema_text():
            typer.echo(f"{SCHEMA_FILE} is out of date: run `backoffice schema --write`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{SCHEMA_FILE} is current")
    else:
        typer.echo(schema_text(), nl=False)


def _fields(model: type[Any] | None) -> str:
    if model is None:
        return "(any)"
    parts = []
    for name, info in model.model_fields.items():
        annotation = type_text(info.annotation)
        optional = "" if info.is_required() else "?"
        parts.append(f"{name}{optional}: {annotation}")
    return ", ".join(parts) or "(nothing)"


def _where(spec: ActionSpec) -> str:
    """A bot by the queue of its system; an activity by its pack (or common, or a plugin)."""
    if spec.queue != "default":
        return f"queue {spec.queue}"
    if "." in spec.origin:  # a plugin module, named by its module
        return f"plugin {spec.origin}"
    return spec.origin if spec.origin == "common" else f"pack {spec.origin}"


def show_catalog() -> None:
    catalog = build_catalog(plugins=load_settings().plugins)
    if not catalog.actions:
        typer.echo("the catalog is empty: no activities or bots are registered")
        return
    for kind in ("activity", "bot"):
        names = catalog.names(kind)
        if not names:
            continue
        typer.echo("Activities (call:)" if kind == "activity" else "Bots (bot:)")
        for name in names:
            spec = catalog.actions[name]
            typer.echo(f"  {name}  [{_where(spec)}]  {spec.description}")
            typer.echo(f"      with:   {_fields(spec.input_model)}")
            typer.echo(f"      result: {_fields(spec.output_model)}")
            typer.echo(f"      errors: {errors_text(spec.errors)}")
