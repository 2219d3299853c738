"""A Markdown emitter with one hook per block type; each platform's flavor overrides
the hooks for what its Markdown spells differently (embeds, call-outs, code titles).

The base class emits portable CommonMark/GFM and degrades every embed to a link,
recording a warning: nothing is silently lost.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from xpost.content.links import outside_code_spans
from xpost.content.model import (
    Block,
    Callout,
    Code,
    Details,
    Document,
    Embed,
    Html,
    Image,
    Markdown,
    Math,
)

PROVIDER_NAMES = {
    "speakerdeck": "Speaker Deck",
    "youtube": "YouTube",
    "slideshare": "SlideShare",
    "docswell": "Docswell",
    "tweet": "X post",
    "gist": "GitHub Gist",
    "codepen": "CodePen",
    "figma": "Figma",
    "asciinema": "asciinema recording",
    "card": "link card",
    "iframe": "embedded frame",
}


class MarkdownFlavor:
    """Emit a ``Document`` as Markdown. Subclass per platform; call ``emit`` once."""

    #: The platform's name, used in warnings ("Qiita cannot show …").
    platform = "Markdown"
    #: Join soft-wrapped lines: the platform turns every newline into ``<br>``.
    join_soft_breaks = True

    def __init__(self) -> None:
        self.warnings: list[str] = []

    # -- entry point ---------------------------------------------------------------

    def emit(self, document: Document) -> str:
        self.warnings.extend(document.notes)
        return self.blocks(document.blocks) + "\n"

    def blocks(self, blocks: tuple[Block, ...]) -> str:
        return "\n\n".join(part for block in blocks if (part := self.block(block)))

    def block(self, block: Block) -> str:
        match block:
            case Markdown():
                return self.markdown(block)
            case Code():
                return self.code(block)
            case Math():
                return self.math(block)
            case Embed():
                return self.embed(block)
            case Image():
                return self.image(block)
            case Callout():
                return self.callout(block)
            case Details():
                return self.details(block)
            case Html():
                return self.html(block)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # -- hooks -------------------------------------------------------------------

    def markdown(self, block: Markdown) -> str:
        text = self.inline(block.text)
        if self.join_soft_breaks and block.kind in ("paragraph", "list", "blockquote", "footnotes"):
            return join_soft_breaks(text)
        return text

    def inline(self, text: str) -> str:
        """Inline constructs the platform spells its own way; by default a Zenn image
        size (``![a](x.png =400x)``, not CommonMark) is left out, and ``<video>`` and
        ``<audio>``, which these platforms do not keep, become links."""
        if " =" in text:
            text = outside_code_spans(text, self._drop_image_sizes)
        if "<video" in text or "<audio" in text:
            text = outside_code_spans(
                text, lambda prose: media_links(prose, self.platform, self.warn)
            )
        return text

    def _drop_image_sizes(self, text: str) -> str:
        def drop(match: re.Match[str]) -> str:
            self.warn(
                f"{self.platform} has no image size syntax: ={match['width']}x left out "
                f"for {match['src']}"
            )
            return f"![{match['alt']}]({match['src']})"

        return re.sub(INLINE_SIZED_IMAGE, drop, text)

    def code(self, block: Code) -> str:
        fence = code_fence(block.code)
        info = block.lang
        text = f"{fence}{info}\n{block.code}\n{fence}"
        return f"`{block.filename}`\n{text}" if block.filename else text

    def math(self, block: Math) -> str:
        return f"$$\n{block.tex}\n$$"

    def embed(self, block: Embed) -> str:
        """Degrade to a link, with a warning. Flavors override for what they can show."""
        self.warn(
            f"{self.platform} cannot embed {PROVIDER_NAMES[block.provider]}: "
            f"shown as a link to {block.url}"
        )
        if block.provider == "tweet" and block.quote:
            return quoted_tweet(block)
        return embed_link(block)

    def image(self, block: Image) -> str:
        title = f' "{block.title}"' if block.title else ""
        text = f"![{block.alt}]({block.src}{title})"
        if block.link:
            text = f"[{text}]({block.link})"
        if block.caption:
            text += f"\n*{block.caption}*"
        return text

    def callout(self, block: Callout) -> str:
        body = self.blocks(block.blocks)
        head = f"> **{block.title or block.kind.capitalize()}**"
        quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
        return f"{head}\n>\n{quoted}"

    def details(self, block: Details) -> str:
        body = self.blocks(block.blocks)
        return f"<details><summary>{block.summary}</summary>\n\n{body}\n\n</details>"

    def html(self, block: Html) -> str:
        what = "converted to Markdown" if block.markdown.strip() else "dropped (no visible text)"
        self.warn(f"{self.platform}: raw HTML was {what}: {_snippet(block.html)}")
        return block.markdown


# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
# Linear time (issue 11): an element's content stops at the next <video>/<audio> and a
# tag at the next "<", so a failed match never rescans the rest of the text.
_MEDIA = (
    r"(?is)<(video|audio)\b([^<>]*)>((?:(?!<(?:video|audio)\b).)*?)</\1\s*>"
    r"|<(video|audio)\b([^<>]*?)/?>"
)
_SRC = r"""(?i)\bsrc\s*=\s*["']([^"']+)["']"""


def media_links(text: str, platform: str, warn: Callable[[str], None]) -> str:
    """``<video>``/``<audio>`` as a link to what they play (``[video: demo.mp4](url)``)."""

    def link(match: re.Match[str]) -> str:
        tag = (match[1] or match[4]).lower()
        found = re.search(_SRC, match[2] or match[5] or "") or re.search(_SRC, match[3] or "")
        if found is None:
            warn(f"{platform} cannot show a <{tag}> without a source: left out")
            return ""
        src = found[1]
        warn(f"{platform} cannot play <{tag}>: shown as a link to {src}")
        name = src.rsplit("/", 1)[-1] or src
        return f"[{tag}: {escape_link_text(name)}]({src})"

    return re.sub(_MEDIA, link, text)


def quoted_tweet(block: Embed) -> str:
    """A pasted tweet as a Markdown quotation: its text, its byline, a link to it."""
    lines = [f"> {line}" if line else ">" for line in block.quote.splitlines()]
    byline = f"— {block.byline} " if block.byline else ""
    return "\n".join([*lines, ">", f"> {byline}<{block.url}>"])


def embed_link(block: Embed) -> str:
    """The portable fallback for an embed: a Markdown link named after what it shows."""
    label = block.title or PROVIDER_NAMES[block.provider]
    if block.provider == "card" and not block.title:
        return f"<{block.url}>"
    return f"[{escape_link_text(label)}]({block.url})"


# An inline image with Zenn's size: ``![alt](src =400x)`` / ``=400x300``.
INLINE_SIZED_IMAGE = (
    r"!\[(?P<alt>[^\]\n]*)\]\((?P<src>[^\s()]+)(?P<title>\s+\"[^\"\n]*\")?"
    r"\s+=(?P<width>\d*)x\d*\s*\)"
)


def escape_link_text(text: str) -> str:
    return re.sub(r"([\[\]\\])", r"\\\1", text)


def code_fence(code: str) -> str:
    """A backtick fence longer than any run of backticks inside the code."""
    longest = max((len(m) for m in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def _snippet(html: str, limit: int = 60) -> str:
    flat = " ".join(html.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- soft line breaks ------------------------------------------------------------------

_BLOCK_START = re.compile(
    r"""^(?:
        [-*+][ \t]          # bullet
      | \d{1,9}[.)][ \t]    # ordered item
      | \#{1,6}(?:[ \t]|$)  # ATX heading
      | (?:`{3,}|~{3,})     # fence
      | \|                  # table row
      | <                   # HTML
      | \[\^[^\]]+\]:       # footnote definition
      | (?:[-*_][ \t]*){3,}$  # thematic break
      | >                   # a nested quote starts
    )""",
    re.VERBOSE,
)
_QUOTE_PREFIX = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+")
_FOOTNOTE_DEFINITION = re.compile(r"^[ \t]{0,3}\[\^[^\]]+\]:")


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


# Hangul jamo and syllables, first and last of each run (a regex class this wide
# takes ~1 ms to compile).
_HANGUL = (("\u1100", "\u11ff"), ("\u3130", "\u318f"), ("\ua960", "\ua97f"), ("\uac00", "\ud7ff"))


def _is_hangul(char: str) -> bool:
    return "\u1100" <= char <= "\ud7ff" and any(first <= char <= last for first, last in _HANGUL)


def _joiner(left: str, right: str) -> str:
    """What replaces a soft break: nothing next to Chinese or Japanese text, a space
    elsewhere. Korean separates its words with spaces, so Hangul takes a space too
    (as in CSS Text 3's segment-break rules)."""
    if not left or not right:
        return ""
    if _is_hangul(left[-1]) or _is_hangul(right[0]):
        return " "
    return "" if _is_wide(left[-1]) or _is_wide(right[0]) else " "


def soft_break_joiner(left: str, right: str) -> str:
    """What a soft line break between ``left`` and ``right`` becomes: "" or " "."""
    return _joiner(left, right)


@lru_cache(maxsize=4096)  # one post's blocks are joined by three flavors
def join_soft_breaks(text: str) -> str:
    """Join soft-wrapped lines, keeping hard breaks and block structure.

    A line continues the previous one when it is not blank, does not start a block
    construct (list item, heading, fence, table, HTML, quote) and the previous line
    does not end in a hard break (two spaces or a backslash). Quote markers of the
    continuation are dropped; so is its indentation inside list items.
    """
    out: list[str] = []
    in_fence = ""
    for line in text.split("\n"):
        stripped = line.strip()
        fence = re.match(r"^(?:[ \t>]*)(`{3,}|~{3,})", line)
        if in_fence:
            out.append(line)
            if fence and fence.group(1).startswith(in_fence):
                in_fence = ""
            continue
        if fence:
            in_fence = fence.group(1)
            out.append(line)
            continue
        if out and stripped and _continues(out[-1], line):
            prev = out[-1]
            rest = (_QUOTE_PREFIX.sub("", line) if prev.lstrip().startswith(">") else line).lstrip()
            out[-1] = prev.rstrip() + _joiner(prev.rstrip(), rest) + rest
        else:
            out.append(line)
    return "\n".join(out)


