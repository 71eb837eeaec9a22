"""One test per class of validation error: the exact message, line and column.

Lines and columns are 1-based and counted by hand from the snippets. Snippets built with
``with_steps`` start after a nine-line header, so their first line is line 10.
"""

from __future__ import annotations

import pytest

from backoffice.language.validate import validate_text
from tests.language.helpers import FILE, at, make_catalog, problems, with_steps

DURATION_HELP = "write a duration such as 30s, 5m, 2h, 1h30m, 3d, 2w, or 3bd for business days"


def test_the_header_alone_with_one_step_is_valid() -> None:
    # The baseline every other snippet breaks in exactly one way.
    text = with_steps("  - {id: pause, wait: 1h}\n")
    checked = validate_text(text, FILE)
    assert checked.ok
    assert checked.problems == []
    assert checked.definition is not None
    assert checked.definition.name == "demo"


# --- YAML ------------------------------------------------------------------------------


def test_yaml_syntax_error_with_quoting_advice() -> None:
    text = "name: demo\nversion: 1\ntitle: Is a ? b : c\n"
    # 'title: Is a ? b : c': the second ': ' is at index 16, column 17.
    assert problems(text) == [
        at(
            3,
            17,
            "",
            "YAML syntax: mapping values are not allowed here; a value that contains ': ' "
            "(as in a ? b : c) must be quoted: wrap the whole value in single quotes",
        )
    ]
    assert str(problems(text)[0]).startswith("demo.yaml:3:17: YAML syntax: mapping values")


def test_yaml_syntax_error_without_advice() -> None:
    text = "name: demo\nsteps: [a, b\n"
    # The flow sequence is never closed: the error is at the end of the stream (line 3).
    assert problems(text) == [
        at(3, 1, "", "YAML syntax: expected ',' or ']', but got '<stream end>'"),
    ]


def test_tab_indentation() -> None:
    text = "name: demo\n\tversion: 1\n"
    assert problems(text) == [
        at(
            2,
            1,
            "",
            "YAML syntax: found character '\\t' that cannot start any token; "
            "indent with spaces, not tabs",
        )
    ]


def test_duplicate_key() -> None:
    text = "name: demo\nversion: 1\ntitle: Demo\ntitle: Again\n"
    assert problems(text) == [
        at(4, 1, "", "'title' is written twice in this mapping (first at line 3): keep one"),
    ]


def test_duplicate_key_in_a_nested_mapping() -> None:
    text = with_steps(
        """\
        - id: a
          wait: 1h
          id: b
        """
    )
    # '    id: b' on line 12: the key starts at column 5.
    assert problems(text) == [
        at(12, 5, "", "'id' is written twice in this mapping (first at line 10): keep one"),
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "   \n# and a comment\n"])
def test_empty_file(text: str) -> None:
    assert [str(problem) for problem in problems(text)] == [
        "demo.yaml:1:1: the file is empty: a definition starts with name, version, title"
    ]


@pytest.mark.parametrize("text", ["- name: demo\n- version: 1\n", "just some text\n", "42\n"])
def test_top_level_is_not_a_mapping(text: str) -> None:
    assert problems(text) == [
        at(1, 1, "", "a definition is a mapping that starts with name, version, title"),
    ]


def test_custom_tag_is_refused() -> None:
    text = "name: demo\nversion: 1\ntitle: !secret Demo\n"
    # The tagged value starts at its tag: 'title: ' is 7 characters, so column 8.
    assert problems(text) == [at(3, 8, "", "tag !secret is not allowed: write plain values")]


def test_standard_but_unsupported_tag_is_refused() -> None:
    text = "name: demo\ntitle: !!binary aGVsbG8=\n"
    assert problems(text) == [
        at(2, 8, "", "tag tag:yaml.org,2002:binary is not allowed: write plain values"),
    ]


def test_merge_key_is_refused() -> None:
    text = "name: demo\nextra: &e {a: 1}\nother:\n  <<: *e\n"
    assert problems(text) == [
        at(4, 3, "", "merge keys (<<) are not allowed: write the keys out"),
    ]


# --- structure -------------------------------------------------------------------------


def test_unknown_top_level_key_with_did_you_mean() -> None:
    text = with_steps("- {id: pause, wait: 1h}\n") + "descripton: Typo\n"
    assert problems(text) == [
        at(11, 1, "descripton", "unknown key 'descripton'. Did you mean 'description'?"),
    ]


