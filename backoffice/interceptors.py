"""Worker interceptors: the Temporal context of every activity log line, and the step audit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from backoffice import database, registry, runtime
from backoffice.audit import steps


class _BindActivityContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        # Bound as contextvars, so lines logged through structlog directly (not only through
        # temporalio's activity.logger) carry the same keys. Contextvars are per task, so
        # concurrent activities never see each other's values.
        with structlog.contextvars.bound_contextvars(
            workflow_id=info.workflow_id,
            run_id=info.workflow_run_id,
            activity_type=info.activity_type,
            activity_id=info.activity_id,
            attempt=info.attempt,
        ):
            return await self.next.execute_activity(input)


class LogContextInterceptor(Interceptor):
    """Binds workflow id, run id, activity type and attempt around each activity."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _BindActivityContext(next)


class _AuditSteps(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        # The audit is of a process's own steps. The engine's internal activities are none:
        # the task activities keep their own trail (task_event, with the person who acted).
        if registry.REGISTRY.is_internal(info.activity_type) or not info.workflow_id:
            return await self.next.execute_activity(input)
        started = datetime.now(UTC)
        process, _, business_key = info.workflow_id.partition("/")
        # Bots run on their legacy system's queue (``<queue>.<system>``).
        suffix = info.task_queue.rpartition(".")[2]
        system = suffix if suffix in runtime.settings().systems else None
        row = steps.StepEventRow(
            key=f"{info.workflow_id}|{info.workflow_run_id}|{info.activity_id}|{info.attempt}",
            workflow_id=info.workflow_id,
            run_id=info.workflow_run_id or "",
            process=process,
            business_key=business_key,
            step=info.activity_id,
            action=info.activity_type,
            actor=f"bot:{system}" if system else "system",
            attempt=info.attempt,
            started_at=started,
            ended_at=started,
            input_hash=steps.digest(list(input.args)),
            outcome="completed",
        )
        steps.begin_attempt()
        try:
            result = await self.next.execute_activity(input)
        except BaseException as error:
            row.started_at = steps.started_at(started)
            row.outcome = "failed"
            row.reason_code, row.error = _reason(error)
            await self._write(row)
            raise
        row.started_at = steps.started_at(started)
        row.output_hash = steps.digest(result)
        await self._write(row)
        return result

    @staticmethod
    async def _write(row: steps.StepEventRow) -> None:
        row.ended_at = datetime.now(UTC)
        # A step without its audit row is not done: a failed write fails the attempt, and
        # the retry (idempotent, like every step) writes it.
        await asyncio.to_thread(steps.write, database.engine(runtime.settings()), row)


def _reason(error: BaseException) -> tuple[str, str]:
    """The reason code an error carries (a bot's POSTING_MISMATCH), else its type."""
    message = str(error)[:500]
    if isinstance(error, ApplicationError):
        for detail in error.details:
            if isinstance(detail, dict) and isinstance(detail.get("reason_code"), str):
                return detail["reason_code"], message
        return error.type or "ApplicationError", message
    return type(error).__name__, message


class StepAuditInterceptor(Interceptor):
    """Writes a ``step_event`` row for every attempt of a process's calls and bots."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _AuditSteps(next)
