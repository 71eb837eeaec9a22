"""A one-activity workflow that proves the chain client -> server -> worker end to end."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from backoffice import registry
    from backoffice.engine.smoke import WORKFLOW_TYPE, SmokeRequest, SmokeResult
    from backoffice.markdown_text import md
    from backoffice.smoke_check import GreetInput, greet


@registry.workflow()
@workflow.defn(name=WORKFLOW_TYPE)
class SmokeWorkflow:
    @workflow.run
    async def run(self, request: SmokeRequest) -> SmokeResult:
        if request.pause_seconds:
            workflow.set_current_details(f"Pausing {request.pause_seconds:g} s before greeting.")
            await workflow.sleep(request.pause_seconds, summary="Smoke pause before greeting")
        # The name is the caller's text: shown literally, never as markdown or HTML.
        workflow.set_current_details(f"Greeting **{md(request.name)}** through an activity.")
        greeting = await workflow.execute_activity(
            greet,
            GreetInput(name=request.name),
            start_to_close_timeout=timedelta(seconds=30),
            summary=f"Say hello to {md(request.name)}",
        )
        workflow.logger.info("smoke check done")
        workflow.set_current_details(f"Done: {md(greeting.text)}")
        return SmokeResult(greeting=greeting.text, worker=greeting.worker)