def test_unknown_top_level_key_without_suggestion() -> None:
    text = with_steps("- {id: pause, wait: 1h}\n") + "zzqx: 1\n"
    assert problems(text) == [
        at(
            11,
            1,
            "zzqx",
            "unknown key 'zzqx': remove it, or check the spelling in docs/definitions.md",
        ),
    ]


def test_unknown_step_kind_with_did_you_mean() -> None:
    text = with_steps(
        """\
        - id: validate
          cal: invoice.validate
        """
    )
    # The step is the mapping that starts at 'id' after '  - ': column 5 of line 10.
    assert problems(text) == [
        at(10, 5, "steps[0]", "unknown step kind 'cal'. Did you mean 'call'?"),
    ]


def test_step_without_any_kind() -> None:
    text = with_steps("  - id: lonely\n")
    assert problems(text) == [
        at(
            10,
            5,
            "steps[0]",
            "this step has no kind: add one of call, bot, task, parallel, switch, for_each, "
            "repeat, wait, set, process, fail, finish, notify, void, steps",
        ),
    ]


def test_step_with_two_kinds() -> None:
    text = with_steps(
        """\
        - id: both
          call: invoice.validate
          set: {x: 1}
        """
    )
    assert problems(text) == [
        at(
            10,
            5,
            "steps[0]",
            "a step has exactly one kind, found call and set: split it into one step per kind",
        ),
    ]


def test_missing_required_top_level_key() -> None:
    text = "name: demo\nversion: 1\ntitle: Demo\nowner: ap\nsteps:\n  - {id: pause, wait: 1h}\n"
    # A missing key is reported at the mapping that should hold it: the whole file.
    assert [str(problem) for problem in problems(text)] == [
        "demo.yaml:1:1: 'business_key' is required here: add it"
    ]


