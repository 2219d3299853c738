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

from xpost.content.links import outside_code_spans
from xpost.content.model import Callout, Code, Embed, Image, Math
from xpost.render.markdown import (
    INLINE_SIZED_IMAGE,
    PROVIDER_NAMES,
    MarkdownFlavor,
    code_fence,
    embed_link,
)

#: Hosts whose ``<iframe>`` Qiita keeps: qiita-markdown 1.7.0's
#: ``transformers/filter_iframe.rb`` (``contracts/qiita/markdown-rules.md``). Not
#: codepen.io (its script embed is kept instead) and not codesandbox.io.
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
        "blueprintue.com",
        "claude.site",
    }
)
#: CodePen's script embed, one of the script sources Qiita keeps (same file).
CODEPEN_SCRIPT = '<script async src="https://public.codepenassets.com/embed/index.js"></script>'

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

# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_YOUTUBE_ID = r"^[A-Za-z0-9_-]{6,20}$"
_SPEAKERDECK_ID = re.compile(r"^[0-9a-f]{24,32}$")
_DOCSWELL_PAGE = r"^/s/[^/]+/([A-Za-z0-9]+)(?:-|$)"
_CODEPEN_PEN = r"^/([^/]+)/(?:pen|embed)/([A-Za-z0-9]+)"

CALLOUT_STYLES = {
    "note": "info",
    "tip": "info",
    "important": "info",
    "warning": "warn",
    "caution": "alert",
}


