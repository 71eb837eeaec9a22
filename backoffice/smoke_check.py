"""The activity half of the smoke check: proves a worker executes activities.

Internal: ``backoffice smoke`` runs it through ``workflows/smoke.py``; it is no step a
definition should call, so the catalog does not offer it.
"""

from __future__ import annotations

import os
import socket

from pydantic import BaseModel
from temporalio import activity

from backoffice import registry


class GreetInput(BaseModel):
    name: str


class Greeting(BaseModel):
    text: str
    worker: str


@registry.internal_activity()
@activity.defn(name="smoke.greet")
async def greet(request: GreetInput) -> Greeting:
    """Say hello and name the worker process that did it."""
    activity.logger.info("greeting %s", request.name)
    return Greeting(text=f"Hello, {request.name}!", worker=f"{socket.gethostname()}:{os.getpid()}")
