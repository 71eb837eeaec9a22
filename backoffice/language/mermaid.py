"""Mermaid flowchart text: nodes, edges, and labels escaped so no title can break them.

Every label is written in double quotes with Mermaid's entity codes for the characters
that would otherwise end the label, start markup or a directive: a title such as
``Check "A&B" <urgent> #1 | style: %%{init}%%`` shows as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Shape = Literal["box", "round", "stadium", "diamond", "subroutine", "hexagon", "bar"]

_SHAPES: dict[str, tuple[str, str]] = {
    "box": ('["', '"]'),
    "round": ('("', '")'),
    "stadium": ('(["', '"])'),
    "diamond": ('{"', '"}'),
    "subroutine": ('[["', '"]]'),
    "hexagon": ('{{"', '"}}'),
    "bar": ('[/"', '"\\]'),
}

# `#` first in meaning: every code below starts with it, so a written `#quot;` stays text.
_ENTITIES = {
    "#": "#35;",
    '"': "#quot;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "`": "#96;",  # a backtick inside the quotes would start a Markdown label
    "|": "#124;",  # ends an edge label
    "%": "#37;",  # `%%{ ... }%%` anywhere in the text is read as a directive
}
_SPECIAL = re.compile("|".join(re.escape(char) for char in _ENTITIES))
# Before parsing, Mermaid trims the last `;` of any line with `style…:…#…;` or
# `classDef…:…#…;` in it, which would break the entity codes; a coded first letter
# keeps these words from matching.
_STYLE_WORDS = re.compile(r"style|classDef")
_LINE_BREAK = "<br>"


def escape(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label, on one line."""
    flat = " ".join(text.split())
    coded = _SPECIAL.sub(lambda match: _ENTITIES[match.group(0)], flat)
    return _STYLE_WORDS.sub(lambda match: f"#{ord(match.group(0)[0])};{match.group(0)[1:]}", coded)


@dataclass
class Flowchart:
    """A top-down flowchart built node by node.

    ``settings`` are Mermaid's flowchart settings for this one diagram: Mermaid wraps
    labels itself, between words, at ``wrappingWidth`` pixels (200 unless set), and
    puts ``rankSpacing`` pixels (50) between rows.
    """

    settings: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=lambda: ["flowchart TD"])
    count: int = 0

    def node(self, label: str | list[str], shape: Shape = "box") -> str:
        """A new node; a list of lines shows one under the other."""
        self.count += 1
        name = f"n{self.count}"
        opening, closing = _SHAPES[shape]
        self.lines.append(f"  {name}{opening}{self.label(label)}{closing}")
        return name

    def edge(self, source: str, target: str, label: str = "", dashed: bool = False) -> None:
        arrow = "-.->" if dashed else "-->"
        text = f'|"{self.label(label)}"|' if label else ""
        self.lines.append(f"  {source} {arrow}{text} {target}")

    def label(self, label: str | list[str]) -> str:
        lines = [label] if isinstance(label, str) else label
        return _LINE_BREAK.join(escape(line) for line in lines if line.strip())

    def text(self) -> str:
        header: list[str] = []
        if self.settings:
            # Front matter: Mermaid's own way to configure one diagram (since 10.5).
            header = ["---", "config:", "  flowchart:"]
            header += [f"    {name}: {value}" for name, value in self.settings.items()]
            header.append("---")
        return "\n".join(header + self.lines)
