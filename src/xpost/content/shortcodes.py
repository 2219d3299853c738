"""Hugo shortcodes, Jekyll Liquid tags and Zenn's ``@[name](arg)``: what each one means.

``prepass`` finds them in the body; this module says what one of them stands for:
a block (``embed_shortcode``, ``zenn_embed``), or text substituted in place
(``InlineSubstitution`` for ``ref``, ``post_url``, ``link``, site variables).
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from msgspec import Struct, field

from xpost.content.embeds import (
    card_or_provider,
    embed_from_url,
    gist_embed,
    seconds,
    slideshare_embed,
    speakerdeck_embed,
    tweet_embed,
    youtube_embed,
)
from xpost.content.links import LinkResolver, needs_base, outside_code_spans
from xpost.content.model import Block, CalloutKind, Embed, Image
from xpost.permalink import PermalinkError, expand_permalink

# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_ARG = r"""(?:([\w-]+)\s*=\s*)?("(?:[^"\\]|\\.)*"|`[^`]*`|'[^']*'|[^\s"'`]+)"""
# One scanner for everything inline: Hugo ``{{< >}}`` / ``{{% %}}``, Liquid ``{% %}``
# and Liquid ``{{ }}`` output, so that a ``{{% x %}}`` is never read as ``{% x %}``.
# Bounded lengths keep a line full of unclosed ``{{<`` from taking quadratic time.
INLINE = (
    r"\{\{<\s*(?P<angle>.{0,2000}?)\s*>\}\}"
    r"|\{\{%\s*(?P<percent>.{0,2000}?)\s*%\}\}"
    r"|\{%-?\s*(?P<tag>.{0,2000}?)\s*-?%\}"
    r"|\{\{-?\s*(?P<output>[^{}]{0,2000}?)\s*-?\}\}"
)
_RELATIVE_URL_FILTER = r"""^(["'])(.*)\1\s*\|\s*(?:relative_url|absolute_url)$"""
_SITE_VARIABLE = r"^site\.(?:url|baseurl)$"
_JEKYLL_POST = r"^(?:.*/)?(\d{4})-(\d{2})-(\d{2})-([^/]+?)(?:\.\w+)?$"

CALLOUT_KINDS: dict[str, CalloutKind] = {
    "note": "note",
    "info": "note",
    "primary": "note",
    "tip": "tip",
    "hint": "tip",
    "success": "tip",
    "important": "important",
    "warning": "warning",
    "warn": "warning",
    "caution": "caution",
    "danger": "caution",
    "alert": "caution",
    "error": "caution",
}
CALLOUT_SHORTCODES = frozenset(
    {"notice", "callout", "alert", "admonition", "hint", "note", "tip", "warning"}
)
DETAILS_SHORTCODES = frozenset({"details", "spoiler", "expand"})
HIGHLIGHT_SHORTCODE = "highlight"


class Shortcode(Struct, frozen=True):
    """One parsed ``{{< name args >}}``: positional and named arguments."""

    name: str
    positional: tuple[str, ...]
    named: dict[str, str]
    closing: bool = False
    escaped: bool = False

    def arg(self, name: str, position: int = -1, default: str = "") -> str:
        if name in self.named:
            return self.named[name]
        if 0 <= position < len(self.positional):
            return self.positional[position]
        return default


def parse_shortcode(inner: str) -> Shortcode:
    """``inner`` is what stands between ``{{<`` and ``>}}``."""
    if inner.startswith("/*") and inner.endswith("*/"):
        return Shortcode("", (), {}, escaped=True)
    closing = inner.startswith("/")
    inner = inner.lstrip("/").strip()
    name, _, rest = inner.partition(" ")
    positional: list[str] = []
    named: dict[str, str] = {}
    for match in re.finditer(_ARG, rest):
        value = _unquote(match[2])
        if match[1]:
            named[match[1]] = value
        else:
            positional.append(value)
    return Shortcode(name.strip(), tuple(positional), named, closing=closing)


def unescape_hugo(text: str) -> str:
    """``{{</* x */>}}`` is how Hugo shows a shortcode literally, in code too."""
    if "/*" not in text:
        return text
    return (
        text.replace("{{</*", "{{<")
        .replace("*/>}}", ">}}")
        .replace("{{%/*", "{{%")
        .replace("*/%}}", "%}}")
    )


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
        inner = value[1:-1]
        return inner if value[0] == "`" else re.sub(r"\\(.)", r"\1", inner)
    return value


