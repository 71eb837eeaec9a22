"""Text from definitions and input, shown literally in the Web UI's markdown panes.

The Web UI renders summaries and details as markdown that may hold HTML, where ``_``,
``*`` and backticks start emphasis or code, ``$`` a formula, ``<`` a tag and ``[`` a link:
a title like ``Check ${ input.id }`` came out mangled, and a supplier id holding
``<img src=...>`` made the page load an image from anywhere. Everything the engine writes
there from a definition or from input passes through here.

Its renderer (Web UI 2.54) also links bare addresses like ``http://host``, and a link
made so swallows the escapes after it: a tag that follows one is HTML again. So a colon
before ``/`` and the dot of ``www.`` are escaped too, and no address is ever linked.
"""

from __future__ import annotations

import re
import unicodedata

# What could start emphasis, code, a formula, a link, HTML or a table cell mid-line; an
# entity (``&#60;`` would show as ``<``), a bare address; our text never begins a line,
# so list and heading marks need no escape.
_SPECIAL = re.compile(r"[\\`*_\[\]<>|~#$]|&(?=#?\w+;)|:(?=/)|(?<=\bwww)\.", re.IGNORECASE)
# Shown as one line: line breaks would end a summary's line or a list item.
_BREAKS = str.maketrans({"\r": " ", "\n": " ", "\t": " ", "\u2028": " ", "\u2029": " "})


def md(text: str, limit: int | None = None) -> str:
    """``text`` as literal markdown on one line; cut to ``limit`` characters if given."""
    shown = visible(text)
    if limit is not None and len(shown) > limit:
        shown = shown[: limit - 1] + "…"
    return _SPECIAL.sub(lambda found: "\\" + found.group(0), shown)


def md_code(text: str) -> str:
    """``text`` for inside a code span, where only a backtick could end it early."""
    return visible(text).replace("`", "'")


def visible(text: str) -> str:
    """``text`` on one line, with control and invisible formatting characters shown.

    A right-to-left override in a supplier id would turn the rest of a line around, so
    such characters show as their code point (``<U+202E>``) instead of acting.
    """
    return "".join(
        f"<U+{ord(char):04X}>" if unicodedata.category(char) in ("Cc", "Cf") else char
        for char in text.translate(_BREAKS)
    )
