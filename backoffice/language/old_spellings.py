"""Words the language once spelled another way: read from runs, refused in files.

The language says ``cost_center_owner``, as the invoices, the ERP and the input fields
say ``cost_center``. Runs started before the spelling was settled carry the old key in
their snapshot, and their open tasks carry it in their assignee rules
(``cost_centre_owner:CC-4100``): the model and the directory still read those, or a run in
flight would stop on replay. A definition file is refused with the new spelling to write
(see ``semantics.Checker.assignee``), so the old one never enters a new run.

Pure data, no I/O: the model imports it inside the workflow sandbox.
"""

from __future__ import annotations

from typing import Any

# Old assignee kind -> the kind as the language spells it now.
RENAMED_ASSIGNEE_KINDS = {"cost_centre_owner": "cost_center_owner"}


def respell_assignee(value: Any) -> Any:
    """An assignee mapping with its old kind renamed; anything else as given.

    A mapping that gives both spellings is left alone, so the model calls the old key
    unknown instead of silently dropping one of the two.
    """
    if not isinstance(value, dict):
        return value
    renamed = dict(value)
    for old, new in RENAMED_ASSIGNEE_KINDS.items():
        if old in renamed and new not in renamed:
            renamed[new] = renamed.pop(old)
    return renamed


def current_rule_kind(kind: str) -> str:
    """The kind of a stored assignee rule (``kind:value``) as the language spells it now."""
    return RENAMED_ASSIGNEE_KINDS.get(kind, kind)
