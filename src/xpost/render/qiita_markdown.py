"""Qiita Markdown: what Qiita's renderer shows, spelled the way it accepts it.

Qiita turns every newline into ``<br>`` (so soft-wrapped lines are joined), keeps
``:::note``, ``lang:filename`` code fences and ``math`` fences, and sanitises HTML:
iframes survive only from an allow-list of hosts, scripts only for a few embeds
(Speaker Deck, X posts). A URL alone on its line becomes a link card (and a gist).
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote, urlsplit

from xpost.content.model import Callout, Code, Embed, Math
from xpost.render.markdown import PROVIDER_NAMES, MarkdownFlavor, code_fence, embed_link

#: Hosts whose ``<iframe>`` Qiita keeps. Source: Qiita's help page on embeds,
#: "iframe で埋め込めるサービス" (YouTube, SlideShare, Google Slides/Docs, Google
#: Drive, Figma, StackBlitz, Docswell, CodePen, CodeSandbox, Blueprint UE), which
#: matches the hosts in Qiita's public renderer, increments/qiita-markdown.
QIITA_IFRAME_HOSTS = frozenset(
    {
        "www.youtube.com",
        "www.youtube-nocookie.com",
        "www.slideshare.net",
        "docs.google.com",
        "drive.google.com",
        "www.figma.com",
        "embed.figma.com",
        "stackblitz.com",
        "docswell.com",
        "www.docswell.com",
        "codepen.io",
        "codesandbox.io",
        "blueprintue.com",
    }
)

SPEAKERDECK_SCRIPT = (
    '<script async class="speakerdeck-embed" data-id="{id}" data-ratio="1.77" '
    'src="//speakerdeck.com/assets/embed.js"></script>'
)
TWEET_SCRIPT = (
    '<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>'
)
YOUTUBE_ALLOW = (
    "accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; "
    "picture-in-picture; web-share"
)

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_SPEAKERDECK_ID = re.compile(r"^[0-9a-f]{24,32}$")
_DOCSWELL_PAGE = re.compile(r"^/s/[^/]+/([A-Za-z0-9]+)(?:-|$)")
_CODEPEN_PEN = re.compile(r"^/([^/]+)/(?:pen|embed)/([A-Za-z0-9]+)")

CALLOUT_STYLES = {
    "note": "info",
    "tip": "info",
    "important": "info",
    "warning": "warn",
    "caution": "alert",
}


class QiitaMarkdown(MarkdownFlavor):
    platform = "Qiita"
    join_soft_breaks = True

    def code(self, block: Code) -> str:
        fence = code_fence(block.code)
        info = f"{block.lang or 'text'}:{block.filename}" if block.filename else block.lang
        return f"{fence}{info}\n{block.code}\n{fence}"

    def math(self, block: Math) -> str:
        # A ``math`` fence rather than ``$$``: a fence is immune to Qiita's
        # newline-to-<br> rule and to Markdown inside the TeX.
        fence = code_fence(block.tex)
        return f"{fence}math\n{block.tex}\n{fence}"

    def callout(self, block: Callout) -> str:
        inner = self.blocks(block.blocks)
        if block.title:
            inner = f"**{block.title}**\n\n{inner}" if inner else f"**{block.title}**"
        return f":::note {CALLOUT_STYLES[block.kind]}\n{inner}\n:::"

    def embed(self, block: Embed) -> str:
        match block.provider:
            case "speakerdeck" if _SPEAKERDECK_ID.match(block.id):
                return SPEAKERDECK_SCRIPT.format(id=block.id)
            case "speakerdeck":
                return self._card(block, "it has no player id")
            case "youtube" if _YOUTUBE_ID.match(block.id):
                return youtube_iframe(block.id, block.title)
            case "tweet":
                return tweet_blockquote(block)
            case "gist" | "card":
                return block.url  # alone on its line: Qiita shows an embed / link card
        src = iframe_src(block)
        if src is not None:
            return iframe(src, block.title or PROVIDER_NAMES[block.provider])
        if block.provider in ("youtube", "slideshare", "docswell", "codepen", "figma"):
            return self._card(block, "its embed address could not be worked out")
        self.warn(
            f"Qiita cannot embed a frame from {_host(block.url) or block.url}: "
            f"shown as a link to {block.url}"
        )
        return embed_link(block)

    def _card(self, block: Embed, why: str) -> str:
        self.warn(
            f"Qiita cannot embed this {PROVIDER_NAMES[block.provider]} ({why}): "
            f"shown as a link card: {block.url}"
        )
        return block.url


def iframe_src(block: Embed) -> str | None:
    """The allow-listed iframe address for an embed, or None when Qiita would drop it."""
    url = block.url
    host = _host(url)
    path = urlsplit(url).path
    src: str | None = None
    match block.provider:
        case "slideshare" if block.id:
            src = f"https://www.slideshare.net/slideshow/embed_code/key/{quote(block.id)}"
        case "docswell":
            page = _DOCSWELL_PAGE.match(path)
            if block.id:
                src = f"https://www.docswell.com/slide/{quote(block.id)}/embed"
            elif path.endswith("/embed"):
                src = url
            elif page:
                src = f"https://www.docswell.com/slide/{page.group(1)}/embed"
        case "figma":
            if host == "embed.figma.com" or path.startswith("/embed"):
                src = url
            else:
                src = f"https://www.figma.com/embed?embed_host=share&url={quote(url, safe='')}"
        case "codepen":
            pen = _CODEPEN_PEN.match(path)
            if pen:
                src = f"https://codepen.io/{pen.group(1)}/embed/{pen.group(2)}?default-tab=result"
        case "iframe":
            src = url
    if src is None or _host(src) not in QIITA_IFRAME_HOSTS:
        return None
    return src


def youtube_iframe(video_id: str, title: str = "") -> str:
    return (
        f'<iframe width="560" height="315" src="https://www.youtube.com/embed/{video_id}" '
        f'title="{escape(title or "YouTube video player")}" frameborder="0" '
        f'allow="{YOUTUBE_ALLOW}" allowfullscreen></iframe>'
    )


def iframe(src: str, title: str) -> str:
    return (
        f'<iframe width="100%" height="450" src="{escape(src)}" title="{escape(title)}" '
        f'frameborder="0" allowfullscreen></iframe>'
    )


def tweet_blockquote(block: Embed) -> str:
    """X's own embed markup: the quote shows as text until widgets.js upgrades it."""
    url = escape(block.url)
    text = f"<p>{escape(block.title)}</p>" if block.title else ""
    return (
        f'<blockquote class="twitter-tweet">{text}<a href="{url}">{url}</a></blockquote>\n'
        f"{TWEET_SCRIPT}"
    )


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
