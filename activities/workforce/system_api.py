"""Calling the HR systems that have a JSON API (HRIS, asset register, screening vendor).

Each system is one of ``Settings.systems`` (its URL and the name of its credential); the
bearer token is the credential's field ``token``, read from the secret store at each call,
never passed in a run's input. What goes wrong is sorted the way Temporal retries:

- the system cannot be reached, or answers 5xx: the system's *unavailable* error,
  retryable (an outage ends; the step tries again with backoff);
- it refuses the token (401, 403) or the request (other 4xx): its *refused* error, not
  retryable, with the system's reason in words;
- answers a caller expects (a 404 for "no such employee", a 409 for a business rule)
  come back to the caller, which names them as its own error types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice.packs import SecretNotFound, secret_field, settings

TIMEOUT_SECONDS = 30.0
REASON_LENGTH = 500  # a system's reason goes into the error message: bounded


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def reason(self) -> str:
        """The system's own words for a refusal."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return str(self.body["error"])[:REASON_LENGTH]
        return f"HTTP {self.status}"


@dataclass(frozen=True)
class SystemApi:
    """One system: its name in ``Settings.systems``, how people call it, its error types."""

    system: str
    title: str  # "the HRIS": the subject of error messages
    unavailable: str
    refused: str

    def _base(self) -> tuple[str, str]:
        configured = settings().systems.get(self.system)
        if configured is None:
            raise ApplicationError(
                f"no system '{self.system}' is configured: add [backoffice.systems."
                f"{self.system}] with its url and credential to the settings",
                type=self.refused,
                non_retryable=True,
            )
        try:
            token = secret_field(configured.credential, "token")
        except SecretNotFound as missing:
            raise ApplicationError(
                str(missing), type="SecretNotFound", non_retryable=True
            ) from None
        return configured.url.rstrip("/"), token

    async def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, str] | None = None,
        expect: tuple[int, ...] = (),
    ) -> Answer:
        """Call the system; a success or an ``expect``-ed status comes back, all else raises."""
        base, token = self._base()
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if method != "GET" and activity.in_activity():
            info = activity.info()
            headers["Idempotency-Key"] = f"{info.workflow_id}/{info.activity_id}"
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
                response = await client.request(
                    method, f"{base}{path}", json=body, params=params, headers=headers
                )
        except httpx.HTTPError as error:
            raise ApplicationError(
                f"{self.title} at {base} cannot be reached ({type(error).__name__}); "
                "the step tries again",
                type=self.unavailable,
            ) from None
        try:
            parsed: Any = response.json()
        except ValueError:
            parsed = response.text[:REASON_LENGTH]
        answer = Answer(response.status_code, parsed)
        if response.is_success or answer.status in expect:
            return answer
        if answer.status >= 500:
            raise ApplicationError(
                f"{self.title} is unavailable ({answer.status}: {answer.reason}); "
                "the step tries again",
                type=self.unavailable,
            )
        if answer.status in (401, 403):
            configured = settings().systems[self.system]
            raise ApplicationError(
                f"{self.title} refused the token of secret '{configured.credential}' "
                f"({answer.status}): check that the secret holds the system's current token",
                type=self.refused,
                non_retryable=True,
            )
        raise ApplicationError(
            f"{self.title} refused {method} {path}: {answer.reason}",
            {"status": answer.status, "reason": answer.reason},
            type=self.refused,
            non_retryable=True,
        )
