"""Who acts at the command line: a person who proved it, or an operator acting for one.

``--as alice`` alone acts as alice once her inbox password is given: asked for in a
terminal (never echoed), or read from standard input with ``--password-stdin`` in
scripts, never taken as an argument a shell would keep in its history. An operator acts
in someone's name with ``--operator NAME --reason TEXT``, proving who *they* are with
their own password; the audit then names the operator, the person acted for and why.
Operators are the people the directory gives the role ``operator``.

Wrong passwords count as they do in the inbox (``backoffice.people.passwords``), with
this machine as the client.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass
from typing import Any

import typer
from sqlalchemy import Engine
from sqlmodel import Session, select

from backoffice.engine.contracts import ActingOperator
from backoffice.engine.runs import RunError
from backoffice.people.passwords import PasswordRefused, check_password
from backoffice.people.store import PersonRow, RoleRow

OPERATOR_ROLE = "operator"


@dataclass(frozen=True)
class Actor:
    """Whose action it is (``person``), proved; and the operator who took it for them."""

    person: str
    operator: ActingOperator | None = None

    @property
    def signer(self) -> str:
        """Who proved who they are: the operator, or the person themselves."""
        return self.operator.name if self.operator else self.person

    def origin(self) -> dict[str, Any]:
        """Where the action came from, for the audit."""
        return {
            "via": "operator" if self.operator else "cli",
            "address": socket.gethostname(),
            "operator": self.operator,
        }

    def describe(self) -> str:
        if self.operator is None:
            return self.person
        return f"{self.operator.name} for {self.person}"


def acting(person: str, operator: str | None, reason: str | None) -> Actor:
    """The actor the options name, before any proof; RunError for options that do not fit."""
    who = person.strip().lower()
    if operator is None:
        if reason is not None:
            raise RunError("--reason goes with --operator: an operator acting for someone says why")
        return Actor(who)
    name = operator.strip().lower()
    if not reason or not reason.strip():
        raise RunError(
            f"--operator {name} needs --reason TEXT: why you act for {who} (kept in the audit)"
        )
    if name == who:
        raise RunError(f"{name} acts as themselves: leave out --operator and --reason")
    return Actor(who, ActingOperator(name=name, reason=reason.strip()))


def password_needed(actor: Actor) -> str:
    """What to tell someone who gave no password and cannot be asked for one."""
    return (
        f"acting as {actor.describe()} needs {actor.signer}'s inbox password: run the command "
        "in a terminal to be asked for it, or give it on standard input with --password-stdin "
        "(printf '%s\\n' \"$PASSWORD\" | backoffice ...)"
    )


def prove(engine: Engine, actor: Actor, password: str) -> Actor:
    """The actor, if ``password`` is the signer's and an operator is one; RunError if not."""
    with Session(engine) as session:
        signer = session.get(PersonRow, actor.signer)
        roles = set(session.exec(select(RoleRow.role).where(RoleRow.person_id == actor.signer)))
    if signer is not None and signer.active and signer.password_hash is None:
        raise RunError(
            f"{actor.signer} has no inbox password (signs in through single sign-on): an "
            f"operator can act for them with --operator NAME --reason TEXT"
        )
    try:
        check_password(engine, actor.signer, password, f"cli@{socket.gethostname()}")
    except PasswordRefused as refused:
        raise RunError(f"not done: {actor.signer}: {refused}") from None
    if actor.operator is not None and OPERATOR_ROLE not in roles:
        raise RunError(
            f"not done: {actor.signer} is not an operator (the directory gives operators the "
            f"role '{OPERATOR_ROLE}'); act as yourself with --as {actor.signer}"
        )
    return actor


def from_options(
    engine: Engine, person: str, operator: str | None, reason: str | None, password_stdin: bool
) -> Actor:
    """The actor the command's options name, proved with the password given or asked for."""
    actor = acting(person, operator, reason)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise RunError("--password-stdin: standard input gave no password (one line)")
    elif sys.stdin.isatty():
        password = typer.prompt(f"{actor.signer}'s inbox password", hide_input=True)
    else:
        raise RunError(password_needed(actor))
    return prove(engine, actor, password)
