"""The payables demo: a morning's supplier invoices started in the running stack.

The purchase orders the batch needs are added to the sandbox ERP first; then every
invoice is started, a duplicate only once the invoice it repeats has been checked (as it
would arrive, later). What each invoice will do and where to watch it is printed.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
from temporalio.service import RPCError

from activities.payables.demo_batch import BATCH_PATTERN, DemoInvoice, batch, batch_name
from backoffice.packs import Demo, DemoContext, DemoError, format_money

PROCESS = "invoice-approval"
SCANS_PATH = "/__admin/invoice-scans"  # the sandbox ERP's archive of invoice scans
CHECK_WAIT_SECONDS = 120  # for the invoice a duplicate repeats to pass its checks
POLL_SECONDS = 0.5


async def add_orders(erp: str, invoices: list[DemoInvoice], today: date) -> None:
    async with httpx.AsyncClient(base_url=erp, timeout=10) as http:
        for order in (order for invoice in invoices for order in invoice.orders):
            try:
                response = await http.post("/__admin/purchase-orders", json=order.payload(today))
            except httpx.HTTPError as error:
                raise _unreachable(erp, error) from None
            if response.status_code not in (200, 201):
                raise DemoError(
                    f"the sandbox ERP at {erp} refused purchase order "
                    f"{order.po_number}: {response.status_code} {response.text[:300]}"
                )


async def file_scans(erp: str, invoices: list[DemoInvoice]) -> None:
    """File each invoice's scan in the ERP's archive, as capture would have."""
    async with httpx.AsyncClient(base_url=erp, timeout=10) as http:
        for invoice in invoices:
            invoice_id = invoice.data["invoice_id"]
            try:
                response = await http.put(f"{SCANS_PATH}/{invoice_id}", json=invoice.data)
            except httpx.HTTPError as error:
                raise _unreachable(erp, error) from None
            if response.status_code not in (200, 201):
                raise DemoError(
                    f"the sandbox ERP at {erp} refused the scan of {invoice_id}: "
                    f"{response.status_code} {response.text[:300]}"
                )


def _unreachable(url: str, error: httpx.HTTPError) -> DemoError:
    return DemoError(
        f"cannot reach the sandbox ERP at {url} ({error}): is `backoffice dev` "
        "running with its legacy systems?"
    )


async def checked(stack: DemoContext, workflow_id: str) -> None:
    """Wait until the run has passed its invoice checks (or ended)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + CHECK_WAIT_SECONDS
    problem = "no answer"
    while loop.time() < deadline:
        try:
            current = await stack.progress(workflow_id)
        except RPCError as error:
            problem = error.message
        else:
            if current.status in ("completed", "failed", "cancelled") or any(
                step.step_id == "check" and step.status == "completed" for step in current.steps
            ):
                return
        await asyncio.sleep(POLL_SECONDS)
    raise DemoError(
        f"{workflow_id} did not pass its checks within {CHECK_WAIT_SECONDS} s ({problem}): "
        "is a worker running? (`backoffice dev` runs one)"
    )


async def run_demo(stack: DemoContext, name: str | None) -> None:
    today = date.today()
    batch_id = name or batch_name(datetime.now(UTC))
    if not BATCH_PATTERN.match(batch_id):
        raise DemoError(
            f"batch name '{batch_id}': use 2 to 8 capital letters and digits, starting with a "
            "letter (it goes into invoice references, which the ERP keeps to 16 characters)"
        )
    erp = stack.system_url("erp")
    invoices = batch(batch_id, today, scans=erp + SCANS_PATH)
    stack.check_definition(PROCESS)  # a definition that does not validate stops the demo here
    await add_orders(erp, invoices, today)
    await file_scans(erp, invoices)
    stack.say(f"demo batch {batch_id}: {len(invoices)} supplier invoices")
    for invoice in invoices:
        if invoice.after is not None:
            await checked(stack, f"{PROCESS}/{invoice.after}")
        workflow_id = await stack.start(PROCESS, invoice.data)
        data = invoice.data
        gross = format_money(Decimal(data["gross_amount"]), data["currency"])
        stack.say(
            f"  {workflow_id}  {data['supplier_id']}  {gross:>14}  {invoice.path}: {invoice.expect}"
        )
    this_batch = f'BusinessKey STARTS_WITH "INV-IN-{batch_id}-"'
    settings = stack.settings
    stack.say(
        "\nWatch them:\n"
        f"  Temporal UI  {stack.runs_url(this_batch)}\n"
        "               (columns CurrentStep and WaitingOn: which step, for whom)\n"
        f"  list         backoffice status --process {PROCESS}\n"
        f"  one run      backoffice status {PROCESS}/<invoice id>\n"
        f"  inbox        {settings.inbox_url} as alice, carol, frank, erin or dave "
        "(password backoffice-demo)\n"
        f"  ERP          {erp}/invoices (user demo, legacy-demo)"
    )


DEMO = Demo(
    summary="a morning's supplier invoices, one for every path of invoice approval",
    run=run_demo,
    needs_systems=("erp",),
)