def test_missing_required_nested_key() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob}]
        """
    )
    # Reported at the key of the mapping that lacks it: 'task' on line 11, column 5.
    assert problems(text) == [at(11, 5, "steps[0].task", "'timeout' is required here: add it")]


def test_missing_top_level_steps_is_reported() -> None:
    text = "name: demo\nversion: 1\ntitle: Demo\nowner: ap\nbusiness_key: input.a\n"
    assert problems(text) == [at(1, 1, "", "'steps' is required here: add it")]


def test_missing_steps_of_a_for_each_is_reported_at_the_step() -> None:
    text = with_steps(
        """\
        - id: loop
          for_each: input.lines
          max_items: 3
        """
    )
    # The step mapping starts at 'id' (line 10, column 5).
    assert problems(text) == [at(10, 5, "steps[0]", "'steps' is required here: add it")]


def test_bad_process_name() -> None:
    text = with_steps("  - {id: pause, wait: 1h}\n").replace("name: demo", "name: Invoice_Demo")
    assert problems(text) == [
        at(
            1,
            7,
            "name",
            "'Invoice_Demo' is not a valid name: use lower-case words joined by -, "
            "like invoice-approval",
        ),
    ]


def test_bad_step_id() -> None:
    text = with_steps("  - id: Check-Budget\n    wait: 1h\n")
    # '  - id: ' is 8 characters: the id starts at column 9.
    assert problems(text) == [
        at(
            10,
            9,
            "steps[0].id",
            "'Check-Budget' is not a valid name: use lower-case letters, digits and _ starting "
            "with a letter, like check_budget",
        ),
    ]


def test_bad_reason_code_in_short_form() -> None:
    text = with_steps("  - {id: stop, fail: dup}\n")
    # '  - {id: stop, fail: ' is 21 characters: 'dup' starts at column 22.
    assert problems(text) == [
        at(
            10,
            22,
            "steps[0].fail",
            "'dup' is not a valid name: use an UPPER_CASE code, like DUPLICATE or PRICE_VAR, "
            "or an expression: ${ vars.reason }",
        ),
    ]


def test_bad_reason_code_in_long_form() -> None:
    text = with_steps(
        """\
        - id: stop
          fail:
            reason: Dup
        """
    )
    assert problems(text) == [
        at(
            12,
            15,
            "steps[0].fail.reason",
            "'Dup' is not a valid name: use an UPPER_CASE code, like DUPLICATE or PRICE_VAR, "
            "or an expression: ${ vars.reason }",
        ),
    ]


def test_a_computed_reason_is_checked_like_any_expression() -> None:
    text = with_steps(
        """\
        - id: stop
          fail:
            reason: ${ vars.nowhere }
        """
    )
    found = problems(text)
    assert len(found) == 1
    assert found[0].path == "steps[0].fail.reason"
    assert found[0].message.startswith("variable 'nowhere' is not set before this point")


def test_bad_literal_parallel_mode_with_did_you_mean() -> None:
    text = with_steps(
        """\
        - id: par
          mode: fail-fast
          parallel:
            - {id: a, steps: [{id: a1, wait: 1h}]}
            - {id: b, steps: [{id: b1, wait: 1h}]}
        """
    )
    assert problems(text) == [
        at(
            11,
            11,
            "steps[0].mode",
            "'fail-fast' is not allowed here: use 'all', 'fail_fast' or 'first'. "
            "Did you mean 'fail_fast'?",
        ),
    ]


def test_bad_literal_without_suggestion() -> None:
    text = with_steps(
        """\
        - id: par
          mode: any
          parallel:
            - {id: a, steps: [{id: a1, wait: 1h}]}
            - {id: b, steps: [{id: b1, wait: 1h}]}
        """
    )
    assert problems(text) == [
        at(
            11, 11, "steps[0].mode", "'any' is not allowed here: use 'all', 'fail_fast' or 'first'."
        ),
    ]


def test_empty_steps_list() -> None:
    text = with_steps("").replace("steps:\n", "steps: []\n")
    assert problems(text) == [
        at(
            9,
            8,
            "steps",
            "this list of steps is empty: add at least one step, or remove the key",
        ),
    ]


def test_parallel_with_one_branch() -> None:
    text = with_steps(
        """\
        - id: par
          parallel:
            - {id: a, steps: [{id: a1, wait: 1h}]}
        """
    )
    # The branch list starts at its '-' on line 12, column 7.
    assert problems(text) == [
        at(
            12,
            7,
            "steps[0].parallel",
            "a parallel step needs at least two branches (for one, use steps:)",
        ),
    ]


def test_bad_duration_text() -> None:
    text = with_steps("  - {id: pause, wait: 3 days}\n")
    # '  - {id: pause, wait: ' is 22 characters: the duration starts at column 23.
    assert problems(text) == [
        at(10, 23, "steps[0].wait", f"'3 days' is not a duration: {DURATION_HELP}"),
    ]


def test_duration_without_unit() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.check
          timeout: 5
        """
    )
    assert problems(text) == [
        at(12, 14, "steps[0].timeout", f"'5' has no unit: {DURATION_HELP}"),
    ]


def test_business_days_mixed_with_clock_units() -> None:
    text = with_steps("  - {id: pause, wait: 3bd4h}\n")
    assert problems(text) == [
        at(
            10,
            23,
            "steps[0].wait",
            "'3bd4h' mixes business days with clock units: use one or the other",
        ),
    ]


def test_event_wait_without_timeout() -> None:
    text = with_steps("  - id: goods\n    wait: {event: goods_received}\n")
    # The wait mapping starts at '{': '    wait: ' is 10 characters, column 11.
    assert problems(text) == [
        at(
            11,
            11,
            "steps[0].wait",
            "waiting for an event needs a timeout (for example timeout: 10bd) so the process "
            "never waits forever",
        ),
    ]


def test_assignee_with_two_kinds() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob, group: ap}]
            timeout: {after: 2bd, outcome: expired}
        """
    )
    # '      assignees: [' is 18 characters: the assignee mapping starts at column 19.
    assert problems(text) == [
        at(
            12,
            19,
            "steps[0].task.assignees[0]",
            "an assignee names exactly one of: user, group, role, manager_of, "
            "cost_center_owner, owner_of, approval_limit, users, guest (found user, group)",
        ),
    ]


# --- whole-definition checks -----------------------------------------------------------


def test_business_day_timeout_on_a_call_step() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.check
          timeout: 2bd
        """
    )
    assert problems(text) == [
        at(
            12,
            14,
            "steps[0].timeout",
            "2bd is in business days, but this is a time limit on running code: use s, m or h",
        ),
    ]


