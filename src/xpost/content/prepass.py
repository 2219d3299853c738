"""The line pre-pass that runs before markdown-it sees a body.

markdown-it knows nothing of Hugo shortcodes, Liquid tags or Zenn's ``@[x](y)`` and
``:::`` containers, so this pass cuts the block-level ones out of the text (outside
code fences) and leaves a placeholder line, ``<!--xpost-block:N-->``, that
markdown-it reads as an HTML block; the parser swaps the stored blocks back in.
Inline ones (``{{< ref >}}``, ``{% post_url %}``, ``{{ site.baseurl }}``) are
replaced by their text in place.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from msgspec import Struct, field

from xpost.content.links import outside_code_spans
from xpost.content.model import Block, Callout, CalloutKind, Code, Details
from xpost.content.shortcodes import (
    CALLOUT_KINDS,
    CALLOUT_SHORTCODES,
    DETAILS_SHORTCODES,
    HIGHLIGHT_SHORTCODE,
    InlineSubstitution,
    Shortcode,
    embed_shortcode,
    liquid_embed,
    parse_shortcode,
    unescape_hugo,
    zenn_embed,
)

PLACEHOLDER = re.compile(r"^<!--xpost-block:\d+-->$")
_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_HUGO_LINE = re.compile(r"^ {0,3}\{\{([<%])\s*((?:(?![>%]\}\}).)*?)\s*[>%]\}\}\s*$")
_LIQUID_LINE = re.compile(r"^ {0,3}\{%-?\s*(\w+)\s*(.*?)\s*-?%\}\s*$")
_ENDHIGHLIGHT = re.compile(r"\{%-?\s*endhighlight\s*-?%\}")
_ZENN_EMBED = re.compile(r"^ {0,3}@\[([\w-]+)\]\((.*)\)\s*$")
_CONTAINER = re.compile(r"^ {0,3}(:{3,})[ \t]*(message|details|note)\b[ \t]*(.*?)\s*$")
_RAW_TAG = re.compile(r"\{%-?\s*(raw|endraw)\s*-?%\}")
# kramdown: a block attribute list or ALD alone on its line ({: .lead}, {:toc},
# {:refdef: .x}), an extension ({::options … /}, {::comment} … {:/comment}).
_KRAMDOWN_IAL_LINE = re.compile(r"^ {0,3}\{:(?!:)([^{}\n]*)\}\s*$")
_KRAMDOWN_EXTENSION = re.compile(r"^ {0,3}\{::(\w+)\b([^{}\n]*?)(/?)\}\s*$")
_KRAMDOWN_EXTENSION_END = re.compile(r"\{:/(\w*)\}")
_KRAMDOWN_SPAN_IAL = re.compile(r"(\]\([^()\s]*(?:\s+\"[^\"]*\")?\))?\{:(?!:)([^{}\n]*)\}")
_WIDTH = re.compile(r"""\bwidth\s*=\s*["']?(\d+)""")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\S")
# What every construct of this pass starts with: a brace (shortcodes, Liquid, kramdown,
# and Hugo's escaped shortcodes in code), a Zenn embed or a container fence.
_MARKS = ("{", "}", "@[", ":::")

_CONTAINER_KINDS: dict[str, CalloutKind] = {
    "": "note",
    "info": "note",
    "warn": "warning",
    "alert": "caution",
}


PAIRED_SHORTCODES = CALLOUT_SHORTCODES | DETAILS_SHORTCODES | {HIGHLIGHT_SHORTCODE, "mermaid"}


def _hugo_close(name: str) -> re.Pattern[str]:
    return re.compile(r"\{\{[<%]\s*/\s*" + re.escape(name) + r"\s*[>%]\}\}")


