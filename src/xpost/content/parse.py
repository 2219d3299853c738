"""Parse a post body once into a ``Document`` (see ``xpost.content.model``).

Three steps: the pre-pass (``prepass``) swaps block-level shortcodes, Liquid tags
and Zenn syntax for placeholders; markdown-it parses what remains; the top-level
tokens' line ranges cut the source into blocks, so Markdown blocks keep the
author's bytes while fences, math, HTML, lone URLs and lone images become typed
blocks.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from msgspec.structs import replace

from xpost.content.html import plain_text, recognise_html
from xpost.content.links import LinkResolver, outside_code_spans
from xpost.content.model import (
    Block,
    Callout,
    CalloutKind,
    Code,
    Details,
    Document,
    Html,
    Image,
    LinkContext,
    Markdown,
    MarkdownKind,
    Math,
)
from xpost.content.prepass import PLACEHOLDER, PrePass
from xpost.content.shortcodes import InlineSubstitution, url_embed

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_MARKDOWN_KINDS: dict[str, MarkdownKind] = {
    "paragraph_open": "paragraph",
    "heading_open": "heading",
    "bullet_list_open": "list",
    "ordered_list_open": "list",
    "blockquote_open": "blockquote",
    "table_open": "table",
    "hr": "hr",
}
_IMAGE_START = re.compile(r"^\s*\[?!\[")
# Zenn's sized image ``![alt](src =400x)`` (not CommonMark: markdown-it sees text).
_SIZED_IMAGE = re.compile(
    r"^!\[(?P<alt>[^\]\n]*)\]\(\s*(?P<src>[^\s()]+)(?:\s+\"(?P<title>[^\"\n]*)\")?"
    r"\s+=(?P<width>\d*)x\d*\s*\)$"
)
# A caption line right under an image: ``*text*`` or ``_text_`` (Zenn's convention).
_CAPTION = re.compile(r"^(?:\*(?!\*)([^*\n]+)\*|_(?!_)([^_\n]+)_)$")
_LONE_URL = re.compile(r"^<?(https?://[^\s<>]+)>?$")
_ALERT = re.compile(
    r"^ {0,3}>[ \t]?\[!(note|tip|important|warning|caution)\][ \t]*(.*)$", re.IGNORECASE
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<!--")
_INLINE_SCRIPT = re.compile(
    r"<(script|style)\b[^>]*>.*?</\1\s*>|<(?:script|style)\b[^>]*/>", re.IGNORECASE | re.DOTALL
)
_QUOTE_MARK = re.compile(r"^ {0,3}>[ \t]?")
_DETAILS_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary\b[^>]*>(.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)
_DETAILS_TAG = re.compile(r"<details\b[^>]*>", re.IGNORECASE)
_INFO = re.compile(r"^([^\s:{]*)(?::(\S+))?\s*(.*)$", re.DOTALL)
_INFO_FILENAME = re.compile(
    r"""\b(?:title|filename|file)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s,}]+))"""
)

_markdown_it: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    """The one markdown-it instance, built on first use (import is not free)."""
    global _markdown_it
    if _markdown_it is None:
        _markdown_it = block_parser()
    return _markdown_it


def block_parser(*, tuned: bool = True) -> MarkdownIt:
    """markdown-it as bodies are parsed: CommonMark, tables, strikethrough, footnotes,
    ``$$`` math, no inline pass. ``tuned``: the same tokens, sooner — block rules gated
    by what a line starts with (``xpost.content.block_gates``), and no ``text_join``
    pass (it merges inline tokens, and there are none)."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    from xpost.content.block_gates import gate_block_rules

    md = (
        MarkdownIt("commonmark")
        .enable("table")
        .enable("strikethrough")
        .use(footnote_plugin)
        .use(dollarmath_plugin)
    )
    # Inline parsing is most of markdown-it's time and Markdown blocks are kept
    # as source: only a paragraph that may be a lone image is parsed inline.
    md.disable("inline")
    if tuned:
        md.disable("text_join", ignoreInvalid=True)
        gate_block_rules(md)
    return md


def parse_body(body: str, links: LinkContext) -> Document:
    """Parse Markdown (with Hugo shortcodes, Jekyll tags, Zenn syntax, raw HTML)."""
    parser = _BodyParser(LinkResolver(links))
    blocks = parser.parse(body)
    return Document(tuple(blocks), tuple(parser.notes + parser.links.notes()))


