"""``backoffice demo``: the packs' demo batches started in the running stack.

Each pack that has a demo (``Pack.demo``) starts its batch through a DemoContext; the
engine knows none of them by name. ``--pack`` picks one; without it every pack's batch
starts, one after the other.
"""

from __future__ import annotations

import asyncio

import typer
from temporalio.client import Client

from backoffice.cli.runs import connected
from backoffice.engine.runs import RunError
from backoffice.pack_demo import DemoContext
from backoffice.pack_registry import Pack, PackError, pack_named, packs
from backoffice.settings import Settings


def with_demos(settings: Settings, name: str | None) -> list[Pack]:
    try:
        chosen = [pack_named(name, settings.plugins)] if name else packs(settings.plugins)
    except PackError as error:
        raise RunError(str(error)) from None
    found = [pack for pack in chosen if pack.demo is not None]
    if not found:
        raise RunError(f"{'pack ' + name if name else 'no pack'} has no demo batch")
    return found


async def run_demo(
    settings: Settings, client: Client, batch: str | None, pack: str | None = None
) -> None:
    stack = DemoContext.of(settings, client)
    chosen = with_demos(settings, pack)
    # Every pack's batch: one whose sandbox systems this stack lacks is skipped, saying so,
    # so that the others still start. When none can run, the first says what it misses.
    ready = [found for found in chosen if not missing_systems(settings, found)]
    if len(chosen) == 1 or not ready:
        ready = chosen[:1]
    for found in chosen:
        assert found.demo is not None  # with_demos keeps only packs with one
        if found not in ready:
            lacking = ", ".join(missing_systems(settings, found))
            typer.echo(
                f"\n{found.title}: skipped, its demo needs the sandbox systems {lacking}, "
                "which this stack does not name (`backoffice dev` runs them)"
            )
            continue
        if len(chosen) > 1:
            typer.echo(f"\n{found.title}: {found.demo.summary}")
        await found.demo.run(stack, batch)


def missing_systems(settings: Settings, pack: Pack) -> list[str]:
    """The sandbox systems the pack's demo drives that the settings do not name."""
    assert pack.demo is not None
    return [system for system in pack.demo.needs_systems if system not in settings.systems]


async def _demo(settings: Settings, port: int | None, batch: str | None, pack: str | None) -> None:
    with_demos(settings, pack)  # an unknown pack is told before any connection is tried
    client, settings = await connected(settings, port)
    await run_demo(settings, client, batch, pack)


def demo(settings: Settings, port: int | None, batch: str | None, pack: str | None) -> None:
    asyncio.run(_demo(settings, port, batch, pack))
