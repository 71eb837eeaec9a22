"""Injected outages: the provider answers 503 for the next N requests, or until cleared.

Tests and the demo turn them on through ``/__admin/faults``, which itself never fails, so
an outage can always be ended. Only SCIM and application requests fail.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

ADMIN_PREFIX = "/__admin"


@dataclass
class Faults:
    fail_next: int = 0
    down: bool = False
    failed: int = 0  # requests answered 503 since the faults were last set
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def set(self, fail_next: int = 0, down: bool = False) -> None:
        with self.lock:
            self.fail_next, self.down, self.failed = fail_next, down, 0

    def take(self) -> bool:
        """Whether this request fails; counts it down."""
        with self.lock:
            if self.down:
                self.failed += 1
                return True
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed += 1
                return True
            return False

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {"fail_next": self.fail_next, "down": self.down, "failed": self.failed}


class FaultMiddleware:
    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and not str(scope["path"]).startswith(ADMIN_PREFIX)
            and self.faults.take()
        ):
            body = json.dumps(
                {
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "status": "503",
                    "detail": "the identity provider is unavailable (injected outage)",
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [
                        (b"content-type", b"application/scim+json"),
                        (b"retry-after", b"1"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
