"""Named secrets: definitions and runs name them, only activities and bots read them.

A secret is a small set of fields (``token``, or ``username`` and ``password``), found by
name in the environment (``BACKOFFICE_SECRET_<NAME>_<FIELD>``, the name upper-cased with
``-`` and ``.`` as ``_``) or in a TOML file (``[name]`` tables; default
``.backoffice/secrets.toml``). The environment wins. Values never reach workflow history,
logs or error messages; a store with another backend implements :class:`SecretStore`.
"""

from __future__ import annotations

import importlib
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from backoffice.errors import BackofficeError
from backoffice.settings import SECRET_ENV_PREFIX, Settings

_NAME = re.compile(r"^[a-z][a-z0-9_.-]*$")


class SecretNotFound(BackofficeError):
    """No secret by that name, or it lacks a field; the message names where it looked."""


class SecretStore(Protocol):
    def get(self, name: str) -> Mapping[str, str]:
        """The fields of secret ``name``; SecretNotFound when there is none."""
        ...


def _env_key(name: str) -> str:
    return SECRET_ENV_PREFIX + re.sub(r"[.-]", "_", name).upper() + "_"


class LocalSecrets:
    """Secrets from the environment and a TOML file: the embedded default."""

    def __init__(self, environ: Mapping[str, str], file: Path) -> None:
        self.environ = environ
        self.file = file

    def _from_file(self, name: str) -> dict[str, str]:
        if not self.file.exists():
            return {}
        try:
            data = tomllib.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            # The message names the file, never its content.
            raise SecretNotFound(f"the secrets file {self.file} cannot be read: {error}") from None
        table = data.get(name, {})
        return {str(k): str(v) for k, v in table.items()} if isinstance(table, dict) else {}

    def get(self, name: str) -> Mapping[str, str]:
        if not _NAME.match(name):
            raise SecretNotFound(f"'{name}' is not a secret name (lower case, digits, . _ -)")
        prefix = _env_key(name)
        fields = self._from_file(name)
        fields.update(
            {key[len(prefix) :].lower(): value for key, value in self.environ.items()
             if key.startswith(prefix)}
        )  # fmt: skip
        if not fields:
            raise SecretNotFound(
                f"no secret '{name}': set {prefix}<FIELD> (for example {prefix}TOKEN) or add "
                f"a [{name}] table to {self.file}"
            )
        return fields

    def field(self, name: str, field: str) -> str:
        return field_of(self, name, field)


def field_of(store: SecretStore, name: str, field: str) -> str:
    """One field of a secret; SecretNotFound names the fields it has instead."""
    fields = store.get(name)
    if field not in fields:
        raise SecretNotFound(
            f"secret '{name}' has no field '{field}' (it has: {', '.join(sorted(fields))})"
        )
    return fields[field]


def local_secrets(settings: Settings) -> LocalSecrets:
    return LocalSecrets(settings.environ, settings.resolved_secrets_file)


def secret_store(settings: Settings) -> SecretStore:
    """The configured store: ``BACKOFFICE_SECRETS_BACKEND=module:factory`` (a vault, a cloud
    secret manager), called with the settings; the local one by default."""
    if settings.secrets_backend is None:
        return local_secrets(settings)
    module_name, _, factory_name = settings.secrets_backend.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), factory_name)
    except (ImportError, AttributeError) as error:
        raise SecretNotFound(
            f"the secret store {settings.secrets_backend} (BACKOFFICE_SECRETS_BACKEND) cannot be "
            f"loaded: {error}"
        ) from None
    store: SecretStore = factory(settings)
    return store
