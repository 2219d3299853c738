"""The Post model: one blog post, whatever generator it was written for.

``load_post`` reads a file (front matter in YAML, TOML or JSON; Hugo, Jekyll, Zenn
or Qiita-CLI keys), normalises its metadata, works out its canonical URL and parses
its body once into a ``Document``. The metadata — identity, dates, draft, targets,
URL — is ``xpost.metadata``'s, which the scan of ``xpost run`` reads too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from msgspec import Struct, field

from xpost.config import Config
from xpost.content.model import Document, LinkContext, Markdown
from xpost.content.parse import parse_body
from xpost.content.plaintext import first_paragraph, plain_text
from xpost.errors import PostError
from xpost.frontmatter import FrontMatter, dated_name_date
from xpost.metadata import (
    SUMMARY_KEYS,
    Overrides,
    decode_post,
    locate,
    read_metadata,
    read_post_bytes,
    split_post,
)
from xpost.permalink import PermalinkError, join_url
from xpost.sites import Page, Site


class Post(Struct, frozen=True):
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
    overrides: Overrides = field(default_factory=Overrides)
    front_matter: dict[str, Any] = field(default_factory=dict)
    body_line: int = 1  # line number of the body's first line in the file


_MORE = "<!--more-->"
# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
# The date a Jekyll post's file name starts with.
_POST_DATE = r"(\d{4}-\d{2}-\d{2})-"
_SUMMARY_LIMIT = 200


def load_post(path: Path, config: Config, *, parse: bool = True) -> Post:
    """Read a post file, normalise its metadata and parse its body once.

    Every problem with the file is a ``PostError`` naming it (and the line where
    one is known). A folder holding ``index.md`` (a page bundle) loads that file.
    ``parse=False`` leaves the body unparsed (an empty document, no cover image looked
    up): the id, dates and overrides at a fraction of the cost.
    """
    source = locate(path)
    parts = split_post(source, decode_post(source, read_post_bytes(source)), config)
    meta = read_metadata(parts, config)
    schedule, metadata, body = meta.schedule, parts.metadata, meta.body
    links = LinkContext(
        source_dir=parts.folder,
        page_url=meta.canonical_url,
        site_url=meta.base_url,
        site_root=meta.site_dir,
        # The user's own base_url is the site's whole base (it wins over the site's).
        base_path=""
        if parts.site is None or config.site_sets("base_url")
        else parts.site.base_path(),
        is_bundle=parts.is_bundle,
        permalink=config.site.permalink,
        post_url=_post_url_resolver(parts.site, config, parts.tz)
        if parse and parts.site is not None
        else None,
    )
    canonical = meta.canonical_url
    cover_image, cover_local = _cover_image(metadata, links, canonical) if parse else (None, None)
    document = Document((), ())
    if parse:
        document = _with_notes(parse_body(body, links), list(parts.mdx_notes))
        if _is_zenn_article_with_repo_images(source, metadata, body):
            document = Document(document.blocks, (*document.notes, _ZENN_IMAGES_NOTE))
    fields = FrontMatter(metadata, source, parts.tz)
    return Post(
        source=source,
        id=meta.id,
        title=meta.title,
        body=body,
        document=document,
        summary=_summary(fields, metadata, body, document),
        tags=meta.tags,
        categories=meta.categories,
        date=schedule.date,
        publish_date=schedule.publish_date,
        lastmod=meta.lastmod,
        expiry_date=schedule.expiry_date,
        draft=schedule.draft,
        slug=meta.slug,
        canonical_url=canonical,
        cover_image=cover_image,
        cover_image_local=cover_local,
        overrides=schedule.overrides,
        front_matter=metadata,
        body_line=meta.body_line,
    )


def _with_notes(document: Document, notes: list[str]) -> Document:
    return Document(document.blocks, (*notes, *document.notes)) if notes else document


def _post_url_resolver(
    site: Site, config: Config, tz: tzinfo
) -> Callable[[str], tuple[str, bool] | None]:
    """``{% post_url NAME %}`` as the site builds it: the canonical URL of the post
    file NAME names (read without its body, so no tag in it is followed), or, when
    there is no such file, the site's rules applied to the name's date and slug."""

    @lru_cache(maxsize=64)  # a post may name the same post many times
    def resolve(name: str) -> tuple[str, bool] | None:
        found = site.post_file(name)
        if found is None:
            return None
        path, exists = found
        try:
            if exists:
                url = load_post(path, config, parse=False).canonical_url
            else:
                dated = re.match(_POST_DATE, path.stem)
                date = dated_name_date(path, dated.group(1), tz) if dated else None
                page = Page(os.fspath(path), "", "", date, {}, tz)
                base = config.site.base_url if config.site_sets("base_url") else None
                pattern = config.site.permalink if config.site_sets("permalink") else None
                url = site.page_url(page, base_url=base, permalink=pattern)
        except (PostError, PermalinkError):
            return None
        return (url, exists) if url else None

    return resolve


# A Zenn CLI article's image in its repository's /images/: Zenn serves it, no one else.
_ZENN_IMAGE = r"\]\(/images/"


def _is_zenn_article_with_repo_images(source: Path, metadata: dict[str, Any], body: str) -> bool:
    return (
        source.parent.name == "articles"
        and "emoji" in metadata
        and bool(re.search(_ZENN_IMAGE, body))
    )


_ZENN_IMAGES_NOTE = (
    "images under /images/ live in the Zenn repository and Zenn serves them: other "
    "platforms get the site's URL for them, which works only if your site serves them too"
)


def _summary(fields: FrontMatter, metadata: dict[str, Any], body: str, document: Document) -> str:
    for key in SUMMARY_KEYS:
        text = fields.text(key)
        if text:
            return plain_text(text)
    separator = metadata.get("excerpt_separator")
    marker = separator if isinstance(separator, str) and separator else _MORE
    if marker in body:
        return _shorten(plain_text(body.split(marker, 1)[0]))
    # The first paragraph as parsed: shortcodes, Liquid and kramdown already resolved.
    first = next(
        (b.text for b in document.blocks if isinstance(b, Markdown) and b.kind == "paragraph"),
        None,
    )
    return _shorten(plain_text(first if first is not None else first_paragraph(body)))


_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".svg")


def _cover_image(
    metadata: dict[str, Any], links: LinkContext, canonical: str | None
) -> tuple[str | None, Path | None]:
    """The cover image's absolute URL and, when it ships with the site, its file."""
    ref = _cover_reference(metadata)
    if ref is None:
        featured = _featured_file(links.source_dir) if links.is_bundle else None
        if featured is None:
            return None, None
        return (join_url(canonical, featured.name) if canonical else None), featured
    if ref.startswith("//"):
        return "https:" + ref, None
    if urlsplit(ref).scheme:
        return ref, None
    relative = ref.lstrip("/")
    site = links.site_root
    if not ref.startswith("/") and (links.source_dir / relative).is_file():
        local = links.source_dir / relative
        page = canonical if links.is_bundle else None
        url = join_url(page, relative) if page else None
        return url, local
    url = join_url(links.site_url, relative) if links.site_url else None
    if site is not None:
        for folder in (site / "static", site, site / "assets" / "media"):
            if (folder / relative).is_file():
                # Hugo fingerprints files under assets/: their URL cannot be predicted.
                is_asset = folder.name == "media"
                return (None if is_asset else url), folder / relative
    return url, None


def _cover_reference(metadata: dict[str, Any]) -> str | None:
    """``image`` (a string, or a Wowchemy/jekyll-seo table), ``cover``, Astro's
    ``heroImage``, ``images[0]``."""
    for key in ("image", "cover", "heroImage"):  # heroImage: Astro's blog starter
        value = metadata.get(key)
        if isinstance(value, dict):
            value = next(
                (value[k] for k in ("filename", "path", "src", "image", "url") if value.get(k)),
                None,
            )
        if isinstance(value, str) and value.strip():
            return value.strip()
    images = metadata.get("images")
    if isinstance(images, list) and images and isinstance(images[0], str) and images[0].strip():
        return images[0].strip()
    return None


def _featured_file(folder: Path) -> Path | None:
    """Wowchemy's convention: a bundle's ``featured.*`` (or ``cover.*``) is its cover."""
    for stem in ("featured", "cover"):
        for suffix in _IMAGE_SUFFIXES:
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def _shorten(text: str, limit: int = _SUMMARY_LIMIT) -> str:
    """At most ``limit`` characters, cut at a space when there is one near the end."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"
