"""A payload's Markdown drawn as its platform shows it, one top-level element at a time.

Each flavor follows its platform's renderer where the reader would see a
difference: Qiita (qiita-markdown) and Zenn (zenn-markdown-html, checked under
Node.js: ``breaks: true``, raw HTML escaped) turn every newline into a line break;
Qiita keeps the raw HTML its allow-lists name (``rawhtml``) and has ``:::note``
boxes; Zenn has ``:::message``, ``:::details``, ``@[name](…)`` embeds and an
emphasised line under an image as its caption; on both a URL alone in a paragraph
is a link card. Code is highlighted; math is shown as its TeX source in a math box.

The result is a list of ``Piece`` (one per top-level element, with the Markdown it
came from) so that warnings can stand beside the element they concern.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from xpost.preview import embeds
from xpost.preview.escape import esc, host_of, safe_href
from xpost.preview.highlight import code_block
from xpost.preview.placement import Piece
from xpost.preview.rawhtml import RawHtml

_ZENN_EMBED = re.compile(r"^@\[([A-Za-z]+)\]\(([^()\s]*)\)$")
_LONE_URL = re.compile(r"^https?://\S+$")
_ZENN_IMAGE_SIZE = re.compile(r"(!\[[^\]\n]*\]\([^\s()]+) =\d*x\d*\)")
_ZENN_EMBEDS = frozenset(
    [
        "youtube",
        "speakerdeck",
        "slideshare",
        "docswell",
        "card",
        "tweet",
        "gist",
        "codepen",
        "codesandbox",
        "stackblitz",
        "jsfiddle",
        "figma",
        "blueprintue",
        "github",
    ]
)
_NOTE_KINDS = {"info": "info", "warn": "warn", "alert": "alert"}

#: Draws an image from its ``src`` and ``alt``.
ImageDrawer = Callable[[str, str], str]


@dataclass(frozen=True)
class Flavor:
    name: str  # "qiita", "zenn", "connpass"
    breaks: bool  # every newline is a line break
    html: bool  # raw HTML is kept (filtered), not shown as text
    lone_url_cards: bool  # a URL alone in a paragraph is a link card
    zenn: bool = False  # Zenn's containers, @[…] embeds and captions
    qiita: bool = False  # Qiita's :::note and embed allow-lists


QIITA = Flavor("qiita", breaks=True, html=True, lone_url_cards=True, qiita=True)
ZENN = Flavor("zenn", breaks=True, html=False, lone_url_cards=True, zenn=True)
CONNPASS = Flavor("connpass", breaks=False, html=False, lone_url_cards=False)


@dataclass
class Context:
    """What drawing one copy needs besides its text."""

    draw_image: ImageDrawer
    titles: dict[str, str]  # embed titles by id and by URL, from the post


def render(text: str, flavor: Flavor, ctx: Context) -> list[Piece]:
    """``text`` (one payload's Markdown) as pieces of HTML, in order."""
    if flavor.zenn:
        text = _ZENN_IMAGE_SIZE.sub(r"\1)", text)
    md = _parser(flavor)
    raw = RawHtml(ctx.draw_image, qiita=flavor.qiita, titles=ctx.titles)
    env: dict[str, Any] = {"docId": flavor.name, "raw": raw, "ctx": ctx}
    tokens = md.parse(text, env)
    lines = text.splitlines()
    pieces: list[Piece] = []
    for group in _top_level(tokens):
        source = _source(group, lines)
        drawn = _special(group, flavor, ctx)
        html = drawn if drawn is not None else md.renderer.render(group, md.options, env)
        pieces.append(Piece(html=html, source=source))
    rest = raw.finish()
    if rest:
        if pieces:
            pieces[-1].html += rest
        else:
            pieces.append(Piece(html=rest))
    return pieces


def _top_level(tokens: Sequence[Token]) -> list[list[Token]]:
    groups: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for token in tokens:
        current.append(token)
        depth += token.nesting
        if depth <= 0:
            groups.append(current)
            current, depth = [], 0
    if current:
        groups.append(current)
    return groups


def _source(group: list[Token], lines: list[str]) -> str:
    spans = [token.map for token in group if token.map]
    if not spans:
        return "".join(token.content for token in group)
    start = min(span[0] for span in spans)
    end = max(span[1] for span in spans)
    return "\n".join(lines[start:end])


def _special(group: list[Token], flavor: Flavor, ctx: Context) -> str | None:
    """Paragraphs a platform draws as something else: embeds, cards, captioned images."""
    if len(group) != 3 or group[0].type != "paragraph_open":
        return None
    inline = group[1]
    content = inline.content.strip()
    if flavor.zenn and (found := _ZENN_EMBED.match(content)):
        return _zenn_embed(found[1], found[2], ctx)
    if flavor.lone_url_cards and _LONE_URL.match(content):
        return embeds.card(content, ctx.titles.get(content, ""))
    if flavor.zenn:
        return _captioned_image(inline.children or [], ctx)
    return None


def _zenn_embed(name: str, argument: str, ctx: Context) -> str:
    if name not in _ZENN_EMBEDS:
        # zenn-markdown-html draws nothing for an unknown name: say so where it stands.
        return embeds.removed(f"@[{name}]", "Zenn shows nothing for this embed name")
    provider = {"github": "card", "codesandbox": "iframe", "jsfiddle": "iframe"}.get(name, name)
    return embeds.draw(provider, argument, ctx.titles.get(argument, ""))


def _captioned_image(children: list[Token], ctx: Context) -> str | None:
    kinds = [token.type for token in children]
    if kinds != ["image", "softbreak", "em_open", "text", "em_close"]:
        return None
    image = children[0]
    alt = "".join(child.content for child in image.children or [])
    drawn = ctx.draw_image(str(image.attrs.get("src", "")), alt)
    return (
        f'<figure class="image">{drawn}<figcaption>{esc(children[3].content)}</figcaption></figure>'
    )


# -- the parser and its rules ----------------------------------------------------------


@lru_cache(maxsize=4)
def _parser(flavor: Flavor) -> MarkdownIt:
    from mdit_py_plugins.container import container_plugin
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"breaks": flavor.breaks, "html": flavor.html})
    md.enable(["table", "strikethrough"])
    _autolinks(md)
    md.use(footnote_plugin)
    md.use(dollarmath_plugin, allow_space=True, allow_digits=True, double_inline=True)
    if flavor.qiita:
        md.use(container_plugin, "note", validate=_named("note"), render=_render_note)
    if flavor.zenn:
        md.use(container_plugin, "message", validate=_named("message"), render=_render_message)
        md.use(container_plugin, "details", validate=_named("details"), render=_render_details)
    for name, rule in _RULES.items():
        md.add_render_rule(name, rule)
    return md


