"""``http.request``: call a JSON HTTP API from a definition, without writing Python.

Errors are typed for ``catch:``: ``HttpClientError`` (4xx, not retried: the request is
wrong), ``HttpServerError`` (5xx, retried), ``HttpUnreachable`` (connection or timeout,
retried). Requests that change something carry an ``Idempotency-Key`` header made of the
workflow id and the activity id, so an API that honours it applies a retried call once.
A bearer token comes from a named secret and never appears in history or logs.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import registry, runtime
from backoffice.secrets import SecretNotFound, field_of, secret_store

CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY_BYTES = 1_000_000  # results go into history: keep them far below its limits


class HttpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://", description="The full URL, http or https.")
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    body: Any = Field(default=None, description="Sent as JSON.")
    query: dict[str, str | int | float | bool] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    credential: str | None = Field(
        default=None, description="Name of a secret whose 'token' is sent as a bearer token."
    )
    timeout_seconds: float = Field(default=30, gt=0, le=600)


class HttpResponse(BaseModel):
    status: int
    body: Any
    headers: dict[str, str]


def _headers(request: HttpRequest) -> dict[str, str]:
    headers = {"Accept": "application/json", **request.headers}
    if request.method in CHANGING_METHODS:
        info = activity.info()
        headers.setdefault("Idempotency-Key", f"{info.workflow_id}/{info.activity_id}")
    if request.credential is not None:
        try:
            token = field_of(secret_store(runtime.settings()), request.credential, "token")
        except SecretNotFound as error:
            raise ApplicationError(str(error), type="SecretNotFound", non_retryable=True) from None
        headers["Authorization"] = f"Bearer {token}"
    return headers


def _body(response: httpx.Response) -> Any:
    if len(response.content) > MAX_BODY_BYTES:
        raise ApplicationError(
            f"the response of {len(response.content)} bytes is larger than {MAX_BODY_BYTES}",
            type="HttpResponseTooLarge",
            non_retryable=True,
        )
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            return response.text
    return response.text


@registry.activity(
    errors=[
        "SecretNotFound",
        "HttpResponseTooLarge",
        "HttpUnreachable",
        "HttpServerError",
        "HttpClientError",
    ]
)
@activity.defn(name="http.request")
async def request(call: HttpRequest) -> HttpResponse:
    """Call a JSON HTTP API; 4xx fails at once, 5xx and network errors are retried."""
    try:
        async with httpx.AsyncClient(timeout=call.timeout_seconds) as client:
            response = await client.request(
                call.method, call.url, params=call.query, json=call.body, headers=_headers(call)
            )
    except httpx.HTTPError as error:
        raise ApplicationError(
            f"{call.method} {call.url} failed: {type(error).__name__}", type="HttpUnreachable"
        ) from None
    body = _body(response)
    if response.status_code >= 500:
        raise ApplicationError(
            f"{call.method} {call.url} answered {response.status_code}",
            {"status": response.status_code},
            type="HttpServerError",
        )
    if response.status_code >= 400:
        raise ApplicationError(
            f"{call.method} {call.url} answered {response.status_code}",
            {"status": response.status_code, "body": body},
            type="HttpClientError",
            non_retryable=True,
        )
    return HttpResponse(
        status=response.status_code,
        body=body,
        headers={key.lower(): value for key, value in response.headers.items()},
    )
