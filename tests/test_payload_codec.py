"""The payload codec and its keys: sealed with the current key, opened with any kept one."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from backoffice.connection import connect
from backoffice.payload_codec import ENCODING, KEY_ID, EncryptionCodec, PayloadNotDecrypted
from backoffice.payload_keys import ensure_dev_key, parse_keys, payload_keys
from backoffice.settings import SettingsError, load_settings
from tests.support.payload_keys import KEY_ENVIRONMENT, KEYS, SECOND_KEY

IBAN = "DE89370400440532013000"
FIRST = KEY_ENVIRONMENT["BACKOFFICE_SECRET_PAYLOAD_KEYS_TEST1"]


def plain(value: object) -> Payload:
    return pydantic_data_converter.payload_converter.to_payloads([value])[0]


def rotated() -> EncryptionCodec:
    """test2 made current, test1 kept for reading."""
    return EncryptionCodec(parse_keys({"current": "test2", "test1": FIRST, "test2": SECOND_KEY[1]}))


async def test_a_payload_is_sealed_with_the_current_key_and_its_id() -> None:
    original = plain({"iban": IBAN})
    (sealed,) = await EncryptionCodec(KEYS).encode([original])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == b"test1"
    assert IBAN.encode() not in sealed.SerializeToString()
    assert await EncryptionCodec(KEYS).decode([sealed]) == [original]


async def test_after_rotation_old_payloads_open_and_new_ones_use_the_new_key() -> None:
    (old,) = await EncryptionCodec(KEYS).encode([plain(IBAN)])
    codec = rotated()
    assert await codec.decode([old]) == [plain(IBAN)]
    (new,) = await codec.encode([plain(IBAN)])
    assert new.metadata[KEY_ID] == b"test2"
    with pytest.raises(PayloadNotDecrypted, match="key 'test2', which secret 'payload-keys'"):
        await EncryptionCodec(KEYS).decode([new])  # a process not given the new key yet


async def test_a_payload_not_encrypted_by_us_passes_through_untouched() -> None:
    recorded_before = plain({"iban": IBAN})
    assert await EncryptionCodec(KEYS).decode([recorded_before]) == [recorded_before]


async def test_an_altered_or_relabelled_payload_does_not_open() -> None:
    (sealed,) = await EncryptionCodec(KEYS).encode([plain(IBAN)])
    altered = Payload()
    altered.CopyFrom(sealed)
    altered.data = sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    with pytest.raises(PayloadNotDecrypted, match="does not open with key 'test1'"):
        await EncryptionCodec(KEYS).decode([altered])
    # Same key bytes under another id: the id is authenticated with the data.
    relabelled = Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata[KEY_ID] = b"alias"
    codec = EncryptionCodec(parse_keys({"current": "alias", "alias": FIRST}))
    with pytest.raises(PayloadNotDecrypted, match="does not open with key 'alias'"):
        await codec.decode([relabelled])


def test_encryption_without_a_key_says_what_to_set(tmp_path: Path) -> None:
    settings = load_settings({"BACKOFFICE_STATE_DIR": str(tmp_path)})
    with pytest.raises(SettingsError) as caught:
        payload_keys(settings)
    message = str(caught.value)
    assert "payload encryption is on" in message
    assert "BACKOFFICE_SECRET_PAYLOAD_KEYS_CURRENT=<id>" in message
    assert "\n" not in message


async def test_a_command_without_keys_stops_before_it_connects(tmp_path: Path) -> None:
    settings = load_settings({"BACKOFFICE_STATE_DIR": str(tmp_path), "TEMPORAL_ADDRESS": "x:1"})
    with pytest.raises(SettingsError, match="no key"):
        await connect(settings)


def test_turned_off_there_are_no_keys_and_payloads_stay_plain(tmp_path: Path) -> None:
    off = {"BACKOFFICE_STATE_DIR": str(tmp_path), "BACKOFFICE_PAYLOAD_ENCRYPTION": "false"}
    assert payload_keys(load_settings(off)) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"test1": FIRST}, "has no field 'current'"),
        ({"current": "test9", "test1": FIRST}, "current payload key 'test9' is not among"),
        ({"current": "test1", "test1": "c2hvcnQ="}, "payload key 'test1' .* is not 32 bytes"),
        ({"current": "test1", "test1": FIRST, "Bad-Id": FIRST}, "'Bad-Id' is not a key id"),
    ],
)
def test_bad_keys_are_named_never_shown(fields: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError, match=expected) as caught:
        parse_keys(fields)
    assert FIRST not in str(caught.value)
    assert "c2hvcnQ=" not in str(caught.value)


def test_the_keys_are_never_in_their_repr() -> None:
    assert FIRST not in repr(KEYS)
    assert base64.b64decode(FIRST).hex() not in repr(KEYS)


def test_dev_makes_one_key_in_the_state_directory_and_keeps_it(tmp_path: Path) -> None:
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text('[erp-bot]\nusername = "bot"\n', encoding="utf-8")
    settings = load_settings({"BACKOFFICE_STATE_DIR": str(tmp_path)})
    assert ensure_dev_key(settings)
    first = payload_keys(settings)
    assert first is not None
    assert first.current == "dev1"
    assert not ensure_dev_key(settings)  # the next start finds it
    assert payload_keys(settings) == first
    assert 'username = "bot"' in secrets_file.read_text(encoding="utf-8")


def test_dev_makes_no_key_where_another_store_or_the_environment_has_them(
    tmp_path: Path,
) -> None:
    given = load_settings({"BACKOFFICE_STATE_DIR": str(tmp_path), **KEY_ENVIRONMENT})
    assert not ensure_dev_key(given)
    assert not (tmp_path / "secrets.toml").exists()
    vault = load_settings(
        {
            "BACKOFFICE_STATE_DIR": str(tmp_path),
            "BACKOFFICE_SECRETS_BACKEND": "tests.test_secret_store:VaultStub",
        }
    )
    assert not ensure_dev_key(vault)
    with pytest.raises(SettingsError, match="the vault has no secret 'payload-keys'"):
        payload_keys(vault)


def test_a_new_secrets_file_with_the_dev_key_is_private(tmp_path: Path) -> None:
    settings = load_settings({"BACKOFFICE_STATE_DIR": str(tmp_path / "state")})
    assert ensure_dev_key(settings)
    mode = stat.S_IMODE(settings.resolved_secrets_file.stat().st_mode)
    assert mode == 0o600
