"""notify, void and owner_of: what the validator says of them, and how the views show them."""

from __future__ import annotations

from jsonschema import Draft202012Validator

from backoffice.language import model
from backoffice.language.explain import mermaid, outline
from backoffice.language.schema import definition_schema
from backoffice.language.source import load
from backoffice.language.validate import validate_text
from tests.language.helpers import FILE, HEADER, problems, with_steps

SCHEMA = Draft202012Validator(definition_schema())
TEMPLATES = """\
mail_templates:
  posted:
    subject: "Invoice ${ input.invoice_id } posted"
    body: "Posted: ${ context.document }"
"""


def messages(text: str) -> list[str]:
    return [f"{problem.path}: {problem.message}" for problem in problems(text)]


def test_a_notify_step_with_a_template_and_an_owner_validates() -> None:
    text = TEMPLATES + with_steps(
        """\
        - id: tell
          notify:
            to:
              - {owner_of: {system: erp}, or_else: {group: ap-managers}}
              - owner_of: {record: supplier, id: "${ input.invoice_id }"}
            template: posted
            context: {document: "${ input.invoice_id }"}
        """
    )
    assert messages(text) == []


def test_a_template_name_nobody_wrote_is_named_with_the_ones_there_are() -> None:
    text = TEMPLATES + with_steps(
        """\
        - id: tell
          notify: {to: [{user: alice}], template: postd}
        """
    )
    assert messages(text) == [
        "steps[0].notify.template: there is no mail template 'postd'. Did you mean 'posted'? "
        "Write it under mail_templates at the top of the definition, as in mail_templates: "
        "{postd: {subject: ..., body: ...}}; templates here: posted"
    ]


def test_the_mail_text_may_read_its_context_and_the_run_but_no_unknown_name() -> None:
    text = with_steps(
        """\
        - id: tell
          notify:
            to: [{user: alice}]
            subject: "About ${ input.invoice_id }"
            body: "${ context.note } ${ vars.nothing } ${ steps.tell.sent_to }"
            context: {note: "${ inputs.amount }"}
        """
    )
    found = sorted(messages(text))
    assert len(found) == 3
    assert found[0].startswith("steps[0].notify.body: steps.tell is not known here")
    assert found[1].startswith("steps[0].notify.body: variable 'nothing' is not set")
    assert found[2].startswith("steps[0].notify.context.note: unknown name 'inputs'")


def test_a_notify_step_gives_body_or_template_and_a_body_needs_a_subject() -> None:
    both = with_steps(
        """\
        - id: tell
          notify: {to: [{user: alice}], subject: S, body: B, template: posted}
        """
    )
    assert any("body, or names a template: one of the two" in m for m in messages(both))
    no_subject = with_steps(
        """\
        - id: tell
          notify: {to: [{user: alice}], body: B}
        """
    )
    assert any("with a body needs a subject too" in m for m in messages(no_subject))
    unknown = with_steps(
        """\
        - id: tell
          notify: {to: [{user: alice}], subject: S, body: B, cc: [bob]}
        """
    )
    assert any("unknown key 'cc'" in m for m in messages(unknown))
    nobody = with_steps(
        """\
        - id: tell
          notify: {to: [], subject: S, body: B}
        """
    )
    assert any("steps[0].notify.to" in m for m in messages(nobody))


def test_owner_of_names_a_system_or_a_record_with_its_id() -> None:
    for written, said in (
        ("{owner_of: {record: supplier}}", "owner_of needs a system, or a record with its id"),
        ("{owner_of: {system: erp, record: supplier, id: X}}", "a system or a record, not both"),
        ("{owner_of: {systm: erp}}", "unknown key 'systm'"),
    ):
        text = with_steps(
            f"""\
            - id: tell
              notify: {{to: [{written}], subject: S, body: B}}
            """
        )
        assert any(said in m for m in messages(text)), (written, messages(text))


def test_a_task_is_undone_only_by_voiding_its_decision() -> None:
    body = """\
        - id: approve
          task:
            assignees: [{user: alice}]
            timeout: {after: 5bd, outcome: reject}
          compensate: {id: undo, UNDO}
        """
    repair = "defaults: {repair_by: [{group: ap-managers}]}\n"
    voided = HEADER.replace("steps:\n", repair + "steps:\n") + with_steps(
        body.replace("UNDO", "void: approve")
    ).removeprefix(HEADER)
    assert messages(voided) == []
    other = HEADER.replace("steps:\n", repair + "steps:\n") + with_steps(
        body.replace("UNDO", "set: {x: 1}")
    ).removeprefix(HEADER)
    assert messages(other) == [
        "steps[0].compensate: nothing to compensate: a task step changes nothing outside the "
        "process. Put compensate on the call, bot or process step that does; a task's "
        "decision is undone with compensate: {void: approve}"
    ]


