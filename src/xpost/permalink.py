"""A post's URL path from a Hugo-style permalink pattern, and URL joining.

Hugo's tokens (``/post/:year/:slug/``) plus Jekyll's ``:categories``, ``:i_month``
and ``:i_day``. One deliberate difference from Hugo: ``:slug`` falls back to the
file or bundle name, not to the title, so a post's URL does not change when its
title is edited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache
from urllib.parse import quote, urlsplit

_TOKEN = re.compile(r":([a-z_]+)")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Characters Hugo's urlize keeps besides letters, digits and marks.
_URLIZE_KEEP = frozenset("._/\\-#+~")
_URL_SAFE = "/:@!$&'()*+,;=-._~%?#[]"
# A path with no scheme for certain (what nearly every page's path is): '/' and then
# neither '/' nor a character urlsplit drops, and no ':' at all.
_PLAIN_PATH = re.compile(r"/(?![/\t\r\n])[^:\t\r\n]*\Z")
# What ``quote(text, safe=_URL_SAFE)`` leaves as it is: ASCII letters, digits, "_.-~"
# and the safe characters.
_QUOTED = re.compile(r"[A-Za-z0-9_.\-~/:@!$&'()*+,;=%?#\[\]]*\Z")


class PermalinkError(ValueError):
    """The pattern uses an unknown token, or a date token for a post without a date."""


class _UrlizeTable(dict[int, str | None]):
    """``str.translate`` table for ``urlize``: each character's fate, worked out the first
    time it is seen (spaces become ``-``; letters, marks, digits and ``._/\\-#+~`` stay;
    the rest goes). Bounded: past ``_TABLE_LIMIT`` characters new ones are not kept."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        if char.isspace():
            fate: str | None = "-"
        elif char in _URLIZE_KEEP or unicodedata.category(char)[0] in "LMN":
            fate = char
        else:
            fate = None
        if len(self) < _TABLE_LIMIT:
            self[code] = fate
        return fate


_TABLE_LIMIT = 8192
_URLIZE_TABLE = _UrlizeTable()


def urlize(text: str) -> str:
    """Hugo's ``urlize``: lowercase, spaces to ``-``, Unicode letters kept, punctuation dropped."""
    return text.strip().translate(_URLIZE_TABLE).lower()


# The date tokens: each renders a post's date.
_DATED: dict[str, Callable[[datetime], str]] = {
    "year": lambda d: f"{d.year:04d}",
    "month": lambda d: f"{d.month:02d}",
    "i_month": lambda d: str(d.month),
    "monthname": lambda d: _MONTHS[d.month - 1],
    "day": lambda d: f"{d.day:02d}",
    "i_day": lambda d: str(d.day),
    "weekday": lambda d: str(d.isoweekday() % 7),  # Go: Sunday is 0
    "weekdayname": lambda d: _WEEKDAYS[d.weekday()],
    "yearday": lambda d: str(d.timetuple().tm_yday),
}


@lru_cache(maxsize=256)  # a site has a few patterns; its 10,000 posts share them
def _compile(pattern: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``pattern`` cut at its tokens: literal texts around token names (one more text
    than names), read once per pattern instead of once per post."""
    texts: list[str] = []
    names: list[str] = []
    start = 0
    for match in _TOKEN.finditer(pattern):
        texts.append(pattern[start : match.start()])
        names.append(match.group(1))
        start = match.end()
    texts.append(pattern[start:])
    return tuple(texts), tuple(names)


def expand_permalink(
    pattern: str,
    *,
    slug: str,
    title: str,
    date: datetime | None,
    filename: str,
    section: str = "",
    sections: Sequence[str] = (),
    categories: Sequence[str] = (),
) -> str:
    """Fill in ``pattern``'s tokens. ``slug`` is the front-matter slug ('' if none).

    ``filename`` is the content's base name: the file stem, or the bundle's folder
    name for ``index.md``. Raises ``PermalinkError`` for an unknown token or a date
    token when ``date`` is None (the first such token from the left names the error).
    """
    texts, names = _compile(pattern)
    out = [texts[0]]
    for name, text in zip(names, texts[1:], strict=True):
        if name in _DATED:
            if date is None:
                raise PermalinkError(f"permalink {pattern!r} needs a date and the post has none")
            value = _DATED[name](date)
        elif name in ("slug", "slugorfilename", "slugorcontentbasename"):
            value = slug or filename
        elif name in ("filename", "contentbasename"):
            value = filename
        elif name == "title":
            value = urlize(title)
        elif name == "section":
            value = section
        elif name == "sections":
            value = "/".join(sections or ([section] if section else []))
        elif name == "categories":
            value = "/".join(urlize(c) for c in categories)
        else:
            raise PermalinkError(f"permalink {pattern!r}: unknown token ':{name}'")
        out.append(value)
        out.append(text)
    path = "".join(out)
    return _SLASHES.sub("/", path) if "//" in path else path  # an empty token must not leave '//'


_SLASHES = re.compile(r"/{2,}")


def join_url(base: str, path: str) -> str:
    """``path`` under ``base`` (which may have a sub-path, like Hugo's baseURL).

    An absolute URL is returned as is. Non-ASCII characters are percent-encoded so
    that every platform (and twitter-text's URL finder) sees one whole URL.
    """
    if not _PLAIN_PATH.match(path) and urlsplit(path).scheme:
        return path
    joined = base.rstrip("/") + "/" + path.lstrip("/")
    return joined if _QUOTED.match(joined) else quote(joined, safe=_URL_SAFE)