# What Qiita turns into a mention (and a notification): qiita-markdown's
# filters/mention.rb, an ``@name`` after a non-word character (ASCII \\w in Ruby).
_MENTION = re.compile(
    r"(?<![A-Za-z0-9_])@(?P<name>[A-Za-z0-9][A-Za-z0-9_]*)(?!/)"
    r"(?=\.+[ \t\W]|\.+$|[^0-9A-Za-z_.]|$)"
)
# Where an ``@`` is no mention: link destinations, whole links, autolinks and HTML tags,
# bare URLs. These are copied as they are.
_NOT_PROSE = re.compile(
    r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\([^()\s]*(?:\([^()\s]*\)[^()\s]*)*(?:\s+\"[^\"\n]*\")?\)"
    r"|<[^<>\n]+>|https?://\S+"
)
#: After the ``@``: U+2060 WORD JOINER, invisible, keeps Qiita from reading a mention.
MENTION_GUARD = "\u2060"


def defuse_mentions(text: str, found: list[str]) -> str:
    """``@name`` outside links, URLs and tags written so that Qiita mentions nobody."""

    def prose(part: str) -> str:
        def guard(match: re.Match[str]) -> str:
            found.append(match["name"])
            return "@" + MENTION_GUARD + match["name"]

        return _MENTION.sub(guard, part)

    pieces = []
    position = 0
    for match in _NOT_PROSE.finditer(text):
        pieces.append(prose(text[position : match.start()]))
        pieces.append(match[0])
        position = match.end()
    pieces.append(prose(text[position:]))
    return "".join(pieces)


class QiitaMarkdown(MarkdownFlavor):
    platform = "Qiita"
    join_soft_breaks = True

    def inline(self, text: str) -> str:
        """No live ``@mentions``; a Zenn-sized image as ``<img width>``."""
        if "@" in text:
            text = outside_code_spans(text, self._no_mentions)
        if " =" in text:
            text = outside_code_spans(text, self._sized_images)
        return text

    def _no_mentions(self, text: str) -> str:
        names: list[str] = []
        text = defuse_mentions(text, names)
        for name in names:
            self.warn(
                f"Qiita: @{name} written with an invisible word joiner after the @ "
                "so that Qiita does not mention (notify) that user"
            )
        return text

    def _sized_images(self, text: str) -> str:
        return re.sub(
            INLINE_SIZED_IMAGE,
            lambda m: sized_img(m["src"], m["alt"], m["width"]) if m["width"] else m[0],
            text,
        )

    def image(self, block: Image) -> str:
        if not block.width:
            return super().image(block)
        text = sized_img(block.src, block.alt, block.width)
        if block.link:
            text = f'<a href="{escape(block.link)}">{text}</a>'
        if block.caption:
            text += f"\n*{block.caption}*"
        return text

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
                script = SPEAKERDECK_SCRIPT.format(id=block.id)
                if block.start <= 1:
                    return script
                # The script embed has no slide setting Qiita keeps (data-id, data-ratio).
                self.warn(
                    f"Qiita's Speaker Deck embed opens at the first slide: "
                    f"a link to slide {block.start} follows it"
                )
                return f"{script}\n\n[Speaker Deck: slide {block.start}]({block.url})"
            case "speakerdeck":
                return self._card(block, "it has no player id")
            case "youtube" if re.match(_YOUTUBE_ID, block.id):
                return youtube_iframe(block.id, block.title, block.start)
            case "tweet":
                return self._tweet(block)
            case "codepen" if pen := re.match(_CODEPEN_PEN, urlsplit(block.url).path):
                return codepen_embed(pen[1], pen[2], block)
            case "asciinema" if block.id:
                return (
                    f'<script src="https://asciinema.org/a/{escape(block.id)}.js" '
                    f'id="asciicast-{escape(block.id)}" async></script>'
                )
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

    def _tweet(self, block: Embed) -> str:
        names: list[str] = []
        html = tweet_blockquote(block, names)
        for name in names:
            self.warn(
                f"Qiita: @{name} written with an invisible word joiner after the @ "
                "so that Qiita does not mention (notify) that user"
            )
        return html

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
            page = re.match(_DOCSWELL_PAGE, path)
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
            pen = re.match(_CODEPEN_PEN, path)
            if pen:
                src = f"https://codepen.io/{pen.group(1)}/embed/{pen.group(2)}?default-tab=result"
        case "iframe":
            src = url
    if src is None or _host(src) not in QIITA_IFRAME_HOSTS:
        return None
    return src


def youtube_iframe(video_id: str, title: str = "", start: int = 0) -> str:
    query = f"?start={start}" if start > 0 else ""
    return (
        f'<iframe width="560" height="315" src="https://www.youtube.com/embed/{video_id}{query}" '
        f'title="{escape(title or "YouTube video player")}" frameborder="0" '
        f'allow="{YOUTUBE_ALLOW}" allowfullscreen></iframe>'
    )


def iframe(src: str, title: str) -> str:
    return (
        f'<iframe width="100%" height="450" src="{escape(src)}" title="{escape(title)}" '
        f'frameborder="0" allowfullscreen></iframe>'
    )


def tweet_blockquote(block: Embed, mentions: list[str] | None = None) -> str:
    """X's own embed markup: the quote shows as text until widgets.js upgrades it, so
    a pasted tweet keeps its words (and its byline, mentioning nobody on Qiita)."""
    found = mentions if mentions is not None else []
    url = escape(block.url)
    words = block.quote or block.title
    text = f"<p>{defuse_mentions(escape(words), found)}</p>" if words else ""
    byline = f"&mdash; {defuse_mentions(escape(block.byline), found)} " if block.byline else ""
    return (
        f'<blockquote class="twitter-tweet">{text}{byline}<a href="{url}">{url}</a></blockquote>\n'
        f"{TWEET_SCRIPT}"
    )


def codepen_embed(user: str, slug: str, block: Embed) -> str:
    """CodePen's own embed: a ``p.codepen`` CodePen's script turns into the pen."""
    page = f"https://codepen.io/{user}/pen/{slug}"
    label = escape(block.title or f"{user}/{slug}")
    return (
        f'<p class="codepen" data-height="300" data-default-tab="result" '
        f'data-slug-hash="{escape(slug)}" data-user="{escape(user)}">'
        f'<span>See the Pen <a href="{escape(page)}">{label}</a> on CodePen.</span></p>\n'
        f"{CODEPEN_SCRIPT}"
    )


def sized_img(src: str, alt: str, width: str) -> str:
    """An image with a width, as Qiita keeps it: ``<img width>``."""
    return f'<img src="{escape(src)}" alt="{escape(alt)}" width="{escape(width)}">'


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
