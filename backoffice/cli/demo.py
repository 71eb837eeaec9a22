"""``backoffice demo``: a batch of supplier invoices started in the running stack.

The purchase orders the batch needs are added to the sandbox ERP first; then every
invoice is started, a duplicate only once the invoice it repeats has been checked (as it
would arrive, later). What each invoice will do and where to watch it is printed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import httpx
import typer
from temporalio.client import Client
from temporalio.service import RPCError

from backoffice.catalog import build_catalog
from backoffice.cli.runs import connected
from backoffice.engine.runs import Definitions, RunError, progress, start_process
from backoffice.links import runs_list_url
from backoffice.payables.demo import BATCH_PATTERN, DemoInvoice, batch, batch_name
from backoffice.settings import Settings

PROCESS = "invoice-approval"
SCANS_PATH = "/__admin/invoice-scans"  # the sandbox ERP's archive of invoice scans
CHECK_WAIT_SECONDS = 120  # for the invoice a duplicate repeats to pass its checks
POLL_SECONDS = 0.5


def erp_url(settings: Settings) -> str:
    erp = settings.systems.get("erp")
    if erp is None:
        raise RunError(
            "the demo needs the sandbox ERP: run `backoffice dev` (without --no-legacy) "
            "or name it under [backoffice.systems.erp]"
        )
    return erp.url.rstrip("/")


async def add_orders(settings: Settings, invoices: list[DemoInvoice], today: date) -> None:
    url = erp_url(settings)
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        for order in (order for invoice in invoices for order in invoice.orders):
            try:
                response = await http.post("/__admin/purchase-orders", json=order.payload(today))
            except httpx.HTTPError as error:
                raise _unreachable(url, error) from None
            if response.status_code not in (200, 201):
                raise RunError(
                    f"the sandbox ERP at {url} refused purchase order "
                    f"{order.po_number}: {response.status_code} {response.text[:300]}"
                )


async def file_scans(settings: Settings, invoices: list[DemoInvoice]) -> None:
    """File each invoice's scan in the ERP's archive, as capture would have."""
    url = erp_url(settings)
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        for invoice in invoices:
            invoice_id = invoice.data["invoice_id"]
            try:
                response = await http.put(f"{SCANS_PATH}/{invoice_id}", json=invoice.data)
            except httpx.HTTPError as error:
                raise _unreachable(url, error) from None
            if response.status_code not in (200, 201):
                raise RunError(
                    f"the sandbox ERP at {url} refused the scan of {invoice_id}: "
                    f"{response.status_code} {response.text[:300]}"
                )


def _unreachable(url: str, error: httpx.HTTPError) -> RunError:
    return RunError(
        f"cannot reach the sandbox ERP at {url} ({error}): is `backoffice dev` "
        "running with its legacy systems?"
    )


async def checked(client: Client, workflow_id: str) -> None:
    """Wait until the run has passed its invoice checks (or ended)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CHECK_WAIT_SECONDS
    problem = "no answer"
    while loop.time() < deadline:
        try:
            current = await progress(client, workflow_id)
        except RPCError as error:
            problem = error.message
        else:
            if current.status in ("completed", "failed", "cancelled") or any(
                step.step_id == "check" and step.status == "completed" for step in current.steps
            ):
                return
        await asyncio.sleep(POLL_SECONDS)
    raise RunError(
        f"{workflow_id} did not pass its checks within {CHECK_WAIT_SECONDS} s ({problem}): "
        "is a worker running? (`backoffice dev` runs one)"
    )


async def run_demo(
    settings: Settings,
    client: Client,
    name: str | None,
) -> None:
    today = date.today()
    batch_id = name or batch_name(datetime.now(UTC))
    if not BATCH_PATTERN.match(batch_id):
        raise RunError(
            f"batch name '{batch_id}': use 2 to 8 capital letters and digits, starting with a "
            "letter (it goes into invoice references, which the ERP keeps to 16 characters)"
        )
    invoices = batch(batch_id, today, scans=erp_url(settings) + SCANS_PATH)
    definitions = Definitions(settings.definitions_dir, build_catalog(plugins=settings.plugins))
    definitions.snapshot(PROCESS)  # a definition that does not validate stops the demo here
    await add_orders(settings, invoices, today)
    await file_scans(settings, invoices)
    typer.echo(f"demo batch {batch_id}: {len(invoices)} supplier invoices")
    for invoice in invoices:
        if invoice.after is not None:
            await checked(client, f"{PROCESS}/{invoice.after}")
        handle = await start_process(
            client, PROCESS, invoice.data, task_queue=settings.task_queue, definitions=definitions
        )
        data = invoice.data
        typer.echo(
            f"  {handle.id}  {data['supplier_id']}  {data['gross_amount']:>10,.2f} EUR  "
            f"{invoice.path}: {invoice.expect}"
        )
    this_batch = f'BusinessKey STARTS_WITH "INV-IN-{batch_id}-"'
    ui = runs_list_url(settings.temporal_ui_url, client.namespace, this_batch)
    typer.echo(
        "\nWatch them:\n"
        f"  Temporal UI  {ui}\n"
        "               (columns CurrentStep and WaitingOn: which step, for whom)\n"
        f"  list         backoffice status --process {PROCESS}\n"
        f"  one run      backoffice status {PROCESS}/<invoice id>\n"
        f"  inbox        {settings.inbox_url} as alice, carol, frank, erin or dave "
        "(password backoffice-demo)\n"
        f"  ERP          {settings.systems['erp'].url}/invoices (user demo, legacy-demo)"
    )


async def _demo(settings: Settings, port: int | None, name: str | None) -> None:
    client, settings = await connected(settings, port)
    await run_demo(settings, client, name)


def demo(settings: Settings, port: int | None, name: str | None) -> None:
    asyncio.run(_demo(settings, port, name))
