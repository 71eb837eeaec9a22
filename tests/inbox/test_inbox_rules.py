"""Every refused action says why, changes nothing, and the identity is never the form's."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowHandle

from backoffice import database
from backoffice.engine.contracts import TASKS_QUERY, TaskView
from backoffice.inbox.auth import header_mode_secret
from backoffice.links import task_path
from backoffice.settings import SettingsError, load_settings
from backoffice.tasks.queries import task_detail
from tests.inbox.conftest import PASSWORD, PROXY_SECRET, Site
from tests.support.waits import opened_task


async def signed_in(site: Site, user: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=site.url, timeout=30)
    page = await client.get("/login")
    response = await client.post(
        "/login", data={"username": user, "password": PASSWORD, "csrf": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no form token"
    return found.group(1)


async def opened(
    site: Site, approvals: int = 1, entered_by: str = "bob"
) -> WorkflowHandle[Any, Any]:
    handle = await site.runner.start(
        site.define(approvals),
        {"case": uuid.uuid4().hex[:8], "amount": 500, "entered_by": entered_by},
    )
    engine = database.engine(site.settings)
    await opened_task(
        handle, decidable=True, until=lambda task: task_detail(engine, task.task_id) is not None
    )
    return handle


async def post(client: httpx.AsyncClient, task_id: str, action: str, **form: Any) -> str:
    """Post an action as the inbox page would; the message shown afterwards."""
    page = await client.get(task_path(task_id))
    response = await client.post(
        f"{task_path(task_id)}/{action}", data={"csrf": csrf_of(page.text), **form}
    )
    assert response.status_code == 303
    shown = await client.get(response.headers["location"])
    message = re.search(r'<p class="flash [a-z]+" role="status">([^<]*)</p>', shown.text)
    assert message, "no message after the action"
    return message.group(1).replace("&#39;", "'")


async def test_refusals_say_why_and_leave_the_task_open(site: Site) -> None:
    handle = await opened(site, entered_by="bob")
    task_id = f"{handle.id}/approve"
    alice, bob, dave = [await signed_in(site, who) for who in ("alice", "bob", "dave")]
    try:
        # bob entered the invoice: segregation of duties, whatever his group.
        assert (await bob.get(task_path(task_id))).status_code == 403
        assert await post(bob, task_id, "decide", outcome="approve") == (
            "Not done: bob may not decide this task (segregation of duties)"
        )
        # dave is no clerk: not an assignee. Naming alice in the form changes nothing.
        message = await post(dave, task_id, "decide", outcome="approve", user="alice")
        assert message == "Not done: dave is not among the people who may decide this task"
        # A form from another session (no token of this one) is refused.
        stolen = await alice.post(f"{task_path(task_id)}/decide", data={"outcome": "approve"})
        assert "out of date" in (await alice.get(stolen.headers["location"])).text
        # Delegating to someone of lower authority (bob: 1,000 against alice's 10,000).
        message = await post(alice, task_id, "delegate", to="bob")
        assert message.startswith("Not done: bob's approval limit (1,000.00) is below alice's")
        # Only the definition's reassigners (ap-managers) may reassign.
        message = await post(alice, task_id, "reassign", to="dave")
        assert message == "Not done: alice may not reassign this task; who may: dave"
        assert (await handle.query(TASKS_QUERY, result_type=list[TaskView]))[0].status == "open"

        assert await post(alice, task_id, "decide", outcome="approve", comment="ok") == (
            "Done: approve. The process moves on."
        )
        # The task is closed now: a second decision is refused, and so is any other.
        assert await post(alice, task_id, "decide", outcome="reject", comment="no") == (
            f"Not done: task {task_id} is decided"
        )
    finally:
        for client in (alice, bob, dave):
            await client.aclose()
    assert (await handle.result())["output"]["by"] == ["alice"]
    detail = task_detail(database.engine(site.settings), task_id)
    assert detail is not None
    # The refusals left no trace: the audit holds what happened, nothing else.
    assert [(e.event, e.actor) for e in detail.events] == [
        ("created", "system"),
        ("decided", "alice"),
    ]


async def test_four_eyes_needs_two_people_and_a_second_approval_by_the_same_is_refused(
    site: Site,
) -> None:
    handle = await opened(site, approvals=2, entered_by="carol")
    task_id = f"{handle.id}/approve"
    alice, bob = await signed_in(site, "alice"), await signed_in(site, "bob")
    try:
        # The same form sent twice (a double click, a resent request) counts once...
        for _ in range(2):
            assert await post(alice, task_id, "decide", outcome="approve", request="r1") == (
                "Recorded: approve. More approvals are needed."
            )
        # ...while a second decision of her own is refused.
        assert await post(alice, task_id, "decide", outcome="approve") == (
            "Not done: alice has already decided this task"
        )
        assert task_path(task_id) not in (await alice.get("/")).text  # off her list at once
        assert task_path(task_id) in (await bob.get("/")).text
        assert await post(bob, task_id, "decide", outcome="approve") == (
            "Done: approve. The process moves on."
        )
    finally:
        await alice.aclose()
        await bob.aclose()
    assert (await handle.result())["output"]["by"] == ["alice", "bob"]
    detail = task_detail(database.engine(site.settings), task_id)
    assert detail is not None
    assert [(e.event, e.actor, e.source) for e in detail.events] == [
        ("created", "system", "worker"),
        ("approved", "alice", "inbox"),
        ("decided", "alice,bob", "inbox"),
    ]


async def test_delegation_and_reassignment_move_the_task_and_are_audited(site: Site) -> None:
    handle = await opened(site, entered_by="bob")
    task_id = f"{handle.id}/approve"
    alice, dave, carol = [await signed_in(site, who) for who in ("alice", "dave", "carol")]
    try:
        assert await post(alice, task_id, "claim") == "Claimed: it is yours."
        # carol has a higher limit: alice may hand the task to her.
        assert await post(alice, task_id, "delegate", to="carol", comment="on leave") == (
            "Delegated to carol."
        )
        assert task_path(task_id) not in (await alice.get("/")).text
        assert task_path(task_id) in (await carol.get("/")).text
        # dave, an AP manager, gives it to frank instead.
        assert await post(dave, task_id, "reassign", to="frank") == "Reassigned to frank."
        assert task_path(task_id) not in (await carol.get("/")).text
        frank = await signed_in(site, "frank")
        assert await post(frank, task_id, "decide", outcome="approve") == (
            "Done: approve. The process moves on."
        )
        await frank.aclose()
    finally:
        for client in (alice, dave, carol):
            await client.aclose()
    assert (await handle.result())["output"]["by"] == ["frank"]
    detail = task_detail(database.engine(site.settings), task_id)
    assert detail is not None
    assert [(e.event, e.actor) for e in detail.events] == [
        ("created", "system"),
        ("claimed", "alice"),
        ("delegated", "alice"),
        ("reassigned", "dave"),
        ("decided", "frank"),
    ]
    assert detail.events[2].detail["to"] == "carol"
    assert detail.events[2].detail["comment"] == "on leave"


async def test_single_sign_on_believes_the_header_only_from_trusted_proxies(
    sso_site: Callable[..., Any],
) -> None:
    trusted: Site = await sso_site("127.0.0.1")
    proxy = {"X-Backoffice-Proxy-Secret": PROXY_SECRET}
    async with httpx.AsyncClient(base_url=trusted.url, timeout=30) as client:
        page = await client.get("/", headers={"X-Forwarded-User": "alice", **proxy})
        assert page.status_code == 200
        assert "Signed in as <strong>alice</strong>" in page.text
        missing = await client.get("/", headers=proxy)
        assert missing.status_code == 403
        assert "no X-Forwarded-User header" in missing.text
        stranger = await client.get("/", headers={"X-Forwarded-User": "mallory", **proxy})
        assert stranger.status_code == 403
        assert "mallory is not an active person of the directory" in stranger.text
        # Any local process can set the header; only the proxy knows the secret.
        forged = await client.get("/", headers={"X-Forwarded-User": "alice"})
        assert forged.status_code == 403
        assert "did not show the shared secret" in forged.text
        guessed = {"X-Forwarded-User": "alice", "X-Backoffice-Proxy-Secret": "guess"}
        assert (await client.get("/", headers=guessed)).status_code == 403

    elsewhere: Site = await sso_site("10.1.2.3")
    async with httpx.AsyncClient(base_url=elsewhere.url, timeout=30) as client:
        refused = await client.get("/", headers={"X-Forwarded-User": "alice", **proxy})
        assert refused.status_code == 403
        assert "requests from 127.0.0.1 are not accepted" in refused.text


def test_single_sign_on_without_a_proxy_or_its_secret_does_not_start(tmp_path: Path) -> None:
    base = {
        "BACKOFFICE_STATE_DIR": str(tmp_path),
        "BACKOFFICE_INBOX_AUTH": "header",
        "PATH": "/usr/bin:/bin",
    }
    with pytest.raises(SettingsError, match="needs BACKOFFICE_INBOX_TRUSTED_PROXIES"):
        header_mode_secret(load_settings(base))
    proxied = {**base, "BACKOFFICE_INBOX_TRUSTED_PROXIES": "10.0.0.5"}
    with pytest.raises(SettingsError, match="X-Backoffice-Proxy-Secret: no secret 'inbox-proxy'"):
        header_mode_secret(load_settings(proxied))
    short = {**proxied, "BACKOFFICE_SECRET_INBOX_PROXY_SECRET": "short"}
    with pytest.raises(SettingsError, match="shorter than 24 characters"):
        header_mode_secret(load_settings(short))
