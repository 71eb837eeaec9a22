"""Which business keys may name a run: its id is ``<process>/<business key>``.

The key is the case's own reference (an invoice number), read from input. A ``/`` or
``\\`` in it would make ``invoice-approval/A/B`` read as another process's path in links
and logs; a control character or an invisible format character (a right-to-left override
turns ``INV-1<U+202E>fdp.exe`` around on screen) makes two ids look alike or one look like
another. Such keys are refused before anything starts, and again when a running process
starts a child under a key it computed. Pure: the workflow sandbox runs it.
"""

from __future__ import annotations

import unicodedata

MAX_LENGTH = 200
ALLOWED = (
    f"at most {MAX_LENGTH} characters: letters, digits, spaces and punctuation, "
    "without / or \\, control characters or invisible formatting characters"
)
# Categories no key shows as it is: controls, formats (bidi overrides, zero widths),
# line and paragraph separators, surrogates, private use and unassigned code points.
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def key_problem(key: str) -> str | None:
    """What makes ``key`` unfit to name a run, or None when it is fit."""
    if len(key) > MAX_LENGTH:
        return f"it has {len(key)} characters"
    if key != key.strip():
        return "it begins or ends with a space"
    for position, char in enumerate(key, start=1):
        if char in "/\\":
            return f"it has '{char}' at position {position}"
        category = unicodedata.category(char)
        if category in _INVISIBLE or (category == "Zs" and char != " "):
            name = unicodedata.name(char, "a control character" if category == "Cc" else "unnamed")
            return f"it has U+{ord(char):04X} ({name}) at position {position}"
    return None


def shown(key: str) -> str:
    """``key`` quoted for a message: escapes instead of invisible characters, cut short."""
    text = "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in key[:60])
    return f"'{text}'" + ("..." if len(key) > 60 else "")


def key_error(key: str, process: str) -> str | None:
    """The message refusing ``key`` as ``process``'s business key, or None."""
    problem = key_problem(key)
    if problem is None:
        return None
    return (
        f"the business key {shown(key)} of '{process}' cannot name a run: {problem}. "
        f"A business key has {ALLOWED}"
    )
