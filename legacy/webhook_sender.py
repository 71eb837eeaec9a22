"""What a sandbox system that pushes signed webhooks shares: the subscription a subscriber
registers and the signature of each attempt, as docs/events.md describes them.

The sandbox ERP (goods receipts) and the sandbox screening vendor (check results) send
the same way, so the engine's event receiver checks both with one scheme.
"""

from __future__ import annotations

import hashlib
import hmac

from pydantic import BaseModel, Field


class Subscription(BaseModel):
    url: str = Field(pattern=r"^https?://", max_length=500)
    secret: str = Field(min_length=16, max_length=200, repr=False)
    max_attempts: int = Field(default=8, ge=1, le=50)
    first_retry_seconds: float = Field(default=1.0, gt=0, le=3600)
    max_retry_seconds: float = Field(default=300.0, gt=0, le=86400)
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    def shown(self) -> dict[str, object]:
        return self.model_dump(exclude={"secret"})


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
