"""Raw HTML inside a payload, reduced to what is safe to show and balanced.

Qiita keeps some raw HTML (its allow-listed embeds, ``<details>``, ``<kbd>``…) and
drops the rest silently; an out-of-tree adapter's own preview fragment is HTML too.
Neither ever reaches the page as is: this filter re-emits allowed elements without
their attributes (a link keeps a checked ``href``), draws the embeds Qiita allows as
boxes, marks what Qiita removes, and escapes all text. It keeps a stack of what the
fragments opened across one article and closes it at the end, so a stray ``</div>``
or an unclosed ``<details>`` in a post can never reach outside its column.

Qiita's allow-lists: ``contracts/qiita/markdown-rules.md`` (qiita-markdown 1.7.0,
``transformers/filter_iframe.rb``, ``filter_script.rb``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

from xpost.preview import embeds
from xpost.preview.escape import esc, safe_href

ALLOWED = frozenset(
    [
        "a",
        "abbr",
        "b",
        "bdi",
        "bdo",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "details",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "rp",
        "rt",
        "ruby",
        "s",
        "samp",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "tt",
        "u",
        "ul",
        "var",
        "wbr",
    ]
)
VOID = frozenset({"br", "hr", "img", "wbr"})
#: Elements whose content is not text a reader sees: dropped with the element.
SKIP_CONTENT = frozenset(
    [
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "template",
        "noscript",
        "svg",
        "math",
        "frame",
        "frameset",
        "noembed",
        "applet",
        "title",
        "head",
        "textarea",
        "select",
        "audio",
        "video",
        "canvas",
    ]
)

QIITA_IFRAME_HOSTS = frozenset(
    [
        "www.youtube.com",
        "www.youtube-nocookie.com",
        "www.slideshare.net",
        "docs.google.com",
        "docswell.com",
        "www.docswell.com",
        "www.figma.com",
        "embed.figma.com",
        "drive.google.com",
        "stackblitz.com",
        "blueprintue.com",
        "claude.site",
    ]
)
QIITA_SCRIPTS = frozenset(
    {
        "https://production-assets.codepen.io/assets/embed/ei.js",
        "https://static.codepen.io/assets/embed/ei.js",
        "https://cpwebassets.codepen.io/assets/embed/ei.js",
        "https://public.codepenassets.com/embed/index.js",
        "https://platform.twitter.com/widgets.js",
        "//speakerdeck.com/assets/embed.js",
        "https://www.docswell.com/assets/libs/docswell-embed/docswell-embed.min.js",
        "//www.docswell.com/assets/libs/docswell-embed/docswell-embed.min.js",
    }
)
_YOUTUBE_EMBED = re.compile(r"^/embed/([A-Za-z0-9_-]{6,20})")
_CLASS_VALUE = re.compile(r"^[A-Za-z0-9 _-]{1,200}$")

#: Draws an image from its ``src`` and ``alt`` (inlined when local, else a placeholder).
ImageDrawer = Callable[[str, str], str]


class RawHtml:
    """One article's raw HTML fragments, filtered in order; ``finish`` closes the rest.

    ``qiita`` turns on Qiita's embed rules; ``keep_class`` keeps ``class`` attributes
    (for adapters' own fragments, which style themselves with the page's classes).
    """

    def __init__(
        self,
        draw_image: ImageDrawer,
        *,
        qiita: bool = False,
        keep_class: bool = False,
        titles: dict[str, str] | None = None,
    ) -> None:
        self.draw_image = draw_image
        self.qiita = qiita
        self.keep_class = keep_class
        self.titles = titles or {}
        self.open: list[str] = []

    def fragment(self, text: str) -> str:
        parser = _Filter(self)
        parser.feed(text)
        parser.close()
        return "".join(parser.out)

    def finish(self) -> str:
        closing = "".join(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()
        return closing


class _Filter(HTMLParser):
    def __init__(self, owner: RawHtml) -> None:
        super().__init__(convert_charrefs=True)
        self.owner = owner
        self.out: list[str] = []
        self.skipping: str | None = None  # an element whose content is dropped
        self.skip_depth = 0

    # -- start tags ----------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag == self.skipping:
                self.skip_depth += 1
            return
        values = {name: value or "" for name, value in attrs}
        if tag in SKIP_CONTENT:
            self.out.append(self._special(tag, values))
            self.skipping, self.skip_depth = tag, 1
            return
        if self.owner.qiita and tag == "p" and "codepen" in values.get("class", "").split():
            user, slug = values.get("data-user", ""), values.get("data-slug-hash", "")
            self.out.append(embeds.draw("codepen", f"https://codepen.io/{user}/pen/{slug}"))
            self.skipping, self.skip_depth = "p", 1
            return
        if tag not in ALLOWED:
            return
        if tag == "img":
            self.out.append(self.owner.draw_image(values.get("src", ""), values.get("alt", "")))
            return
        self.out.append(self._open_tag(tag, values))
        if tag not in VOID:
            self.owner.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def _open_tag(self, tag: str, values: dict[str, str]) -> str:
        parts = [tag]
        if tag == "a":
            href = safe_href(values.get("href", ""))
            if href:
                parts.append(f'href="{esc(href)}" target="_blank" rel="noopener noreferrer"')
        if tag == "details" and "open" in values:
            parts.append("open")
        classes = values.get("class", "")
        if tag == "blockquote" and "twitter-tweet" in classes.split() and self.owner.qiita:
            parts.append('class="tweet-quote" data-embed="tweet"')
        elif self.owner.keep_class and classes and _CLASS_VALUE.match(classes):
            parts.append(f'class="{esc(classes)}"')
        return f"<{' '.join(parts)}>"

    def _special(self, tag: str, values: dict[str, str]) -> str:
        """What stands where a script, iframe or other non-text element was."""
        if not self.owner.qiita:
            return embeds.removed(f"<{tag}>", "is not shown")
        if tag == "script":
            src = values.get("src", "")
            if "speakerdeck-embed" in values.get("class", "").split() and values.get("data-id"):
                deck = values["data-id"]
                return embeds.draw("speakerdeck", deck, self.owner.titles.get(deck, ""))
            if src in QIITA_SCRIPTS or _host(src) == "asciinema.org":
                return ""  # the element it goes with is what the reader sees
            return embeds.removed("<script>", "Qiita removes scripts it does not allow")
        if tag == "iframe":
            return self._iframe(values.get("src", ""))
        return embeds.removed(f"<{tag}>", "Qiita removes this element")

    def _iframe(self, src: str) -> str:
        host = _host(src)
        if host not in QIITA_IFRAME_HOSTS:
            where = host or src or "no address"
            return embeds.removed(f"<iframe> from {where}", "Qiita removes frames from this host")
        title = self.owner.titles.get(src, "")
        if "youtube" in host and (found := _YOUTUBE_EMBED.match(urlsplit(src).path)):
            return embeds.draw("youtube", found[1], self.owner.titles.get(found[1], title))
        for provider in ("slideshare", "docswell", "figma", "stackblitz", "blueprintue"):
            if provider in host:
                return embeds.draw(provider, src, title)
        return embeds.draw("google" if "google" in host else "iframe", src, title)

    # -- the rest ------------------------------------------------------------------

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag == self.skipping:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skipping = None
            return
        stack = self.owner.open
        if tag not in stack:
            return  # closes nothing the post opened: never anything of the page's
        while stack:
            top = stack.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.out.append(esc(data))


def _host(src: str) -> str:
    try:
        return (urlsplit("https:" + src if src.startswith("//") else src).hostname or "").lower()
    except ValueError:
        return ""
