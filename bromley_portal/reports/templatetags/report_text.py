"""Lay out people's text in reports and pages without ever marking it safe.

``text|text_blocks`` splits text into paragraphs and bullet lists: a line starting with "-",
"•", "*" or "–" is a bullet, and one indented by two spaces or more (or marked "➢") is a bullet
of the bullet above it, as the council's plans write them. The template prints each piece with
autoescaping on (reports/_text.html).
"""

import re
from dataclasses import dataclass, field

from django import template

register = template.Library()

BULLET = re.compile(r"^(?P<indent>\s*)(?P<mark>[-•*–➢])\s+")


@dataclass
class Bullet:
    text: str
    children: list["Bullet"] = field(default_factory=list)


@dataclass
class TextBlock:
    text: str = ""
    bullets: list[Bullet] = field(default_factory=list)


@register.filter
def text_blocks(text) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    for line in str(text or "").splitlines():
        if not line.strip():
            continue
        match = BULLET.match(line)
        if not match:
            blocks.append(TextBlock(text=line.strip()))
            continue
        item = Bullet(line[match.end() :].strip())
        nested = len(match["indent"].expandtabs(4)) >= 2 or match["mark"] == "➢"
        if not blocks or not blocks[-1].bullets:
            blocks.append(TextBlock())
        if nested and blocks[-1].bullets:
            blocks[-1].bullets[-1].children.append(item)
        else:
            blocks[-1].bullets.append(item)
    return blocks


@register.filter
def at(sequence, index):
    """``counts|at:forloop.counter0``: an item of a list by its position."""
    try:
        return sequence[index]
    except (IndexError, TypeError, KeyError):
        return ""
