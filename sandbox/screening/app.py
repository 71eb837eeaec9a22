"""The sandbox background-check vendor's JSON API (``/v1``), in ``DATA/screening.db``.

A client orders a check for a candidate under its own reference (the onboarding id), may
remind the candidate, reads the result (a reference to the report, never its content),
and sends the FCRA's pre-adverse and final adverse action notices through the vendor.
The vendor answers later: a signed ``check.completed`` webhook to the subscriber
(vendor.py). See docs/systems/screening.md.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from legacy.webhook_sender import Subscription
from sandbox.api_kit import (
    Faults,
    FaultSettings,
    Guard,
    Refusal,
    Store,
    admin_routes,
    body_as,
    endpoint,
)
from sandbox.screening.vendor import SCHEMA, NewOrder, OutcomeSetting, Vendor


def create_app(
    data_dir: Path,
    tokens: Mapping[str, str],
    *,
    faults: FaultSettings | None = None,
    default_outcome: OutcomeSetting | None = None,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The vendor on ``data_dir/screening.db``; ``tokens`` maps each API client's name to
    its bearer token (any of them is let in); ``default_outcome`` is what a reference
    without an outcome of its own gets (clear after 5 seconds)."""
    store = Store(data_dir / "screening.db", SCHEMA)
    vendor = Vendor(store, clock)
    if default_outcome is not None:
        vendor.default = default_outcome
    outage = Faults(faults or FaultSettings())

    def order_id(request: Request) -> str:
        value: str = request.path_params["order_id"]
        return value

    async def place(request: Request) -> Any:
        status, body = vendor.place(await body_as(request, NewOrder))
        return JSONResponse(body, status)

    async def find(request: Request) -> Any:
        reference = request.query_params.get("reference")
        if not reference:
            raise Refusal(400, "ask by your reference: /v1/orders?reference=...")
        return {"orders": vendor.by_reference(reference)}

    async def get_order(request: Request) -> Any:
        return vendor.order(order_id(request))

    async def remind(request: Request) -> Any:
        return vendor.remind(order_id(request))

    async def pre_adverse(request: Request) -> Any:
        return vendor.notice(order_id(request), "pre_adverse")

    async def final_adverse(request: Request) -> Any:
        return vendor.notice(order_id(request), "final_adverse")

    async def get_outcomes(request: Request) -> Any:
        return {"default": vendor.default.model_dump(), "by_reference": vendor.state()["outcomes"]}

    async def put_default(request: Request) -> Any:
        vendor.default = await body_as(request, OutcomeSetting)
        return {"default": vendor.default.model_dump()}

    async def put_outcome(request: Request) -> Any:
        setting = await body_as(request, OutcomeSetting)
        return vendor.choose(request.path_params["reference"], setting)

    async def get_webhooks(request: Request) -> Any:
        shown = vendor.subscription.shown() if vendor.subscription else None
        return {"subscription": shown, "outbox": vendor.outbox()}

    async def put_webhooks(request: Request) -> Any:
        vendor.subscription = await body_as(request, Subscription)
        vendor.kick()  # what waited for a subscriber goes out now
        return {"subscription": vendor.subscription.shown()}

    async def delete_webhooks(request: Request) -> Any:
        vendor.subscription = None
        return {"subscription": None}

    routes = [
        Route("/v1/orders", endpoint(place), methods=["POST"]),
        Route("/v1/orders", endpoint(find), methods=["GET"]),
        Route("/v1/orders/{order_id}", endpoint(get_order), methods=["GET"]),
        Route("/v1/orders/{order_id}/reminders", endpoint(remind), methods=["POST"]),
        Route("/v1/orders/{order_id}/pre-adverse-notices", endpoint(pre_adverse),
              methods=["POST"]),
        Route("/v1/orders/{order_id}/adverse-notices", endpoint(final_adverse),
              methods=["POST"]),
        Route("/__admin/outcomes", endpoint(get_outcomes), methods=["GET"]),
        Route("/__admin/outcomes", endpoint(put_default), methods=["PUT"]),
        Route("/__admin/outcomes/{reference}", endpoint(put_outcome), methods=["PUT"]),
        Route("/__admin/webhooks", endpoint(get_webhooks), methods=["GET"]),
        Route("/__admin/webhooks", endpoint(put_webhooks), methods=["PUT"]),
        Route("/__admin/webhooks", endpoint(delete_webhooks), methods=["DELETE"]),
        *admin_routes(outage, vendor.reset, vendor.state),
    ]  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        vendor.kick()  # orders that fell due while the vendor was down complete now
        try:
            yield
        finally:
            await vendor.stop()

    guard = Middleware(Guard, system="screening vendor", tokens=tokens, faults=outage)
    app = Starlette(routes=routes, middleware=[guard], lifespan=lifespan)
    app.state.vendor = vendor
    return app
