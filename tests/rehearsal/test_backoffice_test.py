"""``backoffice test`` as a process owner types it: the real worker and interpreter on the
time-skipping server from the installed binaries, stand-ins for every call and bot."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from backoffice.language.validate import definition_files, validate_file
from backoffice.people.store import read_directory_file
from backoffice.rehearsal.scenarios import load_file

ROOT = Path(__file__).resolve().parents[2]
INVOICE = ROOT / "definitions" / "invoice_approval.yaml"
COMMAND_SECONDS = 300  # a bound on a run of the command, never a measure of it


def backoffice_test(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("BACKOFFICE_")}
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [str(Path(sys.executable).parent / "backoffice"), "test", *map(str, arguments)],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        check=False,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_the_shipped_invoice_scenarios_pass_without_the_sandbox_erp() -> None:
    done = backoffice_test("definitions/invoice_approval.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    cases = ("T1 ", "T2 ", "T3 ", "T4 ", "up to 1,000", "above 50,000", "a duplicate found")
    for case in cases:
        assert any(line.startswith("PASS  " + case) for line in lines), done.stdout
    assert "FAIL" not in done.stdout
    assert "25 of 25 scenarios passed" in done.stdout
    assert "every step was reached by a scenario" in done.stdout
    assert "steps no scenario reached" not in done.stdout


def test_one_scenario_alone_lists_no_unreached_steps() -> None:
    # The steps the others reach are not "reached by no scenario" because one ran alone.
    done = backoffice_test(
        INVOICE, "--only", "T4 the same invoice number again in the same fiscal year is a duplicate"
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  T4 the same invoice number" in done.stdout
    assert "1 of 1 scenarios passed" in done.stdout
    assert "no scenario reached" not in done.stdout
    assert "every step was reached" not in done.stdout


# The T4 duplicate, with expectations that are wrong, and a case whose task nobody decides.
WRONG = """
    answers:
      supplier:
        result: {found: true, name: Paper Co, status: active, payment_block: false,
                 iban: DE89370400440532013000}
      check: {result: {reason_codes: [DUPLICATE], fraud_hold: false, duplicate_of: AOS-1}}
      record_rejection: {result: {}}
      archive_rejection: {result: {archive_ref: ARCH-1}}
    input:
      invoice_id: INV-1
      company: ACME-DE
      supplier_id: SUP-00087
      supplier_invoice_no: AOS-1
      invoice_date: "2025-06-12"
      currency: EUR
      net_amount: 100.00
      tax_amount: 19.00
      gross_amount: 119.00
      cost_center: CC-4100
      category: NON_PO
      entered_by: bob
      lines: [{line: 1, item: PAPER, qty: 1, unit_price: 100.00, amount: 100.00}]
    scenarios:
      - name: a duplicate expected to be posted
        expect:
          status: completed
          reason: POSTED
          output: {outcome: POSTED}
          steps_taken: [post]
      - name: an approval nobody gives
        answers:
          check: {result: {reason_codes: [], fraud_hold: false, duplicate_of: ""}}
          owner: {result: {owner: alice}}
        expect: {status: completed}
      - name: the invoice's own enterer approves it
        answers:
          check: {result: {reason_codes: [], fraud_hold: false, duplicate_of: ""}}
          owner: {result: {owner: alice}}
        decisions:
          approve_owner: {outcome: approve, by: bob}
      - name: the register is down, and the run fails as it should
        answers:
          check: {error: {type: RegisterUnavailable, message: the register does not answer}}
        expect: {status: failed, reason: RegisterUnavailable, steps_not_taken: [matching]}
