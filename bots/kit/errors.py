"""The ways an unattended bot fails, each a Temporal error type a definition can catch.

- ``BotBusinessRule`` (not retried): the system refused the data (a blocked supplier, a
  closed period); the process decides what to do.
- ``BotTransient`` (retried with backoff): an error page, a timeout, a refused connection.
- ``BotSessionExpired`` (retried): the session ended mid-run; the next attempt logs in.
- ``BotSelectorDrift`` (not retried): an expected field or button is gone; the screen
  changed and a developer must look.
- ``BotCredentialRejected`` (not retried): the login was refused; the account needs
  attention, and retrying would lock it.
- ``BotAmbiguousSubmit`` (not retried): a submit's outcome is unknown and no record can be
  found; reconcile, never submit again.
"""

from __future__ import annotations

from typing import Any, ClassVar


class BotError(Exception):
    """A bot failure of a known kind; the runner turns it into a Temporal ApplicationError."""

    type: ClassVar[str] = "BotError"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class BusinessRuleViolation(BotError):
    type = "BotBusinessRule"


class TransientFailure(BotError):
    type = "BotTransient"
    retryable = True


class SessionExpired(BotError):
    type = "BotSessionExpired"
    retryable = True


class SelectorDrift(BotError):
    type = "BotSelectorDrift"


class CredentialRejected(BotError):
    type = "BotCredentialRejected"


class AmbiguousSubmit(BotError):
    type = "BotAmbiguousSubmit"


BOT_ERROR_TYPES = (
    *(
        kind.type
        for kind in (
            BusinessRuleViolation,
            TransientFailure,
            SessionExpired,
            SelectorDrift,
            CredentialRejected,
            AmbiguousSubmit,
        )
    ),
    "BotSystemPaused",  # the system is paused for everyone; retried until it answers
    "BotSystemBusy",  # every licence of the system is in use; retried
    "BotWorkerError",  # the worker could not run the bot (its browser); retried
)
