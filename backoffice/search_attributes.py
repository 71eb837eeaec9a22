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
"""running, waiting, compensating, completed, failed."""

WAITING_ON = SearchAttributeKey.for_keyword_list("WaitingOn")
"""Who or what the run waits for: user ids, group names, event names."""

WAITING_UNTIL = SearchAttributeKey.for_datetime("WaitingUntil")
"""The earliest deadline of what the run waits for."""

ALL: tuple[SearchAttributeKey[Any], ...] = (
    PROCESS,
    BUSINESS_KEY,
    CURRENT_STEP,
    PROCESS_STATUS,
    WAITING_ON,
    WAITING_UNTIL,
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
