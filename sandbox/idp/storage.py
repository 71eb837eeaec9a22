"""SCIM resources kept in SQLite, so a restart of the sandbox keeps who was provisioned.

scim2-server's in-memory storage already does everything the protocol needs (filters,
uniqueness of ``userName``, versions for ETags); this one writes every change through to
a table and reads the table back at start. The sandbox holds tens of users, so keeping
them in memory too costs nothing and keeps the filters exactly scim2-server's.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scim2_models import Resource, ResourceType, ScimProvider
from scim2_server.memory import InMemoryStorage, utcnow

_VERSION = re.compile(r'^W/"(\d+)"$')

SCHEMA = """
CREATE TABLE IF NOT EXISTS scim_resources (
    resource_type TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (resource_type, id)
);
"""


class SqliteScimStorage(InMemoryStorage):
    """scim2-server's in-memory storage, written through to a SQLite connection."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        lock: threading.RLock,
        provider: ScimProvider,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        super().__init__(clock=clock)
        self.connection = connection
        self.lock = lock  # one lock for the SCIM resources and the applications' tables
        self.provider = provider
        with self.lock:
            self.connection.executescript(SCHEMA)
            self.reload()

    def reload(self) -> None:
        """Read every resource from the table (at start, and after a reset)."""
        loaded: list[Resource[Any]] = []
        highest = 0
        with self.lock:
            rows = self.connection.execute(
                "SELECT resource_type, body FROM scim_resources"
            ).fetchall()
        with self.provider:
            for resource_type, body in rows:
                model = self.provider.model_for(resource_type)
                if model is None or not issubclass(model, Resource):
                    continue
                resource = model.model_validate(json.loads(body))
                loaded.append(resource)
                version = _VERSION.match(str(resource.meta.version if resource.meta else ""))
                if version:
                    highest = max(highest, int(version.group(1)))
        with self.lock:
            self.resources = loaded
            # Versions keep rising across restarts: an ETag a client holds never comes back.
            self.versions = itertools.count(highest + 1)

    def _write(self, resource: Resource[Any]) -> None:
        assert resource.meta is not None
        body = json.dumps(resource.model_dump(mode="json"))
        self.connection.execute(
            "INSERT OR REPLACE INTO scim_resources (resource_type, id, body) VALUES (?, ?, ?)",
            (resource.meta.resource_type, resource.id, body),
        )
        self.connection.commit()

    def create(self, resource_type: ResourceType, resource: Resource[Any]) -> Resource[Any]:
        with self.lock:
            created = super().create(resource_type, resource)
            self._write(created)
            return created

    def update(
        self,
        resource_type: ResourceType,
        resource: Resource[Any],
        *,
        expected_version: str | None = None,
    ) -> Resource[Any]:
        with self.lock:
            updated = super().update(resource_type, resource, expected_version=expected_version)
            self._write(updated)
            return updated

    def delete(
        self,
        resource_type: ResourceType,
        resource_id: str,
        *,
        expected_version: str | None = None,
    ) -> None:
        with self.lock:
            super().delete(resource_type, resource_id, expected_version=expected_version)
            self.connection.execute(
                "DELETE FROM scim_resources WHERE resource_type = ? AND id = ?",
                (resource_type.name, resource_id),
            )
            self.connection.commit()

    def wipe(self) -> None:
        """Forget every resource, in the table and in memory."""
        with self.lock:
            self.connection.execute("DELETE FROM scim_resources")
            self.connection.commit()
            self.reload()
