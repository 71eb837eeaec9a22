"""Text from definitions and input, shown literally in the Web UI's markdown panes.

The Web UI renders summaries and details as markdown, where ``_``, ``*`` and backticks
start emphasis or code and ``$`` starts a formula: a title like ``Check ${ input.id }``
came out mangled. Everything the engine writes there from a definition or from input
passes through here.
"""

from __future__ import annotations

import re

# What could start emphasis, code, a formula, a link, HTML or a table cell mid-line; our
# text never begins a line, so list and heading marks need no escape.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#$])")


def md(text: str) -> str:
    """``text`` as literal markdown on one line."""
    return _SPECIAL.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))


def md_code(text: str) -> str:
    """``text`` for inside a code span, where only a backtick could end it early."""
    return text.replace("`", "'").replace("\n", " ")
