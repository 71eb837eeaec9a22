"""Segregation of duties: which roles one person may not hold together.

The rules are the definition's (a table in its ``variables``), never this module's: an
accounts-payable clerk may not also maintain the vendor master or release payments, say.
A rule names two or more roles; a person holding every one of them has that conflict.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import packs


class ConflictRule(BaseModel):
    roles: list[str] = Field(description="Roles no one person may hold together (two or more).")
    reason: str = Field(description="Why, in words the approver reads.")


class SegregationCheck(BaseModel):
    roles: list[str] = Field(description="Every role the person would hold.")
    rules: list[ConflictRule] = Field(description="The definition's conflict rules.")


class Conflict(BaseModel):
    roles: list[str]
    reason: str


class SegregationResult(BaseModel):
    clear: bool
    conflicts: list[Conflict]


class BadRule(ValueError):
    """A conflict rule that could never mean a conflict."""


def conflicts_of(check: SegregationCheck) -> SegregationResult:
    """The rules whose roles the person would hold all of, in the table's order."""
    for number, rule in enumerate(check.rules, start=1):
        if len({role.strip() for role in rule.roles}) < 2:
            raise BadRule(
                f"conflict rule {number} ({rule.reason}) names {len(rule.roles)} role(s): a "
                "conflict is between two roles or more, as roles: [ERP:AP_CLERK, "
                "ERP:PAYMENT_RELEASE]"
            )
    held = {role.strip() for role in check.roles}
    found = [
        Conflict(roles=rule.roles, reason=rule.reason)
        for rule in check.rules
        if {role.strip() for role in rule.roles} <= held
    ]
    return SegregationResult(clear=not found, conflicts=found)


@packs.activity(errors=["BadConflictRule"])
@activity.defn(name="workforce.check_segregation")
async def check_segregation(check: SegregationCheck) -> SegregationResult:
    """Whether a set of roles breaks any of the definition's segregation-of-duties rules."""
    try:
        return conflicts_of(check)
    except BadRule as error:
        raise ApplicationError(str(error), type="BadConflictRule", non_retryable=True) from None
