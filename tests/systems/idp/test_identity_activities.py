"""The ``identity.*`` activities against the sandbox identity provider, through a worker.

Each test runs a small process calling one activity on the Temporal dev server, with the
provider served as a real process and the bearer token read from the secret store.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.workforce import identity
from backoffice import registry, runtime
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions, start_process
from backoffice.registry import Registry
from backoffice.settings import load_settings
from backoffice.worker import workflow_runner
from tests.support.processes import write_definition
from tests.support.sandboxes import Sandbox
from workflows.process import ProcessWorkflow

ACTIVITIES = [
    identity.create_user,
    identity.activate_user,
    identity.deactivate_user,
    identity.remove_user,
    identity.active_logins,
    identity.hand_over_mailbox,
]
Call = Callable[..., Awaitable[tuple[WorkflowHandle[Any, Any], dict[str, Any]]]]

NEW_HIRE = {
    "user_name": "jordan.miller",
    "external_id": "HR-EMP-ONB-2025-00041",
    "given_name": "Jordan",
    "family_name": "Miller",
    "email": "jordan.miller@acme.example",
    "groups": ["all-staff", "finance"],
    "title": "AP clerk",
    "department": "Finance",
}


@pytest_asyncio.fixture
async def call(dev_env: WorkflowEnvironment, tmp_path: Path, idp: Sandbox) -> AsyncIterator[Call]:
    """Run one identity activity in a process of its own; its handle and its result."""
    runtime.use(
        load_settings(
            {
                "BACKOFFICE_SECRET_IDP_SCIM_TOKEN": idp.token,
                "BACKOFFICE_SYSTEMS": json.dumps(
                    {"idp": {"url": idp.url, "credential": "idp-scim"}}
                ),
                "PATH": "/usr/bin",
            }
        )
    )
    found = Registry()
    for fn in ACTIVITIES:
        found.add_activity(fn)
    queue = f"idp-{uuid.uuid4().hex}"
    async with Worker(
        dev_env.client,
        task_queue=queue,
        workflows=[ProcessWorkflow],
        activities=ACTIVITIES,
        workflow_runner=workflow_runner(registry.discover()),
    ):

        async def run(
            activity: str, arguments: dict[str, Any], catch: str = "", retry: str = ""
        ) -> tuple[WorkflowHandle[Any, Any], dict[str, Any]]:
            name = f"idp-{uuid.uuid4().hex[:10]}"
            note = '{failed: "${ error.type }", why: "${ error.message }"}'
            caught = (
                f"\n    catch:\n      - errors: [{catch}]\n        steps:\n"
                f"          - {{id: note, set: {note}}}"
                if catch
                else ""
            )
            output = (
                "  failed: ${ vars.failed }\n  why: ${ vars.why }"
                if catch
                else "  result: ${ steps.call }"
            )
            body = f"""
name: {name}
version: 1
title: Identity test
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: call
    call: {activity}
    {retry}
    with: {json.dumps(arguments)}{caught}
