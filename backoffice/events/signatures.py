"""Checking that a webhook comes from the system that holds the shared secret.

The sender signs each delivery attempt: ``Webhook-Signature: v1=<hex>``, the HMAC-SHA256
under the shared secret of ``<Webhook-Id>.<Webhook-Timestamp>.<body>``. Binding the id and
the time (Unix seconds) into the signature means a delivery copied off the wire cannot be
replayed later or under another id. The sandbox ERP signs this way (legacy/erp/webhooks.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

ID_HEADER = "Webhook-Id"
TIMESTAMP_HEADER = "Webhook-Timestamp"
SIGNATURE_HEADER = "Webhook-Signature"
VERSION = "v1"


def signature(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``Webhook-Signature`` value for one delivery attempt."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def refusal(
    secret: str, headers: Mapping[str, str], body: bytes, now: float, tolerance: float
) -> str | None:
    """Why a delivery is refused (for the log, never for the sender), or None if it is signed."""
    event_id = headers.get(ID_HEADER, "")
    stamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not (event_id and stamp and given):
        return f"unsigned: {ID_HEADER}, {TIMESTAMP_HEADER} and {SIGNATURE_HEADER} are required"
    if not stamp.isdigit():
        return f"{TIMESTAMP_HEADER} is not Unix seconds"
    if abs(now - int(stamp)) > tolerance:
        return f"{TIMESTAMP_HEADER} is more than {tolerance:.0f} s from now"
    expected = signature(secret, event_id, int(stamp), body)
    # A sender may list several signatures (while it rotates its secret): one must match.
    for candidate in given.split(","):
        if hmac.compare_digest(candidate.strip().encode(), expected.encode()):
            return None
    return "the signature does not match"
