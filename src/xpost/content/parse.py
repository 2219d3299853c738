"""Parse a post body once into a ``Document`` (see ``xpost.content.model``)."""

from __future__ import annotations

from xpost.content.model import Document, LinkContext


def parse_body(body: str, links: LinkContext) -> Document:
    """Parse Markdown (with Hugo shortcodes, Jekyll tags, Zenn syntax, raw HTML)."""
    raise NotImplementedError