def _autolinks(md: MarkdownIt) -> None:
    """Bare URLs become links on every platform (GFM's autolink extension)."""
    try:
        from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin
    except ImportError:  # mdit-py-plugins < 0.5: URLs stay text; still readable
        return
    md.use(gfm_autolink_plugin)


def _named(name: str) -> Callable[..., bool]:
    def validate(params: str, *args: Any) -> bool:
        words = params.strip().split(maxsplit=1)
        return bool(words) and words[0] == name

    return validate


def _params(tokens: Sequence[Token], idx: int) -> str:
    return tokens[idx].info.strip().split(maxsplit=1)[1] if " " in tokens[idx].info.strip() else ""


def _render_note(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    if tokens[idx].nesting != 1:
        return "</div></div>\n"
    kind = _NOTE_KINDS.get(_params(tokens, idx).split(" ")[0], "info")
    icon = {"info": "ℹ", "warn": "!", "alert": "✕"}[kind]
    return (
        f'<div class="note note-{kind}" data-box="note">'
        f'<span class="note-icon" aria-hidden="true">{icon}</span><div class="note-body">\n'
    )


def _render_message(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    if tokens[idx].nesting != 1:
        return "</div></aside>\n"
    alert = _params(tokens, idx).split(" ")[0] == "alert"
    kind = "alert" if alert else "info"
    icon = "!" if alert else "ℹ"
    return (
        f'<aside class="message message-{kind}" data-box="message">'
        f'<span class="message-icon" aria-hidden="true">{icon}</span>'
        f'<div class="message-body">\n'
    )


def _render_details(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    if tokens[idx].nesting != 1:
        return "</div></details>\n"
    summary = _params(tokens, idx)
    return (
        f'<details class="zenn-details" data-box="details"><summary>{esc(summary)}</summary>'
        f'<div class="details-body">\n'
    )


def _fence(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    info = token.info.strip()
    lang, _, filename = info.partition(":")
    diff = False
    if lang.startswith("diff ") or lang.startswith("diff_"):
        diff, lang = True, lang[5:]
    lang = lang.split()[0] if lang.split() else ""
    if lang == "math":
        return _math_box(token.content.rstrip("\n"))
    return code_block(token.content.rstrip("\n"), lang, filename.strip(), diff=diff) + "\n"


def _code_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return code_block(tokens[idx].content.rstrip("\n")) + "\n"


def _math_box(tex: str) -> str:
    return (
        f'<div class="math" data-box="math"><span class="math-label">TeX</span>'
        f"<pre>{esc(tex)}</pre></div>\n"
    )


def _math_block(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return _math_box(tokens[idx].content.strip("\n"))


def _math_inline(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    return f'<code class="math-inline">{esc(tokens[idx].content)}</code>'


def _image(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env)
    ctx: Context = env["ctx"]
    return ctx.draw_image(str(token.attrs.get("src", "")), alt)


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    href = safe_href(str(tokens[idx].attrs.get("href", "")))
    if href is None:
        return '<a class="nolink">'
    return f'<a href="{esc(href)}" target="_blank" rel="noopener noreferrer">'


def _html(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    raw: RawHtml = env["raw"]
    return raw.fragment(tokens[idx].content)


_RULES: dict[str, Callable[..., str]] = {
    "fence": _fence,
    "code_block": _code_block,
    "math_block": _math_block,
    "math_block_label": _math_block,
    "math_inline": _math_inline,
    "math_inline_double": _math_inline,
    "image": _image,
    "link_open": _link_open,
    "html_block": _html,
    "html_inline": _html,
}


def image_placeholder(src: str, alt: str) -> str:
    """An image that is not on disk: its alt text and where it would come from."""
    where = (host_of(src) if src else "no address")[:80]
    return (
        f'<span class="image-missing" role="img" aria-label="{esc(alt)}">'
        f'<span class="image-icon" aria-hidden="true">🖼</span> '
        f"<span>{esc(alt) or 'image'}</span> <small>{esc(where)}</small></span>"
    )
