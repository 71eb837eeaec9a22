"""The identity provider speaks SCIM 2.0 (RFC 7644) to a client with a bearer token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.support.sandboxes import Sandbox, start_sandbox

SCIM_JSON = {"Content-Type": "application/scim+json"}
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _client(idp: Sandbox) -> httpx.Client:
    return httpx.Client(base_url=f"{idp.url}/scim/v2", headers={**idp.headers, **SCIM_JSON})


def _patch(op: str, path: str, value: Any) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": [{"op": op, "path": path, "value": value}]}


def _new_user(scim: httpx.Client, user_name: str = "jordan.miller") -> Any:
    body = {
        "schemas": [USER],
        "userName": user_name,
        "externalId": f"HR-{user_name}",
        "active": False,
        "name": {"givenName": "Jordan", "familyName": "Miller"},
    }
    answer = scim.post("/Users", json=body)
    assert answer.status_code == 201, answer.text
    return answer


def test_a_request_without_the_token_is_refused_with_401(idp: Sandbox) -> None:
    for headers in ({}, {"Authorization": "Bearer not-the-token"}):
        answer = httpx.get(f"{idp.url}/scim/v2/Users", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert httpx.get(f"{idp.url}/apps").status_code == 401


def test_a_created_user_is_found_by_user_name_and_by_external_id(idp: Sandbox) -> None:
    with _client(idp) as scim:
        created = _new_user(scim).json()
        assert created["active"] is False
        assert created["meta"]["version"].startswith('W/"')
        for query in ('userName eq "jordan.miller"', 'externalId eq "HR-jordan.miller"'):
            found = scim.get("/Users", params={"filter": query}).json()
            assert found["totalResults"] == 1
            assert found["Resources"][0]["id"] == created["id"]
        none = scim.get("/Users", params={"filter": 'userName eq "nobody"'}).json()
        assert none["totalResults"] == 0


def test_a_second_user_with_the_same_user_name_is_refused_with_409(idp: Sandbox) -> None:
    with _client(idp) as scim:
        _new_user(scim)
        again = scim.post("/Users", json={"schemas": [USER], "userName": "jordan.miller"})
        assert again.status_code == 409
        assert again.json()["scimType"] == "uniqueness"


def test_patch_switches_a_user_on_and_off(idp: Sandbox) -> None:
    with _client(idp) as scim:
        user = _new_user(scim).json()
        for active in (True, False):
            patch = _patch("replace", "active", active)
            answer = scim.patch(f"/Users/{user['id']}", json=patch)
            assert answer.status_code in (200, 204), answer.text
            assert scim.get(f"/Users/{user['id']}").json()["active"] is active


def test_a_stale_etag_is_refused_with_412_and_the_current_one_accepted(idp: Sandbox) -> None:
    with _client(idp) as scim:
        user = _new_user(scim)
        old = user.headers["ETag"]
        patch = _patch("replace", "title", "AP clerk")
        first = scim.patch(f"/Users/{user.json()['id']}", json=patch, headers={"If-Match": old})
        assert first.status_code in (200, 204), first.text
        stale = scim.patch(f"/Users/{user.json()['id']}", json=patch, headers={"If-Match": old})
        assert stale.status_code == 412
        current = scim.get(f"/Users/{user.json()['id']}").headers["ETag"]
        assert current != old
        fresh = scim.patch(f"/Users/{user.json()['id']}", json=patch, headers={"If-Match": current})
        assert fresh.status_code in (200, 204)


def test_group_members_are_added_by_patch(idp: Sandbox) -> None:
    with _client(idp) as scim:
        user = _new_user(scim).json()
        (group,) = scim.get("/Groups", params={"filter": 'displayName eq "finance"'}).json()[
            "Resources"
        ]
        patch = _patch("add", "members", [{"value": user["id"]}])
        assert scim.patch(f"/Groups/{group['id']}", json=patch).status_code in (200, 204)
        member_of = scim.get(
            "/Groups", params={"filter": f'members.value eq "{user["id"]}"'}
        ).json()
        assert [g["displayName"] for g in member_of["Resources"]] == ["finance"]


def test_a_deleted_user_is_gone(idp: Sandbox) -> None:
    with _client(idp) as scim:
        user = _new_user(scim).json()
        assert scim.delete(f"/Users/{user['id']}").status_code == 204
        assert scim.get(f"/Users/{user['id']}").status_code == 404
        assert scim.delete(f"/Users/{user['id']}").status_code == 404


def test_users_survive_a_restart(tmp_path: Path) -> None:
    with start_sandbox("idp", tmp_path) as first, _client(first) as scim:
        user = _new_user(scim)
        token, port = first.token, int(first.url.rsplit(":", 1)[1])
    with start_sandbox("idp", tmp_path, token=token, port=port) as again, _client(again) as scim:
        found = scim.get(f"/Users/{user.json()['id']}")
        assert found.status_code == 200
        assert found.json()["userName"] == "jordan.miller"
        # Versions keep rising: the ETag held before the restart is stale after a change.
        patch = _patch("replace", "title", "Clerk")
        scim.patch(f"/Users/{user.json()['id']}", json=patch)
        assert scim.get(f"/Users/{user.json()['id']}").headers["ETag"] != user.headers["ETag"]


def test_an_injected_outage_answers_503_then_ends(idp: Sandbox) -> None:
    with _client(idp) as scim:
        httpx.put(f"{idp.url}/__admin/faults", json={"fail_next": 2})
        assert [scim.get("/Users").status_code for _ in range(3)] == [503, 503, 200]
        httpx.put(f"{idp.url}/__admin/faults", json={"down": True})
        assert scim.get("/Users").status_code == 503
        assert httpx.get(f"{idp.url}/__admin/state").status_code == 200, "admin never fails"
        httpx.delete(f"{idp.url}/__admin/faults")
        assert scim.get("/Users").status_code == 200


def test_reset_forgets_the_users_and_keeps_the_seed_groups(idp: Sandbox) -> None:
    with _client(idp) as scim:
        _new_user(scim)
        assert httpx.post(f"{idp.url}/__admin/reset").status_code == 200
        state = httpx.get(f"{idp.url}/__admin/state").json()
        assert state["users"] == []
        assert "finance" in [g["display_name"] for g in state["groups"]]
