"""Another secret store plugs in by setting; a bad one is named in a clear error."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from backoffice.secrets import SecretNotFound, field_of, secret_store
from backoffice.settings import Settings, load_settings


class VaultStub:
    """A store as a vault client would be: secrets by name, here from a dict."""

    def __init__(self, settings: Settings) -> None:
        self.secrets = {"erp-bot": {"username": "bot-erp", "password": "from-the-vault"}}

    def get(self, name: str) -> Mapping[str, str]:
        if name not in self.secrets:
            raise SecretNotFound(f"the vault has no secret '{name}'")
        return self.secrets[name]


def test_a_configured_store_is_used_instead_of_the_local_one() -> None:
    settings = load_settings({"BACKOFFICE_SECRETS_BACKEND": "tests.test_secret_store:VaultStub"})
    store = secret_store(settings)
    assert field_of(store, "erp-bot", "password") == "from-the-vault"
    with pytest.raises(SecretNotFound, match="has no field 'token'"):
        field_of(store, "erp-bot", "token")


def test_a_store_that_cannot_be_loaded_says_which_setting() -> None:
    settings = load_settings({"BACKOFFICE_SECRETS_BACKEND": "tests.nowhere:Vault"})
    with pytest.raises(SecretNotFound, match="BACKOFFICE_SECRETS_BACKEND"):
        secret_store(settings)
