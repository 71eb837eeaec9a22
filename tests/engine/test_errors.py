"""Every expected failure of the engine shares one base, which the CLI reports as one line."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
import typer

import backoffice
from backoffice.cli.main import friendly_errors
from backoffice.errors import BackofficeError
from backoffice.secrets import SecretNotFound

# Errors that never reach a person as they are: each is caught where it is raised and
# turned into a page's field message, a refusal or a problem with a position.
CAUGHT_WHERE_RAISED = {
    "FormProblem",
    "CellProblems",  # a form's cells, shown next to each cell by the inbox page
    "Unreadable",
    "UnknownAssigneeRule",
    "CalendarProblem",
    "_Refused",
}


def engine_exceptions() -> list[type[BaseException]]:
    found: list[type[BaseException]] = []
    for module_info in pkgutil.walk_packages(backoffice.__path__, "backoffice."):
        if ".migrations." in module_info.name:
            continue  # alembic's environment and revisions, which only alembic may run
        module = importlib.import_module(module_info.name)
        for _, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, Exception) and member.__module__ == module.__name__:
                found.append(member)
    return found


def test_every_engine_error_derives_from_the_one_base() -> None:
    exceptions = engine_exceptions()
    assert any(error.__name__ == "RunError" for error in exceptions)  # the walk found them
    outside = [
        f"{error.__module__}.{error.__name__}"
        for error in exceptions
        if not issubclass(error, BackofficeError) and error.__name__ not in CAUGHT_WHERE_RAISED
    ]
    assert outside == []


def test_the_cli_reports_an_engine_error_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    @friendly_errors
    def command() -> None:
        raise SecretNotFound("no secret 'erp': add it to the secrets file")

    with pytest.raises(typer.Exit) as exited:
        command()
    assert exited.value.exit_code == 1
    assert capsys.readouterr().err == "error: no secret 'erp': add it to the secrets file\n"


def test_the_cli_keeps_the_traceback_of_anything_else() -> None:
    @friendly_errors
    def command() -> None:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        command()
