"""Putting each warning next to the element it concerns.

Adapters report warnings as sentences ("Zenn cannot embed this Speaker Deck: shown
as a link card for https://…"). A warning goes beside the first piece of the copy
whose source holds something the warning names — a URL, a quoted name, a raw HTML
tag — else beside a piece about what the warning talks of (the title, the tags),
else at the top of its column, as being about the copy as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_URL = re.compile(r"(?:https?:)?//[^\s'\"<>]+")
_QUOTED = re.compile(r"'([^']{2,200})'|\"([^\"]{2,200})\"")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_TRAILING = ".,;:)]}'\""


@dataclass
class Piece:
    """One element of a rendered copy: its HTML, the source text it came from, and the
    words of warnings that concern it without naming anything in it ("title")."""

    html: str
    source: str = ""
    about: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)


def needles(warning: str) -> list[str]:
    """What a warning names that can be looked for in the copy's source."""
    found = [url.rstrip(_TRAILING) for url in _URL.findall(warning)]
    found += [a or b for a, b in _QUOTED.findall(warning)]
    found += _TAG.findall(warning)
    return [needle for needle in found if len(needle) >= 2 and "\0" not in needle]


def place(warnings: list[str], pieces: list[Piece]) -> list[str]:
    """Attach each warning to its piece; return those about the copy as a whole.

    Linear in the copy's size per warning (one ``str.find`` over all sources joined),
    so a post with thousands of degraded embeds still previews at once.
    """
    index = _SourceIndex(pieces)
    general: list[str] = []
    for warning in warnings:
        target = index.first_holding(needles(warning)) or _by_topic(warning, pieces)
        if target is None:
            general.append(warning)
        else:
            target.warnings.append(warning)
    return general


class _SourceIndex:
    """Every piece's source joined once, and where each piece starts in it."""

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces = pieces
        self.starts: list[int] = []
        parts: list[str] = []
        offset = 0
        for piece in pieces:
            self.starts.append(offset)
            parts.append(piece.source)
            offset += len(piece.source) + 1
        # NUL never occurs in a needle, so no match spans two pieces.
        self.text = "\0".join(parts)

    def first_holding(self, wanted: list[str]) -> Piece | None:
        from bisect import bisect_right

        for needle in wanted[:8]:
            at = self.text.find(needle) if needle else -1
            if at >= 0:
                return self.pieces[bisect_right(self.starts, at) - 1]
        return None


def _by_topic(warning: str, pieces: list[Piece]) -> Piece | None:
    text = warning.lower()
    for piece in pieces:
        if any(word in text for word in piece.about):
            return piece
    return None