def embed_shortcode(code: Shortcode, links: LinkResolver) -> Block | None:
    """The block a standalone Hugo shortcode stands for; None when xpost does not know it."""
    match code.name:
        case "youtube":
            video = code.arg("id", 0) or code.arg("video")
            if video.startswith(("http://", "https://")):
                return embed_from_url(video, "shortcode")
            start = seconds(code.arg("start") or code.arg("t"))
            return youtube_embed(video, "shortcode", code.arg("title"), start) if video else None
        case "speakerdeck":
            deck = code.arg("id", 0)
            slide = code.arg("slide")
            return (
                speakerdeck_embed(deck, "shortcode", slide=int(slide) if slide.isdigit() else 0)
                if deck
                else None
            )
        case "slideshare":
            key = code.arg("id", 0) or code.arg("key")
            return slideshare_embed(key, "shortcode") if key else None
        case "tweet" | "twitter" | "x":
            url = code.arg("url") or code.arg("id", 0)
            if url.startswith(("http://", "https://")):
                return embed_from_url(url, "shortcode")
            tweet = code.arg("id", 1 if len(code.positional) > 1 else 0)
            user = code.arg("user", 0 if len(code.positional) > 1 else -1)
            return tweet_embed(tweet, user, "shortcode") if tweet.isdigit() else None
        case "gist":
            user, gist = code.arg("user", 0), code.arg("id", 1)
            if "/" in user and not code.arg("id"):  # Liquid: {% gist user/id [file] %}
                user, gist = user.split("/", 1)
                return gist_embed(user, gist, "liquid", code.arg("file", 1))
            return gist_embed(user, gist, "shortcode", code.arg("file", 2)) if gist else None
        case "vimeo":
            video = code.arg("id", 0)
            url = f"https://vimeo.com/{video}"
            return Embed(
                "iframe", url, id=video, title=code.arg("title") or "Vimeo", origin="shortcode"
            )
        case "instagram":
            post = code.arg("id", 0)
            url = f"https://www.instagram.com/p/{post}/"
            return Embed("card", url, id=post, origin="shortcode") if post else None
        case "figure":
            return figure(code, links)
    return None


#: Jekyll includes and tags named after an embed: the part of the name that says which.
_LIQUID_EMBEDS = ("youtube", "speakerdeck", "slideshare", "gist", "tweet", "twitter", "vimeo")


def liquid_embed(tag: str, args: str, links: LinkResolver) -> Block | None:
    """The embed a Liquid tag on its own stands for: ``{% gist user/id %}``,
    ``{% youtube ID %}``, ``{% include youtube.html id=… %}`` (any include named
    after an embed); None when xpost does not know it."""
    if tag == "include":
        file, _, args = args.strip().partition(" ")
        tag = file.rsplit("/", 1)[-1].split(".", 1)[0].lower()
    name = next((known for known in _LIQUID_EMBEDS if known in tag), None)
    if name is None:
        return None
    code = parse_shortcode(f"{name} {args}")
    if name == "youtube" and not code.arg("id", 0) and code.arg("url"):
        code = parse_shortcode(f"youtube {code.arg('url')} {args}")
    return embed_shortcode(code, links)


def figure(code: Shortcode, links: LinkResolver) -> Image | None:
    src = code.arg("src", 0)
    if not src:
        return None
    link = code.arg("link")
    return Image(
        src=links.absolute(src),
        alt=code.arg("alt") or code.arg("caption") or code.arg("title"),
        title=code.arg("title"),
        caption=code.arg("caption"),
        link=links.absolute(link) if link else "",
        local=links.local_file(src),
    )


def zenn_embed(name: str, arg: str) -> Embed | None:
    """The embed Zenn's ``@[name](arg)`` stands for; None for a name Zenn does not know."""
    arg = arg.strip()
    match name:
        case "youtube":
            return youtube_embed(arg, "zenn")
        case "speakerdeck":  # @[speakerdeck](ID?slide=N)
            deck, _, slide = arg.partition("?slide=")
            return speakerdeck_embed(deck, "zenn", slide=int(slide) if slide.isdigit() else 0)
        case "slideshare":
            return slideshare_embed(arg, "zenn")
        case "card":
            return Embed("card", arg, origin="zenn")
        case "tweet" | "gist" | "docswell" | "codepen" | "figma":
            return embed_from_url(arg, "zenn") or Embed("card", arg, origin="zenn")
        case "stackblitz" | "codesandbox" | "jsfiddle" | "blueprintue":
            return Embed("iframe", arg, title=name, origin="zenn")
    return None


def url_embed(url: str) -> Embed:
    return card_or_provider(url, "url")


