"""When a leaver's final pay is due, and what paying it late costs.

The deadlines are the definition's rule table, one row per jurisdiction and case, never
this module's. California's (Labor Code 201-203), as a definition writes them:

- discharged: every wage, accrued vacation included, on the last day;
- quit with at least 72 hours' notice: on the last day;
- quit with less: within 72 hours of the notice.

The last day is the relieving date in the employee's time zone, and a quit takes effect
at its end; a notice given as a date was given at that date's local midnight. Hours are
hours that pass, so a notice running over a change to or from daylight-saving time has
one hour more or less on the wall clock. A day's pay late is each day, or part of a day,
after the deadline, up to the table's maximum.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.inputs import BadInput, check
from activities.workforce.moments import (
    BadMoment,
    end_of_day,
    instant,
    moment,
    start_of_day,
    utc_text,
    zone,
)
from backoffice import packs
from backoffice.packs import Amount

Case = Literal["discharged", "quit_with_notice", "quit_without_notice"]
# The separation types each kind of leaving covers when a rule names none of its own
# (``types``): the words of DOMAIN.md's separations and of the HRIS.
DISCHARGE_TYPES = ("discharged", "involuntary", "end_of_contract", "termination", "layoff")
QUIT_TYPES = ("quit", "voluntary", "resignation", "retirement")
SECONDS_A_DAY = 86_400


class FinalPayRule(BaseModel):
    jurisdiction: str = Field(description="Where the employee works, as US-CA.")
    when: Case = Field(description="The kind of leaving this row is for.")
    notice_hours: int = Field(
        default=72, description="For quit_with_notice: the least notice, in hours."
    )
    due: Literal["last_day", "hours_after_notice"] = Field(
        description="On the last day, or a number of hours after the notice was given."
    )
    hours: int = Field(default=72, description="For hours_after_notice: how many.")
    types: list[str] = Field(
        default_factory=list,
        description=(
            "The separation types this row covers; empty: discharged covers "
            "involuntary and end_of_contract, a quit covers voluntary and retirement."
        ),
    )


class FinalPayQuestion(BaseModel):
    jurisdiction: str
    separation_type: str = Field(description="voluntary, involuntary, retirement...")
    notice_given_at: str = Field(description="A date, or a timestamp (local if no offset).")
    relieving_date: date
    timezone: str = Field(description="The employee's IANA time zone.")
    rules: list[FinalPayRule]


class FinalPayDeadline(BaseModel):
    due_at: str  # UTC
    due_local: str  # with the zone's offset on that day
    rule: str  # in words
    case: Case = "discharged"


class PenaltyQuestion(BaseModel):
    daily_wage: Amount
    due_at: str = Field(description="The deadline, a timestamp with its offset.")
    paid_at: str = Field(description="When it was paid, a timestamp with its offset.")
    max_days: int = Field(description="The most days a penalty runs (30 in California).")


class Penalty(BaseModel):
    days_late: int
    amount: Amount


class RuleMissing(Exception):
    """The table has no row for the case."""


def _kind(question: FinalPayQuestion, rules: list[FinalPayRule]) -> str:
    """discharged or quit, from the rules' own types or the usual words."""
    written = question.separation_type.strip().lower()
    for rule in rules:
        if written in (kind.strip().lower() for kind in rule.types):
            return "discharged" if rule.when == "discharged" else "quit"
    if written in DISCHARGE_TYPES:
        return "discharged"
    if written in QUIT_TYPES:
        return "quit"
    raise BadMoment(
        f"separation type '{question.separation_type}' is neither a discharge nor a quit: "
        f"write one of {', '.join((*QUIT_TYPES, *DISCHARGE_TYPES))}, or name it in a "
        "rule's types"
    )


def _row(rules: list[FinalPayRule], case: Case) -> FinalPayRule | None:
    return next((rule for rule in rules if rule.when == case), None)


def deadline(question: FinalPayQuestion) -> FinalPayDeadline:
    """The final-pay deadline the question's rule table gives."""
    where = zone(question.timezone)
    rules = [r for r in question.rules if r.jurisdiction.strip() == question.jurisdiction.strip()]
    kind = _kind(question, rules)
    last_day_ends = end_of_day(question.relieving_date, where)
    notice = moment(question.notice_given_at, where, "notice_given_at")
    # A quit takes effect as the last day ends: the notice counts until the next midnight.
    quits_at = start_of_day(question.relieving_date + timedelta(days=1), where)
    hours_given = (quits_at - notice).total_seconds() / 3600
    given = math.floor(hours_given)
    if kind == "discharged":
        case: Case = "discharged"
        rule = _row(rules, case)
        why = "discharged"
    elif hours_given < 0:
        raise BadMoment(
            f"the notice ({question.notice_given_at}) was given after the last day "
            f"({question.relieving_date.isoformat()}): check both dates"
        )
    else:
        with_notice = _row(rules, "quit_with_notice")
        if with_notice is not None and hours_given >= with_notice.notice_hours:
            case, rule = "quit_with_notice", with_notice
            why = f"quit with {given} hours' notice (at least {rule.notice_hours})"
        else:
            case, rule = "quit_without_notice", _row(rules, "quit_without_notice")
            least = f" (less than {with_notice.notice_hours})" if with_notice else ""
            why = f"quit with {given} hours' notice{least}"
    if rule is None:
        raise RuleMissing(
            f"the final-pay rules have no row for {question.jurisdiction} and {case}: add "
            f"one, as {{jurisdiction: {question.jurisdiction}, when: {case}, due: last_day}}"
        )
    due = last_day_ends if rule.due == "last_day" else notice + timedelta(hours=rule.hours)
    local = due.astimezone(where)
    when_due = (
        f"on the last day, {question.relieving_date.isoformat()}"
        if rule.due == "last_day"
        else f"within {rule.hours} hours of the notice"
    )
    return FinalPayDeadline(
        due_at=utc_text(due),
        due_local=local.isoformat(),
        rule=(
            f"{question.jurisdiction}: {why}, so final pay is due {when_due}: by "
            f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({question.timezone})"
        ),
        case=case,
    )


def penalty(question: PenaltyQuestion) -> Penalty:
    """A day's wage for each day, or part of one, paid after the deadline; at most max_days."""
    due = instant(question.due_at, "due_at")
    late = (instant(question.paid_at, "paid_at") - due).total_seconds()
    days = min(max(0, math.ceil(late / SECONDS_A_DAY)), question.max_days)
    return Penalty(days_late=days, amount=question.daily_wage * Decimal(days))


@packs.activity(errors=["NoFinalPayRule", "BadFinalPayQuestion"])
@activity.defn(name="workforce.final_pay_deadline")
async def final_pay_deadline(question: FinalPayQuestion) -> FinalPayDeadline:
    """When a leaver's final pay is due, by the rule table the definition gives."""
    try:
        check(question)
        return deadline(question)
    except RuleMissing as error:
        raise ApplicationError(str(error), type="NoFinalPayRule", non_retryable=True) from None
    except (BadMoment, BadInput) as error:
        raise ApplicationError(str(error), type="BadFinalPayQuestion", non_retryable=True) from None


@packs.activity(errors=["BadFinalPayQuestion"])
@activity.defn(name="workforce.waiting_time_penalty")
async def waiting_time_penalty(question: PenaltyQuestion) -> Penalty:
    """The waiting-time penalty of final pay paid late: a day's wage a day, capped."""
    try:
        check(question)
        return penalty(question)
    except (BadMoment, BadInput) as error:
        raise ApplicationError(str(error), type="BadFinalPayQuestion", non_retryable=True) from None
