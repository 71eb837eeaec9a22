"""The HTML part of an outbox mail: its text, escaped, in paragraphs.

Mails say what process owners wrote with values of the run in it (a supplier's name, a
comment someone typed): none of it is ever read as markup. The text is escaped as a whole,
so a value holding ``<a href=...>`` shows as those characters, never as a link.
"""

from __future__ import annotations

import html

PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>'
    '<body style="font-family: sans-serif; line-height: 1.4">\n{}\n</body></html>\n'
)


def html_of(text: str) -> str:
    """The mail's text as an HTML page: paragraphs at blank lines, breaks at line ends."""
    paragraphs = [part.strip("\n") for part in text.replace("\r\n", "\n").split("\n\n")]
    shown = [
        "<p>" + "<br>\n".join(html.escape(line) for line in part.split("\n")) + "</p>"
        for part in paragraphs
        if part.strip()
    ]
    return PAGE.format("\n".join(shown))