class InlineSubstitution(Struct):
    """Replaces inline shortcodes and Liquid tags in a line; collects notes."""

    links: LinkResolver
    notes: list[str] = field(default_factory=list)

    def line(self, text: str) -> str:
        """Substitute outside code spans (a shortcode in backticks is being shown)."""
        if "{" not in text:
            return text
        return outside_code_spans(
            text, lambda prose: re.sub(INLINE, self._replace, prose), in_code=unescape_hugo
        )

    def _replace(self, match: re.Match[str]) -> str:
        if match["angle"] is not None or match["percent"] is not None:
            inner = match["angle"] if match["angle"] is not None else match["percent"]
            return self.hugo(match[0], parse_shortcode(inner))
        if match["tag"] is not None:
            return self.liquid(match[0], match["tag"])
        return self.output(match[0], match["output"])

    def hugo(self, source: str, code: Shortcode) -> str:
        if code.escaped:  # {{</* x */>}} shows the shortcode itself
            return unescape_hugo(source)
        if code.closing:
            return ""
        if code.name in ("ref", "relref"):
            return self.ref(code.arg("path", 0))
        block = embed_shortcode(code, self.links)
        if isinstance(block, Embed):
            return block.url
        if isinstance(block, Image):
            return f"![{block.alt}]({block.src})"
        self.note(f"dropped unknown shortcode {source}: nothing is left in its place")
        return ""

    def ref(self, target: str) -> str:
        """Best effort: Hugo resolves ``ref`` through its page tree, which xpost doesn't have."""
        path, _, anchor = target.partition("#")
        path = re.sub(r"(?:/_?index)?\.(?:md|markdown|html)$", "", path.strip("/"))
        path = re.sub(r"^content/", "", path)
        if path and "/" not in path:
            path = f"{self._section()}/{path}".strip("/")
        url = self.links.absolute(f"/{path}/" if path else "/")
        if anchor:
            url += f"#{anchor}"
        self.note(f'guessed the URL of ref "{target}" as {url}')
        return url

    def _section(self) -> str:
        ctx = self.links.context
        if ctx.page_url and ctx.site_url and ctx.page_url.startswith(ctx.site_url):
            rest = urlsplit(ctx.page_url[len(ctx.site_url.rstrip("/")) :]).path.strip("/")
            return rest.split("/")[0] if "/" in rest else ""
        return ""

    def liquid(self, source: str, tag: str) -> str:
        name, _, args_raw = tag.partition(" ")
        args = args_raw.strip().strip("\"'")
        if name == "post_url":
            resolve = self.links.context.post_url
            built = resolve(args) if resolve is not None else None
            if built is not None:
                url, exists = built
                if not exists:
                    self.note(f"{source}: no such post in _posts; its URL would be {url}")
                return url
            post = re.match(_JEKYLL_POST, args)
            if post is None:
                self.note(f"could not resolve {source}")
                return ""
            url = self.links.absolute(self._in_site(self._post_path(*post.groups())))
            self.note(f"guessed the URL of {source} as {url}")
            return url
        if name == "link":
            post = re.match(_JEKYLL_POST, args)
            if args.startswith("_posts/") and post is not None:
                return self.liquid(source, f"post_url {post[0].rsplit('/', 1)[-1]}")
            path = re.sub(r"\.(?:md|markdown)$", ".html", args)
            return self.links.absolute(self._in_site(path))
        if name in ("raw", "endraw"):
            return ""
        block = liquid_embed(name, args_raw, self.links)
        if isinstance(block, Embed):
            return block.url
        what = "Jekyll include" if name == "include" else "Liquid tag"
        self.note(f"dropped {what} {source}: nothing is left in its place")
        return ""

    def _post_path(self, year: str, month: str, day: str, name: str) -> str:
        """Another post's path, by the site's permalink pattern when it can say."""
        pattern = self.links.context.permalink
        if pattern:
            try:
                return expand_permalink(
                    pattern,
                    slug=name,
                    title=name,
                    date=datetime(int(year), int(month), int(day)),
                    filename=f"{year}-{month}-{day}-{name}",
                )
            except (PermalinkError, ValueError):
                pass
        return f"/{year}/{month}/{day}/{name}/"

    def output(self, source: str, expression: str) -> str:
        if re.match(_SITE_VARIABLE, expression):
            # The link around it is resolved against site_url afterwards: only the
            # base path under the site's host is written out.
            return self.links.context.base_path if expression == "site.baseurl" else ""
        literal = re.match(_RELATIVE_URL_FILTER, expression)
        if literal:
            url = literal[2]
            return self._in_site(url) if needs_base(url) else url  # Jekyll keeps a full URL
        if re.match(r"^(?:site|page)\.", expression):  # Jekyll's own: its value unknown here
            self.note(f"kept Liquid output {source} as written: xpost does not know its value")
        return source  # not ours: `{{ x }}` in a Vue or Jinja example

    def _in_site(self, path: str) -> str:
        """A path of the site's own, as Jekyll's ``relative_url`` writes it: below the
        site's base path, from its root."""
        return self.links.context.base_path + "/" + path.lstrip("/")

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)
