"""The codec endpoint the Temporal Web UI calls to show encrypted payloads to those allowed.

``POST /codec/decode`` and ``/codec/encode`` take and give ``{"payloads": [...]}`` in
protobuf JSON (base64 metadata and data), as the Web UI's remote codec setting expects.
Only a person signed in to the inbox whose directory roles include one of
``codec_roles`` (operator, auditor) is answered: no session is 401, a session without the
role is 403, and nothing is decoded for either. The Web UI is another origin, so it must
send the inbox's cookie (its codec setting "include cross-origin credentials"), and only
its origin (``temporal_ui_url``) is let through CORS. Who decoded how many payloads of
which namespace is logged; the payloads never are.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from google.protobuf import json_format
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.api.common.v1 import Payload, Payloads

from backoffice.inbox.auth import SignInRefused
from backoffice.inbox.core import Inbox
from backoffice.logs import get_logger
from backoffice.payload_codec import EncryptionCodec, PayloadNotDecrypted
from backoffice.people.store import RoleRow

log = get_logger("backoffice.inbox.codec")
MAX_BODY_BYTES = 8 * 1024 * 1024  # a few payloads of the 2 MiB Temporal allows each


def codec_app(inbox: Inbox, codec: EncryptionCodec) -> Starlette:
    """The endpoints, mounted at ``/codec`` of the inbox, with CORS for the Web UI only."""
    app = Starlette(
        routes=[
            Route("/decode", _endpoint(inbox, codec, "decode"), methods=["POST"]),
            Route("/encode", _endpoint(inbox, codec, "encode"), methods=["POST"]),
        ],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=[origin(inbox.settings.temporal_ui_url)],
                allow_credentials=True,  # the inbox's session cookie says who asks
                allow_methods=["POST"],
                allow_headers=["Content-Type", "X-Namespace"],
            )
        ],
    )
    return app


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _endpoint(
    inbox: Inbox, codec: EncryptionCodec, direction: str
) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request) -> Response:
        reader = allowed_reader(inbox, request)
        if isinstance(reader, Response):
            return reader
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            # Also keeps plain cross-site form posts out: JSON needs the CORS preflight.
            return _refused(415, "send the payloads as application/json")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _refused(413, f"at most {MAX_BODY_BYTES} bytes of payloads at once")
        try:
            given = json_format.Parse(body, Payloads(), ignore_unknown_fields=True)
        except json_format.ParseError as error:
            return _refused(400, f'send {{"payloads": [...]}} in protobuf JSON: {error}')
        coded = [
            codec.seal(p) if direction == "encode" else _opened(codec, p) for p in given.payloads
        ]
        log.info(
            f"payloads {direction}d for the Web UI",
            person=reader,
            namespace=request.headers.get("x-namespace", ""),
            payloads=len(coded),
        )
        return Response(
            json_format.MessageToJson(Payloads(payloads=coded)), media_type="application/json"
        )

    return answer


def _opened(codec: EncryptionCodec, payload: Payload) -> Payload:
    # One payload the keys cannot open is shown still encrypted; the others are decoded.
    try:
        return codec.open(payload)
    except PayloadNotDecrypted as problem:
        log.warning("payload not decoded for the Web UI", reason=str(problem))
        return payload


def allowed_reader(inbox: Inbox, request: Request) -> str | Response:
    """The signed-in person allowed to see payloads, or the refusal (401 or 403)."""
    try:
        person = inbox.user(request)
    except SignInRefused as refused:
        return _refused(403, f"not signed in: {refused}")
    if person is None:
        return _refused(
            401, f"sign in to the inbox ({inbox.settings.inbox_url}) to see decoded payloads"
        )
    with Session(inbox.engine) as session:
        roles = set(session.exec(select(RoleRow.role).where(RoleRow.person_id == person)))
    if not roles & set(inbox.settings.codec_roles):
        return _refused(
            403,
            f"{person} may not see decoded payloads: that takes the directory role "
            + " or ".join(inbox.settings.codec_roles),
        )
    return person


def _refused(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)
