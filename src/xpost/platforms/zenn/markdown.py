"""Zenn Markdown: ``@[name](arg)`` embeds, ``:::message``/``:::details`` containers,
``lang:filename`` fences, images hosted in the Zenn repo's ``images/``.

Facts come from ``zenn-markdown-html@0.4.4`` (what zenn.dev renders with): an unknown
``@[name]`` renders nothing and an argument its checker rejects renders an error text,
so every embed is checked here with the same patterns before it is emitted, and
degraded to a link card (``@[card](url)``) otherwise. Raw HTML is escaped (shown as
text), except ``<br>`` and ``<!-- comments -->``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from msgspec import Struct

from xpost.content.links import outside_code_spans
from xpost.content.model import Callout, Code, Details, Embed, Image, Markdown
from xpost.content.plaintext import KEPT_TAG, inline_html
from xpost.render.markdown import (
    PROVIDER_NAMES,
    MarkdownFlavor,
    code_fence,
    embed_link,
)

# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
# The argument patterns zenn-markdown-html@0.4.4 accepts per embed (src/utils/url-matcher.ts
# and src/embed.ts); an argument outside them renders an error message instead of a player.
_ARGUMENT_PATTERNS: dict[str, str] = {
    "youtube": (
        r"^(?:[a-zA-Z0-9_-]+|https://www\.youtube\.com/watch\?v=[a-zA-Z0-9_-]{11}&t=\d+s)$"
    ),
    "slideshare": r"^[a-zA-Z0-9_-]+$",
    "speakerdeck": r"^[a-zA-Z0-9_-]+(?:\?slide=\d+)?$",
    "docswell": (
        r"^https://www\.docswell\.com/(?:s/[a-zA-Z0-9_-]+/[a-zA-Z0-9_-]+(?:/\d+)?(?:#p\d+)?"
        r"|slide/[a-zA-Z0-9_-]+/embed(?:#p\d+)?)$"
    ),
    "tweet": r"^https://(?:twitter|x)\.com/[a-zA-Z0-9_-]+/status/[a-zA-Z0-9?=&\-_]+$",
    "gist": (
        r"^https://gist\.github\.com/[a-zA-Z0-9](?:-?[a-zA-Z0-9]){0,38}/[a-zA-Z0-9]{1,32}"
        r"(?:/[a-zA-Z0-9]+)?(?:\?file=.+)?$"
    ),
    "codepen": r"^https://codepen\.io/[a-zA-Z0-9\-_/@]+/pen/[a-zA-Z0-9\-_/.@?&=%,]+$",
    "figma": (
        r"^https://(?:[\w.-]+\.)?figma.com/(?:file|proto)/[0-9a-zA-Z]{22,128}(?:/[\w\-?=&%]+)?$"
    ),
    # Players Zenn has but the model has no provider for: recognised from a plain iframe.
    "stackblitz": r"^https://stackblitz\.com/[a-zA-Z0-9\-_/.@?&=%\[\]]+$",
    "codesandbox": r"^https://codesandbox\.io/embed/[a-zA-Z0-9\-_/.@?&=%,+]+$",
    "jsfiddle": r"^https?://jsfiddle\.net/[a-zA-Z0-9_,/-]+$",
    "blueprintue": r"^https://blueprintue\.com/render/[-\w]+/?$",
}
_IFRAME_PLAYERS = ("stackblitz", "codesandbox", "jsfiddle", "blueprintue")
# Longer arguments are refused by zenn-markdown-html (cards excepted).
_MAX_ARGUMENT = 300
_HTTP_URL = re.compile(r"^https?://[^\s]+$")

# Inline HTML Zenn escapes. ``<br>`` (lowercase) and comments are the exceptions it keeps.
_INLINE_TAG = r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"
_CODE_SPAN = r"(?s)(`+)(?:(?!\1).)+?\1"
_FENCED_CODE = r"(?sm)^[ \t>]*(`{3,}|~{3,}).*?^[ \t>]*\1"
_COMMENT = r"(?s)<!--.*?-->"
_CONTAINER_FENCE = r"(?m)^(:{3,})"


class HostedImage(Struct, frozen=True):
    """A local image the Zenn repo must carry: copy ``source`` to ``target``."""

    source: Path
    target: str  # repo-relative: ``images/<slug>/<name>``


class ZennMarkdown(MarkdownFlavor):
    """Emit a document as a Zenn article body.

    ``image_dir`` is the repo folder for this article's images (``images/<slug>``);
    local images are rewritten to ``/<image_dir>/<name>`` and collected in ``images``.
    """

    platform = "Zenn"
    join_soft_breaks = True  # zenn-markdown-html renders with ``breaks: true``
    #: ``:::details`` needs a summary; this one stands in for an empty one.
    default_summary = "Details"

    def __init__(self, image_dir: str = "images") -> None:
        super().__init__()
        self.image_dir = image_dir.strip("/")
        self.images: list[HostedImage] = []

    # -- hooks -------------------------------------------------------------------

    def markdown(self, block: Markdown) -> str:
        text = super().markdown(block)
        self._warn_inline_html(text)
        return text

    def inline(self, text: str) -> str:
        """Zenn keeps its own ``=400x`` image size; inline HTML, which Zenn would show
        as text, becomes what it means in Markdown (``inline_html``)."""
        if "<" not in text:
            return text
        return outside_code_spans(text, lambda prose: inline_html(prose, self.warn, "Zenn"))

    def code(self, block: Code) -> str:
        if not block.filename:
            return super().code(block)
        fence = code_fence(block.code)
        return f"{fence}{block.lang}:{block.filename}\n{block.code}\n{fence}"

    def embed(self, block: Embed) -> str:
        name, argument = self._embed_argument(block)
        if name and re.match(_ARGUMENT_PATTERNS[name], argument) and len(argument) <= _MAX_ARGUMENT:
            return f"@[{name}]({argument})"
        if block.provider == "iframe":
            return super().embed(block)  # a link, with a warning
        if not _HTTP_URL.match(block.url):
            self.warn(
                f"Zenn cannot embed {PROVIDER_NAMES[block.provider]} {block.url!r}: shown as a link"
            )
            return embed_link(block)
        if block.provider != "card":
            self.warn(
                f"Zenn cannot embed this {PROVIDER_NAMES[block.provider]}"
                f"{' (no player id)' if block.provider == 'speakerdeck' and not block.id else ''}:"
                f" shown as a link card for {block.url}"
            )
        return f"@[card]({block.url})"

    def image(self, block: Image) -> str:
        src = block.src if block.local is None else "/" + self._host(block.local)
        title = f' "{block.title}"' if block.title else ""
        size = f" ={block.width}x" if block.width else ""
        text = f"![{block.alt}]({src}{title}{size})"
        if block.link:
            text = f"[{text}]({block.link})"
        if block.caption:
            text += f"\n*{block.caption}*"  # Zenn's caption: the line right under the image
        return text

    def callout(self, block: Callout) -> str:
        body = self.blocks(block.blocks)
        if block.title:
            body = f"**{block.title}**\n\n{body}" if body else f"**{block.title}**"
        kind = "message alert" if block.kind in ("warning", "caution") else "message"
        return _container(kind, body)

    def details(self, block: Details) -> str:
        summary = " ".join(block.summary.split()) or self.default_summary
        return _container(f"details {summary}", self.blocks(block.blocks))

    # -- helpers -----------------------------------------------------------------

    def _embed_argument(self, block: Embed) -> tuple[str, str]:
        """The ``@[name](argument)`` Zenn would need, or ``("", "")`` if it has none."""
        match block.provider:
            case "youtube" if block.start > 0:
                # zenn-markdown-html reads the start (t=) from a watch URL, not from an id.
                return "youtube", block.url
            case "speakerdeck" if block.start > 1 and block.id:
                return "speakerdeck", f"{block.id}?slide={block.start}"
            case "speakerdeck" | "youtube" | "slideshare":
                return block.provider, block.id
            case "docswell" | "tweet" | "gist" | "figma":
                url = _figma_page(block.url) if block.provider == "figma" else block.url
                return block.provider, url
            case "codepen":
                return "codepen", block.url.replace("/embed/", "/pen/", 1)
            case "iframe":
                for name in _IFRAME_PLAYERS:
                    if re.match(_ARGUMENT_PATTERNS[name], block.url):
                        return name, block.url
        return "", ""

    def _host(self, local: Path) -> str:
        """The repo path for a local image; a second file with a taken name gets a suffix."""
        for hosted in self.images:
            if hosted.source == local:
                return hosted.target
        taken = {hosted.target for hosted in self.images}
        target = f"{self.image_dir}/{local.name}"
        counter = 2
        while target in taken:
            target = f"{self.image_dir}/{local.stem}-{counter}{local.suffix}"
            counter += 1
        self.images.append(HostedImage(source=local, target=target))
        return target

    def _warn_inline_html(self, text: str) -> None:
        if "<" not in text:
            return
        prose = re.sub(_COMMENT, "", re.sub(_CODE_SPAN, "", re.sub(_FENCED_CODE, "", text)))
        for tag in re.findall(_INLINE_TAG, prose):
            if not KEPT_TAG.match(tag):
                self.warn(f"Zenn shows raw HTML as text: {tag}")


def _container(info: str, body: str) -> str:
    """A ``:::`` container; it takes more colons than any container nested inside it."""
    inner = max((len(m) for m in re.findall(_CONTAINER_FENCE, body)), default=2)
    fence = ":" * max(3, inner + 1)
    return f"{fence}{info}\n{body}\n{fence}" if body else f"{fence}{info}\n{fence}"


def _figma_page(url: str) -> str:
    """Figma's embed URL (``/embed?…&url=PAGE``) carries the page URL Zenn wants."""
    parts = urlsplit(url)
    if parts.path.rstrip("/") == "/embed" and parts.netloc.endswith("figma.com"):
        return parse_qs(parts.query).get("url", [url])[0]
    return url
