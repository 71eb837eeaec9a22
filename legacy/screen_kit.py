"""The shapes every system's screens come in, so a new system writes only what is its own.

An old system's screens repeat a few shapes: a search form over a paged result list, a
record's display page (or its search screen saying the record does not exist), a form that
is posted and either comes back with the field to correct or ends on a confirmation, and an
action that cancels or inactivates a record once. Each shape here keeps the behaviour bots
rely on in one place: the built-in slowness before a search or a write, the answer that
goes missing after a committed write, a 404 on the search screen for a record that is not
there. A system passes its own templates, columns and messages; the HTML is all its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from legacy.context import context_of
from legacy.screens import FormError, lost_response_instead, read, render, search, slow_screen

T = TypeVar("T")
Clean = Callable[[str], str]


def as_code(value: str) -> str:
    """A code the system keeps in capitals (an id, a status), however it was typed."""
    return value.strip().upper()


def as_text(value: str) -> str:
    """Free text (a name, a reference), without the spaces around it."""
    return value.strip()


def as_sent(value: str) -> str:
    """A value kept as the browser sent it (the search button's)."""
    return value


def search_query(request: Request, fields: Mapping[str, Clean]) -> dict[str, str]:
    """The search form's fields from the address, each cleaned; missing ones empty.

    The order of ``fields`` is the order of the pager's links, so keep it as the form has it.
    """
    params = request.query_params
    return {name: clean(params.get(name, "")) for name, clean in fields.items()}


def matching(
    statement: Select[T], query: Mapping[str, str], columns: Mapping[str, Any]
) -> Select[T]:
    """``statement`` narrowed to the rows whose column equals each field filled in."""
    for name, column in columns.items():
        if query[name]:
            statement = statement.where(column == query[name])
    return statement


async def results(
    request: Request,
    template: str,
    statement: Select[T],
    query: dict[str, str],
    *,
    slow: bool = True,
    **values: Any,
) -> Response:
    """The search screen with the page of matches the request asks for.

    ``slow`` keeps the system's built-in slowness of searching (a screen without it passes
    False).
    """
    if slow:
        await slow_screen(request)
    result = await search(request, statement, query)
    return render(request, template, query=query, result=result, **values)


def not_found(
    request: Request, template: str, error: str, query: dict[str, str], **values: Any
) -> Response:
    """A record that does not exist: its search screen, without results, saying so (404)."""
    return render(
        request, template, status_code=404, query=query, result=None, error=error, **values
    )


async def display(
    request: Request,
    load: Callable[[Session], T | None],
    show: Callable[[T], Response],
    missing: Callable[[], Awaitable[Response] | Response],
) -> Response:
    """A record's page: ``show`` it as read now, or the ``missing`` page when it is gone."""
    found = await read(request, load)
    if found is None:
        return await _answer(missing())
    return show(found)


async def submitted(
    request: Request,
    act: Callable[[], Awaitable[T]],
    refused: Callable[[FormError], Awaitable[Response] | Response],
    done: Callable[[T], Response],
) -> Response:
    """A posted form or action: ``act`` checks and writes, ``done`` confirms what it wrote.

    A FormError from ``act`` shows ``refused`` (the form again, with the field to correct).
    After the commit, the answer may go missing, as the lost-response fault has it: the
    write is kept and the browser never learns of it.
    """
    try:
        outcome = await act()
    except FormError as error:
        return await _answer(refused(error))
    lost = lost_response_instead(context_of(request))
    if lost is not None:
        return lost
    return done(outcome)


class _WithStatus(Protocol):
    status: str


R = TypeVar("R", bound=_WithStatus)


def end_once(
    session: Session,
    model: type[R],
    key: str,
    *,
    what: str,
    status: str,
    already: str,
    **stamps: object,
) -> R:
    """Cancel (or inactivate) a record once: ``status`` and ``stamps`` set, or a FormError.

    ``what`` names the record in messages ("Payment proposal"); ``already`` is how the
    second attempt is told ("cancelled" gives "... is already cancelled").
    """
    row = session.get(model, key)
    if row is None:
        raise FormError(f"{what} {key} does not exist")
    if row.status == status:
        raise FormError(f"{what} {key} is already {already}")
    row.status = status
    for name, value in stamps.items():
        setattr(row, name, value)
    return row


async def _answer(response: Awaitable[Response] | Response) -> Response:
    return response if isinstance(response, Response) else await response
