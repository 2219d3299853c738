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
from urllib.parse import quote, urlsplit

_TOKEN = re.compile(r":([a-z_]+)")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Characters Hugo's urlize keeps besides letters, digits and marks.
_URLIZE_KEEP = frozenset("._/\\-#+~")
_URL_SAFE = "/:@!$&'()*+,;=-._~%?#[]"


class PermalinkError(ValueError):
    """The pattern uses an unknown token, or a date token for a post without a date."""


def urlize(text: str) -> str:
    """Hugo's ``urlize``: lowercase, spaces to ``-``, Unicode letters kept, punctuation dropped."""
    out: list[str] = []
    for char in text.strip():
        if char.isspace():
            out.append("-")
        elif char in _URLIZE_KEEP or unicodedata.category(char)[0] in "LMN":
            out.append(char)
    return "".join(out).lower()


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
    token when ``date`` is None.
    """
    slug_or_name = slug or filename
    values: dict[str, Callable[[], str]] = {
        "slug": lambda: slug_or_name,
        "slugorfilename": lambda: slug_or_name,
        "slugorcontentbasename": lambda: slug_or_name,
        "title": lambda: urlize(title),
        "filename": lambda: filename,
        "contentbasename": lambda: filename,
        "section": lambda: section,
        "sections": lambda: "/".join(sections or ([section] if section else [])),
        "categories": lambda: "/".join(urlize(c) for c in categories),
    }

    def dated(render: Callable[[datetime], str]) -> Callable[[], str]:
        def value() -> str:
            if date is None:
                raise PermalinkError(f"permalink {pattern!r} needs a date and the post has none")
            return render(date)

        return value

    values |= {
        "year": dated(lambda d: f"{d.year:04d}"),
        "month": dated(lambda d: f"{d.month:02d}"),
        "i_month": dated(lambda d: str(d.month)),
        "monthname": dated(lambda d: _MONTHS[d.month - 1]),
        "day": dated(lambda d: f"{d.day:02d}"),
        "i_day": dated(lambda d: str(d.day)),
        "weekday": dated(lambda d: str(d.isoweekday() % 7)),  # Go: Sunday is 0
        "weekdayname": dated(lambda d: _WEEKDAYS[d.weekday()]),
        "yearday": dated(lambda d: str(d.timetuple().tm_yday)),
    }

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise PermalinkError(f"permalink {pattern!r}: unknown token ':{name}'")
        return values[name]()

    path = _TOKEN.sub(replace, pattern)
    return re.sub(r"/{2,}", "/", path)  # an empty token must not leave '//'


def join_url(base: str, path: str) -> str:
    """``path`` under ``base`` (which may have a sub-path, like Hugo's baseURL).

    An absolute URL is returned as is. Non-ASCII characters are percent-encoded so
    that every platform (and twitter-text's URL finder) sees one whole URL.
    """
    if urlsplit(path).scheme:
        return path
    joined = base.rstrip("/") + "/" + path.lstrip("/")
    return quote(joined, safe=_URL_SAFE)
