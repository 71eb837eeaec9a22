"""Expressions in words (``words``) and the reader behind it (``cel_syntax``)."""

from __future__ import annotations

import pytest

from backoffice.language import words
from backoffice.language.cel_syntax import Binary, Literal, Member, Name, Unreadable, parse


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("vars.gross > vars.cfo_threshold", "gross above cfo threshold"),
        (
            "input.amount >= 1000 && input.amount <= 5000",
            "amount at least 1000 and amount at most 5000",
        ),
        ("input.amount < 10 || input.rush", "amount below 10 or rush"),
        ("has(input.bank)", "bank is known"),
        ("!has(input.bank)", "bank is not known"),
        ("has(steps.review)", "review ran"),
        ("!has(steps.review)", "review did not run"),
        ('vars.outcome == "OPEN"', "outcome is OPEN"),
        ('vars.outcome != "OPEN"', "outcome is not OPEN"),
        ('!(vars.outcome == "OPEN")', "outcome is not OPEN"),
        ("!vars.touchless", "not touchless"),
        ("!steps.receipt.received", "receipt not received"),
        ("vars.touchless == false", "not touchless"),
        ('"DUP" in steps.check.codes', "check codes include DUP"),
        ('input.category in ["GOODS", "SERVICES"]', "category is GOODS or SERVICES"),
        ('!(input.category in ["A", "B", "C"])', "category is none of A, B and C"),
        (
            'steps.check.codes.exists(c, c in ["DUPLICATE", "TAX_ERR"])',
            "check codes include DUPLICATE or TAX_ERR",
        ),
        ('vars.codes.exists(c, c != "PRICE")', "codes include one other than PRICE"),
        ("input.lines.all(l, l.qty > 0)", "every l of lines where l qty above 0"),
        ('vars.codes.filter(c, c != "PRICE")[0]', "the first of the codes other than PRICE"),
        ('vars.a == "x" ? "ONE" : vars.b ? "TWO" : "THREE"', "ONE if a is x, TWO if b, else THREE"),
        ("(vars.a || vars.b) && vars.c", "(a or b) and c"),
        ('get(input, "po_number", "") != ""', "po number is not empty"),
        ("size(input.lines) > 3", "the number of lines above 3"),
        ("input.lines.size() > 3", "the number of lines above 3"),
        ("round_money(input.net * vars.rate)", "net \u00d7 rate rounded"),
        ('input.note.contains("urgent")', "note contains urgent"),
        ('input.name == "two words"', "name is “two words”"),
        ('input.name == "say \\"hi\\""', 'name is “say "hi"”'),
        ("vars.limit == null", "limit is nothing"),
        ("days_between(input.sent, today) > 30", "days between(sent, today) above 30"),
    ],
)
def test_common_shapes_read_as_words(source: str, said: str) -> None:
    assert words.expression(source) == said


def test_a_task_outcome_reads_as_its_label() -> None:
    labels = {"review": {"ok": "Looks right", "no": "Send back"}}
    assert words.expression('steps.review.outcome == "ok"', labels=labels) == (
        "review outcome is “Looks right”"
    )
    assert words.expression('steps.review.outcome in ["ok", "no"]', labels=labels) == (
        "review outcome is “Looks right” or “Send back”"
    )
    # Another step's outcome, or an id without a label, stays as written.
    assert words.expression('steps.other.outcome == "ok"', labels=labels) == "other outcome is ok"


def test_templates_say_their_placeholders_between_angle_quotes() -> None:
    said = words.template("Approve ${ input.invoice_no } (${ money(input.gross) } ${ input.ccy })")
    assert said == "Approve \u2039invoice no\u203a (\u2039gross\u203a \u2039ccy\u203a)"
    assert words.template("No placeholder") == "No placeholder"


def test_a_long_conjunction_keeps_whole_conditions() -> None:
    source = 'vars.outcome == "OPEN" && !vars.touchless && input.currency != vars.home'
    assert words.expression(source, 50) == "outcome is OPEN and not touchless and …"
    assert len(words.expression(source, 50)) <= 50


def test_shortening_keeps_whole_words_and_marks_the_cut() -> None:
    text = "check reason codes include DUPLICATE, MISSING_DATA or TAX_ERR"
    short = words.shorten(text, 40)
    assert short == "check reason codes include DUPLICATE …"
    assert len(short) <= 40
    # A phrase does not end on a word that promises more.
    assert words.shorten("approval is rejected and the clerk clarifies it", 28) == (
        "approval is rejected …"
    )
    assert words.shorten("short", 40) == "short"


def test_an_unreadable_expression_is_shortened_between_tokens() -> None:
    source = 'steps.check.codes.exists(c, c in ["DUPLICATE", "MISSING_DATA"]) ?'
    short = words.expression(source, 50)
    assert short == 'steps.check.codes.exists(c, c in ["DUPLICATE", …'
    # Never inside a name or a string.
    assert words.expression(source, 44) == "steps.check.codes.exists(c, c in [ …"


def test_the_reader_builds_a_tree() -> None:
    assert parse('input.a == "x"') == Binary(
        "==", Member(Name("input"), "a"), Literal("string", "x")
    )
    assert parse("r'a\\b'") == Literal("string", "a\\b")


@pytest.mark.parametrize("source", ["a ==", "a $ b", "(a", "a b", '"open'])
def test_the_reader_refuses_what_it_cannot_read(source: str) -> None:
    with pytest.raises(Unreadable):
        parse(source)