class _BodyParser:
    def __init__(self, links: LinkResolver) -> None:
        self.links = links
        self.inline = InlineSubstitution(links)
        self.notes = self.inline.notes  # one list: the pre-pass and the parser both add
        self.store: dict[str, tuple[Block, ...]] = {}

    def parse(self, body: str) -> list[Block]:
        """Blocks of raw body text (pre-pass included)."""
        text = PrePass(self.inline, self.parse, self.store).run(body)
        return self.blocks(text)

    def blocks(self, text: str) -> list[Block]:
        """Blocks of pre-passed text."""
        lines = text.split("\n")
        env: dict[str, object] = {}  # link reference definitions, for lone images
        tokens = _parser().parse(text, env)
        starts = [i for i, t in enumerate(tokens) if t.level == 0 and t.map and t.nesting >= 0]
        blocks: list[Block] = []
        line = 0
        position = 0
        while position < len(starts):
            token = tokens[starts[position]]
            begin, end = token.map or (line, line)
            if begin > line:
                blocks.extend(self.uncovered(lines[line:begin]))
            if token.type == "html_block" and _DETAILS_OPEN.match(token.content.lstrip()):
                closing = _details_end(tokens, starts, position, lines)
                if closing is not None:
                    position, end = closing
                    blocks.extend(self.details(_source(lines, begin, end)))
                    line = end
                    position += 1
                    continue
            blocks.extend(self.block(token, _source(lines, begin, end), env))
            line = max(line, end)
            position += 1
        blocks.extend(self.uncovered(lines[line:]))
        return blocks

    def uncovered(self, lines: list[str]) -> list[Block]:
        """Lines no token claims: link reference and footnote definitions, kept in place."""
        groups: list[tuple[MarkdownKind, list[str]]] = []
        for chunk in _chunks(lines):
            kind: MarkdownKind = "footnotes" if chunk[0].lstrip().startswith("[^") else "references"
            continuation = chunk[0].startswith((" ", "\t"))
            if groups and (continuation or groups[-1][0] == kind):
                groups[-1][1].extend(["", *chunk])
            else:
                groups.append((kind, chunk))
        return [self.markdown("\n".join(chunk), kind, references=True) for kind, chunk in groups]

    def block(self, token: Token, source: str, env: dict[str, object]) -> list[Block]:
        match token.type:
            case "fence":
                return [_fence(token)]
            case "code_block":
                return [Code(_strip_newline(token.content))]
            case "math_block" | "math_block_label":
                return [Math(token.content.strip("\n"))]
            case "html_block":
                return self.html(source)
            case "paragraph_open":
                return self.paragraph(source, env)
            case "blockquote_open":
                return self.blockquote(source)
        return [self.markdown(source, _MARKDOWN_KINDS.get(token.type, "paragraph"))]

    def markdown(self, source: str, kind: MarkdownKind, references: bool = False) -> Markdown:
        """Author's Markdown: links made absolute, inline ``<script>``/``<style>`` dropped."""
        text = self.links.rewrite_markdown(source, references)
        if "<s" in text.lower():
            kept = outside_code_spans(text, lambda prose: _INLINE_SCRIPT.sub("", prose))
            if kept != text:
                self.note("dropped inline <script>/<style> from the text")
                text = kept
        return Markdown(text, kind)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def html(self, source: str) -> list[Block]:
        key = source.strip()
        if PLACEHOLDER.match(key) and key in self.store:
            return list(self.store[key])
        blocks, notes = recognise_html(source, self.links)
        for note in notes:
            self.note(note)
        # An HTML block runs to the next blank line: Markdown the author wrote right
        # under an embed is still Markdown, not HTML to convert.
        return [
            part
            for block in blocks
            for part in (
                self.blocks(block.html)
                if isinstance(block, Html) and not _HTML_TAG.search(block.html)
                else [block]
            )
        ]

    def paragraph(self, source: str, env: dict[str, object]) -> list[Block]:
        lone_url = _LONE_URL.match(source.strip())
        if lone_url:
            return [url_embed(lone_url[1])]
        image = self.captioned_image(source, env) if _IMAGE_START.match(source) else None
        if image is not None:
            return [image]
        return [self.markdown(source, "paragraph")]

    def captioned_image(self, source: str, env: dict[str, object]) -> Image | None:
        """A lone image, maybe Zenn-sized, maybe with a ``*caption*`` line under it."""
        lines = source.strip().split("\n")
        caption = _CAPTION.match(lines[-1].strip()) if len(lines) == 2 else None
        first = lines[0].strip() if caption else source.strip()
        sized = _SIZED_IMAGE.match(first)
        if sized:
            src = sized["src"]
            image: Image | None = Image(
                src=self.links.absolute(src),
                alt=sized["alt"],
                title=sized["title"] or "",
                local=self.links.local_file(src),
                width=sized["width"],
            )
        else:
            image = self.lone_image(first, env)
        if image is not None and caption:
            image = replace(image, caption=caption[1] or caption[2])
        return image

    def lone_image(self, source: str, env: dict[str, object]) -> Image | None:
        """The image of a paragraph that holds only an image, maybe linked."""
        children: list[Token] = []
        parser = _parser()
        parser.inline.parse(source.strip(), parser, env, children)
        parts = [
            child
            for child in children
            if child.type != "softbreak"
            and not (child.type == "text" and not child.content.strip())
        ]
        link = ""
        if [p.type for p in parts] == ["link_open", "image", "link_close"]:
            link = str(parts[0].attrGet("href") or "")
            parts = parts[1:2]
        if [p.type for p in parts] != ["image"]:
            return None
        image = parts[0]
        src = str(image.attrGet("src") or "")
        return Image(
            src=self.links.absolute(src),
            alt=image.content,
            title=str(image.attrGet("title") or ""),
            link=self.links.absolute(link) if link else "",
            local=self.links.local_file(src),
        )

    def blockquote(self, source: str) -> list[Block]:
        """A GitHub alert (``> [!NOTE]``) becomes a Callout; any other quote stays Markdown."""
        first, _, rest = source.partition("\n")
        alert = _ALERT.match(first)
        if alert is None:
            return [self.markdown(source, "blockquote")]
        inner = "\n".join(_QUOTE_MARK.sub("", line, count=1) for line in rest.split("\n"))
        kind: CalloutKind = alert[1].lower()  # type: ignore[assignment]
        return [Callout(kind, tuple(self.blocks(inner)), title=alert[2].strip())]

    def details(self, source: str) -> list[Block]:
        """``<details><summary>S</summary> … </details>``, inner Markdown parsed."""
        opening = _DETAILS_TAG.search(source)
        closings = list(_DETAILS_CLOSE.finditer(source))
        if opening is None or not closings:
            return self.html(source)
        start = opening.end()
        summary = ""
        found = _SUMMARY.search(source, start)
        if found and not source[start : found.start()].strip():
            summary = plain_text(found[1])
            start = found.end()
        last = closings[-1]
        before = source[: opening.start()]
        inner = source[start : last.start()]
        after = source[last.end() :]
        blocks: list[Block] = self.html(before) if before.strip() else []
        blocks.append(Details(summary or "Details", tuple(self.blocks(inner.strip("\n")))))
        if after.strip():
            blocks.extend(self.html(after))
        return blocks


