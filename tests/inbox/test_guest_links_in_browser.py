"""A guest decides through the link in their mail: Chromium follows it, uploads the signed
form and answers; the same link then shows it done and takes nothing more. Nobody signed in
decides a guest's task; a fresh link voids the one before; altered and expired links are
refused in plain words."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from temporalio.client import WorkflowHandle

from backoffice import database, runtime
from backoffice.engine.contracts import Decision
from backoffice.links import task_path
from backoffice.mail import MailSink, read_mailbox
from backoffice.tasks import actions
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.support.browser import chromium
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.waits import opened_task

CONSENT = """
name: guest-consent
version: 1
title: Background check consent
owner: tests
business_key: input.case
input:
  case: string
  candidate: {type: object, fields: {email: string, name: string}}
steps:
  - id: consent
    title: Consent to a background check <b>${ input.case }</b>
    task:
      description: Read the disclosure, then upload the signed consent form.
      assignees:
        - guest: {email: "${ input.candidate.email }", name: "${ input.candidate.name }"EXPIRES}
      reassigners: [{group: ap-managers}]
      context:
        position: Accounts payable <i>clerk</i>
      form:
        fields:
          - {id: signed_form, label: Signed consent, type: file}
          - {id: comment, label: Comment}
        outcomes: [{id: sign, requires: [signed_form]}, decline]
      timeout: {after: 5d, outcome: decline}
  - id: file
    title: File the consent
    call: test.note
    with: {note: "${ steps.consent.outcome }"}
output:
  outcome: ${ steps.consent.outcome }
  by: ${ steps.consent.decided_by }
  fields: ${ steps.consent.fields }
