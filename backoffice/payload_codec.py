"""Payloads encrypted before they leave the process: history holds no business data in clear.

Every payload (inputs, results, signals, updates, queries, memos, summaries, failure
details) is sealed with AES-256-GCM under the current payload key; its metadata says it is
encrypted and with which key, so a payload keeps decoding after the key is rotated.
Failure messages and stack traces are moved into an encoded payload too (they quote
business data). Search attributes are not payloads and stay in clear for the Web UI's
filters: ``backoffice.search_attributes`` keeps them free of personal data.

A payload whose encoding is not ours (a history recorded before encryption was turned on)
is passed through untouched, so such runs go on and replay.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from backoffice.errors import BackofficeError
from backoffice.payload_keys import PAYLOAD_KEYS, PayloadKeys

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE_BYTES = 12  # GCM's standard nonce, random per payload


class PayloadNotDecrypted(BackofficeError):
    """An encrypted payload this process cannot open; the message says which key it needs."""


class EncryptionCodec(PayloadCodec):
    """Seals payloads with the current key; opens them with whichever key sealed them."""

    def __init__(self, keys: PayloadKeys) -> None:
        self.current = keys.current
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.open(payload) for payload in payloads]

    def seal(self, payload: Payload) -> Payload:
        nonce = os.urandom(_NONCE_BYTES)
        key_id = self.current.encode()
        # The key id is authenticated with the data: a payload relabelled does not open.
        sealed = self._ciphers[self.current].encrypt(nonce, payload.SerializeToString(), key_id)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: key_id}, data=nonce + sealed)

    def open(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload  # not encrypted by us: recorded before encryption was on
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadNotDecrypted(
                f"a payload is encrypted with key '{key_id}', which secret '{PAYLOAD_KEYS}' "
                f"does not hold (it has: {', '.join(sorted(self._ciphers))}): put it back"
            )
        data = payload.data
        try:
            plain = cipher.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], key_id.encode())
        except InvalidTag:
            raise PayloadNotDecrypted(
                f"a payload does not open with key '{key_id}': the key of that id in secret "
                f"'{PAYLOAD_KEYS}' is not the one that encrypted it, or the payload was altered"
            ) from None
        return Payload.FromString(plain)


def data_converter(keys: PayloadKeys | None) -> DataConverter:
    """The engine's converter (pydantic), encrypting with ``keys``; plain when None."""
    if keys is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keys),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
