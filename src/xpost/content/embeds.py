"""Recognise an embed from the URL it points at: provider, provider id, public URL.

One table of URL patterns serves every syntax that names a URL: an ``<iframe src>``,
a URL alone on its line, Zenn's ``@[docswell](url)``. Shortcodes and Zenn syntax
that name only an id build their ``Embed`` with the ``*_embed`` helpers below, so
that every spelling of "this YouTube video" ends up as the same value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from xpost.content.model import Embed

_YOUTUBE_ID = r"(?P<id>[\w-]{6,})"
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str], str, str, str], Embed]]] = []


def _pattern(regex: str) -> Callable[[Callable[[re.Match[str], str, str, str], Embed]], None]:
    """Register a recogniser for URLs matching ``regex`` (scheme and ``www.`` stripped)."""

    def register(build: Callable[[re.Match[str], str, str, str], Embed]) -> None:
        _PATTERNS.append((re.compile(regex, re.IGNORECASE), build))

    return register


def youtube_embed(video_id: str, origin: str, title: str = "", start: int = 0) -> Embed:
    """``start``: the second to start at, kept in the URL as YouTube writes it (``t=95s``)."""
    url = f"https://www.youtube.com/watch?v={video_id}" + (f"&t={start}s" if start > 0 else "")
    return Embed("youtube", url, id=video_id, title=title, origin=origin, start=max(start, 0))


def speakerdeck_embed(player_id: str, origin: str, title: str = "", slide: int = 0) -> Embed:
    """``slide``: the slide to open at (Speaker Deck's ``?slide=N``), 0 for the first."""
    url = f"https://speakerdeck.com/player/{player_id}" + (f"?slide={slide}" if slide > 1 else "")
    return Embed("speakerdeck", url, id=player_id, title=title, origin=origin, start=max(slide, 0))


# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_TIME_PART = r"(\d+)([hms])"


def seconds(value: str) -> int:
    """A YouTube time: ``95``, ``95s``, ``1m35s``, ``1h2m3s``; 0 when unreadable."""
    value = value.strip().lower()
    if value.isdigit():
        return int(value)
    parts = re.findall(_TIME_PART, value)
    if not parts or "".join(n + u for n, u in parts) != value:
        return 0
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in parts)


def _query_value(url: str, *names: str) -> str:
    """The first of ``names`` in the URL's query or fragment (``#t=95``)."""
    parts = urlsplit(url)
    for source in (parts.query, parts.fragment):
        values = parse_qs(source)
        for name in names:
            if values.get(name):
                return values[name][0]
    return ""


def _slide(url: str) -> int:
    value = _query_value(url, "slide")
    return int(value) if value.isdigit() else 0


def slideshare_embed(key: str, origin: str, title: str = "") -> Embed:
    url = f"https://www.slideshare.net/slideshow/embed_code/key/{key}"
    return Embed("slideshare", url, id=key, title=title, origin=origin)


def tweet_embed(tweet_id: str, user: str, origin: str) -> Embed:
    url = f"https://twitter.com/{user or 'i/web'}/status/{tweet_id}"
    return Embed("tweet", url, id=tweet_id, origin=origin)


def gist_embed(user: str, gist_id: str, origin: str, file: str = "") -> Embed:
    url = (
        f"https://gist.github.com/{user}/{gist_id}"
        if user
        else f"https://gist.github.com/{gist_id}"
    )
    if file:
        url += f"?file={file}"
    return Embed("gist", url, id=gist_id, origin=origin)


