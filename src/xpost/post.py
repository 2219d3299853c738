"""The Post model: one blog post, whatever generator it was written for.

``load_post`` reads a file (front matter in YAML, TOML or JSON; Hugo, Jekyll, Zenn
or Qiita-CLI keys), normalises its metadata, works out its canonical URL and parses
its body once into a ``Document``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from xpost.content.model import Document


@dataclass(frozen=True)
class Overrides:
    """The post's ``xpost:`` front-matter table.

    ``targets`` narrows the platforms (None: the configured defaults); ``exclude``
    removes some. ``platforms`` keeps each platform's own sub-table raw: the adapter
    validates it with its ``Options`` type, so the error can name the key.
    """

    targets: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    platforms: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Post:
    source: Path
    id: str  # front matter ``xpost.id``/``id`` if given, else the canonical URL, else the path
    title: str
    body: str  # the Markdown body, BOM and CRLF removed
    document: Document
    summary: str = ""
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    date: datetime | None = None
    publish_date: datetime | None = None
    lastmod: datetime | None = None
    expiry_date: datetime | None = None
    draft: bool = False
    slug: str = ""  # front matter slug, else from the file or bundle name (Jekyll date stripped)
    canonical_url: str | None = None
    cover_image: str | None = None  # absolute URL of the cover/featured image, if any
    cover_image_local: Path | None = None
    emoji: str = ""  # Zenn front matter
    article_type: str = ""  # Zenn ``type``: tech | idea
    overrides: Overrides = field(default_factory=Overrides)
    front_matter: dict[str, Any] = field(default_factory=dict)
    body_line: int = 1  # line number of the body's first line in the file
