"""The Web UI's codec endpoint over real HTTP: decoded only for operators and auditors."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from tests.inbox.conftest import PASSWORD, Site
from tests.inbox.test_sign_in import attempt
from tests.support.payload_keys import CONVERTER

IBAN = "DE89370400440532013000"
UI = "http://localhost:8233"  # the Web UI's origin in these settings (temporal_ui_url)
HEADERS = {"Content-Type": "application/json", "X-Namespace": "default", "Origin": UI}


async def encrypted_body(value: Any) -> str:
    """What the Web UI posts: the history's payloads in protobuf JSON."""
    payloads = await CONVERTER.encode([value])
    return json_format.MessageToJson(Payloads(payloads=payloads))


def data_of(response: httpx.Response) -> list[bytes]:
    return [base64.b64decode(p["data"]) for p in response.json()["payloads"]]


@asynccontextmanager
async def signed_in(site: Site, name: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as client:
        assert (await attempt(client, name, PASSWORD)).status_code == 303
        yield client


async def test_an_operator_signed_in_to_the_inbox_gets_the_payloads_decoded(site: Site) -> None:
    body = await encrypted_body({"iban": IBAN})
    assert IBAN not in body
    async with signed_in(site, "olivia") as olivia:
        response = await olivia.post("/codec/decode", content=body, headers=HEADERS)
    assert response.status_code == 200, response.text
    (data,) = data_of(response)
    assert json.loads(data) == {"iban": IBAN}
    (payload,) = response.json()["payloads"]
    assert base64.b64decode(payload["metadata"]["encoding"]) == b"json/plain"
    # The Web UI (another origin) may read the answer, with the cookie that asked.
    assert response.headers["access-control-allow-origin"] == UI
    assert response.headers["access-control-allow-credentials"] == "true"


async def test_without_a_session_or_the_role_nothing_is_decoded(site: Site) -> None:
    body = await encrypted_body({"iban": IBAN})
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as anonymous:
        response = await anonymous.post("/codec/decode", content=body, headers=HEADERS)
    assert response.status_code == 401
    assert "sign in to the inbox" in response.json()["error"]
    assert IBAN not in response.text
    async with signed_in(site, "alice") as alice:
        response = await alice.post("/codec/decode", content=body, headers=HEADERS)
    assert response.status_code == 403
    assert "alice may not see decoded payloads" in response.json()["error"]
    assert IBAN not in response.text


async def test_encode_gives_what_decode_opens_and_the_history_would_hold(site: Site) -> None:
    plain = CONVERTER.payload_converter.to_payloads([{"iban": IBAN}])
    body = json_format.MessageToJson(Payloads(payloads=plain))
    async with signed_in(site, "olivia") as olivia:
        encoded = await olivia.post("/codec/encode", content=body, headers=HEADERS)
        assert encoded.status_code == 200
        assert IBAN.encode() not in b"".join(data_of(encoded))
        decoded = await olivia.post("/codec/decode", content=encoded.text, headers=HEADERS)
    assert json.loads(data_of(decoded)[0]) == {"iban": IBAN}
    given = json_format.Parse(encoded.text, Payloads())
    assert await CONVERTER.decode(list(given.payloads), [dict]) == [{"iban": IBAN}]


async def test_only_the_web_uis_origin_passes_the_preflight(site: Site) -> None:
    asked = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace",
    }
    async with httpx.AsyncClient(base_url=site.url, timeout=30) as browser:
        ui = await browser.options("/codec/decode", headers={**asked, "Origin": UI})
        other = await browser.options(
            "/codec/decode", headers={**asked, "Origin": "http://elsewhere.example"}
        )
    assert ui.status_code == 200
    assert ui.headers["access-control-allow-origin"] == UI
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


async def test_a_form_post_or_bad_json_is_refused(site: Site) -> None:
    async with signed_in(site, "olivia") as olivia:
        form = await olivia.post("/codec/decode", data={"payloads": "x"})
        bad = await olivia.post("/codec/decode", content="{not json", headers=HEADERS)
    assert form.status_code == 415
    assert bad.status_code == 400
    assert "protobuf JSON" in bad.json()["error"]
