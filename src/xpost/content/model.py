"""The document model: what a post body *is*, independent of any platform.

A body is parsed once into a ``Document``: a flat-ish list of blocks. Plain Markdown
is kept as the author wrote it (``Markdown`` blocks, relative links already made
absolute) because re-serialising it would only risk changing it; everything a
platform must treat specially (embeds, images, call-outs, code with file names,
math, raw HTML) becomes a typed block that each flavor emits in its own syntax.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from msgspec import Struct

MarkdownKind = Literal[
    "paragraph", "heading", "list", "blockquote", "table", "hr", "footnotes", "references"
]


class Markdown(Struct, frozen=True):
    """Author's Markdown, kept verbatim except that relative URLs are absolute.

    ``text`` has no trailing newline. Soft-wrapped lines are still wrapped: flavors
    whose platform turns every newline into ``<br>`` join them when emitting.
    """

    text: str
    kind: MarkdownKind = "paragraph"


class Code(Struct, frozen=True):
    """A code block: fenced, indented, Hugo ``highlight`` or Jekyll ``highlight``."""

    code: str  # without the trailing newline
    lang: str = ""
    filename: str = ""


class Math(Struct, frozen=True):
    """A display-math block (``$$ … $$`` or a ``math`` fence), TeX source without delimiters."""

    tex: str


EmbedProvider = Literal[
    "speakerdeck",
    "youtube",
    "slideshare",
    "docswell",
    "tweet",
    "gist",
    "codepen",
    "figma",
    "asciinema",
    "card",  # a link card: iframely, Zenn @[card], a URL alone on its line
    "iframe",  # any other iframe: only its URL is known
]


class Embed(Struct, frozen=True):
    """Something shown by the platform's player or card instead of as text.

    ``url`` is always the public page of the thing (the fallback a flavor degrades
    to); ``id`` is the provider's own id where the provider's embed syntax needs it
    (Speaker Deck *player* id, YouTube video id, SlideShare key, tweet id, gist id).
    ``origin`` says where it came from ("iframe", "shortcode", "script", "zenn",
    "iframely", "blockquote", "url", "liquid") for warnings.
    """

    provider: EmbedProvider
    url: str
    id: str = ""
    title: str = ""
    origin: str = ""
    #: Where to start: a video's second (YouTube ``t=``/``start=``), a deck's slide
    #: number (Speaker Deck ``slide=``); 0 when the embed starts at the beginning.
    start: int = 0
    #: A pasted tweet's own text and its "— name (@handle) date" line, shown by the
    #: platforms that keep a tweet as a quotation.
    quote: str = ""
    byline: str = ""


class Image(Struct, frozen=True):
    """An image standing alone as a paragraph (Markdown image or Hugo ``figure``).

    ``src`` is absolute (a URL); ``local`` is the file on disk when the image ships
    with the post (a page bundle or the site's static dir), so targets that host
    images themselves (Zenn's ``images/``) can copy it.
    """

    src: str
    alt: str = ""
    title: str = ""
    caption: str = ""
    link: str = ""
    local: Path | None = None
    width: str = ""  # Zenn ``=400x``, kramdown ``{: width="400"}``, ``<img width>``


CalloutKind = Literal["note", "tip", "important", "warning", "caution"]


class Callout(Struct, frozen=True):
    """A highlighted note: GitHub alert ``> [!NOTE]``, Qiita ``:::note``, Zenn ``:::message``."""

    kind: CalloutKind
    blocks: tuple[Block, ...]
    title: str = ""


class Details(Struct, frozen=True):
    """A collapsible section: ``<details><summary>``, Zenn ``:::details``."""

    summary: str
    blocks: tuple[Block, ...]


class Html(Struct, frozen=True):
    """Raw HTML no recogniser understood.

    ``markdown`` is its conversion by markdownify with ``<script>``/``<style>`` and
    styling dropped; ``html`` is the original, for flavors that render HTML and for
    warnings.
    """

    html: str
    markdown: str


Block = Markdown | Code | Math | Embed | Image | Callout | Details | Html


class Document(Struct, frozen=True):
    """A parsed post body.

    ``notes`` are things the parser itself had to drop or could not understand
    (an unknown shortcode, say); every target reports them as warnings.
    """

    blocks: tuple[Block, ...]
    notes: tuple[str, ...] = ()


def all_blocks(blocks: Iterable[Block]) -> Iterator[Block]:
    """Every block of ``blocks`` and of the callouts and details among them, in reading
    order (a container before what it holds)."""
    for block in blocks:
        yield block
        if isinstance(block, Callout | Details):
            yield from all_blocks(block.blocks)


@dataclass(frozen=True)
class LinkContext:
    """What the parser needs to make a post's links absolute.

    Relative links resolve as the reader's browser resolves them: against the post's
    own URL (``../b/`` on ``/post/a/`` is ``/post/b/``); a page bundle's (``index.md``
    with files beside it) against its folder URL even when the page URL has no
    trailing slash. Root-relative ``/x`` links resolve against the site's
    ``base_url``. With neither known, links stay relative and the parser notes it.
    """

    source_dir: Path
    page_url: str | None = None
    site_url: str | None = None
    site_root: Path | None = None  # the site's top folder (for Hugo static/, Jekyll assets)
    #: Where the site's own paths start below ``site_url``'s host: Jekyll's ``baseurl``
    #: ("/blog"), which ``{{ site.baseurl }}``, ``relative_url`` and its link tags put
    #: first ('' when ``site_url`` already says it, or there is none).
    base_path: str = ""
    is_bundle: bool = False
    permalink: str = ""  # the site's permalink pattern: how other posts' URLs are guessed
    #: ``{% post_url NAME %}``: the URL the site's generator gives the post NAME, and
    #: whether that post exists (else the URL is its rules applied to the name alone);
    #: None where the site cannot say, and the ``permalink`` pattern guesses.
    post_url: Callable[[str], tuple[str, bool] | None] | None = field(
        default=None, compare=False, repr=False
    )
