"""Activities a worker *subprocess* loads through BACKOFFICE_PLUGINS in reliability tests.

They write to a file named in their input, so the test can count executions across
processes.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from pydantic import BaseModel
from temporalio import activity

from backoffice import registry


class AppendInput(BaseModel):
    path: str
    line: str


class AppendOutput(BaseModel):
    lines: int


class BlockInput(BaseModel):
    path: str
    line: str
    release: str


def _append(path: str, line: str) -> int:
    with Path(path).open("a", encoding="utf-8") as file:
        file.write(line + "\n")
    return len(Path(path).read_text(encoding="utf-8").splitlines())


@registry.activity()
@activity.defn(name="test.append")
async def append(request: AppendInput) -> AppendOutput:
    """Append a line to a file."""
    return AppendOutput(lines=_append(request.path, request.line))


@registry.activity()
@activity.defn(name="test.block")
async def block(request: BlockInput) -> AppendOutput:
    """Append '<line> started', wait (bounded) for the release file, append '<line> done'."""
    _append(request.path, f"{request.line} started")
    for _ in range(600):
        if Path(request.release).exists():
            return AppendOutput(lines=_append(request.path, f"{request.line} done"))
        activity.heartbeat()
        await asyncio.sleep(0.05)
    raise TimeoutError("release file never appeared")
