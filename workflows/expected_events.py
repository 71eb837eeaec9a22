"""Which external events a run can still receive: the definition's waits not yet behind it.

``backoffice send`` refuses an event no step of the run will ever wait for, so a typo or
an event sent to the wrong process is told at once instead of being buffered forever.
Step keys change only inside loops (``loop[3]/step``, ``loop#2/step``): a wait outside
every loop can still come while neither it nor a block around it has ended; a wait inside
a loop can come again while its outermost loop has not ended.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from backoffice.engine.contracts import StepRecord
    from backoffice.language import model

LOOP_KINDS = frozenset({"for_each", "repeat"})


def declared_events(definition: model.Definition) -> list[str]:
    """Every event name some wait step of the definition waits for."""
    return sorted({name for name, _ in _event_waits(definition.steps, ())})


def possible_events(definition: model.Definition, records: Mapping[str, StepRecord]) -> list[str]:
    """The declared events a step may still wait for, given what the run has recorded."""
    possible: set[str] = set()
    for name, ancestors in _event_waits(definition.steps, ()):
        loops = [step for step in ancestors if step.kind in LOOP_KINDS]
        if loops:
            if loops[0].id not in records:
                possible.add(name)
        elif not any(step.id in records for step in ancestors):
            possible.add(name)
    return sorted(possible)


def _event_waits(
    steps: list[model.Step], ancestors: tuple[model.Step, ...]
) -> Iterator[tuple[str, tuple[model.Step, ...]]]:
    for step in steps:
        yield from _event_waits_of(step, ancestors)


def _event_waits_of(
    step: model.Step, ancestors: tuple[model.Step, ...]
) -> Iterator[tuple[str, tuple[model.Step, ...]]]:
    here = (*ancestors, step)
    if isinstance(step, model.WaitStep) and step.wait.event is not None:
        yield step.wait.event, here
    for _, children in step.children():
        yield from _event_waits(children, here)
    for handler in step.catch:
        yield from _event_waits(handler.steps, here)
    if step.compensate is not None:
        yield from _event_waits_of(step.compensate, here)