"""

EMAIL = "jane.roe@example.org"


@contextmanager
def mail_sink(site: Site) -> Iterator[MailSink]:
    sink = MailSink(site.settings.state_dir / "mail", free_port())
    runtime.use(runtime.settings().model_copy(update={"smtp_url": sink.url, "inbox_url": site.url}))
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def guest_links(sink: MailSink) -> list[str]:
    """The guest links mailed to the candidate, oldest first."""
    found = []
    for message in read_mailbox(sink.directory, EMAIL):
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        found += re.findall(r"https?://\S+/guest/\S+", str(body.get_content()))
    return found


async def mailed_link(sink: MailSink, count: int = 1) -> str:
    async def link() -> str | None:
        links = guest_links(sink)
        return links[-1] if len(links) >= count else None

    return await eventually(link, f"{count} guest link(s) in the candidate's mail")


async def start(site: Site, expires: str = "") -> tuple[WorkflowHandle[Any, Any], str]:
    name = site.runner.define(CONSENT.replace("EXPIRES", expires))
    case = uuid.uuid4().hex[:8]
    candidate = {"email": EMAIL, "name": "Jane <Roe>"}
    return await site.runner.start(name, {"case": case, "candidate": candidate}), case


async def test_the_guest_follows_the_mailed_link_uploads_the_form_and_the_run_goes_on(
    site: Site, tmp_path: Path
) -> None:
    scan = tmp_path / "consent.pdf"
    scan.write_bytes(b"%PDF-1.4 signed consent\n" * 100)
    with mail_sink(site) as sink:
        handle, case = await start(site)
        link = await mailed_link(sink)
        assert link.startswith(site.url + "/guest/")
        async with chromium() as browser:
            page = await browser.new_page()
            await page.goto(link)
            await expect(page.get_by_role("heading", level=1)).to_have_text(
                f"Consent to a background check <b>{case}</b>"
            )
            await expect(page.get_by_text("Accounts payable <i>clerk</i>")).to_be_visible()
            await expect(page.get_by_role("link", name="My tasks")).to_have_count(0)
            # Required before signing: the process refuses the answer without the file.
            await page.get_by_role("button", name="Sign", exact=True).click()
            await expect(page.get_by_test_id("guest-error")).to_contain_text(
                "'sign' needs: signed_form"
            )
            await page.get_by_label("Signed consent").set_input_files(str(scan))
            await page.get_by_role("button", name="Sign", exact=True).click()
            await expect(page.get_by_test_id("guest-done")).to_contain_text(
                "Done: your answer (sign) was received"
            )
            result = await handle.result()

            # The same link again: done, and no form to answer with.
            await page.goto(link)
            await expect(page.get_by_test_id("guest-done")).to_contain_text("takes no other")
            await expect(page.get_by_role("button", name="Sign", exact=True)).to_have_count(0)
            again = await page.request.post(link, form={"outcome": "decline"})
            assert again.status == 409
            assert "takes no other answer" in await again.text()

            # Those who could see the task download the file from its page.
            reviewer = await browser.new_page()
            await sign_in(reviewer, site, "dave")
            await reviewer.goto(site.url + task_path(f"{handle.id}/consent"))
            async with reviewer.expect_download() as download_info:
                await reviewer.get_by_role("link", name="consent.pdf").click()
            download = await download_info.value
            assert Path(await download.path()).read_bytes() == scan.read_bytes()

    output = result["output"]
    assert output["outcome"] == "sign"
    (guest,) = output["by"]
    assert guest.startswith("guest:")
    assert EMAIL not in guest
    signed = output["fields"]["signed_form"]
    assert signed["name"] == "consent.pdf"
    assert signed["size"] == len(scan.read_bytes())
    assert signed["sha256"] == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert signed["content_type"] == "application/pdf"
    described = await handle.describe()
    assert EMAIL not in str(described.typed_search_attributes)


async def test_nobody_signed_in_decides_a_guest_task_and_a_fresh_link_voids_the_old(
    site: Site,
) -> None:
    with mail_sink(site) as sink:
        handle, _ = await start(site)
        first = await mailed_link(sink)
        view = await opened_task(handle, decidable=True)
        assert list(view.deciders or {}) == [view.assignees[0]]
        for person, via in (("dave", "inbox"), ("alice", "cli")):
            attempt = Decision(task_id=view.task_id, user=person, outcome="decline", via=via)
            with pytest.raises(actions.TaskRefused, match="decided by its guest"):
                await actions.decide(site.runner.client, database.engine(site.settings), attempt)
        # The guest's id without the link is no way in either.
        forged = Decision(task_id=view.task_id, user=view.assignees[0], outcome="decline")
        with pytest.raises(actions.TaskRefused, match="only through the link"):
            await actions.decide(site.runner.client, database.engine(site.settings), forged)

        async with chromium() as browser:
            page = await browser.new_page()
            await sign_in(page, site, "dave")  # a reassigner: he may send a fresh link
            await page.goto(site.url + task_path(view.task_id))
            await expect(page.get_by_test_id("guest-note")).to_be_visible()
            await expect(page.get_by_role("button", name="Sign", exact=True)).to_have_count(0)
            await page.get_by_role("button", name="Send the guest a fresh link").click()
            await expect(page.get_by_role("status")).to_contain_text("A fresh link was mailed")
            fresh = await mailed_link(sink, 2)
            assert fresh != first

            guest = await browser.new_page()
            response = await guest.goto(first)
            assert response is not None
            assert response.status == 410
            await expect(guest.get_by_test_id("guest-refused")).to_contain_text(
                "A newer link was sent for this task"
            )
            await guest.goto(fresh)
            await guest.get_by_role("button", name="Decline").click()
            await expect(guest.get_by_test_id("guest-done")).to_contain_text("(decline)")
    assert (await handle.result())["output"]["outcome"] == "decline"


async def test_an_altered_or_expired_link_is_refused_in_plain_words(site: Site) -> None:
    with mail_sink(site) as sink:
        handle, _ = await start(site, ", link_expires: 3s")
        link = await mailed_link(sink)
        async with chromium() as browser:
            page = await browser.new_page()
            body, _, signature = link.rpartition(".")
            tampered = body[:-2] + ("AA" if not body.endswith("AA") else "BB") + "." + signature
            response = await page.goto(tampered)
            assert response is not None
            assert response.status == 403
            await expect(page.get_by_test_id("guest-refused")).to_contain_text(
                "it was changed or cut short"
            )

            async def expired() -> bool:
                answer = await page.goto(link)
                return answer is not None and answer.status == 410

            await eventually(expired, "the three-second link to expire")
            await expect(page.get_by_test_id("guest-refused")).to_contain_text(
                "This link expired on"
            )
    view = await opened_task(handle)
    assert view.status == "open"  # the task itself still waits for its timeout
    await handle.terminate("test over")