def test_business_day_retry_interval() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.check
          retry: {initial_interval: 1bd}
        """
    )
    # '    retry: {initial_interval: ' is 30 characters: column 31.
    assert problems(text) == [
        at(
            12,
            31,
            "steps[0].retry.initial_interval",
            "1bd is in business days, but this is a time limit on running code: use s, m or h",
        ),
    ]


def test_duplicate_step_id() -> None:
    text = with_steps("  - {id: check, wait: 1h}\n  - {id: check, wait: 2h}\n")
    assert problems(text) == [
        at(
            11,
            10,
            "steps[1].id",
            "step id 'check' is already used at steps[0]: every step needs its own id",
        ),
    ]


def test_duplicate_step_id_inside_a_nested_list() -> None:
    text = with_steps(
        """\
        - id: check
          wait: 1h
        - id: group
          steps:
            - id: check
              wait: 2h
        """
    )
    assert problems(text) == [
        at(
            14,
            13,
            "steps[1].steps[0].id",
            "step id 'check' is already used at steps[0]: every step needs its own id",
        ),
    ]


def test_expression_syntax_error_points_inside_the_expression() -> None:
    text = with_steps(
        """\
        - id: big
          if: input.amount > > 5
          wait: 1h
        """
    )
    # The expression starts at column 9; its second '>' is its 16th character: column 24.
    assert problems(text) == [
        at(
            11,
            24,
            "steps[0].if",
            "syntax error: extraneous input '>' in `input.amount > > 5`",
        ),
    ]


def test_expression_syntax_error_inside_a_quoted_template() -> None:
    text = with_steps(
        """\
        - id: calc
          set: {x: "${ input.amount +* 2 }"}
        """
    )
    # '"' at column 14, the expression at column 18; its '*' is its 15th character: 32.
    assert problems(text) == [
        at(
            11,
            32,
            "steps[0].set.x",
            "syntax error: extraneous input '*' in `input.amount +* 2`",
        ),
    ]


def test_expression_that_ends_too_early() -> None:
    text = with_steps(
        """\
        - id: big
          if: input.amount >
          wait: 1h
        """
    )
    # The expression has 14 characters from column 9: the missing part is at column 23.
    assert problems(text) == [
        at(
            11,
            23,
            "steps[0].if",
            "syntax error: the expression ends too early: something is missing at the end "
            "in `input.amount >`",
        ),
    ]


def test_template_never_closed() -> None:
    text = with_steps(
        """\
        - id: calc
          set: {x: "total ${ input.amount"}
        """
    )
    # '"' at column 14; '${' is at index 6 of the string: column 14 + 1 + 6 = 21.
    assert problems(text) == [
        at(11, 21, "steps[0].set.x", "a '${' is never closed with '}'"),
    ]


def test_unknown_root_name_in_expression() -> None:
    text = with_steps(
        """\
        - id: big
          if: inpt.amount > 5
          wait: 1h
        """
    )
    assert problems(text) == [
        at(
            11,
            9,
            "steps[0].if",
            "unknown name 'inpt' in `inpt.amount > 5`. Did you mean 'input'? "
            "Names here: input, now, process, steps, today, vars",
        ),
    ]


def test_unknown_root_name_in_business_key() -> None:
    text = with_steps("  - {id: pause, wait: 1h}\n").replace(
        "business_key: input.invoice_id", "business_key: inpt.invoice_id"
    )
    assert problems(text) == [
        at(
            5,
            15,
            "business_key",
            "unknown name 'inpt' in `inpt.invoice_id`. Did you mean 'input'? "
            "Names here: input, now, process, steps, today, vars",
        ),
    ]


def test_unknown_name_inside_for_each_lists_the_locals() -> None:
    text = with_steps(
        """\
        - id: loop
          for_each: input.lines
          as: line
          max_items: 10
          steps:
            - id: calc
              set: {x: "${ lin.qty }"}
        """
    ).replace("  amount: number\n", "  amount: number\n  lines: list\n")
    # The added input line shifts the body down by one: the set is on line 17.
    # '        set: {x: "' is 18 characters: the expression starts at column 22.
    assert problems(text) == [
        at(
            17,
            22,
            "steps[0].steps[0].set.x",
            "unknown name 'lin' in `lin.qty`. Did you mean 'line'? "
            "Names here: index, input, line, now, process, steps, today, vars",
        ),
    ]


def test_for_each_as_a_built_in_name() -> None:
    text = with_steps(
        """\
        - id: loop
          for_each: "[1, 2]"
          as: input
          max_items: 10
          steps:
            - {id: pause, wait: 1h}
        """
    )
    assert problems(text) == [
        at(12, 9, "steps[0].as", "'input' is a built-in name: choose another"),
    ]


def test_unknown_input_field() -> None:
    text = with_steps(
        """\
        - id: calc
          set: {x: "${ input.amont * 2 }"}
        """
    )
    # '"' at column 14 and '${ ' after it: 'input.amont' starts at column 18.
    assert problems(text) == [
        at(
            11,
            18,
            "steps[0].set.x",
            "the input has no field 'amont'. Did you mean 'amount'? "
            "Input fields: amount, invoice_id",
        ),
    ]


def test_unknown_process_field() -> None:
    text = with_steps('  - id: calc\n    set: {x: "${ process.nme }"}\n')
    assert problems(text) == [
        at(
            11,
            18,
            "steps[0].set.x",
            "process has no field 'nme'; it has business_key, name, run_id, version, workflow_id",
        ),
    ]


def test_step_result_referenced_before_the_step_runs() -> None:
    text = with_steps(
        """\
        - id: first
          set: {x: "${ steps.second.total }"}
        - id: second
          wait: 1h
        """
    )
    assert problems(text) == [
        at(
            11,
            18,
            "steps[0].set.x",
            "steps.second is not known here: step 'second' has not run at this point "
            "(it comes later, or inside a for_each)",
        ),
    ]


def test_step_result_of_a_step_that_does_not_exist() -> None:
    text = with_steps(
        """\
        - id: first
          set: {x: "${ steps.secnd.total }"}
        - id: second
          wait: 1h
        """
    )
    assert problems(text) == [
        at(
            11,
            18,
            "steps[0].set.x",
            "there is no step 'secnd'. Did you mean 'second'? Step ids: first, second",
        ),
    ]


def test_variable_not_set_before_use() -> None:
    text = with_steps(
        """\
        - id: first
          set: {totals: 0}
        - id: second
          set: {x: "${ vars.total + 1 }"}
        """
    )
    assert problems(text) == [
        at(
            13,
            18,
            "steps[1].set.x",
            "variable 'total' is not set before this point. Did you mean 'totals'? "
            "Declare it under variables: or set it in an earlier set: step",
        ),
    ]


def test_variable_set_by_the_same_step_is_not_yet_known() -> None:
    text = with_steps('  - id: first\n    set: {x: "${ vars.x + 1 }"}\n')
    assert problems(text) == [
        at(
            11,
            18,
            "steps[0].set.x",
            "variable 'x' is not set before this point. "
            "Declare it under variables: or set it in an earlier set: step",
        ),
    ]


def test_unknown_function_with_did_you_mean() -> None:
    text = with_steps(
        """\
        - id: calc
          set: {x: "${ round_mony(input.amount) }"}
        """
    )
    assert problems(text) == [
        at(
            11,
            18,
            "steps[0].set.x",
            "unknown function 'round_mony' in `round_mony(input.amount)`. "
            "Did you mean 'round_money'? See the list of helpers in docs/definitions.md",
        ),
    ]


def test_unknown_result_field_of_a_task_step() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob}]
            timeout: {after: 2bd, outcome: expired}
        - id: after
          set: {x: "${ steps.appr.outcom }"}
        """
    )
    # 'steps.appr.' starts at column 18 and has 11 characters: the field is at column 29.
    assert problems(text) == [
        at(
            15,
            29,
            "steps[1].set.x",
            "the result of step 'appr' has no field 'outcom'. Did you mean 'outcome'? "
            "It has: comment, decided_at, decided_by, fields, outcome, task_id, timed_out",
        ),
    ]


