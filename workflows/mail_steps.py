"""The ``notify`` and ``void`` steps: mail people, and void a decision that no longer stands.

Workflow code passed through the sandbox like the interpreter that calls it: only
``temporalio.workflow`` for time and activities. The run writes out each mail's text (its
expressions read the run's values); the activities resolve the people on the worker and
send through the outbox, keyed by the run and the step instance, so a retried or
replayed step never mails twice.
"""

from __future__ import annotations

from typing import Any, Protocol

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from backoffice.engine.contracts import RunInput
    from backoffice.language import model
    from backoffice.language.expressions import Scope, render
    from backoffice.markdown_text import md

from workflows.frames import Frame
from workflows.human_tasks import describe_assignee

NOTIFY_ACTIVITY = "notify.send"  # backoffice/tasks/notices.py
VOID_ACTIVITY = "tasks.void"
# A void outside any undo, with no reason of its own, says only what happened.
VOIDED = "the process voided it"


class MailHost(Protocol):
    """What these steps use of the interpreter: names, the definition and its policies."""

    definition: model.Definition
    run: RunInput

    def scope(self, frame: Frame, **extra: Any) -> Scope: ...

    def retry_policy(self, step: model.Step) -> RetryPolicy: ...

    def failure_reason(self) -> str | None: ...


async def notify(host: MailHost, step: model.NotifyStep, key: str, frame: Frame) -> Any:
    """Mail the people ``to`` names; the result says whom, and which rules named nobody."""
    mail = step.notify
    scope = host.scope(frame)
    context = render(mail.context, scope)
    says = host.scope(frame, context=context)
    template = host.definition.mail_templates.get(mail.template) if mail.template else None
    subject = mail.subject if mail.subject is not None else template.subject if template else ""
    body = mail.body if mail.body is not None else template.body if template else ""
    info = workflow.info()
    timeout = (step.timeout or host.definition.defaults.timeout).to_timedelta()
    return await workflow.execute_activity(
        NOTIFY_ACTIVITY,
        {
            "key": f"{info.workflow_id}/{info.run_id}/{key}",
            "workflow_id": info.workflow_id,
            "process": host.definition.name,
            "business_key": host.run.business_key,
            "step_id": key,
            "to": [describe_assignee(rule, scope) for rule in mail.to],
            "subject": " ".join(str(render(subject, says)).split()),
            "body": str(render(body, says)),
            "at": workflow.now().isoformat(),
        },
        start_to_close_timeout=timeout,
        retry_policy=host.retry_policy(step),
        summary=f"{step.id}: mail {md(', '.join(r.kind for r in mail.to))}",
    )


async def void(host: MailHost, step: model.VoidStep, key: str, frame: Frame) -> Any:
    """Void the decision of an earlier task: audited with why, its deciders told."""
    decided = frame.all_results().get(step.void.task)
    if not isinstance(decided, dict) or not decided.get("task_id"):
        return {"voided": False, "task_id": None, "reason": None}  # the task never ran
    scope = host.scope(frame)
    if step.void.reason is not None:
        reason = str(render(step.void.reason, scope))
    else:
        reason = host.failure_reason() or VOIDED
    voided = await workflow.execute_activity(
        VOID_ACTIVITY,
        {
            "task_id": decided["task_id"],
            "reason": reason[:2000],
            "decided_by": list(decided.get("decided_by") or []),
            "at": workflow.now().isoformat(),
        },
        start_to_close_timeout=(step.timeout or host.definition.defaults.timeout).to_timedelta(),
        retry_policy=host.retry_policy(step),
        summary=f"{step.id}: void the decision of {step.void.task}",
    )
    return {"voided": True, "task_id": decided["task_id"], "reason": reason, **voided}
