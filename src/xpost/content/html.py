"""Raw HTML blocks: recognise the embeds and images in them, convert the rest.

Bloggers paste embed snippets as HTML: an ``<iframe>``, a tweet ``<blockquote>``
with ``widgets.js``, an iframely ``<div>`` with ``embed.js``, Speaker Deck's
``<script class="speakerdeck-embed">``. Each recognised piece becomes an ``Embed``;
its helper scripts and the wrapper ``<div>``/``<p>`` around it vanish. What is left
with visible content is kept as an ``Html`` block with its markdownify conversion
(``<script>``/``<style>`` dropped, with a note unless they served an embed).
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable

from msgspec import Struct
from msgspec.structs import replace

from xpost.content.embeds import (
    absolute_url,
    embed_from_iframe,
    embed_from_url,
    speakerdeck_embed,
)
from xpost.content.links import LinkResolver
from xpost.content.model import Block, Embed, Html, Image

_FLAGS = re.IGNORECASE | re.DOTALL
_ATTR = re.compile(r"""([\w:.-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_COMMENT = re.compile(r"<!--.*?-->", _FLAGS)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", _FLAGS)
_STYLE = re.compile(r"<style\b[^>]*>.*?</style\s*>", _FLAGS)
_IFRAME = re.compile(r"<iframe\b([^>]*)>(?:.*?</iframe\s*>)?", _FLAGS)
_TWEET = re.compile(
    r"<blockquote\b[^>]*\bclass\s*=\s*[\"'][^\"']*\btwitter-tweet\b[^>]*>(.*?)</blockquote\s*>",
    _FLAGS,
)
_IFRAMELY = re.compile(r"<a\b([^>]*\bdata-iframely-url\b[^>]*)>.*?</a\s*>", _FLAGS)
_CODEPEN = re.compile(r"<p\b([^>]*\bclass\s*=\s*[\"']codepen[\"'][^>]*)>.*?</p\s*>", _FLAGS)
# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_STATUS_URL = r"(?i)https?://(?:mobile\.)?(?:twitter|x)\.com/\w+/status(?:es)?/\d+"
_PARAGRAPH = r"(?is)<p\b[^>]*>(.*?)</p\s*>"
_FIGURE = r"(?is)<figure\b[^>]*>(.*?)</figure\s*>"
_LINKED_IMG = r"(?is)<a\b([^>]*)>\s*(<img\b[^>]*>)\s*</a\s*>"
_IMG = r"(?is)<img\b([^>]*)>"
_FIGCAPTION = r"(?is)<figcaption\b[^>]*>(.*?)</figcaption\s*>"
_A_HREF = r"(?is)<a\b([^>]*)>"
_TAG = r"<[^>]*>"
# Tags that only lay out or style what they wrap: dropping them loses no content.
_WRAPPER = re.compile(
    r"</?(?:div|p|center|span|br|section|article|aside|figure|small)\b[^>]*>|&nbsp;|\s+",
    re.IGNORECASE,
)
# Scripts that only serve an embed xpost recognises: dropped without a note.
_EMBED_SCRIPT = re.compile(
    r"platform\.twitter\.com/widgets\.js|iframe\.?ly|speakerdeck\.com/assets/embed\.js"
    r"|codepen\.io/.*ei\.js|instagram\.com/embed\.js|docswell|slideshare|gist\.github\.com/",
    re.IGNORECASE,
)


def attributes(tag_attrs: str) -> dict[str, str]:
    """``key="value"`` pairs of a tag, names lower-cased, entities decoded."""
    found = {}
    for match in _ATTR.finditer(tag_attrs):
        value = match[2] if match[2] is not None else match[3] if match[3] is not None else match[4]
        found[match[1].lower()] = html_lib.unescape(value or "")
    return found


class _Piece(Struct):
    start: int
    end: int
    block: Block | None  # None: dropped
    note: str = ""


def _script(match: re.Match[str]) -> _Piece:
    attrs = attributes(match[1])
    src = attrs.get("src", "")
    if "speakerdeck-embed" in attrs.get("class", "") and attrs.get("data-id"):
        return _Piece(match.start(), match.end(), speakerdeck_embed(attrs["data-id"], "script"))
    if "gist.github.com/" in src or "asciinema.org/a/" in src:
        return _Piece(match.start(), match.end(), embed_from_url(src, "script"))
    if src and _EMBED_SCRIPT.search(src):
        return _Piece(match.start(), match.end(), None)
    what = f"<script src={src}>" if src else "an inline <script>"
    return _Piece(match.start(), match.end(), None, f"dropped {what}: scripts cannot be syndicated")


def _style(match: re.Match[str]) -> _Piece:
    return _Piece(match.start(), match.end(), None, "dropped a <style> block")


def _comment(match: re.Match[str]) -> _Piece:
    return _Piece(match.start(), match.end(), None)


def _iframe(match: re.Match[str]) -> _Piece:
    attrs = attributes(match[1])
    src = attrs.get("src") or attrs.get("data-src", "")
    if not src:
        return _Piece(match.start(), match.end(), None, "dropped an <iframe> without src")
    return _Piece(match.start(), match.end(), embed_from_iframe(src, attrs.get("title", "")))


def _tweet(match: re.Match[str]) -> _Piece:
    urls = re.findall(_STATUS_URL, match[1])
    embed = embed_from_url(urls[-1], "blockquote") if urls else None
    if embed is None:
        return _Piece(match.start(), match.end(), _fallback(match[0]))
    # X's embed code: <p>the text</p>&mdash; Name (@handle) <a href=…>date</a>
    paragraph = re.search(_PARAGRAPH, match[1])
    quote = plain_text(paragraph[1]) if paragraph else ""
    rest = match[1][paragraph.end() :] if paragraph else match[1]
    byline = plain_text(rest).lstrip("—-– ").strip()
    return _Piece(match.start(), match.end(), replace(embed, quote=quote, byline=byline))


def _iframely(match: re.Match[str]) -> _Piece:
    attrs = attributes(match[1])
    url = attrs.get("href") or absolute_url(attrs.get("data-iframely-url", ""))
    return _Piece(match.start(), match.end(), Embed("card", url, origin="iframely"))


def _codepen(match: re.Match[str]) -> _Piece:
    attrs = attributes(match[1])
    user, slug = attrs.get("data-user", ""), attrs.get("data-slug-hash", "")
    if not (user and slug):
        return _Piece(match.start(), match.end(), _fallback(match[0]))
    url = f"https://codepen.io/{user}/pen/{slug}"
    title = attrs.get("data-pen-title", "")
    return _Piece(
        match.start(), match.end(), Embed("codepen", url, id=slug, title=title, origin="script")
    )


# Each with a text its every match contains, to skip a scan where it is not. Only ASCII
# is told by lower() alone: IGNORECASE also matches "ſ" to "s" and "İ" to "i".
_RECOGNISERS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], _Piece], str]] = [
    (_COMMENT, _comment, "<!--"),
    (_SCRIPT, _script, "<script"),
    (_STYLE, _style, "<style"),
    (_TWEET, _tweet, "twitter-tweet"),
    (_IFRAME, _iframe, "<iframe"),
    (_IFRAMELY, _iframely, "data-iframely-url"),
    (_CODEPEN, _codepen, "codepen"),
]