def _chunks(lines: list[str]) -> list[list[str]]:
    """Runs of non-blank lines."""
    chunks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            chunks[-1].append(line)
        elif chunks[-1]:
            chunks.append([])
    return [chunk for chunk in chunks if chunk]


def _source(lines: list[str], begin: int, end: int) -> str:
    """The block's lines, without the blank lines a list or quote may end with."""
    chunk = lines[begin:end]
    while chunk and not chunk[-1].strip():
        chunk.pop()
    return "\n".join(chunk)


def _details_end(
    tokens: list[Token], starts: list[int], position: int, lines: list[str]
) -> tuple[int, int] | None:
    """Where a ``<details>`` opened at ``starts[position]`` closes: (position, end line)."""
    depth = 0
    for later in range(position, len(starts)):
        begin, end = tokens[starts[later]].map or (0, 0)
        chunk = "\n".join(lines[begin:end])
        depth += len(_DETAILS_OPEN.findall(chunk)) - len(_DETAILS_CLOSE.findall(chunk))
        if depth <= 0:
            return later, end
    return None


def _fence(token: Token) -> Code | Math:
    info = _INFO.match(token.info.strip())
    lang, filename, rest = (info[1], info[2] or "", info[3]) if info else ("", "", "")
    if lang == "math":
        return Math(_strip_newline(token.content))
    if not filename and rest:
        named = _INFO_FILENAME.search(rest)
        if named:
            filename = next(group for group in named.groups() if group is not None)
    return Code(_strip_newline(token.content), lang=lang, filename=filename)


def _strip_newline(code: str) -> str:
    return code[:-1] if code.endswith("\n") else code
