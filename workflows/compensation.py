"""Undoing a failed or cancelled run's work, never given up silently.

Completed steps are undone in reverse order of completion. Each undo (``compensate``) is
a step like any other, retried as its kind is (a bot for its system's retry window).
When it still fails, the run does not end with work half done: it opens a task for the
people the definition names (``defaults.repair_by``) with the error, the evidence and
what is still to undo. They undo it by hand and say so, or have the undo tried again;
only then does the run move on to the next undo.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow

from backoffice.engine.contracts import PendingCompensation, RunState
from backoffice.language import model
from workflows.frames import Frame, error_from
from workflows.interpreter import Interpreter

# Bounds the rounds of "try again" a person can ask for on one undo.
MAX_ROUNDS = 20
# Who finishes an undo when an older definition named nobody.
FALLBACK_REPAIRERS = [{"group": "operations"}]
UNDONE = "undone"
RETRY = "retry"
CANCELLED = "the run was cancelled"  # why the undos run, when no step failed
DESCRIPTION = (
    "The process could not undo this step by itself, so part of its work may still stand "
    "in the system it changed. Undo it there by hand and choose **Undone by hand** with a "
    "note of what you did, or choose **Try again** once the cause is fixed. The run waits "
    "for you before it undoes anything else."
)


async def undo_all(interpreter: Interpreter, definition: model.Definition) -> list[str]:
    """Undo completed steps, latest first; names the steps whose undo was given up."""
    state: RunState = interpreter.state
    pending = list(state.compensations)
    state.compensations.clear()
    return await undo_these(interpreter, definition, pending)


async def undo_these(
    interpreter: Interpreter, definition: model.Definition, completed: list[PendingCompensation]
) -> list[str]:
    """Undo ``completed`` (in order of completion), latest first: a whole run's, or those of
    a branch or block that was cancelled; names the steps whose undo was given up."""
    pending = list(reversed(completed))
    given_up: list[str] = []
    for position, item in enumerate(pending):
        step = interpreter.index[item.step_id]
        assert step.compensate is not None
        left = [later.step_id for later in pending[position + 1 :]]
        if not await _undo(interpreter, definition, item, step, left):
            given_up.append(step.id)
    return given_up


async def _undo(
    interpreter: Interpreter,
    definition: model.Definition,
    item: Any,
    step: model.Step,
    left: list[str],
) -> bool:
    assert step.compensate is not None
    record = interpreter.state.records.get(item.key)
    for round_number in range(1, MAX_ROUNDS + 1):
        # The first round keeps the key runs before repair tasks used, so they replay.
        suffix = "" if round_number == 1 else f"#{round_number}"
        frame = Frame(
            prefix=f"~{item.key}{suffix}/",
            locals=dict(item.locals),
            results={step.id: record.result if record else None},
            parent=interpreter.root,
        )
        try:
            await interpreter.step(step.compensate, frame)
            return True
        except Exception as problem:  # every failure of an undo goes to a person
            workflow.logger.error(
                "compensation failed", extra={"step": step.id, "error": str(problem)}
            )
            if not workflow.patched("undo-by-hand"):
                return False  # runs from before repair tasks gave the undo up here
            outcome = await _ask_a_person(
                interpreter, definition, step, frame, problem, left, round_number
            )
            if outcome != RETRY:
                return True
    return False


async def _ask_a_person(
    interpreter: Interpreter,
    definition: model.Definition,
    step: model.Step,
    frame: Frame,
    problem: Exception,
    left: list[str],
    round_number: int,
) -> str:
    assert step.compensate is not None
    error = error_from(problem)
    details = error.details if isinstance(error.details, list) else [error.details]
    evidence: list[str] = []
    for detail in details:
        if isinstance(detail, dict) and isinstance(detail.get("evidence"), list):
            evidence.extend(str(path) for path in detail["evidence"])
    # Values go in as data, read by the templates below: text from an error message is
    # never read as a template.
    frame.locals["repair"] = {
        "title": interpreter.title(step.compensate, frame),
        "step": step.id,
        "undo": step.compensate.id,
        "error_type": error.type,
        "error": error.message[:2000],
        "evidence": evidence,
        "still_to_undo": left,
        "round": round_number,
    }
    repair = repair_task(definition, step, round_number)
    interpreter.index[repair.id] = repair  # decisions find their task by its step id
    frame.results.pop(repair.id, None)
    await interpreter.step(repair, frame)
    result = frame.results.get(repair.id)
    return str(result.get("outcome")) if isinstance(result, dict) else UNDONE


def repair_task(
    definition: model.Definition, step: model.Step, round_number: int
) -> model.TaskStep:
    """The task that asks people to finish an undo the process could not do."""
    assignees = [
        assignee.model_dump(by_alias=True, exclude_none=True)
        for assignee in definition.defaults.repair_by
    ] or FALLBACK_REPAIRERS
    return model.TaskStep.model_validate(
        {
            "id": f"undo_{step.id[:48]}_{round_number}",
            "title": "Undo by hand: ${ repair.title } (step ${ repair.step })",
            "task": {
                "description": DESCRIPTION,
                "assignees": assignees,
                "reassigners": assignees,
                "context": {
                    "step": "${ repair.step }",
                    "undo": "${ repair.undo }",
                    "error": "${ repair.error_type }: ${ repair.error }",
                    "evidence": "${ repair.evidence }",
                    "still_to_undo": "${ repair.still_to_undo }",
                    "round": "${ repair.round }",
                },
                "form": {
                    "fields": [{"id": "comment", "label": "What was done", "type": "text"}],
                    "outcomes": [
                        {"id": UNDONE, "label": "Undone by hand", "requires": ["comment"]},
                        {"id": RETRY, "label": "Try again"},
                    ],
                },
                "reminders": {"every": "1bd", "max": 20},
                # Nobody acting is no reason to give up: the undo is tried again, and a
                # new task opens if it fails once more.
                "timeout": {"after": "5bd", "outcome": RETRY},
            },
        }
    )