def recognise_html(html: str, links: LinkResolver) -> tuple[list[Block], list[str]]:
    """The blocks an HTML block stands for, and notes about what was dropped."""
    lowered = html.lower() if html.isascii() else None
    pieces = sorted(
        (
            build(m)
            for regex, build, mark in _RECOGNISERS
            if lowered is None or mark in lowered
            for m in regex.finditer(html)
        ),
        key=lambda piece: piece.start,
    )
    blocks: list[Block] = []
    notes: list[str] = []
    position = 0
    for piece in pieces:
        if piece.start < position:
            continue  # inside something already recognised (a script in a comment, say)
        blocks.extend(_leftover(html[position : piece.start], links))
        if piece.block is not None:
            blocks.append(piece.block)
        if piece.note:
            notes.append(piece.note)
        position = piece.end
    blocks.extend(_leftover(html[position:], links))
    return blocks, notes


def _leftover(segment: str, links: LinkResolver) -> list[Block]:
    """Images if the segment is only images in wrappers, nothing if only wrappers, else Html."""
    if is_trivial(segment):
        return []
    images = _images_only(segment, links)
    return list(images) if images is not None else [_fallback(segment.strip())]


def is_trivial(segment: str) -> bool:
    return not _WRAPPER.sub("", segment)


def _images_only(segment: str, links: LinkResolver) -> list[Image] | None:
    images: list[tuple[int, Image]] = []

    def take(position: int, image: Image | None) -> str:
        if image is not None:
            images.append((position, image))
        return " "

    rest = re.sub(
        _FIGURE,
        lambda m: take(m.start(), _figure(m[1], links)) if "<img" in m[1].lower() else m[0],
        segment,
    )
    rest = re.sub(
        _LINKED_IMG,
        lambda m: take(m.start(), _img(m[2], links, attributes(m[1]).get("href", ""))),
        rest,
    )
    rest = re.sub(_IMG, lambda m: take(m.start(), _img(m[0], links)), rest)
    if not images or not is_trivial(rest):
        return None
    return [image for _, image in sorted(images, key=lambda pair: pair[0])]


def _figure(inner: str, links: LinkResolver) -> Image | None:
    img = re.search(_IMG, inner)
    if img is None:
        return None
    caption_match = re.search(_FIGCAPTION, inner)
    caption = plain_text(caption_match[1]) if caption_match else ""
    link_match = re.search(_A_HREF, inner[: img.start()])
    link = attributes(link_match[1]).get("href", "") if link_match else ""
    return _img(img[0], links, link, caption)


def _img(tag: str, links: LinkResolver, link: str = "", caption: str = "") -> Image | None:
    attrs = attributes(tag[4:-1])
    src = attrs.get("src", "")
    if not src:
        return None
    return Image(
        src=links.absolute(absolute_url(src)),
        alt=attrs.get("alt", ""),
        title=attrs.get("title", ""),
        caption=caption,
        link=links.absolute(link) if link else "",
        local=links.local_file(src),
        width=attrs.get("width", "") if attrs.get("width", "").isdigit() else "",
    )


def plain_text(fragment: str) -> str:
    """The visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html_lib.unescape(re.sub(_TAG, "", fragment)).split())


def _fallback(html: str) -> Html:
    return Html(html, html_to_markdown(html))


def html_to_markdown(html: str) -> str:
    """markdownify, imported only when some HTML actually needs converting (bs4 is slow)."""
    import warnings

    from markdownify import markdownify

    html = _STYLE.sub("", _SCRIPT.sub("", html))
    with warnings.catch_warnings():
        # bs4 warns when a fragment looks like a URL or a file name; it is still HTML.
        warnings.simplefilter("ignore")
        converted: str = markdownify(
            html, heading_style="ATX", bullets="-", strip=["script", "style"]
        )
    return converted.strip()
