"""The files people upload into a task's form, kept in the artifacts store by task.

A decision holds a reference (``{file_id, name, size, sha256, content_type}``, see
``backoffice/language/file_fields.py``), never the bytes: history stays small and holds
no document. The file itself lives under ``<artifacts>/uploads/<task key>/<file_id>/``
with what it is beside it; a file becomes part of the record once the decision that
names it was accepted (``keep``), and only then does the task's page link it.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from backoffice.errors import BackofficeError
from backoffice.settings import Settings

CHUNK = 1024 * 1024
_FILE_ID = re.compile(r"^[0-9a-f]{32}$")
CONTENT = "content"
ABOUT = "about.json"


class UploadRefused(BackofficeError, ValueError):
    """A file not taken; the message names the field and says what to do."""


@dataclass(frozen=True)
class StoredFile:
    reference: dict[str, Any]
    path: Path


def _task_dir(settings: Settings, task_id: str) -> Path:
    # Task ids hold '/' and '#': a digest names the folder, the same for every writer.
    key = hashlib.sha256(task_id.encode()).hexdigest()[:32]
    return settings.resolved_artifacts_dir / "uploads" / key


def _clean_name(name: str) -> str:
    """The name as the person gave it, without folders or control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    return base[:200] or "file"


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def store(
    settings: Settings,
    task_id: str,
    label: str,
    name: str,
    content_type: str,
    source: BinaryIO,
) -> dict[str, Any]:
    """Keep an upload for ``task_id``; its reference for the decision.

    Read in chunks, and refused past ``settings.upload_max_bytes`` with what was too big.
    """
    limit = settings.upload_max_bytes
    file_id = secrets.token_hex(16)
    folder = _task_dir(settings, task_id) / file_id
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    target = folder / CONTENT
    with target.open("wb") as out:
        while chunk := source.read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                folder.rmdir()
                raise UploadRefused(
                    f"{label}: the file is larger than {_mib(limit)}; send a smaller one "
                    "(a scan at a lower resolution, or a PDF)"
                )
            digest.update(chunk)
            out.write(chunk)
    reference = {
        "file_id": file_id,
        "name": _clean_name(name),
        "size": size,
        "sha256": digest.hexdigest(),
        "content_type": (content_type or "application/octet-stream")[:100],
    }
    (folder / ABOUT).write_text(json.dumps({**reference, "kept": False}), encoding="utf-8")
    return reference


def store_path(settings: Settings, task_id: str, label: str, path: Path) -> dict[str, Any]:
    """Keep a file from disk (``backoffice decide --field evidence=@scan.pdf``)."""
    import mimetypes

    if not path.is_file():
        raise UploadRefused(f"{label}: no file {path}")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with path.open("rb") as source:
        return store(settings, task_id, label, path.name, content_type, source)


def find(settings: Settings, task_id: str, file_id: str) -> StoredFile | None:
    """A kept upload of the task, or None (unknown, or not part of an accepted decision)."""
    if not _FILE_ID.match(file_id):
        return None
    folder = _task_dir(settings, task_id) / file_id
    try:
        about = json.loads((folder / ABOUT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not about.pop("kept", False):
        return None
    return StoredFile(reference=about, path=folder / CONTENT)


def references_in(fields: dict[str, Any], file_fields: Iterable[str]) -> list[dict[str, Any]]:
    """The file references among a decision's fields."""
    return [fields[name] for name in file_fields if isinstance(fields.get(name), dict)]


def keep(settings: Settings, task_id: str, references: Iterable[dict[str, Any]]) -> None:
    """Make the uploads an accepted decision names part of the task's record."""
    for reference in references:
        file_id = str(reference.get("file_id", ""))
        if not _FILE_ID.match(file_id):
            continue
        about_path = _task_dir(settings, task_id) / file_id / ABOUT
        try:
            about = json.loads(about_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # made elsewhere (a rehearsal): nothing kept here
        if about.get("sha256") == reference.get("sha256") and not about.get("kept"):
            about_path.write_text(json.dumps({**about, "kept": True}), encoding="utf-8")


def kept_files(settings: Settings, task_id: str) -> list[dict[str, Any]]:
    """Every upload part of the task's record, for its page."""
    root = _task_dir(settings, task_id)
    found = []
    for about_path in sorted(root.glob(f"*/{ABOUT}")) if root.is_dir() else []:
        try:
            about = json.loads(about_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if about.pop("kept", False):
            found.append(about)
    return found


def file_field_ids(form: dict[str, Any]) -> list[str]:
    """The ids of a recorded form's file fields."""
    return [spec["id"] for spec in form.get("fields", []) if spec.get("type") == "file"]


def keep_decided(
    settings: Settings, task_id: str, form: dict[str, Any], fields: dict[str, Any]
) -> None:
    """After a decision was accepted: its uploads become part of the task's record."""
    keep(settings, task_id, references_in(fields, file_field_ids(form)))