def test_unknown_result_field_of_an_event_wait() -> None:
    text = with_steps(
        """\
        - id: goods
          wait: {event: goods_received, timeout: 10bd}
        - id: after
          if: steps.goods.recieved
          wait: 1h
        """
    )
    # '    if: ' is 8 characters; 'steps.goods.' has 12: the field is at column 21.
    assert problems(text) == [
        at(
            13,
            21,
            "steps[1].if",
            "the result of step 'goods' has no field 'recieved'. Did you mean 'received'? "
            "It has: data, received, received_at",
        ),
    ]


# --- the catalog -----------------------------------------------------------------------


def test_unknown_activity_with_did_you_mean() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.validat
        """
    )
    assert problems(text, catalog=make_catalog()) == [
        at(
            11,
            11,
            "steps[0].call",
            "unknown activity 'invoice.validat'. Did you mean 'invoice.validate'? "
            "Known: invoice.validate, notify.ops",
        ),
    ]


def test_unknown_bot_lists_the_bots() -> None:
    text = with_steps("  - id: post\n    bot: erp.post_invoic\n")
    assert problems(text, catalog=make_catalog()) == [
        at(
            11,
            10,
            "steps[0].bot",
            "unknown bot 'erp.post_invoic'. Did you mean 'erp.post_invoice'? "
            "Known: erp.post_invoice, erp.reverse_posting",
        ),
    ]


def test_bot_used_with_call() -> None:
    text = with_steps(
        """\
        - id: post
          call: erp.post_invoice
          with: {invoice_id: X1, amount: 10}
        """
    )
    assert problems(text, catalog=make_catalog()) == [
        at(
            11,
            11,
            "steps[0].call",
            "'erp.post_invoice' is a bot: write 'bot: erp.post_invoice' instead",
        ),
    ]


def test_activity_used_with_bot_is_reported_at_the_bot_key() -> None:
    text = with_steps("  - id: check\n    bot: notify.ops\n    with: {text: hi}\n")
    found = problems(text, catalog=make_catalog())
    assert [(problem.line, problem.column, problem.path) for problem in found] == [
        (11, 10, "steps[0].bot")
    ]
    assert found[0].message.endswith(": write 'call: notify.ops' instead")


def test_activity_used_with_bot_message_reads_well() -> None:
    text = with_steps("  - id: check\n    bot: notify.ops\n    with: {text: hi}\n")
    assert problems(text, catalog=make_catalog()) == [
        at(
            11,
            10,
            "steps[0].bot",
            "'notify.ops' is an activity: write 'call: notify.ops' instead",
        ),
    ]


def test_unknown_with_argument() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.validate
          with:
            invoice_id: X1
            tolerence: 0.5
        """
    )
    # Reported at the argument's key: line 14, column 7.
    assert problems(text, catalog=make_catalog()) == [
        at(
            14,
            7,
            "steps[0].with.tolerence",
            "'invoice.validate' takes no argument 'tolerence'. Did you mean 'tolerance'? "
            "It takes: invoice_id, tolerance",
        ),
    ]


