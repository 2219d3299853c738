"""Escaping and link checks: everything from a post reaches the page through here.

The preview page shows untrusted text (the post, and what adapters made of it), so
text is always escaped and a link keeps its address only when the address can do
nothing but navigate: ``http``, ``https``, ``mailto`` or an in-page ``#fragment``.
``javascript:``, ``data:``, ``vbscript:`` and anything unrecognised stay plain text.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# Characters browsers drop or fold inside a URL before reading its scheme
# ("java\tscript:", "\x00javascript:"): such a URL is never a link.
_URL_TRICKS = re.compile(r"[\x00-\x20\x7f]")


def esc(text: object) -> str:
    """Text for an element's content or a quoted attribute value."""
    return html.escape(str(text), quote=True)


def safe_href(url: str) -> str | None:
    """``url`` if following it can only navigate somewhere, else None.

    Protocol-relative ``//host/path`` (Qiita's Speaker Deck script) becomes https.
    """
    url = url.strip()
    if not url or len(url) > 4096 or _URL_TRICKS.search(url):
        return None
    if url.startswith("#"):
        return url
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES:
        return None
    if parts.scheme.lower() != "mailto" and not parts.netloc:
        return None
    return url


def link(url: str, text: str | None = None, cls: str = "") -> str:
    """An ``<a>`` opening in a new tab, or the escaped text when ``url`` is not safe."""
    label = esc(url if text is None else text)
    href = safe_href(url)
    if href is None:
        return f'<span class="{cls} nolink">{label}</span>' if cls else label
    klass = f' class="{cls}"' if cls else ""
    return f'<a{klass} href="{esc(href)}" target="_blank" rel="noopener noreferrer">{label}</a>'


def host_of(url: str) -> str:
    """The host a reader sees on a card (``github.com``), or the URL when it has none."""
    try:
        netloc = urlsplit("https:" + url if url.startswith("//") else url).hostname
    except ValueError:
        netloc = None
    return netloc or url
