"""Lay out people's text in reports without ever marking it safe.

``text|text_blocks`` splits text into paragraphs and bullet lists (lines starting
with "-", "•", "*" or "–"); the template prints each piece with autoescaping on.
"""

import re
from dataclasses import dataclass, field

from django import template

register = template.Library()

BULLET = re.compile(r"^\s*[-•*–]\s+")


@dataclass
class TextBlock:
    text: str = ""
    bullets: list[str] = field(default_factory=list)


@register.filter
def text_blocks(text) -> list[TextBlock]:
    blocks: list[TextBlock] = []
    for line in str(text or "").splitlines():
        if not line.strip():
            continue
        if BULLET.match(line):
            if not blocks or not blocks[-1].bullets:
                blocks.append(TextBlock())
            blocks[-1].bullets.append(BULLET.sub("", line).strip())
        else:
            blocks.append(TextBlock(text=line.strip()))
    return blocks


@register.filter
def at(sequence, index):
    """``counts|at:forloop.counter0``: an item of a list by its position."""
    try:
        return sequence[index]
    except (IndexError, TypeError, KeyError):
        return ""
