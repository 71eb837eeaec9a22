"""``backoffice systems``: the legacy systems as the workers see them, paused or answering."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from sqlalchemy.exc import SQLAlchemyError

from backoffice import database
from backoffice.settings import Settings
from backoffice.systems import store


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    seconds = int((store.utc_now() - moment).total_seconds())
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


def show_systems(settings: Settings) -> None:
    engine = database.engine(settings)
    known = {row.system: row for row in store.states(engine)}
    width = max((len(name) for name in settings.systems), default=6)
    typer.echo(f"{'system'.ljust(width)}  {'state':<8} licences  failures  since / last error")
    for name, system in sorted(settings.systems.items()):
        row = known.get(name)
        busy = len(store.holders(engine, name))
        licences = f"{busy}/{system.concurrency}"
        if row is not None and row.paused_since is not None:
            since = row.paused_since.replace(tzinfo=UTC)
            state, note = "PAUSED", f"paused {since:%Y-%m-%d %H:%M} UTC ({_ago(row.paused_since)})"
            note += f"; last error: {row.last_error}" if row.last_error else ""
        else:
            failures = row.failures if row else 0
            state = "failing" if failures else "ok"
            note = (
                f"last error {_ago(row.last_failure_at)}: {row.last_error}"
                if failures and row
                else ""
            )
        failures_text = str(row.failures if row else 0)
        typer.echo(f"{name.ljust(width)}  {state:<8} {licences:<9} {failures_text:<9} {note}")
    typer.echo(
        f"(retry window, pause threshold and probe interval per system: "
        f"backoffice config | grep systems; now {datetime.now(UTC):%H:%M:%S} UTC)"
    )


def resume_system(settings: Settings, name: str) -> None:
    if name not in settings.systems:
        known = ", ".join(sorted(settings.systems)) or "none"
        raise typer.BadParameter(f"no system '{name}' in the settings (known: {known})")
    since = store.record_success(database.engine(settings), name)
    if since is None:
        typer.echo(f"{name} was not paused")
    else:
        typer.echo(f"{name} resumed: its waiting bots try again within a few seconds")


def paused_notice(settings: Settings) -> list[str]:
    """One line per paused system, for the commands ops look at first (``status``)."""
    try:
        rows = store.states(database.engine(settings))
    except (SQLAlchemyError, database.RecordsDatabaseError):
        # No records here yet (no worker has started on them): no system can be paused.
        return []
    return [
        f"{row.system} is PAUSED since {row.paused_since:%Y-%m-%d %H:%M} UTC "
        f"({_ago(row.paused_since)}): its bots wait until it answers (backoffice systems)"
        for row in rows
        if row.paused_since is not None and row.system in settings.systems
    ]
