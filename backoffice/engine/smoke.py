"""The smoke check's contract: what ``backoffice smoke`` sends and what it gets back.

The engine's command starts the workflow by its type name; ``workflows/smoke.py``
implements it. Both read the names and shapes from here, so the engine needs no import of
workflow code to start one.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

WORKFLOW_TYPE = "backoffice-smoke"


class SmokeRequest(BaseModel):
    name: str = "back office"
    pause_seconds: float = Field(default=0, ge=0, le=86_400)
    """A durable timer before the greeting: shows a run surviving a restart of the stack."""


class SmokeResult(BaseModel):
    greeting: str
    worker: str
