"""Forem Markdown: the body of a DEV article, spelled the way Forem renders it.

Facts from Forem's source (forem/forem):

- ``app/services/markdown_parser.rb`` renders with Redcarpet and ``hard_wrap: true``:
  every newline inside a paragraph becomes ``<br>``, so soft-wrapped lines are joined.
- Liquid runs over the rendered body, so ``{% … %}`` and ``{{ … }}`` in prose would be
  read as tags; outside code they are wrapped in ``{% raw %}``.
- Embeds are Liquid tags. ``{% youtube ID?start=S %}`` keeps a start time
  (``app/liquid_tags/youtube_tag.rb``); ``{% speakerdeck ID %}`` takes the player id
  and nothing else (``speakerdeck_tag.rb``); ``{% embed URL %}`` picks the tag
  registered for the URL and falls back to an Open Graph card
  (``app/models/unified_embed/registry.rb``).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from xpost.content.model import Embed, Markdown
from xpost.render.markdown import PROVIDER_NAMES, MarkdownFlavor, embed_link

_LIQUID = re.compile(r"\{[{%]")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_SPEAKERDECK_ID = re.compile(r"^[A-Za-z0-9]+$")
_TWEET_ID = re.compile(r"^[0-9]{1,20}$")
_SLIDESHARE_KEY = re.compile(r"^[A-Za-z0-9]+$")
_UNSAFE = re.compile(r"[\s{}]")
_CLOCK = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


class ForemMarkdown(MarkdownFlavor):
    platform = "DEV"
    join_soft_breaks = True

    def markdown(self, block: Markdown) -> str:
        return escape_liquid(super().markdown(block))

    def embed(self, block: Embed) -> str:
        tag = liquid_tag(block)
        if tag is None:
            return super().embed(block)
        lost = _lost_parameters(block)
        if lost:
            self.warn(
                f"DEV's {PROVIDER_NAMES[block.provider]} embed has no {lost}: "
                f"a link to {block.url} keeps it"
            )
            return f"{tag}\n\n{embed_link(block)}"
        if block.provider == "iframe":
            self.warn(f"DEV: the embedded frame {block.url} is shown as a link card")
        return tag


def liquid_tag(block: Embed) -> str | None:
    """The Forem Liquid tag that shows ``block``, or None when none can."""
    url = block.url
    match block.provider:
        case "youtube" if _YOUTUBE_ID.match(block.id):
            start = start_seconds(url)
            return (
                f"{{% youtube {block.id}?start={start} %}}"
                if start
                else (f"{{% youtube {block.id} %}}")
            )
        case "speakerdeck" if _SPEAKERDECK_ID.match(block.id):
            return f"{{% speakerdeck {block.id} %}}"
        case "tweet" if _TWEET_ID.match(block.id):
            return f"{{% twitter {block.id} %}}"
        case "slideshare" if _SLIDESHARE_KEY.match(block.id):
            return f"{{% slideshare {block.id} %}}"
        case "gist" | "codepen" | "card" | "docswell" | "figma" | "iframe" if _is_web(url):
            name = {"gist": "gist", "codepen": "codepen"}.get(block.provider, "embed")
            return f"{{% {name} {url} %}}"
    return None


def start_seconds(url: str) -> int:
    """A YouTube start time (``t=90``, ``t=1m30s``, ``start=90``) in seconds; 0 if none."""
    query = parse_qs(urlsplit(url).query)
    value = (query.get("start") or query.get("t") or [""])[0]
    clock = _CLOCK.match(value)
    if not value or not clock:
        return 0
    hours, minutes, seconds = (int(part or 0) for part in clock.groups())
    return hours * 3600 + minutes * 60 + seconds


def escape_liquid(text: str) -> str:
    """Wrap Liquid delimiters in prose in ``{% raw %}``; code spans are left alone
    (Forem escapes Liquid inside code itself)."""
    if not _LIQUID.search(text):
        return text
    out: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_raw(text[last : span.start()]))
        out.append(span.group(0))
        last = span.end()
    out.append(_raw(text[last:]))
    return "".join(out)


def _raw(prose: str) -> str:
    return _LIQUID.sub(lambda m: "{% raw %}" + m.group(0) + "{% endraw %}", prose)


def _lost_parameters(block: Embed) -> str:
    """What the Liquid tag cannot carry that the author's link holds."""
    query = parse_qs(urlsplit(block.url).query)
    if block.provider == "speakerdeck" and "slide" in query:
        return "slide number"
    return ""


def _is_web(url: str) -> bool:
    parts = urlsplit(url)
    # Whitespace or a brace would end the Liquid tag early.
    return parts.scheme in ("http", "https") and bool(parts.netloc) and not _UNSAFE.search(url)
