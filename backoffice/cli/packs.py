"""``backoffice packs``: the process packs this installation has, and what each brings."""

from __future__ import annotations

import typer

from backoffice.pack_registry import packs
from backoffice.settings import Settings


def show_packs(settings: Settings) -> None:
    found = packs(settings.plugins)
    if not found:
        typer.echo("no packs: a pack is a package under activities/ (see docs/layout.md)")
        return
    for pack in found:
        typer.echo(f"{pack.name}  {pack.title}")
        typer.echo(f"  processes  {', '.join(pack.processes) or '-'}")
        typer.echo(f"  tables in  {', '.join(pack.tables) or '-'}")
        if pack.migrations is not None:
            typer.echo(f"  migrations {pack.migrations}")
        typer.echo(f"  demo       {pack.demo.summary if pack.demo else '-'}")
        if pack.docs:
            typer.echo(f"  guide      {', '.join(pack.docs)}")
