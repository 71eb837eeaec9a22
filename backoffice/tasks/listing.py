"""The inbox's lists: a person's open tasks, or a group's queue, filtered and sorted.

Filters come from the page's query parameters (so a filtered list can be bookmarked) and
are read here into a typed ``ListFilter``; a value that is not one of the allowed ones is
dropped rather than guessed at. Everything is one query on the task table (and a count
with the same conditions): the context's supplier and amount are columns, read when the
task opened, so the list stays fast with thousands of open tasks (``bench/inbox.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import ColumnElement, Engine, and_, case, func, literal, not_, or_
from sqlmodel import Session, col, select

from backoffice.people.store import MembershipRow
from backoffice.tasks.store import TaskCandidateRow, TaskQueueRow, TaskRow

PAGE_SIZE = 200
SEARCH_LENGTH = 100  # longer searches are cut: nobody types more, and LIKE gets no slower

Sort = Literal["due", "created", "amount", "process"]
Due = Literal["today", "week"]
Claimed = Literal["me", "unclaimed", "others"]
SORTS: dict[Sort, str] = {
    "due": "due soonest",
    "created": "newest",
    "amount": "largest amount",
    "process": "process",
}
DUES: dict[Due, str] = {"today": "by end of today", "week": "within 7 days"}
CLAIMS: dict[Claimed, str] = {"me": "by me", "unclaimed": "unclaimed", "others": "by others"}


@dataclass(frozen=True)
class ListFilter:
    """What a list shows: every field empty is the whole list, soonest due first."""

    process: str = ""
    search: str = ""  # in the case (business key), the title and the supplier
    supplier: str = ""
    due: Due | None = None
    overdue: bool = False
    claimed: Claimed | None = None
    sort: Sort = "due"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ListFilter:
        """The filter a page's query parameters ask for; unknown values are left out."""
        due, claimed, sort = query.get("due"), query.get("claimed"), query.get("sort")
        return cls(
            process=_text(query.get("process")),
            search=_text(query.get("q")),
            supplier=_text(query.get("supplier")),
            due=due if due in get_args(Due) else None,  # type: ignore[arg-type]
            overdue=query.get("overdue") in ("1", "on", "yes"),
            claimed=claimed if claimed in get_args(Claimed) else None,  # type: ignore[arg-type]
            sort=sort if sort in get_args(Sort) else "due",  # type: ignore[arg-type]
        )

    def query(self) -> dict[str, str]:
        """The query parameters of this filter (the inverse of ``from_query``)."""
        values = {
            "q": self.search,
            "process": self.process,
            "supplier": self.supplier,
            "due": self.due or "",
            "overdue": "1" if self.overdue else "",
            "claimed": self.claimed or "",
            "sort": "" if self.sort == "due" else self.sort,
        }
        return {key: value for key, value in values.items() if value}

    def sorted_by(self, sort: Sort) -> ListFilter:
        return replace(self, sort=sort)

    @property
    def narrowed(self) -> bool:
        """Whether anything is filtered out (sorting alone narrows nothing)."""
        return bool(
            self.process or self.search or self.supplier or self.due or self.overdue or self.claimed
        )


def _text(value: str | None) -> str:
    return " ".join((value or "").split())[:SEARCH_LENGTH]


@dataclass
class ListedTask:
    row: TaskRow
    may_decide: bool  # the viewer is among the task's candidates


@dataclass
class TaskList:
    """A page of a list: the first tasks in its order, how many match, what to filter by."""

    tasks: list[ListedTask]
    total: int
    processes: list[str]  # the processes of the unfiltered list, for the process filter


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    # Case-insensitive everywhere (SQLite's LIKE is, PostgreSQL's is not); autoescape
    # makes a typed % or _ match itself, not anything.
    result: ColumnElement[bool] = func.lower(column).contains(text.lower(), autoescape=True)
    return result


