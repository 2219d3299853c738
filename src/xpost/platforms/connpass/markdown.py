"""connpass event descriptions: Markdown without images, embeds or collapsibles.

connpass does not allow images in a description, shows no players and no
``<details>``; everything of that kind becomes a link or plain structure, with a
warning (nothing is silently lost).
"""

from __future__ import annotations

import re
from posixpath import basename
from urllib.parse import urlsplit

from xpost.content.links import outside_code_spans
from xpost.content.model import Details, Image, Math
from xpost.render.markdown import MarkdownFlavor, code_fence, escape_link_text

# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
# An inline image: ``![alt](src "title")``, maybe with a Zenn size; not inside a link label.
_INLINE_IMAGE = (
    r"!\[(?P<alt>[^\]\n]*)\]\((?P<src>[^\s()]+)(?:\s+\"[^\"\n]*\")?(?:\s+=\d*x\d*)?\s*\)"
)


class ConnpassMarkdown(MarkdownFlavor):
    platform = "connpass"
    join_soft_breaks = True

    def inline(self, text: str) -> str:
        """Images inside a paragraph become links as well (connpass allows none)."""
        if "![" not in text:
            return text
        return outside_code_spans(text, self._image_links)

    def _image_links(self, text: str) -> str:
        def link(match: re.Match[str]) -> str:
            src = match["src"]
            self.warn(f"connpass does not allow images: shown as a link to {src}")
            label = match["alt"] or _file_name(src) or "image"
            return f"[{escape_link_text(label)}]({src})"

        return re.sub(_INLINE_IMAGE, link, text)

    def image(self, block: Image) -> str:
        label = block.alt or block.caption or block.title or _file_name(block.src) or "image"
        self.warn(f"connpass does not allow images: shown as a link to {block.src}")
        text = f"[{escape_link_text(label)}]({block.src})"
        if block.link and block.link != block.src:
            text += f" (<{block.link}>)"
        if block.caption and block.caption != label:
            text += f"\n*{block.caption}*"
        return text

    def details(self, block: Details) -> str:
        self.warn(f"connpass has no collapsible sections: '{block.summary}' is shown expanded")
        body = self.blocks(block.blocks)
        head = f"**{block.summary}**"
        return f"{head}\n\n{body}" if body else head

    def math(self, block: Math) -> str:
        self.warn("connpass cannot render math: shown as its TeX source")
        fence = code_fence(block.tex)
        return f"{fence}tex\n{block.tex}\n{fence}"


def _file_name(src: str) -> str:
    return basename(urlsplit(src).path)
