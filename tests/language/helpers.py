"""Shared pieces of the language tests: a hand-built catalog and small definition texts."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pydantic import BaseModel

from backoffice.catalog import ActionSpec, Catalog
from backoffice.language.problems import Problem
from backoffice.language.validate import validate_text

DATA = Path(__file__).resolve().parent / "data"
EVERY_KIND = DATA / "every_kind.yaml"
KNOWN_PROCESSES = frozenset({"every-kind", "child-process"})

FILE = "demo.yaml"

# Nine lines, so the first line of a body appended after it is line 10.
HEADER = """\
name: demo
version: 1
title: Demo
owner: ap
business_key: input.invoice_id
input:
  invoice_id: string
  amount: number
steps:
"""
HEADER_LINES = 9


class ValidateIn(BaseModel):
    invoice_id: str
    tolerance: float = 0.01


class ValidateOut(BaseModel):
    matched: bool
    document_number: str


class NotifyIn(BaseModel):
    text: str


class PostIn(BaseModel):
    invoice_id: str
    amount: float


class PostOut(BaseModel):
    document_number: str


class ReverseIn(BaseModel):
    document_number: str


def make_catalog() -> Catalog:
    """The activities and bots the test definitions use."""
    specs = [
        ActionSpec(
            "invoice.validate",
            "activity",
            ValidateIn,
            ValidateOut,
            "Validate.",
            "q",
            errors=("BusinessRuleError", "InvalidInvoice", "FraudHold"),
        ),
        ActionSpec("notify.ops", "activity", NotifyIn, None, "Tell ops.", "q"),
        ActionSpec(
            "erp.post_invoice",
            "bot",
            PostIn,
            PostOut,
            "Post in the ERP.",
            "erp",
            errors=("BotAmbiguousSubmit", "BotSelectorDrift"),
        ),
        ActionSpec("erp.reverse_posting", "bot", ReverseIn, None, "Reverse a posting.", "erp"),
    ]
    return Catalog({spec.name: spec for spec in specs})


def with_steps(body: str) -> str:
    """HEADER followed by ``body``, dedented then indented by two spaces under ``steps:``.

    The body's first line is line 10, and a step written ``- id: x`` in the body starts
    with ``  - `` in the text.
    """
    return HEADER + textwrap.indent(textwrap.dedent(body), "  ")


def problems(
    text: str,
    *,
    file: str = FILE,
    catalog: Catalog | None = None,
    known_processes: frozenset[str] | None = None,
) -> list[Problem]:
    return validate_text(text, file, catalog, known_processes).problems


def at(line: int, column: int, path: str, message: str, file: str = FILE) -> Problem:
    return Problem(file, line, column, path, message)