def test_void_names_a_task_step() -> None:
    text = with_steps(
        """\
        - id: approve
          task:
            assignees: [{user: alice}]
            timeout: {after: 5bd, outcome: reject}
        - id: note
          set: {x: 1}
        - id: undo_note
          void: note
        - id: undo_typo
          void: {task: aprove, reason: "${ input.invoice_id } was withdrawn"}
        """
    )
    assert messages(text) == [
        "steps[2].void.task: 'note' is not a task step: void names the task step whose "
        "decision no longer stands. Task steps: approve",
        "steps[3].void.task: 'aprove' is no step of this process: void names the task step "
        "whose decision no longer stands. Did you mean 'approve'? Task steps: approve",
    ]


def test_the_outline_and_the_charts_say_whom_a_mail_goes_to_and_what_is_voided() -> None:
    text = (
        TEMPLATES
        + HEADER.replace("steps:\n", "defaults: {repair_by: [{group: ap-managers}]}\nsteps:\n")
        + """\
  - id: approve
    task:
      assignees: [{owner_of: {system: erp}}]
      timeout: {after: 5bd, outcome: reject}
    compensate: {id: void_approval, void: approve}
  - id: tell
    notify:
      to: [{owner_of: {record: supplier, id: "${ input.invoice_id }"}}]
      template: posted
      context: {document: x}
"""
    )
    checked = validate_text(text, FILE)
    assert [str(p) for p in checked.problems] == []
    definition = checked.definition
    assert isinstance(definition, model.Definition)
    lines = outline(definition)
    assert "1. approve: task for the owner of system erp;" in lines
    assert "void_approval: void the decision of approve" in lines
    assert "2. tell: mail the owner of supplier ${ input.invoice_id }: template posted" in lines
    chart = mermaid(definition)
    assert "the owner of system erp" in chart
    assert "Mail the owner of supplier" in chart
    assert "undone on failure: void approval" in chart
    assert "void the decision of approve" in mermaid(definition, "full")


def test_compensate_void_is_the_short_form_of_voiding_the_tasks_own_decision() -> None:
    text = HEADER.replace(
        "steps:\n", "defaults: {repair_by: [{group: ap-managers}]}\nsteps:\n"
    ) + with_steps(
        """\
        - id: approve
          task:
            assignees: [{user: alice}]
            timeout: {after: 5bd, outcome: reject}
          compensate: void
        """
    ).removeprefix(HEADER)
    checked = validate_text(text, FILE)
    assert [str(p) for p in checked.problems] == []
    assert checked.definition is not None
    (step,) = checked.definition.steps
    assert isinstance(step.compensate, model.VoidStep)
    assert step.compensate.id == "void_approve"
    assert step.compensate.void.task == "approve"
    data, _ = load(text)
    assert list(SCHEMA.iter_errors(data)) == []
    data["steps"][0]["compensate"] = "undo"
    assert list(SCHEMA.iter_errors(data)) != []


def test_compensate_void_on_another_kind_of_step_says_only_tasks_take_it() -> None:
    text = HEADER.replace(
        "steps:\n", "defaults: {repair_by: [{group: ap-managers}]}\nsteps:\n"
    ) + with_steps(
        """\
        - id: note
          set: {x: 1}
          compensate: void
        """
    ).removeprefix(HEADER)
    assert messages(text) == [
        "steps[0].compensate: compensate: void undoes a task's decision, so only a task step "
        "takes it: undo other steps with a call, bot or steps"
    ]


def test_a_mail_template_no_step_sends_is_a_warning() -> None:
    text = TEMPLATES + with_steps(
        """\
        - id: tell
          notify: {to: [{user: alice}], subject: S, body: B}
        """
    )
    checked = validate_text(text, FILE)
    assert checked.problems == []
    assert [f"{w.path}: {w.message}" for w in checked.warnings] == [
        "mail_templates.posted: no notify step sends the mail template 'posted': name it "
        "with template: posted, or remove it"
    ]
