"""Domain words once spelled two ways: still read where runs and files have them.

The engine says ``cost_center``, as the invoices, the ERP and the input fields do. Runs
started before the spelling was settled carry ``cost_centre_owner`` in their snapshot and
in their open tasks' assignee rules (``cost_centre_owner:CC-4100``): the definition model
and the directory still read those, or a run in flight would stop on replay. A definition
file is refused with the spelling to write instead (``language.semantics``), so the old
one never enters a new run. A directory file saying ``cost_centres`` still loads, with a
warning to rename the key (``people.store``). The activity's old name lives beside the new
one, as a retired activity (``activities/common/people_renamed.py``).

This module, that activity, the recorded histories and the migrations (which describe the
tables as they were) are the only places the old spellings remain
(``tests/language/test_one_spelling.py`` holds them there). Pure data, no I/O: the
definition model imports it inside the workflow sandbox.
"""

from __future__ import annotations

from typing import Any

# Old assignee kind -> the kind as the language spells it now.
RENAMED_ASSIGNEE_KINDS = {"cost_centre_owner": "cost_center_owner"}

# Old key of a person in the directory file -> the key as the file spells it now.
RENAMED_PERSON_KEYS = {"cost_centres": "cost_centers"}


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
