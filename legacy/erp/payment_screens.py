"""ERP screens for payment proposals: create one for a posted invoice, list, cancel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.context import context_of
from legacy.erp.line_items import AMOUNT_STEP
from legacy.erp.models import PAYMENT_RANGE, InvoiceDocument, PaymentProposal, Supplier
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    lost_response_instead,
    parse_amount,
    parse_date,
    read,
    render,
    required,
    search,
    slow_screen,
    write,
)
from legacy.storage import next_number, utcnow


def create_proposal(
    session: Session, doc_number: str, payment_date: date, discount_percent: Decimal, user: str
) -> PaymentProposal:
    document = session.get(InvoiceDocument, doc_number)
    if document is None or document.doc_type != "INVOICE":
        raise FormError(f"Document {doc_number} is not a posted invoice")
    if document.status != "POSTED":
        raise FormError(f"Document {doc_number} is reversed and cannot be paid")
    supplier = session.get(Supplier, document.supplier_id)
    if supplier is not None and supplier.payment_block:
        raise FormError(f"Payment block is set for vendor {supplier.supplier_id}")
    discount = (document.gross_amount * discount_percent / 100).quantize(AMOUNT_STEP)
    number = next_number(session, PAYMENT_RANGE)
    proposal = PaymentProposal(
        proposal_number=f"PP-{payment_date.year}-{number:06d}",
        doc_number=doc_number,
        payment_date=payment_date,
        discount_percent=discount_percent,
        discount_amount=discount,
        payment_amount=document.gross_amount - discount,
        currency=document.currency,
        status="PROPOSED",
        created_by=user,
    )
    session.add(proposal)
    return proposal


def cancel_proposal(session: Session, proposal_number: str, user: str) -> PaymentProposal:
    proposal = session.get(PaymentProposal, proposal_number)
    if proposal is None:
        raise FormError(f"Payment proposal {proposal_number} does not exist")
    if proposal.status == "CANCELLED":
        raise FormError(f"Payment proposal {proposal_number} is already cancelled")
    proposal.status = "CANCELLED"
    proposal.cancelled_by = user
    proposal.cancelled_at = utcnow()
    return proposal


def _form(request: Request, fields: dict[str, str], error: str | None) -> Response:
    return render(request, "erp/payment_form.html", fields=fields, error=error)


async def proposal_form(request: Request) -> Response:
    fields = {
        "document": request.query_params.get("document", ""),
        "payment_date": date.today().isoformat(),
        "discount_percent": "0",
    }
    return _form(request, fields, None)


async def proposal_submit(request: Request) -> Response:
    fields = await form_fields(request)
    user = current_user(request)
    try:
        doc_number = required(fields, "document", "Document number")
        payment_date = parse_date(required(fields, "payment_date", "Payment date"), "Payment date")
        percent = parse_amount(fields.get("discount_percent") or "0", "Cash discount %")
        if not Decimal(0) <= percent <= Decimal(100):
            raise FormError("Cash discount %: enter a value from 0 to 100")
        await slow_screen(request)
        proposal = await write(
            request,
            lambda session: create_proposal(session, doc_number, payment_date, percent, user),
        )
    except FormError as error:
        return _form(request, fields, str(error))
    lost = lost_response_instead(context_of(request))
    if lost is not None:
        return lost
    message = f"Payment proposal {proposal.proposal_number} was created"
    return render(request, "erp/payment.html", proposal=proposal, info=message, error=None)


async def proposal_list(request: Request) -> Response:
    params = request.query_params
    query = {
        "document": params.get("document", "").strip(),
        "status": params.get("status", "").strip().upper(),
    }

    statement = select(PaymentProposal)
    if query["document"]:
        statement = statement.where(PaymentProposal.doc_number == query["document"])
    if query["status"]:
        statement = statement.where(PaymentProposal.status == query["status"])
    statement = statement.order_by(PaymentProposal.created_at.desc())
    result = await search(request, statement, query)
    return render(request, "erp/payment_list.html", query=query, result=result)


async def proposal_display(request: Request) -> Response:
    number = request.path_params["proposal_number"]
    proposal = await read(request, lambda session: session.get(PaymentProposal, number))
    if proposal is None:
        return render(
            request,
            "erp/payment_list.html",
            status_code=404,
            query={"document": "", "status": ""},
            result=None,
            error=f"Payment proposal {number} does not exist",
        )
    return render(request, "erp/payment.html", proposal=proposal, info=None, error=None)


async def proposal_cancel(request: Request) -> Response:
    number = request.path_params["proposal_number"]
    user = current_user(request)
    await form_fields(request)
    try:
        proposal = await write(request, lambda session: cancel_proposal(session, number, user))
    except FormError as error:
        existing = await read(request, lambda session: session.get(PaymentProposal, number))
        if existing is None:
            return render(
                request,
                "erp/payment_list.html",
                status_code=404,
                query={"document": "", "status": ""},
                result=None,
                error=str(error),
            )
        return render(request, "erp/payment.html", proposal=existing, info=None, error=str(error))
    lost = lost_response_instead(context_of(request))
    if lost is not None:
        return lost
    message = f"Payment proposal {number} was cancelled"
    return render(request, "erp/payment.html", proposal=proposal, info=message, error=None)


ROUTES = [
    Route("/payments", proposal_list, methods=["GET"]),
    Route("/payments/new", proposal_form, methods=["GET"]),
    Route("/payments", proposal_submit, methods=["POST"]),
    Route("/payments/{proposal_number}", proposal_display, methods=["GET"]),
    Route("/payments/{proposal_number}/cancel", proposal_cancel, methods=["POST"]),
]
