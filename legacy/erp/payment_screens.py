"""ERP screens for payment proposals: create one for a posted invoice, list, cancel."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.erp.line_items import AMOUNT_STEP
from legacy.erp.models import PAYMENT_RANGE, InvoiceDocument, PaymentProposal, Supplier
from legacy.screen_kit import (
    as_code,
    as_text,
    display,
    end_once,
    matching,
    not_found,
    results,
    search_query,
    submitted,
)
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    parse_amount,
    parse_date,
    render,
    required,
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
    return end_once(
        session,
        PaymentProposal,
        proposal_number,
        what="Payment proposal",
        status="CANCELLED",
        already="cancelled",
        cancelled_by=user,
        cancelled_at=utcnow(),
    )


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

    async def act() -> PaymentProposal:
        doc_number = required(fields, "document", "Document number")
        payment_date = parse_date(required(fields, "payment_date", "Payment date"), "Payment date")
        percent = parse_amount(fields.get("discount_percent") or "0", "Cash discount %")
        if not Decimal(0) <= percent <= Decimal(100):
            raise FormError("Cash discount %: enter a value from 0 to 100")
        await slow_screen(request)
        return await write(
            request,
            lambda session: create_proposal(session, doc_number, payment_date, percent, user),
        )

    def done(proposal: PaymentProposal) -> Response:
        return _shown(
            request, proposal, info=f"Payment proposal {proposal.proposal_number} was created"
        )

    return await submitted(request, act, lambda error: _form(request, fields, str(error)), done)


async def proposal_list(request: Request) -> Response:
    query = search_query(request, {"document": as_text, "status": as_code})
    columns = {"document": PaymentProposal.doc_number, "status": PaymentProposal.status}
    statement = matching(select(PaymentProposal), query, columns)
    statement = statement.order_by(PaymentProposal.created_at.desc())
    # The list of proposals has none of the built-in slowness of the other searches.
    return await results(request, "erp/payment_list.html", statement, query, slow=False)


def _shown(
    request: Request,
    proposal: PaymentProposal,
    *,
    info: str | None = None,
    error: str | None = None,
) -> Response:
    return render(request, "erp/payment.html", proposal=proposal, info=info, error=error)


def _not_found(request: Request, error: str) -> Response:
    return not_found(request, "erp/payment_list.html", error, {"document": "", "status": ""})


async def proposal_display(request: Request) -> Response:
    number = request.path_params["proposal_number"]
    return await display(
        request,
        lambda session: session.get(PaymentProposal, number),
        lambda proposal: _shown(request, proposal),
        lambda: _not_found(request, f"Payment proposal {number} does not exist"),
    )


async def proposal_cancel(request: Request) -> Response:
    number = request.path_params["proposal_number"]
    user = current_user(request)
    await form_fields(request)

    async def act() -> PaymentProposal:
        return await write(request, lambda session: cancel_proposal(session, number, user))

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: session.get(PaymentProposal, number),
            lambda existing: _shown(request, existing, error=str(error)),
            lambda: _not_found(request, str(error)),
        )

    def done(proposal: PaymentProposal) -> Response:
        return _shown(request, proposal, info=f"Payment proposal {number} was cancelled")

    return await submitted(request, act, refused, done)


ROUTES = [
    Route("/payments", proposal_list, methods=["GET"]),
    Route("/payments/new", proposal_form, methods=["GET"]),
    Route("/payments", proposal_submit, methods=["POST"]),
    Route("/payments/{proposal_number}", proposal_display, methods=["GET"]),
    Route("/payments/{proposal_number}/cancel", proposal_cancel, methods=["POST"]),
]
