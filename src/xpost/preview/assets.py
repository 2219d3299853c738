"""Images drawn from files on disk, inlined so the page needs no request to show them.

A preview must be one self-contained file that fetches nothing: an image the post
ships (a bundle's ``flow.png``, X's attached picture, the cover) is read from disk
and inlined as a ``data:`` URI; an image known only by a remote URL is drawn as a
placeholder with its alt text and host, never fetched.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from xpost.content.model import Block, Document, Embed, Image, all_blocks
from xpost.post import Post

#: Inline at most this much per image (a photo straight off a camera is left out).
MAX_INLINE_BYTES = 5 * 1024 * 1024

_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",  # inside <img> an SVG's scripts never run
}


@dataclass
class Images:
    """Where the images a payload names are on disk: by URL, repo path or file path."""

    known: dict[str, Path] = field(default_factory=dict)
    _cache: dict[Path, str | None] = field(default_factory=dict)

    @classmethod
    def of_post(cls, post: Post) -> Images:
        images = cls()
        for image in _images(post.document.blocks):
            if image.local is not None:
                images.known.setdefault(image.src, image.local)
        if post.cover_image_local is not None:
            images.known.setdefault("cover", post.cover_image_local)
            if post.cover_image:
                images.known.setdefault(post.cover_image, post.cover_image_local)
        return images

    def add(self, name: str, path: Path) -> None:
        self.known.setdefault(name, path)

    def data_uri(self, name: str) -> str | None:
        """A ``data:`` URI for the image ``name`` stands for, or None if it is not local."""
        path = self.known.get(name)
        if path is None:
            return None
        if path not in self._cache:
            self._cache[path] = inline(path)
        return self._cache[path]


def inline(path: Path) -> str | None:
    """``path`` as a ``data:`` URI, or None when it is missing, too big or not an image."""
    kind = _TYPES.get(path.suffix.lower())
    if kind is None:
        return None
    try:
        if not path.is_file() or path.stat().st_size > MAX_INLINE_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _images(blocks: tuple[Block, ...]) -> list[Image]:
    return [block for block in all_blocks(blocks) if isinstance(block, Image)]


def embeds_by_key(document: Document) -> dict[str, str]:
    """Titles of the post's embeds by player id and by URL, to name the boxes drawn."""
    titles: dict[str, str] = {}
    for block in all_blocks(document.blocks):
        if isinstance(block, Embed) and block.title:
            for key in (block.id, block.url):
                if key:
                    titles.setdefault(key, block.title)
    return titles
