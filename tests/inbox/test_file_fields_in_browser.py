"""A file field in the inbox: the decider uploads a screenshot in Chromium, a file too big
is refused with the field's name, and the decided task's page links the file."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from playwright.async_api import expect

from backoffice.links import task_path
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.support.browser import chromium
from tests.support.waits import opened_task

EVIDENCE = """
name: inbox-evidence
version: 1
title: Evidence of a disabled account
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: confirm
    title: Confirm the account of ${ input.case } is disabled
    task:
      assignees: [{user: alice}]
      form:
        fields: [{id: evidence, label: Screenshot, type: file, required: true}]
        outcomes: [done]
      timeout: {after: 2bd, outcome: done}
output:
  evidence: ${ steps.confirm.fields.evidence }
"""


async def test_the_decider_uploads_a_file_too_big_is_refused_and_the_page_links_it(
    site: Site, tmp_path: Path
) -> None:
    handle = await site.runner.start(site.runner.define(EVIDENCE), {"case": uuid.uuid4().hex[:8]})
    task = await opened_task(handle, decidable=True)
    shot = tmp_path / "disabled.png"
    shot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 2000)
    huge = tmp_path / "huge.png"
    huge.write_bytes(b"x" * (site.settings.upload_max_bytes + 1))
    async with chromium() as browser:
        page = await browser.new_page()
        await sign_in(page, site, "alice")
        await page.goto(site.url + task_path(task.task_id))
        await page.get_by_label("Screenshot").set_input_files(str(huge))
        await page.get_by_role("button", name="Done").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "Screenshot: the file is larger than 10 MiB"
        )
        await page.get_by_label("Screenshot").set_input_files(str(shot))
        await page.get_by_role("button", name="Done").click()
        await expect(page.get_by_role("status")).to_contain_text("Done: done")
        evidence = (await handle.result())["output"]["evidence"]
        assert evidence["sha256"] == hashlib.sha256(shot.read_bytes()).hexdigest()
        await page.goto(site.url + task_path(task.task_id))
        async with page.expect_download() as download_info:
            await page.get_by_role("link", name="disabled.png").click()
        download = await download_info.value
        assert Path(await download.path()).read_bytes() == shot.read_bytes()

        # Someone who could not see the task cannot fetch its file either.
        other = await browser.new_page()
        await sign_in(other, site, "erin")
        answer = await other.goto(
            site.url + task_path(task.task_id) + "/file/" + evidence["file_id"]
        )
        assert answer is not None
        assert answer.status == 403
