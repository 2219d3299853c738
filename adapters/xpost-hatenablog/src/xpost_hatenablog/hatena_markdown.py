"""The body of a Hatena Blog entry, in the blog's Markdown mode.

Hatena Blog renders Markdown and keeps the HTML an author writes, iframes included,
and it expands its own URL notation in every editing mode: ``[URL:embed]`` shows a
tweet as the tweet, ``[URL:embed:cite]`` any page as a blog card (Hatena's help,
"はてな記法・URL記法"; the notation is what its own editor inserts for a card).

So: Speaker Deck and YouTube are their players' iframes (the only form that keeps a
slide number or a start time exactly), tweets ``[URL:embed]``, a gist its script,
link cards ``[URL:embed:cite]``. Other players degrade to a card, with a warning.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit

from xpost.content.model import Embed
from xpost.render.markdown import PROVIDER_NAMES, MarkdownFlavor

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_SPEAKERDECK_ID = re.compile(r"^[0-9A-Za-z]+$")
_TWEET_ID = re.compile(r"^[0-9]{1,20}$")
_GIST = re.compile(r"^https://gist\.github\.com/[A-Za-z0-9-]+/[0-9a-f]+$")
_CLOCK = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")
_NOTATION_UNSAFE = re.compile(r"[\s\[\]]")


class HatenaMarkdown(MarkdownFlavor):
    platform = "Hatena Blog"
    join_soft_breaks = True

    def embed(self, block: Embed) -> str:
        match block.provider:
            case "speakerdeck" if _SPEAKERDECK_ID.match(block.id):
                query = _keep(block.url, "slide")
                src = f"https://speakerdeck.com/player/{block.id}{query}"
                return _iframe(src, block.title or "Speaker Deck")
            case "youtube" if _YOUTUBE_ID.match(block.id):
                start = start_seconds(block.url)
                src = f"https://www.youtube.com/embed/{block.id}"
                return _iframe(src + (f"?start={start}" if start else ""), block.title or "YouTube")
            case "tweet" if _TWEET_ID.match(block.id) and _notation_safe(block.url):
                return f"[{block.url}:embed]"
            case "gist" if _GIST.match(block.url):
                return f'<script src="{escape(block.url)}.js"></script>'
            case "card" if _notation_safe(block.url):
                return f"[{block.url}:embed:cite]"
        if _notation_safe(block.url) and block.provider != "card":
            self.warn(
                f"Hatena Blog cannot embed {PROVIDER_NAMES[block.provider]}: "
                f"shown as a link card for {block.url}"
            )
            return f"[{block.url}:embed:cite]"
        return super().embed(block)


def start_seconds(url: str) -> int:
    """A YouTube start time (``t=90``, ``t=1m30s``, ``start=90``) in seconds; 0 if none."""
    query = parse_qs(urlsplit(url).query)
    value = (query.get("start") or query.get("t") or [""])[0]
    clock = _CLOCK.match(value)
    if not value or not clock:
        return 0
    hours, minutes, seconds = (int(part or 0) for part in clock.groups())
    return hours * 3600 + minutes * 60 + seconds


def _keep(url: str, name: str) -> str:
    value = parse_qs(urlsplit(url).query).get(name)
    return "?" + urlencode({name: value[0]}) if value and value[0].isdigit() else ""


def _iframe(src: str, title: str) -> str:
    return (
        f'<iframe src="{escape(src)}" title="{escape(title)}" width="560" height="315" '
        'style="border: 0; max-width: 100%;" allowfullscreen></iframe>'
    )


def _notation_safe(url: str) -> bool:
    # Hatena's notation ends at whitespace or a bracket; such a URL stays a plain link.
    return url.startswith(("http://", "https://")) and not _NOTATION_UNSAFE.search(url)
