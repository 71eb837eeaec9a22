"""The keys that encrypt payloads: read from the secret store, rotated by adding one.

The secret ``payload-keys`` holds one field per key (the key id as field name, its 32
bytes in base64) and the field ``current``, the id of the key new payloads are encrypted
with. Rotating is adding a key and making it current: the old ones stay, so what they
encrypted (histories of runs in flight and finished) still decodes. Only ``backoffice dev``
makes a key by itself (the dev key, in the state directory's secrets file); anywhere else a
missing key stops the process with what to set, since two machines each inventing a key
would not read each other's payloads.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

from backoffice.secrets import SecretNotFound, secret_store
from backoffice.settings import SECRET_ENV_PREFIX, Settings, SettingsError

PAYLOAD_KEYS = "payload-keys"
CURRENT = "current"
KEY_BYTES = 32  # AES-256
DEV_KEY_ID = "dev1"
_KEY_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # a field name that survives env variables
_ENV = SECRET_ENV_PREFIX + "PAYLOAD_KEYS_"


@dataclass(frozen=True)
class PayloadKeys:
    """The key new payloads get (``current``) and every key that may decode one."""

    current: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise SettingsError(
                f"the current payload key '{self.current}' is not among the keys of secret "
                f"'{PAYLOAD_KEYS}' ({', '.join(sorted(self.keys)) or 'none'}): add it"
            )

    def __repr__(self) -> str:  # never the key material, wherever an object is printed
        return f"PayloadKeys(current={self.current!r}, ids={sorted(self.keys)!r})"


def new_key() -> str:
    """A fresh random key, as it is written into the secret store."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def parse_keys(fields: Mapping[str, str]) -> PayloadKeys:
    """The keys of the secret's fields; SettingsError naming the field (never its value)."""
    if CURRENT not in fields:
        raise SettingsError(
            f"secret '{PAYLOAD_KEYS}' has no field '{CURRENT}': set {_ENV}CURRENT to the id "
            "of the key new payloads are encrypted with"
        )
    keys: dict[str, bytes] = {}
    for name, value in fields.items():
        if name == CURRENT:
            continue
        if not _KEY_ID.match(name):
            raise SettingsError(
                f"secret '{PAYLOAD_KEYS}' field '{name}' is not a key id (lower case letter, "
                "then letters, digits or _, at most 32)"
            )
        keys[name] = _key_bytes(name, value)
    return PayloadKeys(current=fields[CURRENT].strip(), keys=keys)


def _key_bytes(name: str, value: str) -> bytes:
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise SettingsError(
            f"payload key '{name}' of secret '{PAYLOAD_KEYS}' is not {KEY_BYTES} bytes in "
            "base64: make one with python -c 'import base64, os; "
            "print(base64.b64encode(os.urandom(32)).decode())'"
        )
    return raw


def payload_keys(settings: Settings) -> PayloadKeys | None:
    """The configured keys; None when payload encryption is off; SettingsError when it is
    on and there are none, saying what to set."""
    if not settings.payload_encryption:
        return None
    try:
        fields = secret_store(settings).get(PAYLOAD_KEYS)
    except SecretNotFound as missing:
        raise SettingsError(
            f"payload encryption is on (BACKOFFICE_PAYLOAD_ENCRYPTION) but there is no key: "
            f"{missing}. Give it {_ENV}CURRENT=<id> and {_ENV}<ID>=<32 random bytes, base64>; "
            "`backoffice dev` makes a dev key by itself"
        ) from None
    return parse_keys(fields)


def ensure_dev_key(settings: Settings) -> bool:
    """Give the embedded stack a key of its own if it has none: appended to the local secrets
    file, so every command using this state directory reads the same one. True if made."""
    if not settings.payload_encryption or settings.secrets_backend is not None:
        return False  # another store is the user's to fill; payload_keys() says how
    try:
        secret_store(settings).get(PAYLOAD_KEYS)
        return False
    except SecretNotFound:
        pass
    file = settings.resolved_secrets_file
    file.parent.mkdir(parents=True, exist_ok=True)
    existing = file.read_text(encoding="utf-8") if file.exists() else ""
    try:
        tomllib.loads(existing)
    except tomllib.TOMLDecodeError:
        return False  # a broken file is not made worse; payload_keys() names it
    table = (
        "\n# Made by `backoffice dev`: the key that encrypts this stack's payloads. Keep it:\n"
        "# without it the runs' inputs and results cannot be read. Rotate by adding a key\n"
        "# and making it current; never remove one that encrypted something still kept.\n"
        f'[{PAYLOAD_KEYS}]\n{CURRENT} = "{DEV_KEY_ID}"\n{DEV_KEY_ID} = "{new_key()}"\n'
    )
    file.touch(mode=0o600)
    file.write_text(existing + table, encoding="utf-8")
    return True
