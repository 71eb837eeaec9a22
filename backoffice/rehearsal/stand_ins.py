"""The stand-in for every call and bot of a rehearsal: it answers from the scenario.

One dynamic activity takes every activity name the engine does not run itself, so nothing
reaches a real system. It finds the scenario by the run's workflow id and the step by the
activity id, which the interpreter sets to the step's instance key (``post``,
``matching#2/match``, ``post:INV-1`` with an idempotency key), and records each call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from temporalio import activity
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

from backoffice.rehearsal.scenarios import Answer, step_of

# The error type of a call the scenario gives no answer for: the run fails with it, and
# the report says which step to answer.
NO_ANSWER = "ScenarioGivesNoAnswer"


@dataclass(frozen=True)
class CallMade:
    key: str
    step: str
    activity: str
    arguments: Any


@dataclass
class Rehearsed:
    """What one scenario's run may be answered, and what it was asked."""

    answers: dict[str, Answer]
    calls: list[CallMade] = field(default_factory=list)
    unanswered: list[CallMade] = field(default_factory=list)

    def answer(self, call: CallMade) -> Any:
        self.calls.append(call)
        answer = self.answers.get(call.step)
        if answer is None:
            self.unanswered.append(call)
            raise ApplicationError(
                f"step '{call.step}' called {call.activity}, and the scenario gives no "
                f"answer for it: add it under answers, as in `{call.step}: {{result: ...}}`",
                type=NO_ANSWER,
                non_retryable=True,
            )
        number = sum(1 for earlier in self.calls if earlier.step == call.step) - 1
        result, error = answer.reply(number)
        if error is not None:
            raise ApplicationError(error.message or error.type, type=error.type, non_retryable=True)
        return result


# The scenario running now, by its run's workflow id. Scenarios run one at a time, so a
# child process the run starts (a workflow id of its own) is answered from the same
# scenario; the runs of scenarios that ended were terminated.
RUNS: dict[str, Rehearsed] = {}


@activity.defn(dynamic=True)
async def stand_in(args: Sequence[RawValue]) -> Any:
    info = activity.info()
    arguments = activity.payload_converter().from_payload(args[0].payload) if args else None
    call = CallMade(info.activity_id, step_of(info.activity_id), info.activity_type, arguments)
    run = RUNS.get(info.workflow_id or "") or next(iter(RUNS.values()), None)
    if run is None:
        raise ApplicationError("no scenario is running", type=NO_ANSWER, non_retryable=True)
    return run.answer(call)
