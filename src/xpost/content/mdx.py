"""MDX (Astro, Docusaurus) as plain Markdown: what only a JavaScript build can run goes.

``import``/``export`` statements (ESM: from such a line to the next blank line, as
MDX reads them) and ``{/* comments */}`` are dropped. JSX components are turned into
what every platform can show: a few well-known embeds become their URL on a line of
its own (which the body parser then recognises as the embed), ``<Image>`` becomes a
Markdown image, any other component keeps its children's text and loses its tags,
and a component with no children, or a ``{expression}``, is dropped. Everything but
comments and imports is reported, so nothing vanishes silently.

Fenced code and inline code spans are left exactly as written. One left-to-right
pass: a tag or an expression is looked for at most ``_MAX_TAG`` characters ahead, and
all the looking ahead together is bounded by the text's length, so time stays linear.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable

_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_ESM = re.compile(r"(?:import|export)(?:[\s{*]|$)")
# A component (a capitalised or dotted name) or a fragment (``<>``, ``</>``).
_TAG_START = re.compile(r"<(/?)(?:([A-Z][\w.]*)(?=[\s/>])|(?=>))")
_ATTRIBUTE = re.compile(
    r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})"""
)
_BACKTICKS = re.compile(r"`+")
_MAX_TAG = 4096

# Components whose meaning is a URL: name → (attribute, URL template).
_URL_COMPONENTS: dict[str, tuple[tuple[str, ...], Callable[[str], str]]] = {
    "YouTube": (("id", "videoid", "videoId", "url"), lambda v: _youtube(v)),
    "LiteYouTube": (("videoid", "videoId", "id"), lambda v: _youtube(v)),
    "Tweet": (("id", "url", "tweetLink"), lambda v: _tweet(v)),
    "Vimeo": (("id", "url"), lambda v: v if "://" in v else f"https://vimeo.com/{v}"),
    "LinkCard": (("url", "href"), lambda v: v),
    "LinkPreview": (("id", "url", "href"), lambda v: v),
    "Speakerdeck": (("url", "id"), lambda v: v),
    "Gist": (("id", "url"), lambda v: v if "://" in v else f"https://gist.github.com/{v}"),
}


def _youtube(value: str) -> str:
    return value if "://" in value else f"https://www.youtube.com/watch?v={value}"


def _tweet(value: str) -> str:
    return value if "://" in value else f"https://twitter.com/i/status/{value}"


def mdx_to_markdown(body: str) -> tuple[str, list[str]]:
    """The body without MDX's JavaScript, and the notes saying what was changed."""
    notes: list[str] = []
    out: list[str] = []
    prose: list[str] = []
    lines = body.split("\n")
    fence: str | None = None
    in_esm = False
    for line in lines:
        opener = _FENCE.match(line)
        if fence is not None:
            out.append(line)
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if in_esm or (not prose_is_open(prose) and _ESM.match(line)):
            in_esm = bool(line.strip())
            prose.append("")  # a blank line keeps the lines below where they were
            continue
        if opener:
            out.extend(_Prose(notes).run("\n".join(prose)).split("\n") if prose else [])
            prose = []
            fence = opener.group(1)
            out.append(line)
            continue
        prose.append(line)
    if prose:
        out.extend(_Prose(notes).run("\n".join(prose)).split("\n"))
    return "\n".join(out), notes


def prose_is_open(prose: list[str]) -> bool:
    """Whether the last prose line continues a paragraph (ESM must start a block)."""
    return bool(prose) and bool(prose[-1].strip())