def _continues(prev: str, line: str) -> bool:
    if not prev.strip() or prev.endswith("  ") or prev.endswith("\\"):
        return False
    if _QUOTE_PREFIX.sub("", prev).strip() == "":
        return False  # an empty quote line ends a quoted paragraph
    prev_quoted = prev.lstrip().startswith(">")
    body = line
    if prev_quoted:
        if not line.lstrip().startswith(">"):
            return False  # lazy continuation: keep as the author wrote it
        if _quote_depth(line) != _quote_depth(prev):
            return False  # a nested quote opens (or one closes): not the same paragraph
        body = _QUOTE_PREFIX.sub("", line)
        if not body.strip():
            return False
    elif line.lstrip().startswith(">"):
        return False
    if (
        line.startswith("    ")
        and not prev.startswith(" ")
        and not _is_list_item(prev)
        and not _FOOTNOTE_DEFINITION.match(prev)  # its continuation lines are indented
    ):
        return False  # indented code after a paragraph cannot happen; be conservative
    return not _BLOCK_START.match(body.lstrip())


def _quote_depth(line: str) -> int:
    prefix = _QUOTE_PREFIX.match(line)
    return prefix[0].count(">") if prefix else 0


def _is_list_item(line: str) -> bool:
    return bool(re.match(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]", line))
