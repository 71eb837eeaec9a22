"""The applications behind the provider: sign-ins, revocation, logins, mail hand-over."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.idp.applications import APPLICATIONS
from tests.support.sandboxes import Sandbox

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def _user(idp: Sandbox, user_name: str, active: bool) -> dict[str, Any]:
    answer = httpx.post(
        f"{idp.url}/scim/v2/Users",
        headers=idp.headers,
        json={"schemas": [USER], "userName": user_name, "active": active},
    )
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _sign_in(idp: Sandbox, user_name: str, application: str) -> httpx.Response:
    return httpx.post(
        f"{idp.url}/__admin/sign-in", json={"user_name": user_name, "application": application}
    )


def _set_active(idp: Sandbox, user_id: str, active: bool) -> None:
    operation = {"op": "replace", "path": "active", "value": active}
    patch = {"schemas": [PATCH], "Operations": [operation]}
    answer = httpx.patch(f"{idp.url}/scim/v2/Users/{user_id}", headers=idp.headers, json=patch)
    assert answer.status_code in (200, 204)


def _logins(idp: Sandbox, application: str, user: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{idp.url}/apps/{application}/users/{user}/logins", headers=idp.headers)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["logins"]
    return found


def test_the_provider_lists_its_applications(idp: Sandbox) -> None:
    answer = httpx.get(f"{idp.url}/apps", headers=idp.headers)
    assert answer.json() == {"applications": list(APPLICATIONS)}


def test_sign_in_is_refused_to_an_inactive_or_absent_user(idp: Sandbox) -> None:
    _user(idp, "new.hire", active=False)
    refused = _sign_in(idp, "new.hire", "mail")
    assert refused.status_code == 403
    assert "disabled" in refused.json()["detail"]
    absent = _sign_in(idp, "nobody", "mail")
    assert absent.status_code == 403
    assert "no user" in absent.json()["detail"]


def test_a_sign_in_issues_a_session_and_a_refresh_token(idp: Sandbox) -> None:
    user = _user(idp, "jordan.miller", active=True)
    assert _sign_in(idp, "jordan.miller", "vpn").status_code == 200
    logins = _logins(idp, "vpn", user["id"])
    assert sorted(login["kind"] for login in logins) == ["session", "token"]
    assert _logins(idp, "vpn", "jordan.miller") == logins, "a user name works as the id does"
    assert _logins(idp, "erp", user["id"]) == []


def test_deactivation_stops_new_sign_ins_but_not_those_already_made(idp: Sandbox) -> None:
    user = _user(idp, "jordan.miller", active=True)
    _sign_in(idp, "jordan.miller", "mail")
    _set_active(idp, user["id"], False)
    assert _sign_in(idp, "jordan.miller", "mail").status_code == 403
    assert len(_logins(idp, "mail", user["id"])) == 2, "issued sessions outlive the switch-off"


def test_revoking_ends_the_sessions_and_tokens_and_leaves_no_login(idp: Sandbox) -> None:
    user = _user(idp, "jordan.miller", active=True)
    for application in ("mail", "mail", "erp"):
        _sign_in(idp, "jordan.miller", application)
    _set_active(idp, user["id"], False)
    url = f"{idp.url}/apps/mail/users/{user['id']}/revokeSignInSessions"
    first = httpx.post(url, headers=idp.headers).json()
    assert (first["sessions_ended"], first["tokens_revoked"]) == (2, 2)
    again = httpx.post(url, headers=idp.headers).json()
    assert (again["sessions_ended"], again["tokens_revoked"]) == (0, 0)
    assert _logins(idp, "mail", user["id"]) == []
    assert len(_logins(idp, "erp", user["id"])) == 2, "each application revokes its own"


def test_a_mailbox_becomes_shared_once_and_files_move_to_the_successor(idp: Sandbox) -> None:
    leaver = _user(idp, "bob.keller", active=False)
    _user(idp, "carol.weber", active=True)
    httpx.post(
        f"{idp.url}/__admin/files", json={"user_name": "bob.keller", "names": ["a.xlsx", "b.docx"]}
    )
    convert = f"{idp.url}/apps/mail/users/{leaver['id']}/mailbox/convertToShared"
    body = {"delegate": "carol.weber", "auto_reply_days": 30, "delete_after_days": 90}
    first = httpx.post(convert, headers=idp.headers, json=body).json()
    assert first["shared"] is True
    assert first["delegate"] == "carol.weber"
    assert first["delete_on"] > first["auto_reply_until"]
    assert httpx.post(convert, headers=idp.headers, json=body).json() == first
    transfer = f"{idp.url}/apps/mail/users/{leaver['id']}/files/transferOwnership"
    for _ in range(2):
        moved = httpx.post(transfer, headers=idp.headers, json={"to": "carol.weber"}).json()
        assert moved["files_moved"] == 2
    files = httpx.get(f"{idp.url}/apps/mail/users/carol.weber/files", headers=idp.headers)
    assert [f["name"] for f in files.json()["files"]] == ["a.xlsx", "b.docx"]
