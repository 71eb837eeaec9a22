"""Activities a worker *subprocess* loads through BACKOFFICE_PLUGINS in reliability tests.

They write to a file named in their input, so the test can count executions across
processes.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from temporalio import activity

from backoffice import registry
from tests.support.eventually import eventually


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

    def released() -> bool:
        activity.heartbeat()
        return Path(request.release).exists()

    await eventually(released, f"the release file {request.release}")
    return AppendOutput(lines=_append(request.path, f"{request.line} done"))
