"""The error types activities, bots and the engine declare are the ones their code raises.

Validation refuses a catch of a type nothing declares; a type raised but not declared
would be refused although it can happen. These tests read the code for the types it
raises (``ApplicationError(type="...")``, ``StepError("...")``, a bot error's ``type``)
and hold the declarations to them.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

from backoffice import registry
from backoffice.catalog import build_catalog
from backoffice.language.error_types import ENGINE_ERRORS
from bots.kit import errors as bot_errors

ROOT = Path(__file__).resolve().parents[1]


def _raised_types(tree: ast.AST, call: str) -> Iterator[str]:
    """The literal error types of every ``call(...)`` in ``tree``: its ``type=`` keyword,
    or for StepError its first argument."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name != call:
            continue
        given = [k.value for k in node.keywords if k.arg == "type"]
        if call == "StepError" and node.args:
            given.append(node.args[0])
        for value in given:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                yield value.value


def test_every_activity_declares_the_error_types_its_module_raises() -> None:
    found = registry.discover()
    declared: dict[str, set[str]] = {}
    for queue in found.queues():
        for fn in found.activities_for(queue):
            if found.is_internal(registry.activity_name(fn)):
                continue
            declared.setdefault(fn.__module__, set()).update(found.errors_of(fn))
    assert "activities.common.http" in declared
    for module, errors in declared.items():
        tree = ast.parse(inspect.getsource(sys.modules[module]))
        raised = set(_raised_types(tree, "ApplicationError"))
        assert raised <= errors, (
            f"{module} raises {sorted(raised - errors)} but does not declare it"
        )


def test_every_bot_declares_the_bot_kit_s_error_types() -> None:
    found = registry.discover()
    kit = ROOT / "bots" / "kit"
    raised = {
        kind.type
        for kind in vars(bot_errors).values()
        if isinstance(kind, type) and issubclass(kind, bot_errors.BotError)
    }
    for path in kit.glob("*.py"):
        raised |= set(
            _raised_types(ast.parse(path.read_text(encoding="utf-8")), "ApplicationError")
        )
    raised |= set(bot_errors.BOT_ERROR_TYPES)
    declared = registry.declared_bot_errors()
    assert raised <= declared, sorted(raised - declared)
    bots = [spec for spec in build_catalog(found).actions.values() if spec.kind == "bot"]
    assert bots
    for spec in bots:
        assert declared <= set(spec.errors), spec.name


def test_the_language_knows_every_error_type_the_engine_raises() -> None:
    from workflows import interpreter

    raised: set[str] = set(interpreter.ENGINE_ERRORS)
    for path in (ROOT / "workflows").glob("*.py"):
        raised |= set(_raised_types(ast.parse(path.read_text(encoding="utf-8")), "StepError"))
    # "Error" stands for what no type names (a bug); a catch of it would hide bugs.
    raised -= {"Error"}
    assert raised <= set(ENGINE_ERRORS), sorted(raised - set(ENGINE_ERRORS))
