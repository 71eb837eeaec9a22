"""`backoffice catalog` shows what a definition may pass, get back and catch.

Each entry lists its fields with the values a Literal or enum field allows, written as a
definition writes them, and the error types it declares, which a catch may name.
"""

from __future__ import annotations

import enum
from typing import Literal

from typer.testing import CliRunner

from backoffice.cli.catalog_view import type_text
from backoffice.cli.main import app


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


def test_fixed_values_are_shown_as_a_definition_writes_them() -> None:
    assert type_text(Literal["open", "paid"]) == 'one of "open", "paid"'
    assert type_text(Literal["open", "paid"] | None) == 'one of "open", "paid" or null'
    assert type_text(Colour) == 'one of "red", "green"'
    assert type_text(Literal[1, 2]) == "one of 1, 2"
    assert type_text(list[str]) == "list[str]"
    assert type_text(str | None) == "str | None"


def test_the_catalog_shows_allowed_values_and_error_types() -> None:
    result = CliRunner().invoke(app, ["catalog"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    http = lines.index(next(line for line in lines if line.startswith("  http.request ")))
    assert 'method?: one of "GET", "POST", "PUT", "PATCH", "DELETE"' in lines[http + 1]
    assert lines[http + 3] == (
        "      errors: SecretNotFound, HttpResponseTooLarge, HttpUnreachable, HttpServerError, "
        "HttpClientError"
    )
    match = lines.index(next(line for line in lines if line.startswith("  invoice.match ")))
    assert 'status: one of "matched", "exception", "awaiting_gr"' in lines[match + 2]
    post = lines.index(next(line for line in lines if line.startswith("  erp.post_invoice ")))
    assert "BotAmbiguousSubmit" in lines[post + 3]
    assert "BotSystemPaused" in lines[post + 3]
