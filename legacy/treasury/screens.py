"""The portal's screens: deals awaiting a response, one deal, and the responses given."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.context import context_of
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    lost_response_instead,
    read,
    render,
    search,
    slow_screen,
    write,
)
from legacy.storage import next_number
from legacy.treasury.models import RESPONSE_RANGE, Confirmation, Deal

STATUSES = ("AWAITING", "CONFIRMED", "AFFIRMED", "DISPUTED", "CANCELLED")
# What each action makes of the deal, and the prefix of its reference.
ACTIONS = {
    "confirm": ("CONFIRM", "CONFIRMED", "CNF"),
    "affirm": ("AFFIRM", "AFFIRMED", "AFF"),
    "dispute": ("DISPUTE", "DISPUTED", "DSP"),
}


async def deal_search(request: Request) -> Response:
    params = request.query_params
    query = {
        "deal_id": params.get("deal_id", "").strip().upper(),
        "counterparty": params.get("counterparty", "").strip().upper(),
        # The portal opens on what still needs a response; ALL (or empty) shows every deal.
        "status": params.get("status", "AWAITING").strip().upper() or "ALL",
    }

    statement = select(Deal)
    if query["deal_id"]:
        statement = statement.where(Deal.deal_id == query["deal_id"])
    if query["counterparty"]:
        statement = statement.where(Deal.counterparty_id == query["counterparty"])
    if query["status"] != "ALL" and not query["deal_id"]:
        statement = statement.where(Deal.status == query["status"])
    statement = statement.order_by(Deal.trade_time, Deal.deal_id)

    await slow_screen(request)
    result = await search(request, statement, query)
    return render(
        request, "treasury/deal_search.html", query=query, result=result, statuses=STATUSES
    )


@dataclass
class DealView:
    deal: Deal
    responses: list[Confirmation]


def load_deal(session: Session, deal_id: str) -> DealView | None:
    deal = session.get(Deal, deal_id)
    if deal is None:
        return None
    responses = session.scalars(
        select(Confirmation)
        .where(Confirmation.deal_id == deal_id)
        .order_by(Confirmation.created_at)
    )
    return DealView(deal=deal, responses=list(responses))


def _show(
    request: Request,
    view: DealView,
    *,
    info: str | None = None,
    error: str | None = None,
    reference: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "treasury/deal.html",
        status_code=status_code,
        view=view,
        info=info,
        error=error,
        reference=reference,
    )


def _not_found(request: Request, deal_id: str) -> Response:
    return render(
        request,
        "treasury/deal_search.html",
        status_code=404,
        query={"deal_id": deal_id, "counterparty": "", "status": "ALL"},
        result=None,
        statuses=STATUSES,
        error=f"Deal {deal_id} not found",
    )


async def deal_display(request: Request) -> Response:
    deal_id = request.path_params["deal_id"]
    view = await read(request, lambda session: load_deal(session, deal_id))
    if view is None:
        return _not_found(request, deal_id)
    return _show(request, view)


def respond(session: Session, deal_id: str, action: str, remarks: str | None, user: str) -> str:
    """Record a response to a deal; its reference. Repeating one is not prevented."""
    deal = session.get(Deal, deal_id)
    if deal is None:
        raise FormError(f"Deal {deal_id} not found")
    if deal.status == "CANCELLED":
        raise FormError(f"Deal {deal_id} was cancelled by the counterparty")
    recorded, status, prefix = ACTIONS[action]
    if recorded == "DISPUTE" and not remarks:
        raise FormError("Remarks: say what is wrong with the deal")
    reference = f"{prefix}-{next_number(session, RESPONSE_RANGE):07d}"
    session.add(
        Confirmation(
            reference=reference, deal_id=deal_id, action=recorded, remarks=remarks, created_by=user
        )
    )
    deal.status = status
    return reference


async def _respond(request: Request, action: str) -> Response:
    deal_id = request.path_params["deal_id"]
    fields = await form_fields(request)
    user = current_user(request)
    remarks = fields.get("remarks") or None
    try:
        await slow_screen(request)
        reference = await write(
            request, lambda session: respond(session, deal_id, action, remarks, user)
        )
    except FormError as error:
        view = await read(request, lambda session: load_deal(session, deal_id))
        if view is None:
            return _not_found(request, deal_id)
        return _show(request, view, error=str(error))
    lost = lost_response_instead(context_of(request))
    if lost is not None:
        return lost
    view = await read(request, lambda session: load_deal(session, deal_id))
    assert view is not None  # the response was just recorded against it
    done = {"confirm": "confirmed", "affirm": "affirmed", "dispute": "disputed"}[action]
    return _show(
        request,
        view,
        info=f"Deal {deal_id} was {done}. Reference {reference}",
        reference=reference,
    )


async def deal_confirm(request: Request) -> Response:
    return await _respond(request, "confirm")


async def deal_affirm(request: Request) -> Response:
    return await _respond(request, "affirm")


async def deal_dispute(request: Request) -> Response:
    return await _respond(request, "dispute")


async def confirmation_list(request: Request) -> Response:
    params = request.query_params
    query = {
        "deal_id": params.get("deal_id", "").strip().upper(),
        "action": params.get("action", "").strip().upper(),
    }

    statement = select(Confirmation)
    if query["deal_id"]:
        statement = statement.where(Confirmation.deal_id == query["deal_id"])
    if query["action"]:
        statement = statement.where(Confirmation.action == query["action"])
    statement = statement.order_by(Confirmation.created_at.desc(), Confirmation.reference)
    await slow_screen(request)
    result = await search(request, statement, query)
    return render(request, "treasury/confirmation_list.html", query=query, result=result)


ROUTES = [
    Route("/deals", deal_search, methods=["GET"]),
    Route("/deals/{deal_id}", deal_display, methods=["GET"]),
    Route("/deals/{deal_id}/confirm", deal_confirm, methods=["POST"]),
    Route("/deals/{deal_id}/affirm", deal_affirm, methods=["POST"]),
    Route("/deals/{deal_id}/dispute", deal_dispute, methods=["POST"]),
    Route("/confirmations", confirmation_list, methods=["GET"]),
]
