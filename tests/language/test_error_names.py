"""A catch (or a retry's non_retryable) names only error types something can raise.

A misspelt type would never match: the run would fail where its owner thought the error
handled. Validation knows the types the engine raises, those each activity and bot of the
catalog declares, and the reason codes of the fail steps of the process and of the
processes it starts; it refuses any other with the nearest known name and what the steps
there can raise.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from typer.testing import CliRunner

from backoffice.cli.main import app
from backoffice.language.validate import validate_text
from tests.language.helpers import HEADER, make_catalog, with_steps

CATALOG = make_catalog()


def _problems(body: str, **kwargs: object) -> list[str]:
    checked = validate_text(with_steps(body), "demo.yaml", CATALOG, **kwargs)  # type: ignore[arg-type]
    return [str(problem) for problem in checked.problems]


def test_a_misspelt_error_type_is_refused_with_the_nearest_name_and_what_the_step_raises() -> None:
    found = _problems(
        """
        - id: post
          bot: erp.post_invoice
          with: {invoice_id: "${ input.invoice_id }", amount: 1}
          catch:
            - errors: [BotAmbigousSubmit]
              steps: [{id: noted, set: {posted: false}}]
        """
    )
    assert len(found) == 1
    (problem,) = found
    assert problem.startswith("demo.yaml:15:18: steps[0].catch[0].errors[0]: ")
    assert "no step, activity or bot raises the error type 'BotAmbigousSubmit'" in problem
    assert "Did you mean 'BotAmbiguousSubmit'?" in problem
    assert "The steps here can raise BotAmbiguousSubmit, BotSelectorDrift;" in problem
    assert "the engine raises CalendarRangeError, Cancelled, EventTimeout" in problem
    assert problem.endswith("write any to catch every error.")


def test_any_engine_errors_and_errors_of_other_activities_are_accepted() -> None:
    # A block's catch covers many steps: a type any activity raises is let be anywhere.
    assert (
        _problems(
            """
            - id: post
              bot: erp.post_invoice
              with: {invoice_id: "${ input.invoice_id }", amount: 1}
              catch:
                - errors: [any, Timeout, ExpressionError, FraudHold]
                  steps: [{id: noted, set: {posted: false}}]
            """
        )
        == []
    )


def test_the_reason_codes_of_the_process_s_own_fail_steps_are_known() -> None:
    body = """
    - id: checks
      steps:
        - {id: refuse, if: "input.amount > 10", fail: AMOUNT_TOO_HIGH}
      catch:
        - errors: [AMOUNT_TOO_HIGH]
          steps: [{id: noted, set: {refused: true}}]
    """
    assert _problems(body) == []
    wrong = _problems(body.replace("errors: [AMOUNT_TOO_HIGH]", "errors: [AMOUNT_TO_HIGH]"))
    assert len(wrong) == 1
    assert "Did you mean 'AMOUNT_TOO_HIGH'?" in wrong[0]
    assert "The steps here can raise AMOUNT_TOO_HIGH;" in wrong[0]


def test_the_reason_codes_of_started_processes_are_known_through_the_processes_they_start() -> None:
    body = """
    - id: child
      process: checker
      input: {invoice_id: "${ input.invoice_id }"}
      catch:
        - errors: [DEEP_REFUSAL]
          steps: [{id: noted, set: {refused: true}}]
    """
    known = frozenset({"checker", "deep-checker"})
    starts = {"checker": frozenset({"deep-checker"}), "deep-checker": frozenset()}
    reasons = {
        "checker": (frozenset({"REFUSED"}), False),
        "deep-checker": (frozenset({"DEEP_REFUSAL"}), False),
    }
    assert _problems(body, known_processes=known, starts=starts, reasons=reasons) == []
    assert len(_problems(body, known_processes=known, starts=starts, reasons={})) == 1


def test_a_computed_reason_lets_any_reason_code_be_caught() -> None:
    body = """
    - id: checks
      steps:
        - {id: refuse, if: "input.amount > 10", fail: "${ 'TOO_' + 'HIGH' }"}
      catch:
        - errors: [TOO_HIGH]
          steps: [{id: noted, set: {refused: true}}]
    """
    assert _problems(body) == []


def test_a_misspelt_non_retryable_type_is_refused_in_defaults_and_on_a_step() -> None:
    text = HEADER.replace(
        "steps:\n", "defaults:\n  retry: {non_retryable: [InvalidInvoyce]}\nsteps:\n"
    ) + textwrap.indent(
        textwrap.dedent(
            """
            - id: check
              call: invoice.validate
              with: {invoice_id: "${ input.invoice_id }"}
              retry: {non_retryable: [FraudHould, any]}
            """
        ),
        "  ",
    )
    found = [str(p) for p in validate_text(text, "demo.yaml", CATALOG).problems]
    assert len(found) == 3, found
    assert "defaults.retry.non_retryable[0]: " in found[0]
    assert "Did you mean 'InvalidInvoice'?" in found[0]
    assert "this retry rule can never match it" in found[0]
    assert "steps[0].retry.non_retryable[0]: " in found[1]
    assert "Did you mean 'FraudHold'?" in found[1]
    # any means every error to a catch; a retry rule matches types by name only.
    assert "steps[0].retry.non_retryable[1]: " in found[2]


def test_without_the_catalog_error_names_are_not_checked() -> None:
    text = with_steps(
        """
        - id: check
          call: invoice.validate
          with: {invoice_id: "${ input.invoice_id }"}
          catch: [{errors: [Whatever], steps: [{id: noted, set: {x: 1}}]}]
        """
    )
    assert validate_text(text, "demo.yaml", None).problems == []


def test_validate_refuses_a_misspelt_http_error_against_the_real_catalog(tmp_path: Path) -> None:
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "fetcher.yaml").write_text(
        textwrap.dedent(
            """\
            name: fetcher
            version: 1
            title: Fetcher
            owner: tests
            business_key: input.id
            input:
              id: string
            steps:
              - id: fetch
                call: http.request
                with: {url: "https://example.com/${ input.id }"}
                catch:
                  - errors: [HttpClientErorr]
                    steps: [{id: missing, set: {found: false}}]
            """
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(folder / "fetcher.yaml")])
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert (
        "steps[0].catch[0].errors[0]: no step, activity or bot raises the error type "
        "'HttpClientErorr'" in output
    )
    assert "Did you mean 'HttpClientError'?" in output
    assert (
        "The steps here can raise HttpClientError, HttpResponseTooLarge, HttpServerError, "
        "HttpUnreachable, SecretNotFound;" in output
    )
