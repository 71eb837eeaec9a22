"""What a form's file field holds in a decision: a reference to an upload, never its bytes.

The inbox and the command line keep the file in the artifacts store and put only this
reference in the decision (so in the run's history): ``{file_id, name, size, sha256,
content_type}``. The process checks the reference's shape; the store checks the file.
"""

from __future__ import annotations

import re
from typing import Any

FILE_KEYS = ("file_id", "name", "size", "sha256", "content_type")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_FILE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def file_problem(value: Any) -> str | None:
    """Why ``value`` is not a file reference, or None."""
    if not isinstance(value, dict):
        return "must be an uploaded file (choose a file in the form, or --field NAME=@path)"
    unknown = sorted(set(value) - set(FILE_KEYS))
    if unknown:
        return f"a file reference has only {', '.join(FILE_KEYS)} (found {', '.join(unknown)})"
    if not (isinstance(value.get("file_id"), str) and _FILE_ID.match(value["file_id"])):
        return "the file reference has no valid file_id"
    if not (isinstance(value.get("name"), str) and value["name"].strip()):
        return "the file reference needs the file's name"
    size = value.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return "the file reference needs its size in bytes"
    if not (isinstance(value.get("sha256"), str) and _SHA256.match(value["sha256"])):
        return "the file reference needs the file's sha256"
    if not isinstance(value.get("content_type", ""), str):
        return "the file's content_type is text, such as image/png"
    return None
