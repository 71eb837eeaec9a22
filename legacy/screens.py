"""Helpers every screen uses: rendering with the menu, paging, the old formats of numbers."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from legacy.context import AppContext, context_of
from legacy.middleware import USER_KEY, LostResponse

T = TypeVar("T")


class FormError(ValueError):
    """A field the user must correct; the screen shows it above the form."""


def current_user(request: Request) -> str:
    """The user of the session (the session gate has checked it)."""
    return str(request.scope.get(USER_KEY, ""))


def render(
    request: Request,
    template: str,
    status_code: int = 200,
    *,
    popups: bool = True,
    **values: Any,
) -> Response:
    """A screen of the system; one fetched by GET may carry a system pop-up.

    Pages that cannot show a pop-up (a frameset, a frame's toolbar) pass ``popups=False``
    so that they do not use up the pop-up counter.
    """
    context = context_of(request)
    popup = popups and request.method == "GET" and context.faults.strikes("popup")
    html = context.templates.get_template(template).render(
        request=request,
        system=context.spec,
        user=current_user(request),
        popup=context.faults.settings.popup_kind if popup else None,
        fmt_date=lambda value: format_date(context, value),
        fmt_amount=format_amount,
        **values,
    )
    return HTMLResponse(html, status_code=status_code)


async def read(request: Request, work: Callable[[Session], T]) -> T:
    """Run database reads off the event loop."""
    return await run_in_threadpool(context_of(request).db.read, work)


async def write(request: Request, work: Callable[[Session], T]) -> T:
    """Run a database write off the event loop and commit it."""
    return await run_in_threadpool(context_of(request).db.write, work)


async def slow_screen(request: Request) -> None:
    """The built-in slowness of searching and posting (big tables, old hardware)."""
    seconds = context_of(request).faults.settings.screen_delay_seconds
    if seconds > 0:
        await asyncio.sleep(seconds)


def lost_response_instead(context: AppContext) -> Response | None:
    """After a committed submit: the answer that never arrives, when that fault strikes."""
    if not context.faults.strikes("lost_response"):
        return None
    settings = context.faults.settings
    return LostResponse(
        hold=settings.lost_response_mode == "hold",
        max_seconds=settings.lost_response_max_seconds,
    )


async def form_fields(request: Request, max_fields: int = 1000) -> dict[str, str]:
    """The submitted form as text fields, trimmed (at most ``max_fields`` of them)."""
    form = await request.form(max_fields=max_fields)
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


@dataclass
class ResultPage(Generic[T]):
    """One page of search results, with what the pager needs."""

    rows: Sequence[T]
    total: int
    page: int
    pages: int
    query: dict[str, str]

    def link(self, page: int) -> str:
        return "?" + urlencode({**self.query, "page": str(page)})


def page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def paginate(
    session: Session,
    statement: Select[T],
    *,
    page: int,
    page_size: int,
    query: dict[str, str],
) -> ResultPage[T]:
    """Count the matches of ``statement`` and fetch the rows of one page."""
    total = session.execute(select(func.count()).select_from(statement.subquery())).scalar_one()
    pages = max(1, math.ceil(total / page_size))
    page = min(page, pages)
    rows = session.execute(statement.limit(page_size).offset((page - 1) * page_size)).scalars()
    kept = {key: value for key, value in query.items() if value}
    return ResultPage(rows=list(rows), total=total, page=page, pages=pages, query=kept)


def page_of(rows: Sequence[T], page: int, page_size: int) -> ResultPage[T]:
    """One page of rows already read (a document's line items)."""
    pages = max(1, math.ceil(len(rows) / page_size))
    page = min(page, pages)
    shown = rows[(page - 1) * page_size : page * page_size]
    return ResultPage(rows=shown, total=len(rows), page=page, pages=pages, query={})


async def search(request: Request, statement: Select[T], query: dict[str, str]) -> ResultPage[T]:
    """The page of ``statement``'s matches that the request asks for, read off the loop."""
    page, page_size = page_number(request), context_of(request).page_size
    return await read(
        request,
        lambda session: paginate(session, statement, page=page, page_size=page_size, query=query),
    )


def parse_amount(text: str, field: str) -> Decimal:
    """An amount as typed: ``12450``, ``12450.00`` or ``12,450.00``."""
    try:
        value = Decimal(text.replace(",", "").replace(" ", ""))
    except InvalidOperation:
        raise FormError(f"{field}: enter a number such as 12450.00") from None
    if not value.is_finite():
        raise FormError(f"{field}: enter a number such as 12450.00")
    return value


def parse_date(text: str, field: str) -> date:
    """A date as typed: ``2025-06-12``, ``12.06.2025`` or ``06/12/2025``."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise FormError(f"{field}: enter a date as YYYY-MM-DD")


def required(fields: dict[str, str], name: str, label: str) -> str:
    value = fields.get(name, "")
    if not value:
        raise FormError(f"{label}: fill in this field")
    return value


def format_amount(value: Decimal | None) -> str:
    """``12,450.00``: thousands separated, two decimals."""
    return "" if value is None else f"{value:,.2f}"


def format_date(context: AppContext, value: date | datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime(context.spec.date_format)