class PrePass(Struct):
    """One run over a body. ``parse`` parses a container's inner text (recursion)."""

    inline: InlineSubstitution
    parse: Callable[[str], list[Block]]
    store: dict[str, tuple[Block, ...]]
    out: list[str] = field(default_factory=list)
    in_raw: bool = False

    @property
    def notes(self) -> list[str]:
        return self.inline.notes

    def run(self, body: str) -> str:
        if not any(mark in body for mark in _MARKS):
            return body  # no line below would change: the common post, at C speed
        lines = body.split("\n")
        fence = ""
        index = 0
        while index < len(lines):
            line = lines[index]
            if fence:
                self.out.append(unescape_hugo(line))
                if _closes_fence(fence, line):
                    fence = ""
                index += 1
                continue
            opened = _FENCE.match(line)
            if opened:
                fence = opened[1]
                self.out.append(self.text_line(line))
                index += 1
                continue
            handled = None if self.in_raw else self.block_at(lines, index)
            if handled is None:
                self.out.append(self.text_line(line))
                index += 1
            else:
                blocks, index = handled
                self.emit(blocks)
        return "\n".join(self.out)

    def emit(self, blocks: tuple[Block, ...]) -> None:
        """Put a placeholder where blocks go; blank lines keep it a block of its own."""
        if not blocks:
            self.out.append("")
            return
        key = f"<!--xpost-block:{len(self.store)}-->"
        self.store[key] = blocks
        self.out.extend(["", key, ""])

    def text_line(self, line: str) -> str:
        """Inline substitution, except inside ``{% raw %}`` … ``{% endraw %}``."""
        if "{:" in line and not self.in_raw:
            line = outside_code_spans(line, self._span_ials)
        if "{%" not in line or not _RAW_TAG.search(line):
            return line if self.in_raw else self.inline.line(line)
        parts = _RAW_TAG.split(line)
        text = []
        for position, part in enumerate(parts):
            if position % 2:
                self.in_raw = part == "raw"
            else:
                text.append(part if self.in_raw else self.inline.line(part))
        return "".join(text)

    def _span_ials(self, text: str) -> str:
        """kramdown span attribute lists removed; an image's ``width`` kept as Zenn's
        ``=Nx`` size, which the parser reads."""

        def replace(match: re.Match[str]) -> str:
            width = _WIDTH.search(match[2])
            if match[1] and width and not match[1].startswith("](<"):
                return match[1][:-1] + f" ={width[1]}x)"
            self._note(
                f"removed kramdown attribute list {{:{match[2]}}}: its styling does not carry over"
            )
            return match[1] or ""

        return _KRAMDOWN_SPAN_IAL.sub(replace, text)

    # -- block-level constructs ----------------------------------------------------

    def block_at(self, lines: list[str], index: int) -> tuple[tuple[Block, ...], int] | None:
        """The blocks starting at ``lines[index]`` and the index after them, or None."""
        line = lines[index]
        if "{{" in line and (hugo := _HUGO_LINE.match(line)):
            return self.hugo(lines, index, parse_shortcode(hugo[2]), hugo[0].strip())
        if "{%" in line and (liquid := _LIQUID_LINE.match(line)):
            if liquid[1] == "highlight":
                return self.liquid_highlight(lines, index, liquid[2])
            block = liquid_embed(liquid[1], liquid[2], self.inline.links)
            if block is not None:
                return (block,), index + 1
            if liquid[1] == "include":
                self.notes.append(
                    f"dropped Jekyll include {liquid[0].strip()}: nothing is left in its place"
                )
                return (), index + 1
        if "{:" in line and (kramdown := self.kramdown(lines, index)) is not None:
            return (), kramdown
        if line.lstrip().startswith("@[") and (zenn := _ZENN_EMBED.match(line)):
            embed = zenn_embed(zenn[1], zenn[2])
            if embed is None:
                self.notes.append(f"dropped unknown Zenn embed {zenn[0].strip()}")
                return (), index + 1
            return (embed,), index + 1
        if line.lstrip().startswith(":::") and (container := _CONTAINER.match(line)):
            return self.container(lines, index, container)
        return None

    def kramdown(self, lines: list[str], index: int) -> int | None:
        """The index after a kramdown line removed here, or None when it is none."""
        line = lines[index]
        extension = _KRAMDOWN_EXTENSION.match(line)
        if extension:
            name = extension[1]
            if name == "comment" and not extension[3]:  # hidden on the site too
                end = _find_line(lines, index + 1, _KRAMDOWN_EXTENSION_END)
                return index + 1 if end is None else end + 1
            self._note(f"removed kramdown {line.strip()}: it only instructs kramdown")
            return index + 1
        ial = _KRAMDOWN_IAL_LINE.match(line)
        if ial is None:
            return None
        if ial[1].strip() == "toc":
            item = next((i for i in range(len(self.out) - 1, -1, -1) if self.out[i].strip()), None)
            if item is not None and _LIST_ITEM.match(self.out[item]):
                removed = self.out.pop(item).strip()
                self._note(
                    f"dropped the kramdown table of contents ({removed} {{:toc}}): "
                    "the copies have no generated table of contents"
                )
                return index + 1
        self._note(
            f"removed kramdown attribute list {line.strip()}: its styling does not carry over"
        )
        return index + 1

    def _note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def hugo(
        self, lines: list[str], index: int, code: Shortcode, source: str
    ) -> tuple[tuple[Block, ...], int] | None:
        if code.escaped or code.name in ("ref", "relref"):
            return None  # inline: a ref alone on its line is still its URL, in the text
        if code.closing:
            return (), index + 1
        paired = code.name in CALLOUT_SHORTCODES | DETAILS_SHORTCODES | {
            HIGHLIGHT_SHORTCODE,
            "mermaid",
        }
        if paired:
            end = _find_line(lines, index + 1, _hugo_close(code.name))
            if end is None:
                self.notes.append(f"dropped {source}: its closing shortcode is missing")
                return (), index + 1
            inner = lines[index + 1 : end]
            return (self.paired(code, inner),), end + 1
        block = embed_shortcode(code, self.inline.links)
        if block is None:
            closing = _find_line(lines, index + 1, _hugo_close(code.name))
            left = (
                f"the text up to {{{{< /{code.name} >}}}} is kept as written"
                if closing is not None
                else "nothing is left in its place"
            )
            self._note(f"dropped unknown shortcode {source}: {left}")
            return (), index + 1
        return (block,), index + 1

    def paired(self, code: Shortcode, inner: list[str]) -> Block:
        if code.name == HIGHLIGHT_SHORTCODE:
            return Code("\n".join(inner), lang=code.arg("lang", 0))
        if code.name == "mermaid":  # Qiita and Zenn draw a mermaid fence
            return Code("\n".join(inner).strip("\n"), lang="mermaid")
        if code.name in DETAILS_SHORTCODES:
            summary = code.arg("summary") or code.arg("title") or code.arg("text", 0) or "Details"
            return Details(summary, tuple(self.parse("\n".join(inner))))
        kind_name = (
            code.name if code.name in CALLOUT_KINDS else code.arg("type", 0) or code.arg("kind")
        )
        kind = CALLOUT_KINDS.get(kind_name.lower(), "note")
        return Callout(kind, tuple(self.parse("\n".join(inner))), title=code.arg("title"))

    def liquid_highlight(
        self, lines: list[str], index: int, args: str
    ) -> tuple[tuple[Block, ...], int] | None:
        end = _find_line(lines, index + 1, _ENDHIGHLIGHT)
        if end is None:
            return None
        lang = args.split()[0] if args.split() else ""
        return (Code("\n".join(lines[index + 1 : end]), lang=lang),), end + 1

    def container(
        self, lines: list[str], index: int, opener: re.Match[str]
    ) -> tuple[tuple[Block, ...], int] | None:
        colons, name, rest = opener[1], opener[2], opener[3]
        end = _find_container_end(lines, index + 1, colons)
        if end is None:
            return None
        blocks = tuple(self.parse("\n".join(lines[index + 1 : end])))
        if name == "details":
            return (Details(rest or "Details", blocks),), end + 1
        return (Callout(_CONTAINER_KINDS.get(rest.lower(), "note"), blocks),), end + 1


def _closes_fence(fence: str, line: str) -> bool:
    closing = _FENCE.match(line)
    return bool(
        closing
        and closing[1][0] == fence[0]
        and len(closing[1]) >= len(fence)
        and not line[closing.end() :].strip()
    )


def _find_line(lines: list[str], start: int, pattern: re.Pattern[str]) -> int | None:
    return next((i for i in range(start, len(lines)) if pattern.search(lines[i])), None)


def _find_container_end(lines: list[str], start: int, colons: str) -> int | None:
    """The line closing a ``:::`` container: same colon count, nested ones skipped."""
    depth = 0
    fence = ""
    for i in range(start, len(lines)):
        line = lines[i]
        if fence:
            fence = "" if _closes_fence(fence, line) else fence
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened[1]
            continue
        stripped = line.strip()
        if stripped == colons:
            if depth == 0:
                return i
            depth -= 1
        elif (
            stripped.startswith(colons)
            and not stripped.startswith(colons + ":")
            and stripped[len(colons) :].strip()
        ):
            depth += 1  # a nested container with as many colons
    return None
