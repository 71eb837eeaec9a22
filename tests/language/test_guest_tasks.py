"""Guest assignees and file fields: what `backoffice validate` says about them."""

from __future__ import annotations

from tests.language.helpers import problems

TEXT = """\
name: demo
version: 1
title: Demo
owner: hr
business_key: input.onboarding_id
input:
  onboarding_id: string
  candidate: {type: object, fields: {email: string, name: string}}
steps:
  - id: consent
    task:
      assignees: ASSIGNEES
      APPROVALS
      form:
        fields:
          - {id: signed_form, type: file, label: Signed consent}
        outcomes: [{id: sign, requires: [signed_form]}, decline]
      timeout: {after: 5d, outcome: decline}
      ESCALATIONS
      reassigners: [{group: hr-admins}]
"""

GUEST = '[{guest: {email: "${ input.candidate.email }", name: "${ input.candidate.name }"}}]'


def text(assignees: str = GUEST, approvals: str = "", escalations: str = "") -> str:
    return (
        TEXT.replace("ASSIGNEES", assignees)
        .replace("APPROVALS", approvals)
        .replace("ESCALATIONS", escalations)
    )


def messages(source: str) -> list[str]:
    return [p.message for p in problems(source)]


def test_a_guest_task_with_a_required_file_is_valid() -> None:
    assert messages(text()) == []


def test_a_guest_link_may_expire_before_the_timeout() -> None:
    guest = '[{guest: {email: "${ input.candidate.email }", name: x, link_expires: 2d}}]'
    assert messages(text(guest)) == []


def test_a_guest_task_has_no_other_assignees() -> None:
    both = GUEST[:-1] + ", {group: hr-admins}]"
    found = messages(text(both))
    assert any("the guest as its only assignee" in m for m in found), found


def test_a_guest_task_takes_no_second_approval() -> None:
    found = messages(text(approvals="approvals: 2"))
    assert any("decided by its one guest: leave approvals out" in m for m in found), found


def test_an_escalation_cannot_hand_a_guest_task_to_others() -> None:
    found = messages(text(escalations="escalations: [{after: 2d, add: [{group: hr-admins}]}]"))
    assert any("use notify: to tell people" in m for m in found), found


def test_an_escalation_may_notify_people_about_a_guest_task() -> None:
    assert messages(text(escalations="escalations: [{after: 2d, notify: [{user: hanna}]}]")) == []


def test_a_guest_is_no_reassigner() -> None:
    source = text().replace("reassigners: [{group: hr-admins}]", "reassigners: " + GUEST)
    found = messages(source)
    assert any("guest: goes only under a task's assignees" in m for m in found), found


def test_a_guest_has_no_or_else() -> None:
    guest = "[{guest: {email: a@b.example, name: A}, or_else: {group: hr-admins}}]"
    found = messages(text(guest))
    assert any("there is no or_else for them" in m for m in found), found


def test_a_file_cannot_be_a_column_of_a_list() -> None:
    source = text().replace(
        "- {id: signed_form, type: file, label: Signed consent}",
        "- {id: signed_form, type: file}\n"
        "          - {id: rows, type: list, fields: [{id: scan, type: file}]}",
    )
    found = messages(source)
    assert any("cannot be a file" in m for m in found), found
