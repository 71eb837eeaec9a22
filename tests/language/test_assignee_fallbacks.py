"""``or_else`` (who instead when a rule names nobody) and ``manager_of`` a rule: the messages
a process owner gets, the outline, and the schema editors use."""

from __future__ import annotations

import textwrap

from jsonschema import Draft202012Validator

from backoffice.language import model
from backoffice.language.explain import summary
from backoffice.language.schema import definition_schema
from backoffice.language.source import load
from tests.language.helpers import at, problems, with_steps

ESCALATION = """\
- id: appr
  task:
    assignees: [{role: cfo}]
    escalations:
      - after: 3bd
        add: [ASSIGNEE]
    timeout: {after: 5bd, outcome: expired}
"""


def escalating_to(assignee: str) -> str:
    return with_steps(ESCALATION.replace("ASSIGNEE", assignee))


def test_the_manager_of_a_rule_or_else_a_group_is_valid() -> None:
    text = escalating_to("{manager_of: {role: cfo}, or_else: {group: ap-managers}}")
    assert problems(text) == []


def test_or_else_inside_the_rule_of_manager_of_says_where_it_goes() -> None:
    text = escalating_to("{manager_of: {role: cfo, or_else: {group: ap-managers}}}")
    # '          add: [' is 16 characters: the entry starts at column 17 of line 15.
    assert problems(text) == [
        at(
            15,
            17,
            "steps[0].task.escalations[0].add[0]",
            "or_else goes on the manager_of entry, not inside the rule whose managers it "
            "means: {manager_of: {role: cfo}, or_else: {role: deputy_cfo}}",
        )
    ]


def test_a_misspelt_key_inside_manager_of_is_found_where_it_is() -> None:
    text = escalating_to("{manager_of: {rol: cfo}, or_else: {group: ap-managers}}")
    assert problems(text) == [
        at(
            15,
            31,
            "steps[0].task.escalations[0].add[0].manager_of.rol",
            "unknown key 'rol'. Did you mean 'role'?",
        )
    ]


def test_or_else_without_a_rule_asks_for_the_rule() -> None:
    text = escalating_to("{or_else: {user: bob}}")
    assert problems(text) == [
        at(
            15,
            17,
            "steps[0].task.escalations[0].add[0]",
            "or_else says who decides when a rule names nobody: give the rule too, as in "
            "{manager_of: bob, or_else: {group: ap-managers}}",
        )
    ]


def test_expressions_in_or_else_are_checked_like_any_other() -> None:
    text = escalating_to('{role: cfo, or_else: {manager_of: {user: "${ inptu.x }"}}}')
    [problem] = problems(text)
    assert problem.path == "steps[0].task.escalations[0].add[0].or_else.manager_of.user"
    assert problem.message.startswith("unknown name 'inptu' in `inptu.x`. Did you mean 'input'?")


def test_the_outline_says_the_manager_or_else_whom() -> None:
    definition = model.Definition.model_validate(
        load(escalating_to("{manager_of: {role: cfo}, or_else: {role: deputy_cfo}}"))[0]
    )
    [step] = definition.steps
    assert "after 3bd escalate (add the manager of role cfo, or else role deputy_cfo)" in (
        summary(step)
    )


def test_the_schema_takes_both_forms_of_manager_of_and_or_else() -> None:
    schema = Draft202012Validator(definition_schema())
    body = textwrap.dedent(
        """\
        name: fallbacks
        version: 1
        title: Fallbacks
        owner: ap
        business_key: input.id
        input: {id: string}
        steps:
          - id: appr
            task:
              assignees: [{manager_of: bob, or_else: {role: cfo}}]
              escalations:
                - after: 3bd
                  add: [{manager_of: {role: cfo}, or_else: {group: ap-managers}}]
              timeout: {after: 5bd, outcome: expired}
        """
    )
    assert list(schema.iter_errors(load(body)[0])) == []
    wrong = body.replace("or_else: {role: cfo}", "or_else: [{role: cfo}]")
    assert list(schema.iter_errors(load(wrong)[0]))