def test_missing_required_argument() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.validate
          with:
            tolerance: 0.5
        """
    )
    # Reported at the 'with' key: line 12, column 5.
    assert problems(text, catalog=make_catalog()) == [
        at(
            12,
            5,
            "steps[0].with",
            "'invoice.validate' needs argument 'invoice_id': add it under with:",
        ),
    ]


def test_missing_required_argument_without_with() -> None:
    text = with_steps("  - id: check\n    call: invoice.validate\n")
    # No 'with' at all: reported at the 'call' key, line 11, column 5.
    assert problems(text, catalog=make_catalog()) == [
        at(
            11,
            5,
            "steps[0].call",
            "'invoice.validate' needs argument 'invoice_id': add it under with:",
        ),
    ]


def test_literal_argument_of_the_wrong_type() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.validate
          with:
            invoice_id: X1
            tolerance: lots
        """
    )
    # '      tolerance: ' is 17 characters: the value starts at column 18.
    assert problems(text, catalog=make_catalog()) == [
        at(
            14,
            18,
            "steps[0].with.tolerance",
            "Input should be a valid number, unable to parse string as a number (found 'lots')",
        ),
    ]


UNCLOSED_ARGUMENT = with_steps('- id: tell\n  call: notify.ops\n  with: {text: "a ${ b"}\n')
# '    with: {text: "' puts the quote at column 18; '${' is at index 2: column 18 + 1 + 2 = 21.
UNCLOSED_PROBLEM = at(12, 21, "steps[0].with.text", "a '${' is never closed with '}'")