def _conditions(chosen: ListFilter, viewer: str, at: datetime) -> list[ColumnElement[bool]]:
    now = at.astimezone(UTC)  # the table's times are UTC
    due = func.coalesce(col(TaskRow.due_at), col(TaskRow.deadline))
    found: list[ColumnElement[bool]] = []
    if chosen.process:
        found.append(col(TaskRow.process) == chosen.process)
    if chosen.search:
        found.append(
            or_(
                _contains(col(TaskRow.business_key), chosen.search),
                _contains(col(TaskRow.title), chosen.search),
                _contains(func.coalesce(col(TaskRow.supplier), ""), chosen.search),
            )
        )
    if chosen.supplier:
        found.append(_contains(func.coalesce(col(TaskRow.supplier), ""), chosen.supplier))
    if chosen.due == "today":
        found.append(due < datetime.combine(now.date() + timedelta(days=1), time(), UTC))
    elif chosen.due == "week":
        found.append(due < now + timedelta(days=7))
    if chosen.overdue:
        found.append(due < now)
    if chosen.claimed == "me":
        found.append(col(TaskRow.claimed_by) == viewer)
    elif chosen.claimed == "unclaimed":
        found.append(col(TaskRow.claimed_by).is_(None))
    elif chosen.claimed == "others":
        found.append(and_(col(TaskRow.claimed_by).is_not(None), col(TaskRow.claimed_by) != viewer))
    return found


def _order(sort: Sort) -> list[Any]:
    due = func.coalesce(col(TaskRow.due_at), col(TaskRow.deadline))
    then = [due, col(TaskRow.id)]
    if sort == "created":
        return [col(TaskRow.created_at).desc(), col(TaskRow.id)]
    if sort == "amount":
        # Tasks without an amount come last, whichever way the database sorts NULLs.
        return [col(TaskRow.amount).is_(None), col(TaskRow.amount).desc(), *then]
    if sort == "process":
        return [col(TaskRow.process), *then]
    return then


def _page(
    session: Session,
    base: list[ColumnElement[bool]],
    join: Any,
    chosen: ListFilter,
    viewer: str,
    now: datetime,
    limit: int,
) -> tuple[list[TaskRow], int, list[str]]:
    """The page's rows, how many match, and the processes of the unfiltered list."""
    conditions = _conditions(chosen, viewer, now)
    rows = session.exec(
        select(TaskRow)
        .join(*join)
        .where(*base, *conditions)
        .order_by(*_order(chosen.sort))
        .limit(limit)
    ).all()
    # One pass over the unfiltered list gives both its processes (for the process filter)
    # and how many of its tasks the filter lets through.
    matching = case((and_(*conditions), 1), else_=0) if conditions else literal(1)
    per_process = session.exec(
        select(TaskRow.process, func.sum(matching))
        .join(*join)
        .where(*base)
        .group_by(col(TaskRow.process))
    ).all()
    total = sum(int(count or 0) for _, count in per_process)
    return list(rows), total, sorted(process for process, _ in per_process)


def person_list(
    engine: Engine, person: str, chosen: ListFilter, now: datetime, limit: int = PAGE_SIZE
) -> TaskList:
    """A person's open tasks (those they may decide) that the filter lets through."""
    join = (TaskCandidateRow, col(TaskCandidateRow.task_id) == col(TaskRow.id))
    base = [col(TaskCandidateRow.person_id) == person, col(TaskRow.status) == "open"]
    with Session(engine) as session:
        rows, total, processes = _page(session, base, join, chosen, person, now, limit)
    return TaskList([ListedTask(row, True) for row in rows], total, processes)


def queue_list(
    engine: Engine,
    group: str,
    viewer: str,
    chosen: ListFilter,
    now: datetime,
    limit: int = PAGE_SIZE,
) -> TaskList:
    """A group's open tasks, claimed ones included, less those the viewer is excluded from
    (segregation of duties: nobody sees the queue's tasks about their own entries)."""
    join = (TaskQueueRow, col(TaskQueueRow.task_id) == col(TaskRow.id))
    # The excluded are kept as a JSON list of ids; ids hold no quotes, so a quoted id is a
    # whole entry of it.
    excluded = func.coalesce(col(TaskRow.excluded_json), "").contains(
        f'"{viewer}"', autoescape=True
    )
    base = [col(TaskQueueRow.group_id) == group, col(TaskRow.status) == "open", not_(excluded)]
    with Session(engine) as session:
        rows, total, processes = _page(session, base, join, chosen, viewer, now, limit)
        # Which of the page's tasks the viewer may decide: asked for these rows only.
        ids = [row.id for row in rows]
        mine = set(
            session.exec(
                select(TaskCandidateRow.task_id).where(
                    col(TaskCandidateRow.person_id) == viewer,
                    col(TaskCandidateRow.task_id).in_(ids),
                )
            )
        )
    return TaskList([ListedTask(row, row.id in mine) for row in rows], total, processes)


def groups_of(engine: Engine, person: str) -> list[str]:
    """The groups a person belongs to: the queues they may look into."""
    with Session(engine) as session:
        query = select(MembershipRow.group_id).where(MembershipRow.person_id == person)
        return sorted(session.exec(query))
