"""The payload keys of the test run: every server fixture, worker, command and replay uses
them, so tests see the engine as it runs in production, with encrypted payloads."""

from __future__ import annotations

from backoffice.payload_codec import data_converter
from backoffice.payload_keys import parse_keys

# Fixed test keys (never used anywhere else); ``test2`` is there for rotation tests.
KEY_ENVIRONMENT = {
    "BACKOFFICE_SECRET_PAYLOAD_KEYS_CURRENT": "test1",
    "BACKOFFICE_SECRET_PAYLOAD_KEYS_TEST1": "Z3zekAwZNAftteo49xIBEEGdgXp9BozqA5SBGWqP+00=",
}
SECOND_KEY = ("test2", "GK0wwDu0UhFUnrqiBApIvY+GsYfqY7UlzA0KdXXTMnA=")

KEYS = parse_keys({"current": "test1", "test1": KEY_ENVIRONMENT[
    "BACKOFFICE_SECRET_PAYLOAD_KEYS_TEST1"
]})  # fmt: skip
CONVERTER = data_converter(KEYS)
"""The converter of every test client: pydantic, encrypting with the test keys."""