def test_unclosed_template_in_an_argument() -> None:
    assert problems(UNCLOSED_ARGUMENT) == [UNCLOSED_PROBLEM]


def test_unclosed_template_in_a_catalog_checked_argument() -> None:
    assert problems(UNCLOSED_ARGUMENT, catalog=make_catalog()) == [UNCLOSED_PROBLEM]


def test_template_argument_is_not_type_checked_statically() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.validate
          with:
            invoice_id: X1
            tolerance: ${ input.invoice_id }
        """
    )
    assert problems(text, catalog=make_catalog()) == []


def test_unknown_result_field_of_a_call_step() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.validate
          with: {invoice_id: X1}
        - id: after
          if: steps.check.matchd
          wait: 1h
        """
    )
    # '    if: ' is 8 characters; 'steps.check.' has 12: the field is at column 21.
    assert problems(text, catalog=make_catalog()) == [
        at(
            14,
            21,
            "steps[1].if",
            "the result of step 'check' has no field 'matchd'. Did you mean 'matched'? "
            "It has: document_number, matched",
        ),
    ]


# --- compensation, ordering, tasks -------------------------------------------------------


def test_compensate_on_a_set_step() -> None:
    text = with_steps(
        """\
        - id: note
          set: {x: 1}
          compensate:
            id: undo
            set: {x: 0}
        """
    )
    assert problems(text) == [
        at(
            12,
            5,
            "steps[0].compensate",
            "nothing to compensate: a set step changes nothing outside the process. "
            "Put compensate on the call, bot or process step that does",
        ),
    ]


def test_compensate_with_a_fail_step() -> None:
    text = with_steps(
        """\
        - id: check
          call: invoice.check
          compensate: {id: undo, fail: UNDONE}
        """
    )
    assert problems(text) == [
        at(
            12,
            5,
            "steps[0].compensate",
            "a compensation undoes work: use a call, bot or steps, not fail or finish",
        ),
    ]


def test_unreachable_step_after_fail() -> None:
    text = with_steps("  - {id: stop, fail: DUPLICATE}\n  - {id: never, wait: 1h}\n")
    # '  - {id: ' is 9 characters: the id of the second step is at column 10 of line 11.
    assert problems(text) == [
        at(
            11,
            10,
            "steps[1].id",
            "this step never runs: 'stop' before it always ends the process. "
            "Remove it, or give that step an 'if:'",
        ),
    ]


def test_unreachable_step_after_finish_inside_a_switch() -> None:
    text = with_steps(
        """\
        - id: route
          switch:
            - when: input.amount > 10
              steps:
                - {id: done, finish: BIG}
                - {id: never, wait: 1h}
        """
    )
    assert problems(text) == [
        at(
            15,
            18,
            "steps[0].switch[0].steps[1].id",
            "this step never runs: 'done' before it always ends the process. "
            "Remove it, or give that step an 'if:'",
        ),
    ]


def test_a_conditional_fail_does_not_make_the_next_step_unreachable() -> None:
    text = with_steps(
        "  - {id: stop, if: input.amount > 10, fail: TOO_BIG}\n  - {id: later, wait: 1h}\n"
    )
    assert problems(text) == []


def test_escalation_after_the_final_timeout() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob}]
            escalations:
              - {after: 3bd, notify: [{group: ap}]}
            timeout: {after: 2bd, outcome: expired}
        """
    )
    # '        - {after: ' is 18 characters: the duration starts at column 19.
    assert problems(text) == [
        at(
            14,
            19,
            "steps[0].task.escalations[0].after",
            "this escalation at 3bd would come at or after the final timeout (2bd): "
            "make it earlier or the timeout later",
        ),
    ]


def test_escalations_not_increasing() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob}]
            escalations:
              - {after: 5bd, notify: [{group: ap}]}
              - {after: 3bd, add: [{role: cfo}]}
            timeout: {after: 10bd, outcome: expired}
        """
    )
    assert problems(text) == [
        at(
            15,
            19,
            "steps[0].task.escalations[1].after",
            "escalation levels must come later one after the other (3bd is not after 5bd)",
        ),
    ]