"""


def test_a_wrong_expectation_fails_with_what_differed(tmp_path: Path) -> None:
    scenarios = write(tmp_path / "wrong.yaml", WRONG)
    done = backoffice_test(INVOICE, "--scenarios", scenarios)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "FAIL  a duplicate expected to be posted" in out
    assert "status: expected completed, got finished" in out
    assert "reason: expected POSTED, got DUPLICATE" in out
    assert "output.outcome: expected 'POSTED', got 'DUPLICATE'" in out
    assert "step 'post' was expected to be taken, and was not" in out
    # The run waits for the owner's approval: reported, not waited for.
    assert "FAIL  an approval nobody gives" in out
    assert "step 'approve_owner' waited for a decision the scenario does not give" in out
    # Who may decide is the real rules': bob entered the invoice, so he may not approve it.
    assert "FAIL  the invoice's own enterer approves it" in out
    assert "step 'approve_owner': the decision by bob was refused: " in out
    assert "PASS  the register is down, and the run fails as it should" in out
    assert "Traceback" not in done.stdout + done.stderr
    assert "1 of 4 scenarios passed" in out


def test_a_ninety_day_wait_runs_on_skipped_time(tmp_path: Path) -> None:
    definition = write(
        tmp_path / "contract_renewal.yaml",
        """
        name: contract-renewal
        version: 1
        title: Contract renewal
        owner: purchasing@acme.example
        business_key: input.contract
        input:
          contract: string
        steps:
          - id: notice_period
            wait: 90d
          - id: renew
            title: Renew ${ input.contract }
            task:
              assignees: [{group: buyers}]
              form:
                outcomes: [renew, cancel]
              timeout: {after: 10bd, outcome: cancel}
          - id: renewed
            if: steps.renew.outcome == "renew"
            finish: RENEWED
        """,
    )
    write(
        tmp_path / "contract_renewal.scenarios" / "renewal.yaml",
        """
        input: {contract: C-2025-7}
        scenarios:
          - name: renewed after the 90-day notice period
            decisions:
              renew: {outcome: renew, by: erin, after: 3d}
            expect: {status: finished, reason: RENEWED, steps_taken: [notice_period, renew]}
          - name: nobody decides, the renewal lapses
            decisions: {renew: never}
            expect: {status: completed, steps_not_taken: [renewed]}
        """,
    )
    done = backoffice_test(definition)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  renewed after the 90-day notice period" in done.stdout
    assert "PASS  nobody decides, the renewal lapses" in done.stdout
    assert "every step was reached by a scenario" in done.stdout


def test_each_scenario_starts_where_the_one_before_ended_not_years_later(tmp_path: Path) -> None:
    # A date in the input (a contract's end) is the same for every scenario: the clock of
    # the second must not have skipped past it while the first's result was read.
    end_date = (date.today() + timedelta(days=400)).isoformat()
    definition = write(
        tmp_path / "contract_end.yaml",
        """
        name: contract-end
        version: 1
        title: Contract end
        owner: purchasing@acme.example
        business_key: input.contract
        input:
          contract: string
          end_date: date
        steps:
          - id: renew
            task:
              assignees: [{group: buyers}]
              form:
                outcomes: [renew, let_lapse]
              timeout: {after: "${ input.end_date }", outcome: let_lapse}
        output:
          decision: ${ steps.renew.outcome }
        """,
    )
    write(
        tmp_path / "contract_end.scenarios" / "twice.yaml",
        f"""
        input: {{contract: C-2025-8, end_date: "{end_date}"}}
        scenarios:
          - name: renewed the first time
            decisions: {{renew: {{outcome: renew, by: erin, after: 1d}}}}
            expect: {{output: {{decision: renew}}}}
          - name: renewed the second time
            decisions: {{renew: {{outcome: renew, by: erin, after: 1d}}}}
            expect: {{output: {{decision: renew}}}}
        """,
    )
    done = backoffice_test(definition)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  renewed the second time" in done.stdout


def test_a_task_inside_a_block_with_a_deadline_is_decided_before_the_deadline(
    tmp_path: Path,
) -> None:
    # The block's deadline is the only moment the run names when the task is about to open:
    # the clock must not skip to it before the task is seen and decided.
    definition = write(
        tmp_path / "vendor_check.yaml",
        """
        name: vendor-check
        version: 1
        title: Vendor check
        owner: purchasing@acme.example
        business_key: input.vendor
        input:
          vendor: string
        variables:
          result: pending
        steps:
          - id: within_ten_days
            timeout: 10bd
            steps:
              - id: compliance
                task:
                  assignees: [{group: buyers}]
                  timeout: {after: 15bd, outcome: expired}
              - {id: decided, set: {result: "${ steps.compliance.outcome }"}}
            catch:
              - errors: [Timeout]
                steps: [{id: late, set: {result: late}}]
        output:
          result: ${ vars.result }
        """,
    )
    write(
        tmp_path / "vendor_check.scenarios" / "decided.yaml",
        """
        input: {vendor: VEN-7}
        scenarios:
          - name: approved on the second day
            decisions: {compliance: {outcome: approve, by: erin, after: 2bd}}
            expect: {output: {result: approve}, steps_not_taken: [late]}
        """,
    )
    done = backoffice_test(definition)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  approved on the second day" in done.stdout


BAD = """
    input: {invoice_id: INV-2}
    scenarios:
      - name: mistakes a process owner makes
        answers:
          suplier: {result: {}}
          approve_owner: {result: {}}
        decisions:
          approve_owner: {outcome: approved, by: alice}
          approve_head: {outcome: approve, by: carla}
          price_review: {outcome: reject, by: erin}
          post: {outcome: approve}
        events:
          - {name: goods_recieved, after: 1d}
        expect:
          steps_taken: [archiv]
