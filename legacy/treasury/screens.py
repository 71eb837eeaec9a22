"""The portal's screens: deals awaiting a response, one deal, and the responses given."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.screen_kit import (
    as_code,
    display,
    matching,
    not_found,
    results,
    search_query,
    submitted,
)
from legacy.screens import FormError, current_user, form_fields, read, render, slow_screen, write
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
    query = search_query(request, {"deal_id": as_code, "counterparty": as_code})
    # The portal opens on what still needs a response; ALL (or empty) shows every deal.
    query["status"] = as_code(request.query_params.get("status", "AWAITING")) or "ALL"

    statement = matching(
        select(Deal), query, {"deal_id": Deal.deal_id, "counterparty": Deal.counterparty_id}
    )
    if query["status"] != "ALL" and not query["deal_id"]:
        statement = statement.where(Deal.status == query["status"])
    statement = statement.order_by(Deal.trade_time, Deal.deal_id)
    return await results(request, "treasury/deal_search.html", statement, query, statuses=STATUSES)


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
    return not_found(
        request,
        "treasury/deal_search.html",
        f"Deal {deal_id} not found",
        {"deal_id": deal_id, "counterparty": "", "status": "ALL"},
        statuses=STATUSES,
    )


async def deal_display(request: Request) -> Response:
    deal_id = request.path_params["deal_id"]
    return await display(
        request,
        lambda session: load_deal(session, deal_id),
        lambda view: _show(request, view),
        lambda: _not_found(request, deal_id),
    )


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

    async def act() -> tuple[str, DealView | None]:
        await slow_screen(request)
        reference = await write(
            request, lambda session: respond(session, deal_id, action, remarks, user)
        )
        return reference, await read(request, lambda session: load_deal(session, deal_id))

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: load_deal(session, deal_id),
            lambda view: _show(request, view, error=str(error)),
            lambda: _not_found(request, deal_id),
        )

    def done(recorded: tuple[str, DealView | None]) -> Response:
        reference, view = recorded
        assert view is not None  # the response was just recorded against it
        done = {"confirm": "confirmed", "affirm": "affirmed", "dispute": "disputed"}[action]
        return _show(
            request,
            view,
            info=f"Deal {deal_id} was {done}. Reference {reference}",
            reference=reference,
        )

    return await submitted(request, act, refused, done)


async def deal_confirm(request: Request) -> Response:
    return await _respond(request, "confirm")


async def deal_affirm(request: Request) -> Response:
    return await _respond(request, "affirm")


async def deal_dispute(request: Request) -> Response:
    return await _respond(request, "dispute")


async def confirmation_list(request: Request) -> Response:
    query = search_query(request, {"deal_id": as_code, "action": as_code})
    columns = {"deal_id": Confirmation.deal_id, "action": Confirmation.action}
    statement = matching(select(Confirmation), query, columns).order_by(
        Confirmation.created_at.desc(), Confirmation.reference
    )
    return await results(request, "treasury/confirmation_list.html", statement, query)


ROUTES = [
    Route("/deals", deal_search, methods=["GET"]),
    Route("/deals/{deal_id}", deal_display, methods=["GET"]),
    Route("/deals/{deal_id}/confirm", deal_confirm, methods=["POST"]),
    Route("/deals/{deal_id}/affirm", deal_affirm, methods=["POST"]),
    Route("/deals/{deal_id}/dispute", deal_dispute, methods=["POST"]),
    Route("/confirmations", confirmation_list, methods=["GET"]),
]