def test_outcome_requiring_a_missing_form_field() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob}]
            form:
              outcomes: [approve, {id: reject, requires: [reason]}]
            timeout: {after: 2bd, outcome: expired}
        """
    )
    # '        outcomes: [approve, {id: reject, requires: ' is 51 characters: column 52.
    assert problems(text) == [
        at(
            14,
            52,
            "steps[0].task.form.outcomes[1].requires",
            "outcome 'reject' requires field 'reason', which the form does not have "
            "(fields: comment)",
        ),
    ]


def test_repeated_outcome_ids() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob}]
            form:
              outcomes: [approve, approve]
            timeout: {after: 2bd, outcome: expired}
        """
    )
    # Reported at the form mapping, whose first key is on line 14, column 9.
    assert problems(text) == [
        at(14, 9, "steps[0].task.form", "outcome ids must differ; repeated: approve"),
    ]


def test_unknown_child_process() -> None:
    text = with_steps(
        """\
        - id: kid
          process: child-proces
        """
    )
    known = frozenset({"child-process", "demo"})
    assert problems(text, known_processes=known) == [
        at(
            11,
            14,
            "steps[0].process",
            "no process named 'child-proces' among the definitions. Did you mean 'child-process'?",
        ),
    ]
    # Without the list of known processes there is nothing to check against.
    assert problems(text) == []


def test_file_name_not_matching_the_process_name() -> None:
    text = with_steps("  - {id: pause, wait: 1h}\n")
    checked = validate_text(text, "x/other_name.yaml")
    assert checked.problems == [
        at(
            1,
            7,
            "name",
            "the file other_name.yaml holds process 'demo': name the file demo.yaml, "
            "or the process 'other-name'",
            file="x/other_name.yaml",
        ),
    ]
    assert str(checked.problems[0]).startswith("x/other_name.yaml:1:7: name: the file ")
    # The definition itself is sound, so it is returned; the file as a whole is not ok.
    assert checked.definition is not None
    assert not checked.ok


def test_problems_are_sorted_by_position() -> None:
    text = with_steps(
        """\
        - id: first
          set: {x: "${ vars.nope }"}
        - id: first
          if: inpt.x
          wait: 1h
        """
    )
    found = problems(text)
    assert [(problem.line, problem.column) for problem in found] == [(11, 18), (12, 9), (13, 9)]
    assert found == sorted(found)


# --- known wrong behaviour -------------------------------------------------------------


def test_second_misspelled_result_field_is_reported() -> None:
    text = with_steps(
        """\
        - id: appr
          task:
            assignees: [{user: bob}]
            timeout: {after: 2bd, outcome: expired}
        - id: after
          set: {x: '${ steps.appr.outcome == "approve" || steps.appr.outcom == "x" }'}
        """
    )
    # The quote is at column 14; the second 'steps.appr.' starts at index 38 of the string,
    # so its field is at index 49: column 14 + 1 + 49 = 64.
    assert problems(text) == [
        at(
            15,
            64,
            "steps[1].set.x",
            "the result of step 'appr' has no field 'outcom'. Did you mean 'outcome'? "
            "It has: comment, decided_at, decided_by, fields, outcome, task_id, timed_out",
        ),
    ]


def test_problem_at_the_first_character_of_a_quoted_condition() -> None:
    text = with_steps('  - id: big\n    if: "inpt.amount > 5"\n    wait: 1h\n')
    # '    if: "' is 9 characters: the expression starts at column 10, not at the quote.
    assert [(problem.line, problem.column) for problem in problems(text)] == [(11, 10)]


def test_problem_in_a_condition_written_as_a_template() -> None:
    text = with_steps("  - id: big\n    if: ${ inpt.amount > 5 }\n    wait: 1h\n")
    # '    if: ${ ' is 11 characters: 'inpt' is at column 12.
    assert [(problem.line, problem.column) for problem in problems(text)] == [(11, 12)]


@pytest.mark.parametrize("value", ["{}", "{hours: 2}", "{seconds: 0}", "{seconds: -5}"])
def test_duration_written_as_a_mapping_is_refused(value: str) -> None:
    # Only text is a duration: a mapping would allow zero, negative or mixed spans.
    text = with_steps(f"- id: check\n  call: invoice.check\n  timeout: {value}\n")
    assert problems(text) == [
        at(12, 14, "steps[0].timeout", f"expected a duration: {DURATION_HELP}"),
    ]
