"""``backoffice db``: the records database's migrations, run by an operator.

A worker upgrades the records when it starts; these let an operator do it alone instead,
with a database role that may change tables, while the workers run with one that may not.
"""

from __future__ import annotations

import typer

from backoffice import database, migrations
from backoffice.settings import Settings, masked_url


def upgrade_records(settings: Settings) -> None:
    """Bring every branch to its head and say where each now stands."""
    engine = database.upgraded(settings)
    typer.echo(f"records database {masked_url(settings.resolved_database_url)} is upgraded:")
    _show(migrations.current(engine, settings.plugins), migrations.heads(settings.plugins))


def show_current(settings: Settings) -> None:
    """Each branch's revision in the database against this version's; exit 1 if behind."""
    with database.unchecked(settings) as engine:
        found = migrations.current(engine, settings.plugins)
    wanted = migrations.heads(settings.plugins)
    typer.echo(f"records database {masked_url(settings.resolved_database_url)}:")
    _show(found, wanted)
    if any(found.get(branch) != head for branch, head in wanted.items()):
        typer.echo("not at this version's schema: run `backoffice db upgrade`", err=True)
        raise typer.Exit(1)


def check_models(settings: Settings) -> None:
    """Compare the upgraded tables with the models; exit 1 if a migration is missing."""
    engine = database.engine(settings)
    found = migrations.drift(engine, settings.plugins)
    if not found:
        typer.echo("the tables match the models: no migration is missing")
        return
    for difference in found:
        typer.echo(f"  {difference}")
    typer.echo(
        f"{len(found)} differences between the models and the migrations: "
        "a model changed without a revision",
        err=True,
    )
    raise typer.Exit(1)


def _show(found: dict[str, str | None], wanted: dict[str, str]) -> None:
    width = max(len(branch) for branch in {*found, *wanted})
    for branch in sorted({*found, *wanted}):
        at = found.get(branch) or "(none)"
        head = wanted.get(branch)
        state = "head" if at == head else f"this version's head is {head or '(unknown)'}"
        typer.echo(f"  {branch:<{width}}  {at:<14}  {state}")