class _Prose:
    """One pass over Markdown text outside fenced code."""

    def __init__(self, notes: list[str]) -> None:
        self.notes = notes
        self.depth = 0  # components open around the current position

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def run(self, text: str) -> str:
        out: list[str] = []
        position = 0
        line = 0
        blanked: set[int] = set()  # output lines a removed tag may have left empty
        inside: set[int] = set()  # output lines that are a component's children
        budget = 16 * len(text) + 65_536  # scanning ahead costs at most this, in all
        while position < len(text):
            char = text[position]
            end, piece = position + 1, char
            stop = min(len(text), position + min(_MAX_TAG, max(budget, 0)))
            close = -1
            if char == "`":
                close = _code_span_end(text, position, stop)
                if close < 0:  # a run of backticks that opens nothing is text
                    end = _BACKTICKS.match(text, position).end()  # type: ignore[union-attr]
                    piece = text[position:end]
                else:
                    end, piece = close, text[position:close]
            elif char == "{":
                close = _expression_end(text, position, stop)
                if close > 0:
                    self.expression(text[position + 1 : close - 1].strip())
                    end, piece = close, ""
            elif char == "<" and (match := _TAG_START.match(text, position)):
                close = _tag_end(text, position, stop)
                if close > 0:
                    end, piece = close, self.tag(match, text[position:close])
                    blanked.add(line)
            if char in "`{<":
                budget -= (close if close > 0 else stop) - position
            out.append(piece)
            for _ in range(piece.count("\n")):
                line += 1
                if self.depth > 0:
                    inside.add(line)
            position = end
        return "\n".join(_tidy("".join(out).split("\n"), blanked, inside))

    def expression(self, inner: str) -> None:
        if not (inner.startswith("/*") and inner.endswith("*/")):  # a comment goes quietly
            self.note(f"dropped an MDX expression {{{_short(inner)}}}: only a build can run it")

    def tag(self, match: re.Match[str], source: str) -> str:
        closing, name = match.group(1) == "/", match.group(2) or ""
        shown = name or "fragment"
        if closing:
            self.depth = max(0, self.depth - 1)
            return ""
        attributes = {m[1]: m[2] or m[3] or m[4] or "" for m in _ATTRIBUTE.finditer(source)}
        if name in _URL_COMPONENTS:
            keys, to_url = _URL_COMPONENTS[name]
            value = next((attributes[k] for k in keys if attributes.get(k)), "")
            if value:
                return f"\n\n{to_url(value)}\n\n"
        if name in ("Image", "Picture", "Figure") and attributes.get("src"):
            return f"![{attributes.get('alt', '')}]({attributes['src']})"
        if source[:-1].rstrip().endswith("/"):
            self.note(f"dropped the MDX component <{shown} />: only a build can render it")
            return ""
        self.depth += 1
        if name:
            self.note(f"MDX component <{shown}> is shown as its content")
        return ""


def _tidy(lines: list[str], blanked: set[int], inside: set[int]) -> list[str]:
    """Drop the lines only a tag was on; un-indent components' children (MDX has no
    indented code, so their indentation was layout, not a code block)."""
    kept: list[str] = []
    children: list[str] = []
    for number, line in enumerate(lines):
        if number in blanked and not line.strip():
            continue
        if number in inside:
            children.append(line)
            continue
        if children:
            kept.extend(textwrap.dedent("\n".join(children)).split("\n"))
            children = []
        kept.append(line)
    if children:
        kept.extend(textwrap.dedent("\n".join(children)).split("\n"))
    return kept


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def _code_span_end(text: str, position: int, stop: int) -> int:
    """The end of the code span opening at ``position`` (-1: none before ``stop``)."""
    run = position
    while run < len(text) and text[run] == "`":
        run += 1
    ticks = text[position:run]
    close = text.find(ticks, run, stop)
    while close >= 0 and close + len(ticks) < len(text) and text[close + len(ticks)] == "`":
        close = text.find(ticks, close + len(ticks) + 1, stop)
    return -1 if close < 0 else close + len(ticks)


def _tag_end(text: str, position: int, stop: int) -> int:
    """Just past the ``>`` closing the tag at ``position`` (quotes and ``{}`` skipped)."""
    depth = 0
    quote = ""
    for index in range(position + 1, stop):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif (char in "\"'" and depth == 0) or (char == "`" and depth > 0):
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == ">" and depth == 0:
            return index + 1
        elif char == "<" and depth == 0:
            return -1
    return -1


def _expression_end(text: str, position: int, stop: int) -> int:
    """Just past the ``}`` closing the ``{`` at ``position`` (JS strings skipped)."""
    depth = 0
    quote = ""
    for index in range(position, stop):
        char = text[index]
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
    return -1
