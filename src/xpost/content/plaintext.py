"""Markdown as plain text: the one place a post's Markdown is read as text.

Two readings share these rules (inline markup dropped, soft-wrapped Japanese joined
without a space, task boxes and container markup handled):

- ``plain_text``: a fragment as one line, links as their text (post summaries,
  front-matter descriptions); ``first_paragraph`` picks the body's first prose.
- ``plain_paragraphs``: a parsed ``Document`` as paragraphs for threads (X and the
  short-post adapters through ``xpost.plugin``): a link keeps its URL, headings are
  marked ``Heading`` so a thread opens a post with them, what cannot be carried over
  (code, math, images) is left out with a warning.

Every pass is linear in the length of its input (issue 11): a hostile paragraph
(100,000 ``[`` or backticks) costs milliseconds, not minutes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from msgspec import Struct, field

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
from xpost.render.markdown import join_soft_breaks, media_links, soft_break_joiner

if TYPE_CHECKING:
    from markdown_it.token import Token


class Heading(str):
    """A paragraph that is a heading: it opens a post of a thread, never ends one."""

    __slots__ = ()


# -- one line of text ----------------------------------------------------------------


# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_FENCE = r"[ \t]{0,3}(`{3,}|~{3,})"
_NOT_PROSE = ("#", "<", "{{", "{%", "{:", "@[", ":::", "|", "$$", "![", "    ", "\t", "---", "***")
# Linear time on any text (issue 11): a class that stops at the next opener, not
# just at the closer, bounds each failed attempt by the distance to the next one;
# ``.*?`` spans only run over text that has a closer after it (_sub_closed).
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\](?:\([^()]*\)|\[[^\[\]]*\])")
_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]]+\]")
_AUTOLINK = re.compile(r"<(https?://[^<>\s]+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_HTML_COMMENT = r"(?s)<!--.*?-->"
_HUGO_SHORTCODE = r"(?s)\{\{[<%].*?[%>]\}\}"
_LIQUID_TAG = r"(?s)\{%.*?%\}"
_LIST_START = r"[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]"
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|~~)(?=\S)(.+?)(?<=\S)\1")
_LINE_MARKUP = re.compile(
    r"^[ \t]*(?:>[ \t]?|#{1,6}[ \t]+|(?:[-*+][ \t]+|\d+[.)][ \t]+)(?:\[[ xX]\][ \t]+)?)", re.M
)
# Lines that are markup only: ``:::note`` containers, kramdown attribute lists.
_MARKUP_LINE = re.compile(r"^[ \t]*(?::{3,}.*|\{:[^{}\n]*\})[ \t]*$", re.M)
_KRAMDOWN_IAL = re.compile(r"\{:[^{}\n]*\}")
_SPACES = re.compile(r"\s+")


def first_paragraph(body: str) -> str:
    """The first block of prose: not a heading, code, HTML, shortcode, table or image."""
    paragraph: list[str] = []
    fence: str | None = None
    for line in body.split("\n"):
        stripped = line.strip()
        opener = re.match(_FENCE, line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        if not stripped:
            if paragraph:
                break
            continue
        if not paragraph and (
            line.startswith(_NOT_PROSE) or re.match(_LIST_START, line) or urlsplit(stripped).scheme
        ):
            continue
        if stripped.startswith(":::"):
            break  # a call-out opens: the paragraph before it is the summary
        paragraph.append(line)
    return "\n".join(paragraph)


def plain_text(markdown: str) -> str:
    """Markdown (one paragraph or a few) as one line of plain text: soft-wrapped
    Japanese joined without a space (English with one), no container or task-list
    markup."""
    text = _sub_closed(_HUGO_SHORTCODE, markdown, ">}}", "%}}")
    text = _sub_closed(_LIQUID_TAG, text, "%}")
    text = _sub_closed(_HTML_COMMENT, text, "-->")
    # Each pattern only where the characters it must match are (a summary per post).
    if "{:" in text or ":::" in text:
        text = _KRAMDOWN_IAL.sub("", _MARKUP_LINE.sub("", text))
    if "<" in text:
        text = _HTML_TAG.sub("", _AUTOLINK.sub(r"\1", text))
    if "[" in text:
        text = _IMAGE.sub("", text)
        text = _FOOTNOTE_REF.sub("", text)
        text = _LINK.sub(r"\1", text)
    if "`" in text:
        text = _without_code_span_marks(text)
    text = _LINE_MARKUP.sub("", text)
    if "*" in text or "_" in text or "~~" in text:
        text = _EMPHASIS.sub(r"\2", text)
    return _SPACES.sub(" ", _joined_lines(text)).strip()


def _sub_closed(pattern: str, text: str, *closers: str) -> str:
    """``pattern`` (a span ending in one of ``closers``) removed from ``text``.

    Only the text up to the last closer is searched: an opener after it cannot match,
    and every opener before it matches at the first closer, so no attempt rescans.
    """
    ends = [at + len(closer) for closer in closers if (at := text.rfind(closer)) >= 0]
    if not ends:
        return text
    last = max(ends)
    return re.sub(pattern, "", text[:last]) + text[last:]


_BACKTICKS = re.compile(r"`+")


def _without_code_span_marks(text: str) -> str:
    """Code spans as their content: a run of backticks opens one and the next run of
    the same length closes it (CommonMark). One pass over the runs, so linear time
    even on a paragraph of backticks, which a backreference regex is not."""
    runs = [match.span() for match in _BACKTICKS.finditer(text)]
    closer: list[int | None] = [None] * len(runs)
    later: dict[int, int] = {}  # run length -> index of the nearest such run after
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closer[index], later[length] = later.get(length), index
    pieces: list[str] = []
    done = index = 0
    while index < len(runs):
        end = closer[index]
        if end is None:
            index += 1
            continue
        pieces += [text[done : runs[index][0]], text[runs[index][1] : runs[end][0]]]
        done = runs[end][1]
        index = end + 1
    return "".join(pieces) + text[done:]


def _joined_lines(text: str) -> str:
    """Lines stripped and joined: nothing between Japanese characters, else a space."""
    joined = ""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            joined += (soft_break_joiner(joined[-1], line[0]) if joined else "") + line
    return joined


# -- a document as paragraphs, for threads -------------------------------------------


class PlainText(Struct):
    """A document as plain-text paragraphs, and what could not be carried over."""

    paragraphs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


def plain_paragraphs(document: Document) -> PlainText:
    """The body as paragraphs of plain text, for a thread.

    Inline Markdown is stripped (emphasis, code backticks; a link becomes ``text url``,
    or just the URL when the text is the URL); headings become their text, a list one
    line per item; embeds become their URL (after their title); call-outs and details are flattened;
    images, code and math are left out, with a warning.
    """
    result = PlainText(warnings=list(document.notes))
    _blocks(document.blocks, result)
    return result


def _blocks(blocks: tuple[Block, ...], out: PlainText) -> None:
    for block in blocks:
        match block:
            case Markdown():
                # <kbd>, <sub>, <sup>, <video> as text means: H₂O, not H2O.
                text = inline_html(block.text, _ignore, "X") if "<" in block.text else block.text
                out.paragraphs.extend(markdown_paragraphs(text, out))
            case Embed():
                out.paragraphs.append(f"{block.title} {block.url}" if block.title else block.url)
            case Callout():
                if block.title:
                    out.paragraphs.append(Heading(block.title))
                _blocks(block.blocks, out)
            case Details():
                inner = PlainText()
                _blocks(block.blocks, inner)
                if block.summary and inner.paragraphs:  # no heading over nothing
                    out.paragraphs.append(Heading(block.summary))
                out.paragraphs.extend(inner.paragraphs)
                for warning in inner.warnings:
                    out.warn(warning)
            case Html():
                out.paragraphs.extend(markdown_paragraphs(block.markdown, out))
            case Code():
                out.warn("X thread: code blocks are left out")
            case Math():
                out.warn("X thread: math blocks are left out")
            case Image():
                out.warn("X thread: images in the body are left out")


_PARSER: Any = None


def _parser() -> Any:
    global _PARSER
    if _PARSER is None:
        from markdown_it import MarkdownIt

        _PARSER = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    return _PARSER


def markdown_paragraphs(text: str, out: PlainText) -> list[str]:
    """Plain-text paragraphs of a Markdown fragment (one per paragraph, heading, list)."""
    tokens: list[Token] = _parser().parse(join_soft_breaks(text))
    paragraphs: list[str] = []
    lines: list[str] = []  # the lines of the list or table being read
    depth = 0  # nesting of lists and tables: their lines make one paragraph
    ordinals: list[int] = []  # the next number of each open ordered list (0: bullets)
    in_heading = False
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
        if token.type in ("bullet_list_open", "ordered_list_open"):
            start = int(token.attrGet("start") or 1) if token.type == "ordered_list_open" else 0
            ordinals.append(start)
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            ordinals.pop()
            depth -= 1
        elif token.type == "list_item_open":
            marker = f"{ordinals[-1]}. " if ordinals[-1] else "- "
            if ordinals[-1]:
                ordinals[-1] += 1
            lines.append("  " * (len(ordinals) - 1) + marker)
        elif token.type == "table_open":
            depth += 1
        elif token.type == "table_close":
            depth -= 1
        elif token.type == "tr_open":
            lines.append("")
        elif token.type in ("th_open", "td_open") and lines and lines[-1]:
            lines[-1] += " | "
        elif token.type == "inline":
            inline = _inline_text(token, out)
            if lines and lines[-1].endswith(("- ", ". ")):
                inline = re.sub(
                    _TASK_BOX, lambda m: "☑ " if m[1] in "xX" else "☐ ", inline, count=1
                )
            if depth and lines:
                lines[-1] += inline
            elif depth:
                lines.append(inline)
            elif inline.strip():
                paragraphs.append(Heading(inline.strip()) if in_heading else inline.strip())
        elif token.type in ("fence", "code_block"):
            out.warn("X thread: code blocks are left out")
        if depth == 0 and lines:
            paragraphs.append("\n".join(line.rstrip() for line in lines if line.strip()))
            lines = []
    return [paragraph for paragraph in paragraphs if paragraph]


def _inline_text(token: Token, out: PlainText) -> str:
    parts: list[str] = []
    link_stack: list[tuple[str, int]] = []  # (href, where its text starts in parts)
    after_link = False
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            if after_link and child.content[:1].isalnum():
                parts.append(" ")  # "URLで" reads (and links) better as "URL で"
            # A link's own "@name" label is _link_text's to handle.
            parts.append(child.content if link_stack else _without_mentions(child.content, out))
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "link_open":
            link_stack.append((str(child.attrGet("href") or ""), len(parts)))
        elif child.type == "link_close" and link_stack:
            href, start = link_stack.pop()
            label = "".join(parts[start:]).strip()
            del parts[start:]
            parts.append(_link_text(label, href))
        elif child.type == "image":
            out.warn("X thread: images in the body are left out")
        after_link = child.type == "link_close"
    return "".join(parts)


#: A task-list box at the start of a list item: written as a ballot box on X.
_TASK_BOX = r"^\[([ xX])\][ \t]+"

#: A mention as X reads one: ``@name`` not glued to a word before it (an e-mail address).
_MENTION = r"(?<![A-Za-z0-9_!#$%&*@＠])[@＠]([A-Za-z0-9_]{1,15})(?![A-Za-z0-9_@＠])"


def _without_mentions(text: str, out: PlainText) -> str:
    """``@name`` written as ``name``: X's automation rules forbid unsolicited automated
    mentions, and a thread made from a post is automated."""

    def defuse(match: re.Match[str]) -> str:
        out.warn(f"X thread: @{match[1]} written as '{match[1]}' so that nobody is notified")
        return match[1]

    return re.sub(_MENTION, defuse, text)


#: A profile on X: ``https://x.com/name`` (or twitter.com, www., mobile.), nothing after.
_X_PROFILE = r"(?i)https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?P<name>[A-Za-z0-9_]{1,15})/?"


def _link_text(label: str, href: str) -> str:
    """``label href``, or just one of them when they say the same thing.

    A label ``@name`` would be a live mention on X, and X's automation rules forbid
    unsolicited automated mentions: a link to the X profile becomes the profile URL
    alone (who it is stays one tap away, nobody is notified); any other link keeps the
    name without its ``@``.
    """
    if label.startswith("@") and re.fullmatch(_X_PROFILE, href):
        return href
    if label.startswith("@"):
        label = label.lstrip("@")
    if not href or href.startswith("#"):
        return label
    bare = href.split("://", 1)[-1].removeprefix("mailto:").rstrip("/")
    if not label or label.rstrip("/") in (href.rstrip("/"), bare):
        return href
    return f"{label} {href}"


def _ignore(_message: str) -> None:
    """Warnings nobody reads: a thread reports what it leaves out its own way."""


# -- inline HTML as text -------------------------------------------------------------


# Linear time (issue 11): an element's text stops at the next opener of its kind, and
# an opening tag at the next "<", so a failed match never rescans what follows.
_KBD = r"(?is)<kbd\b[^<>]*>((?:(?!<kbd\b).)*?)</kbd\s*>"
_SUB_SUP = r"(?is)<(sub|sup)\b[^<>]*>((?:(?!<su[bp]\b).)*?)</\1\s*>"
_ANY_TAG = r"</?([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?/?>"  # not <https://…>
#: Inline HTML Zenn keeps (it renders ``<br>``); every other tag it shows as text.
KEPT_TAG = re.compile(r"^<br\s?/?>$")
_SUBSCRIPTS = dict(
    zip("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True)
)
_SUPERSCRIPTS = dict(zip("0123456789+-=()in", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁱⁿ", strict=True))


def inline_html(text: str, warn: Callable[[str], None], platform: str) -> str:
    """Inline HTML as ``platform`` can show it when it shows tags as text (Zenn; an X
    thread): ``<kbd>`` a code span, ``<sub>``/``<sup>`` Unicode sub/superscripts where
    every character has one (else the plain text), ``<video>``/``<audio>`` a link, any
    other tag its text; ``<br>`` and comments stay (Zenn renders them). Each change is
    reported through ``warn``."""

    def kbd(match: re.Match[str]) -> str:
        warn(f"{platform} shows raw HTML as text: <kbd> written as a code span")
        key = re.sub(_ANY_TAG, "", match[1]).strip()
        return f"`{key}`" if key and "`" not in key else key

    def script(match: re.Match[str]) -> str:
        tag, inner = match[1].lower(), re.sub(_ANY_TAG, "", match[2])
        table = _SUBSCRIPTS if tag == "sub" else _SUPERSCRIPTS
        if inner and all(char in table for char in inner):
            warn(f"{platform} shows raw HTML as text: <{tag}> written as Unicode characters")
            return "".join(table[char] for char in inner)
        warn(f"{platform} shows raw HTML as text: <{tag}>{inner}</{tag}> written as plain {inner}")
        return inner

    def other(match: re.Match[str]) -> str:
        if KEPT_TAG.match(match[0]):
            return match[0]
        warn(f"{platform} shows raw HTML as text: <{match[1].lower()}> left out, its text kept")
        return ""

    text = media_links(text, platform, warn)
    text = re.sub(_KBD, kbd, text)
    text = re.sub(_SUB_SUP, script, text)
    return re.sub(_ANY_TAG, other, text)  # comments (<!-- -->) are no tags here: kept