output:
{output}
"""
            write_definition(tmp_path, body)
            handle = await start_process(
                dev_env.client,
                name,
                {"case": uuid.uuid4().hex},
                task_queue=queue,
                definitions=Definitions(tmp_path, build_catalog(found)),
            )
            result = await handle.result()
            return handle, result["output"]

        yield run
    runtime.use(load_settings({}))


async def _admin(idp: Sandbox, method: str, path: str, body: Any = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"{idp.url}/__admin", timeout=10) as client:
        return await client.request(method, path, json=body)


async def _sign_in(idp: Sandbox, user_name: str, application: str) -> httpx.Response:
    return await _admin(
        idp, "POST", "/sign-in", {"user_name": user_name, "application": application}
    )


async def test_a_new_hire_is_created_off_in_its_groups_once_then_switched_on(
    call: Call, idp: Sandbox
) -> None:
    handle, first = await call("identity.create_user", NEW_HIRE)
    created = first["result"]
    assert created["created"] is True
    assert created["active"] is False
    assert created["groups"] == ["all-staff", "finance"]
    assert (await _sign_in(idp, "jordan.miller", "mail")).status_code == 403, "off until day one"
    _, again = await call("identity.create_user", NEW_HIRE)
    assert again["result"] == {**created, "created": False}, "the external id finds it"
    _, activated = await call("identity.activate_user", {"user_name": "jordan.miller"})
    assert activated["result"]["active"] is True
    assert (await _sign_in(idp, "jordan.miller", "mail")).status_code == 200
    history = (await handle.fetch_history()).to_json()
    assert idp.token not in history


async def test_a_user_name_held_by_someone_else_is_refused_in_words(call: Call) -> None:
    await call("identity.create_user", NEW_HIRE)
    other = {**NEW_HIRE, "external_id": "HR-EMP-ONB-2025-00099"}
    _, result = await call("identity.create_user", other, catch="UserNameTaken")
    assert result["failed"] == "UserNameTaken"
    assert "'jordan.miller' is taken" in result["why"]
    assert "choose another" in result["why"]


async def test_an_unknown_group_is_refused_with_the_groups_there_are(call: Call) -> None:
    wrong = {**NEW_HIRE, "groups": ["finanse"]}
    _, result = await call("identity.create_user", wrong, catch="IdentityRefused")
    assert "no group 'finanse'" in result["why"]
    assert "finance" in result["why"]


async def test_activating_someone_absent_is_user_not_found(call: Call) -> None:
    _, result = await call("identity.activate_user", {"user_name": "nobody"}, catch="UserNotFound")
    assert "has no user 'nobody'" in result["why"]


async def test_deactivation_revokes_every_application_and_leaves_no_login(
    call: Call, idp: Sandbox
) -> None:
    await call("identity.create_user", NEW_HIRE)
    await call("identity.activate_user", {"user_name": "jordan.miller"})
    for application in ("mail", "vpn", "vpn"):
        assert (await _sign_in(idp, "jordan.miller", application)).status_code == 200
    _, before = await call("identity.active_logins", {"user_name": "jordan.miller"})
    assert before["result"]["clean"] is False
    assert len(before["result"]["logins"]) == 6
    _, done = await call("identity.deactivate_user", {"user_name": "jordan.miller"})
    revoked = {a["application"]: a for a in done["result"]["applications"]}
    assert sorted(revoked) == ["directory", "erp", "mail", "vpn"]
    assert (revoked["vpn"]["sessions_ended"], revoked["vpn"]["tokens_revoked"]) == (2, 2)
    assert (revoked["mail"]["sessions_ended"], revoked["mail"]["tokens_revoked"]) == (1, 1)
    assert done["result"]["active"] is False
    assert done["result"]["deactivated_at"].endswith("Z")
    assert (await _sign_in(idp, "jordan.miller", "vpn")).status_code == 403
    _, after = await call("identity.active_logins", {"user_name": "jordan.miller"})
    assert after["result"] == {
        "user_name": "jordan.miller",
        "active": False,
        "logins": [],
        "applications_checked": ["directory", "mail", "vpn", "erp"],
        "clean": True,
    }
    _, again = await call("identity.deactivate_user", {"user_name": "jordan.miller"})
    assert all(
        a["sessions_ended"] == a["tokens_revoked"] == 0 for a in again["result"]["applications"]
    )
    assert again["result"]["deactivated_at"] == done["result"]["deactivated_at"]


async def test_an_outage_is_retried_until_the_provider_answers(call: Call, idp: Sandbox) -> None:
    await _admin(idp, "PUT", "/faults", {"fail_next": 3})
    _, result = await call(
        "identity.create_user", NEW_HIRE, retry="retry: {attempts: 6, initial_interval: 1s}"
    )
    assert result["result"]["created"] is True
    state = (await _admin(idp, "GET", "/state")).json()
    assert state["faults"]["failed"] == 3
    assert [u["user_name"] for u in state["users"]] == ["jordan.miller"], "created once"


async def test_removing_a_never_started_hire_deletes_and_a_started_one_is_switched_off(
    call: Call, idp: Sandbox
) -> None:
    await call("identity.create_user", NEW_HIRE)
    _, removed = await call("identity.remove_user", {"user_name": "jordan.miller"})
    assert removed["result"] == {"user_name": "jordan.miller", "action": "deleted"}
    _, absent = await call("identity.remove_user", {"user_name": "jordan.miller"})
    assert absent["result"]["action"] == "absent"
    await call("identity.create_user", NEW_HIRE)
    await call("identity.activate_user", {"user_name": "jordan.miller"})
    await _sign_in(idp, "jordan.miller", "erp")
    _, switched_off = await call("identity.remove_user", {"user_name": "jordan.miller"})
    assert switched_off["result"]["action"] == "deactivated"
    _, logins = await call("identity.active_logins", {"user_name": "jordan.miller"})
    assert logins["result"]["clean"] is True


async def test_a_leavers_mailbox_is_shared_and_the_files_move_once(
    call: Call, idp: Sandbox
) -> None:
    await call("identity.create_user", NEW_HIRE)
    manager = {
        **NEW_HIRE,
        "user_name": "carol.weber",
        "external_id": "EMP-0193",
        "given_name": "Carol",
        "family_name": "Weber",
        "groups": [],
    }
    await call("identity.create_user", manager)
    await _admin(idp, "POST", "/files", {"user_name": "jordan.miller", "names": ["q3.xlsx"]})
    handover = {
        "user_name": "jordan.miller",
        "to_user_name": "carol.weber",
        "auto_reply_days": 30,
        "delete_after_days": 90,
    }
    _, first = await call("identity.hand_over_mailbox", handover)
    assert first["result"]["shared"] is True
    assert first["result"]["files_moved"] == 1
    assert first["result"]["delete_on"] > first["result"]["auto_reply_until"]
    _, again = await call("identity.hand_over_mailbox", handover)
    assert again["result"] == first["result"]
