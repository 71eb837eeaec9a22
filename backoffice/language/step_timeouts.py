"""What ``timeout`` on a step means, by its kind, and where it means nothing.

On a call or a bot it limits each attempt of running code (clock units). On a block
(``parallel``, ``for_each``, ``repeat``, ``switch``, ``steps``) and on a ``process`` step
it is a deadline on the whole step, business days allowed. A task and a wait have limits
of their own, and ``set``, ``fail`` and ``finish`` end at once: there it is refused, with
what to write instead.
"""

from __future__ import annotations

from backoffice.language import model
from backoffice.language.problems import Reporter
from backoffice.language.source import Path

_INSTEAD = {
    "task": "a task's time limit is written inside it, with what happens then: "
    "task: {..., timeout: {after: 5bd, outcome: expired}}. Remove this timeout",
    "wait": "a wait has its own limit: 'wait: 5bd' waits that long, and a wait for an event "
    "gives up after its own timeout (wait: {event: ..., timeout: 5bd}). Remove this timeout",
    "set": "a set step ends at once, so a timeout means nothing here. Remove it",
    "fail": "a fail step ends at once, so a timeout means nothing here. Remove it",
    "finish": "a finish step ends at once, so a timeout means nothing here. Remove it",
}


def check_step_timeout(reporter: Reporter, step: model.Step, path: Path) -> None:
    """Report a ``timeout`` (at ``path``) that the step's kind does not have."""
    assert step.timeout is not None
    instead = _INSTEAD.get(step.kind)
    if isinstance(step, model.ProcessStep) and step.detached:
        instead = (
            "a detached process runs on its own and this step ends once it has started, "
            "so there is nothing to time. Give the child process its own deadlines, or "
            "remove detached to wait for it. Remove this timeout"
        )
    if instead is not None:
        reporter.at(path, f"timeout on a {step.kind} step does nothing: {instead}", key=True)
    elif step.kind in ("call", "bot") and step.timeout.is_business:
        reporter.at(
            path,
            f"{step.timeout} is in business days, but this is a time limit on running code: "
            "use s, m or h",
        )


__all__ = ["check_step_timeout"]