"""


def test_scenario_file_errors_are_located_with_a_suggestion(tmp_path: Path) -> None:
    scenarios = write(tmp_path / "bad.yaml", BAD)
    done = backoffice_test(INVOICE, "--scenarios", scenarios)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    at = f"{scenarios}:"
    expected = [
        (5, "no step 'suplier' in the definition. Did you mean 'supplier'?"),
        (6, "step 'approve_owner' is a task step, not a call or bot: give its decision "
            "under decisions:"),
        (8, "step 'approve_owner' has no outcome 'approved' (its outcomes: approve, reject)"),
        (9, "'carla' is not in the people directory. Did you mean 'carol'?"),
        (10, "'reject' on 'price_review' requires comment"),
        (11, "step 'post' is a bot step, not a task"),
        (13, "no step waits for an event 'goods_recieved'"),
        (15, "no step 'archiv' in the definition. Did you mean 'archive'?"),
    ]  # fmt: skip
    for line, message in expected:
        assert any(
            text.startswith(f"{at}{line}:") and message in text for text in out.splitlines()
        ), f"line {line}: {message}\n{out}"
    # The file's shared input lacks the invoice's fields: shown at that input, once per scenario.
    assert f"{at}1:1: input: scenario " in out
    assert "does not fit the definition's input:\n  company: " in out
    assert "nothing was rehearsed" in done.stderr


def test_an_unknown_keyword_is_located(tmp_path: Path) -> None:
    scenarios = write(
        tmp_path / "typo.yaml",
        """
        scenarios:
          - name: typo
            expects: {status: completed}
        """,
    )
    done = backoffice_test(INVOICE, "--scenarios", scenarios)
    assert done.returncode == 1
    assert f"{scenarios}:3:5: scenarios[0].expects: 'expects' is not a scenario keyword" in (
        done.stdout
    )


def test_a_scenario_s_wrong_input_is_shown_at_that_input(tmp_path: Path) -> None:
    shared = GUIDE_BLOCKS[0].split("\nscenarios:", 1)[0]
    scenarios = write(
        tmp_path / "input.yaml",
        shared
        + """
scenarios:
  - name: a lower-case currency
    input: {currency: usd}
""",
    )
    done = backoffice_test(INVOICE, "--scenarios", scenarios)
    assert done.returncode == 1
    line = (
        scenarios.read_text(encoding="utf-8").splitlines().index("    input: {currency: usd}") + 1
    )
    assert (
        f"{scenarios}:{line}:5: scenarios[0].input: scenario 'a lower-case currency': its input "
        "(the file's, with the fields the scenario gives) does not fit the definition's input:\n"
        "  currency: "
    ) in done.stdout, done.stdout


def test_a_text_cut_at_its_comma_is_located_with_what_to_write(tmp_path: Path) -> None:
    scenarios = write(
        tmp_path / "comma.yaml",
        """
        scenarios:
          - name: comma
            decisions:
              approve_owner: {outcome: reject, by: alice, comment: Not ours, sorry}
        """,
    )
    done = backoffice_test(INVOICE, "--scenarios", scenarios)
    assert done.returncode == 1
    column = scenarios.read_text(encoding="utf-8").splitlines()[3].index("sorry") + 1
    # One decision, not a list: its path has no [0], and the line and column are the word's.
    assert (
        f"{scenarios}:4:{column}: scenarios[0].decisions.approve_owner.sorry: 'sorry' is not a "
        "scenario keyword here; if it is the end of a text with a comma, put the whole text in "
        'quotes: comment: "Not ours, sorry"'
    ) in done.stdout, done.stdout


GUIDE = ROOT / "docs" / "rehearsal.md"
GUIDE_BLOCKS = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("number", range(len(GUIDE_BLOCKS)))
def test_the_guide_s_scenarios_are_valid(number: int, tmp_path: Path) -> None:
    """The guide's first example is a whole file; the others are scenarios of it."""
    text = GUIDE_BLOCKS[0]
    if number > 0:
        head = text.split("\nscenarios:", 1)[0]
        entry = textwrap.indent(GUIDE_BLOCKS[number], "    ").replace("    ", "  - ", 1)
        text = f"{head}\nscenarios:\n{entry}"
    checked = validate_file(INVOICE, None, frozenset({"invoice-approval"}))
    assert checked.definition is not None
    people = {person.id for person in read_directory_file(ROOT / "directory/people.yaml").people}
    path = write(tmp_path / "guide.yaml", text)
    loaded = load_file(path, checked.definition, people)
    assert loaded.problems == [], loaded.problems
    assert len(loaded.scenarios) == 1


def test_the_guide_s_scenarios_pass(tmp_path: Path) -> None:
    head, first = GUIDE_BLOCKS[0].split("\nscenarios:\n", 1)
    entries = [first] + [
        textwrap.indent(block, "    ").replace("    ", "  - ", 1) for block in GUIDE_BLOCKS[1:]
    ]
    path = write(tmp_path / "guide.yaml", head + "\nscenarios:\n" + "\n".join(entries))
    done = backoffice_test(INVOICE, "--scenarios", path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(GUIDE_BLOCKS)} of {len(GUIDE_BLOCKS)} scenarios passed" in done.stdout