@_pattern(
    r"^(?:m\.|music\.)?youtube\.com/(?:watch\?(?:.*&)?v=|embed/|shorts/|live/|v/)" + _YOUTUBE_ID
)
def _youtube(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    return youtube_embed(match["id"], origin, title, seconds(_query_value(url, "t", "start")))


@_pattern(r"^(?:youtu\.be/|youtube-nocookie\.com/embed/)" + _YOUTUBE_ID)
def _youtube_short(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    return youtube_embed(match["id"], origin, title, seconds(_query_value(url, "t", "start")))


@_pattern(r"^speakerdeck\.com/player/(?P<id>[0-9a-f]+)")
def _speakerdeck_player(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    return speakerdeck_embed(match["id"], origin, title, _slide(url))


@_pattern(r"^speakerdeck\.com/(?!player/)[^/?#]+/[^/?#]+/?(?:[?#].*)?$")
def _speakerdeck_deck(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    # A deck page does not carry the player id the embed syntaxes need.
    return Embed("speakerdeck", url, title=title, origin=origin, start=_slide(url))


@_pattern(r"^asciinema\.org/a/(?P<id>[A-Za-z0-9]+)(?:\.js)?")
def _asciinema(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    page = f"https://asciinema.org/a/{match['id']}"
    return Embed("asciinema", page, id=match["id"], title=title, origin=origin)


@_pattern(r"^slideshare\.net/slideshow/embed_code/(?:key/)?(?P<id>[\w-]+)")
def _slideshare_player(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    return slideshare_embed(match["id"], origin, title)


@_pattern(r"^(?:[a-z]{2}\.)?slideshare\.net/(?!slideshow/)[^/?#]+/[^/?#]+/?$")
def _slideshare_page(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    return Embed("slideshare", url, title=title, origin=origin)


@_pattern(r"^docswell\.com/(?:slide/(?P<id>[\w]+)(?:/embed)?|s/[^/]+/(?P<sid>[\w]+)(?:-[^/?#]*)?)")
def _docswell(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    slide_id = match["id"] or match["sid"]
    return Embed("docswell", url, id=slide_id, title=title, origin=origin)


@_pattern(r"^(?:mobile\.)?(?:twitter|x)\.com/(?P<user>\w+)/status(?:es)?/(?P<id>\d+)")
def _tweet(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    user = "" if match["user"] == "i" else match["user"]
    return tweet_embed(match["id"], user, origin)


@_pattern(r"^gist\.github\.com/(?:(?P<user>[\w-]+)/)?(?P<id>[0-9a-f]{5,})(?:\.js)?")
def _gist(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    query = parse_qs(urlsplit(url).query)
    return gist_embed(match["user"] or "", match["id"], origin, query.get("file", [""])[0])


@_pattern(r"^codepen\.io/(?P<user>[\w-]+)/(?:pen|embed|full|details)/(?P<id>\w+)")
def _codepen(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    page = f"https://codepen.io/{match['user']}/pen/{match['id']}"
    return Embed("codepen", page, id=match["id"], title=title, origin=origin)


@_pattern(r"^figma\.com/embed\b.*?[?&]url=(?P<url>[^&]+)")
def _figma_player(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    return Embed("figma", unquote(match["url"]), title=title, origin=origin)


@_pattern(r"^figma\.com/(?:file|design|proto|board)/(?P<id>\w+)")
def _figma(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    return Embed("figma", url, id=match["id"], title=title, origin=origin)


@_pattern(r"^(?:player\.)?vimeo\.com/(?:video/)?(?P<id>\d+)")
def _vimeo(match: re.Match[str], url: str, origin: str, title: str) -> Embed:
    page = f"https://vimeo.com/{match['id']}"
    return Embed("iframe", page, id=match["id"], title=title or "Vimeo", origin=origin)


_SCHEME_HOST = re.compile(r"^(?:https?:)?//(?:www\.)?", re.IGNORECASE)


def absolute_url(url: str) -> str:
    """``//host/x`` → ``https://host/x``; anything else unchanged."""
    return "https:" + url if url.startswith("//") else url


def embed_from_url(url: str, origin: str, title: str = "") -> Embed | None:
    """The embed a URL of a known provider stands for, or None."""
    url = url.strip()
    rest, count = _SCHEME_HOST.subn("", url, count=1)
    if not count:
        return None
    for regex, build in _PATTERNS:
        match = regex.match(rest)
        if match:
            return build(match, absolute_url(url), origin, title)
    return None


def embed_from_iframe(src: str, title: str = "") -> Embed:
    """An iframe's embed: a known provider's, else a generic frame showing ``src``."""
    src = absolute_url(src.strip())
    return embed_from_url(src, "iframe", title) or Embed(
        "iframe", src, title=title, origin="iframe"
    )


def card_or_provider(url: str, origin: str) -> Embed:
    """What a URL alone on its line becomes: a provider's embed or a link card."""
    return embed_from_url(url, origin) or Embed("card", url, origin=origin)
