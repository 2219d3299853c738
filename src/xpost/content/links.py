"""Make a post's relative URLs absolute and find the local files they point at.

Only the URL itself is rewritten; every other byte of the author's Markdown stays
as written, so the rewriting works on the source text (outside code spans) rather
than on a re-serialised tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urljoin

from xpost.content.model import LinkContext

_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
# ``](dest`` of an inline link or image; the destination may hold one level of parens.
_INLINE_DEST = re.compile(r"(\]\([ \t]*)(<[^<>\n]*>|(?:[^\s()<>\\]|\\.|\([^\s()]*\))+)")
# ``[label]: dest`` of a link reference definition.
_REF_DEST = re.compile(r"(^[ \t]{0,3}\[(?!\^)[^\]\n]+\]:[ \t]*)(<[^<>\n]*>|\S+)", re.MULTILINE)
# ``src=`` / ``href=`` of inline raw HTML.
_HTML_ATTR = re.compile(r"""(<[a-zA-Z][^<>]*?\b(?:src|href)=)(["'])([^"'<>]*)\2""")
# What follows ``](`` when the destination needs no base (``needs_base``): a scheme,
# ``#``, ``//`` or ``{{``, maybe in angle brackets. No backtick fits before the
# ``:`` of a scheme, so a code span cannot cut such a destination short.
_ABSOLUTE_DEST = re.compile(r"[ \t]*<?(?:[a-zA-Z][a-zA-Z0-9+.-]*:|#|//|\{\{)")


class LinkResolver:
    """Resolves URLs against a ``LinkContext``; remembers the one note it may need."""

    def __init__(self, context: LinkContext) -> None:
        self.context = context
        self.unresolved: list[str] = []

    def absolute(self, url: str) -> str:
        """``url`` made absolute, or unchanged when it already is or cannot be."""
        if not needs_base(url):
            return url
        base = self._base_for(url)
        if base is None:
            if url not in self.unresolved:
                self.unresolved.append(url)
            return url
        if url.startswith("/"):
            return base.rstrip("/") + url
        if base == self.context.page_url and not self.context.is_bundle:
            return urljoin(base, url)  # the browser's rule: /a/b.html + c.png = /a/c.png
        return urljoin(base if base.endswith("/") else base + "/", url)

    def _base_for(self, url: str) -> str | None:
        ctx = self.context
        if url.startswith("/"):
            return ctx.site_url
        return ctx.page_url or ctx.site_url

    def local_file(self, url: str) -> Path | None:
        """The file on disk a relative or root-relative URL names, if it exists."""
        if not needs_base(url):
            return None
        path = unquote(re.split(r"[?#]", url, maxsplit=1)[0])
        if not path:
            return None
        ctx = self.context
        roots = [ctx.site_root / "static", ctx.site_root] if ctx.site_root else []
        if path.startswith("/"):
            base = ctx.base_path
            if base and path.startswith(base + "/"):  # the site's own path, as served
                path = path[len(base) :]
            candidates = [root / path.lstrip("/") for root in roots]
        else:
            candidates = [ctx.source_dir / path]
            # A single-file post's image is served from the page's URL: in Hugo, from
            # static/ under the same path.
            site_path = self._site_path(self.absolute(url))
            if site_path:
                candidates += [root / site_path for root in roots]
        return next((c for c in candidates if c.is_file()), None)

    def _site_path(self, url: str) -> str | None:
        """``url``'s path below the site's base URL, decoded, or None outside the site."""
        site = self.context.site_url
        if not site or not url.startswith(site.rstrip("/") + "/"):
            return None
        rest = unquote(re.split(r"[?#]", url[len(site.rstrip("/")) :], maxsplit=1)[0])
        parts = [part for part in rest.split("/") if part]
        return "/".join(parts) if parts and ".." not in parts else None

    def rewrite_markdown(self, text: str, references: bool = False) -> str:
        """``text`` with link and image destinations made absolute.

        ``references``: the text is link reference definitions (``[id]: url``), which
        markdown-it does not turn into tokens, so only the caller knows them.
        """
        if "](" not in text and "]:" not in text and "=" not in text:
            return text
        if not references and "src=" not in text and "href=" not in text and all_absolute(text):
            return text  # the usual paragraph: only absolute links, nothing to rewrite
        return outside_code_spans(text, lambda prose: self._rewrite_prose(prose, references))

    def _rewrite_prose(self, text: str, references: bool) -> str:
        # Each pattern only where its literal part is, to skip a scan per chunk.
        if "](" in text:
            text = _INLINE_DEST.sub(lambda m: m[1] + self._destination(m[2]), text)
        if references and "]:" in text:
            text = _REF_DEST.sub(lambda m: m[1] + self._destination(m[2]), text)
        if "src=" in text or "href=" in text:
            text = _HTML_ATTR.sub(lambda m: m[1] + m[2] + self.absolute(m[3]) + m[2], text)
        return text

    def _destination(self, dest: str) -> str:
        if dest.startswith("<") and dest.endswith(">"):
            return "<" + self.absolute(dest[1:-1]) + ">"
        return self.absolute(dest)

    def notes(self) -> list[str]:
        if not self.unresolved:
            return []
        count = len(self.unresolved)
        return [
            f"{count} relative link{'s' if count > 1 else ''} kept as written "
            f"(no site base_url to resolve against): {', '.join(self.unresolved[:3])}"
            + (", …" if count > 3 else "")
        ]


def all_absolute(text: str) -> bool:
    """Every inline link destination in ``text`` (in or out of code spans) is one
    ``absolute`` keeps as it is: rewriting it would change nothing."""
    at = text.find("](")
    while at >= 0:
        if _ABSOLUTE_DEST.match(text, at + 2) is None:
            return False
        at = text.find("](", at + 2)
    return True


def outside_code_spans(
    text: str, change: Callable[[str], str], in_code: Callable[[str], str] = str
) -> str:
    """``text`` with ``change`` applied to everything but its code spans, which are
    shown as written (or through ``in_code``)."""
    if "`" not in text:
        return change(text)
    parts = []
    position = 0
    for span in _CODE_SPAN.finditer(text):
        parts.append(change(text[position : span.start()]))
        parts.append(in_code(span.group(0)))
        position = span.end()
    parts.append(change(text[position:]))
    return "".join(parts)


def needs_base(url: str) -> bool:
    """A URL that only means something relative to the page: not absolute, not ``#x``."""
    return bool(url) and not (
        url.startswith(("#", "//", "{{")) or _HAS_SCHEME.match(url) is not None
    )