def test_validating_the_definitions_folder_leaves_the_scenarios_alone() -> None:
    found = definition_files([ROOT / "definitions"])
    assert INVOICE in found
    assert not [path for path in found if ".scenarios" in str(path)]


def test_a_decision_in_a_loop_item_beats_a_parallel_cut_off(tmp_path: Path) -> None:
    # The wait's five business days run beside the items' tasks, which have no progress
    # line of their own: the decisions two hours in must still come first.
    definition = write(
        tmp_path / "cut_off.yaml",
        """
        name: cut-off
        version: 1
        title: Sign before the cut-off
        owner: finance-close@acme.example
        business_key: input.period
        input:
          period: string
          entities: list
        steps:
          - id: race
            parallel:
              - id: signing
                steps:
                  - id: each
                    for_each: input.entities
                    as: entity
                    max_items: 10
                    steps:
                      - id: sign
                        task:
                          assignees: [{user: alice}]
                          form: {outcomes: [confirm]}
                          timeout: {after: 10bd, outcome: expired}
              - id: cut_off
                steps:
                  - {id: cut_off_reached, wait: 5bd}
            mode: first
        output:
          winner: ${ steps.race.winner }
        """,
    )
    write(
        tmp_path / "cut_off.scenarios" / "race.yaml",
        """
        input: {period: 2026-11, entities: [E001, E002]}
        scenarios:
          - name: alice signs both two hours in
            decisions:
              sign: {outcome: confirm, after: 2h}
            expect: {output: {winner: signing}, steps_taken: [each, sign]}
        """,
    )
    done = backoffice_test(definition)
    assert "PASS  alice signs both two hours in" in done.stdout, done.stdout + done.stderr


GUEST_CONSENT = """
name: guest-consent
version: 1
title: Background check consent
owner: hr@acme.example
business_key: input.onboarding_id
input:
  onboarding_id: string
  candidate: {type: object, fields: {name: string, personal_email: string}}
steps:
  - id: consent
    task:
      assignees:
        - guest: {email: "${ input.candidate.personal_email }", name: "${ input.candidate.name }"}
      form:
        fields: [{id: signed_form, type: file}]
        outcomes: [{id: sign, requires: [signed_form]}, decline]
      timeout: {after: 5d, outcome: decline}
  - id: review
    task:
      assignees: [{group: ap-managers}]
      form: {outcomes: [ok]}
      timeout: {after: 5d, outcome: ok}
output:
  consent: ${ steps.consent.outcome }
  by_guest: ${ steps.consent.decided_by[0].startsWith('guest:') }
  file_name: ${ steps.consent.fields.signed_form.name }
"""


def test_a_guest_decides_by_guest_and_a_file_field_is_given_by_its_name(tmp_path: Path) -> None:
    definition = write(tmp_path / "guest_consent.yaml", GUEST_CONSENT)
    write(
        tmp_path / "guest_consent.scenarios" / "consent.yaml",
        """
        input: {onboarding_id: ONB-1, candidate: {name: Jane Roe, personal_email: jane@example.org}}
        scenarios:
          - name: the candidate signs and uploads the form
            decisions:
              consent:
                {outcome: sign, by: guest, after: 1d, fields: {signed_form: {name: consent.pdf}}}
              review: {outcome: ok, by: dave}
            expect:
              output: {consent: sign, by_guest: true, file_name: consent.pdf}
          - name: a directory person cannot decide the guest's task
            decisions:
              consent: {outcome: decline, by: dave}
            expect: {status: completed}
        """,
    )
    done = backoffice_test(definition)
    assert "PASS  the candidate signs and uploads the form" in done.stdout, done.stdout
    assert "FAIL  a directory person cannot decide the guest's task" in done.stdout
    assert "decided by its guest, through the link mailed to them" in done.stdout


def test_by_guest_on_a_task_without_a_guest_is_a_scenario_error(tmp_path: Path) -> None:
    definition = write(tmp_path / "guest_consent.yaml", GUEST_CONSENT)
    scenarios = write(
        tmp_path / "other.yaml",
        """
        input: {onboarding_id: ONB-1, candidate: {name: Jane Roe, personal_email: jane@example.org}}
        scenarios:
          - name: wrong
            decisions:
              consent: {outcome: sign, by: guest, fields: {signed_form: x.pdf}}
              review: {outcome: ok, by: guest}
        """,
    )
    done = backoffice_test(definition, "--scenarios", scenarios)
    assert done.returncode != 0
    assert "'review' has no guest: by: guest decides only a task whose assignee" in done.stdout
