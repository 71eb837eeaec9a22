"""The custom search attributes ops filter runs by in the Temporal Web UI.

SQLite visibility (the embedded dev server) allows only 10 Keyword and 3 each of the other
types per namespace, and values are stored unencrypted: keep this list short and free of
personal data. ``backoffice dev`` and the test fixtures register exactly this list.
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey

PROCESS = SearchAttributeKey.for_keyword("BackofficeProcess")
"""Process name from the definition, e.g. ``invoice-approval``."""

BUSINESS_KEY = SearchAttributeKey.for_keyword("BusinessKey")
"""The business key the workflow id is built from, e.g. ``INV-2025-004711``."""

CURRENT_STEP = SearchAttributeKey.for_keyword_list("CurrentStep")
"""Ids of the steps running now (several while parallel branches run)."""

PROCESS_STATUS = SearchAttributeKey.for_keyword("ProcessStatus")
"""running, waiting, compensating, then how it ended: completed, finished, failed, cancelled."""

PROCESS_REASON = SearchAttributeKey.for_keyword("ProcessReason")
"""The reason code a run finished or failed with: DUPLICATE, NO_GR, BANK_MISMATCH ..."""

WAITING_ON = SearchAttributeKey.for_keyword_list("WaitingOn")
"""Who or what the run waits for: user ids, group names, event names."""

WAITING_UNTIL = SearchAttributeKey.for_datetime("WaitingUntil")
"""The earliest deadline of what the run waits for."""

WAITING_SINCE = SearchAttributeKey.for_datetime("WaitingSince")
"""Since when the run has waited (the earliest of its waits now)."""

ALL: tuple[SearchAttributeKey[Any], ...] = (
    PROCESS,
    BUSINESS_KEY,
    CURRENT_STEP,
    PROCESS_STATUS,
    PROCESS_REASON,
    WAITING_ON,
    WAITING_UNTIL,
    WAITING_SINCE,
)

_CLI_TYPE_NAMES = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
}


def dev_server_flags() -> list[str]:
    """``--search-attribute Name=Type`` arguments for ``temporal server start-dev``."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPE_NAMES[key.indexed_value_type]}"]
    return flags


def create_commands(keys: list[SearchAttributeKey[Any]], namespace: str) -> list[str]:
    """The Temporal CLI commands that register ``keys`` in ``namespace``."""
    return [
        f"temporal operator search-attribute create --namespace {namespace} "
        f"--name {key.name} --type {_CLI_TYPE_NAMES[key.indexed_value_type]}"
        for key in keys
    ]
