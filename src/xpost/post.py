"""The Post model: one blog post, whatever generator it was written for.

``load_post`` reads a file (front matter in YAML, TOML or JSON; Hugo, Jekyll, Zenn
or Qiita-CLI keys), normalises its metadata, works out its canonical URL and parses
its body once into a ``Document``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xpost.config import Config
from xpost.content.mdx import mdx_to_markdown
from xpost.content.model import Document, LinkContext, Markdown
from xpost.content.parse import parse_body
from xpost.errors import ConfigError, PostError
from xpost.frontmatter import (
    FrontMatter,
    dated_name_date,
    describe_type,
    split_front_matter,
)
from xpost.limits import MAX_POST_BYTES, LimitExceeded, read_regular_file
from xpost.permalink import PermalinkError, expand_permalink, join_url
from xpost.render.markdown import soft_break_joiner
from xpost.sites import Page, Site, find_site


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
    overrides: Overrides = field(default_factory=Overrides)
    front_matter: dict[str, Any] = field(default_factory=dict)
    body_line: int = 1  # line number of the body's first line in the file


_BUNDLE_INDEXES = (
    "index.md",
    "index.markdown",
    "index.mdx",
    "_index.md",
    "_index.markdown",
    "_index.mdx",
)
_SITE_CONFIGS = (
    "hugo.toml",
    "hugo.yaml",
    "hugo.yml",
    "hugo.json",
    "config.toml",
    "config.yaml",
    "config.yml",
    "_config.yml",
    "_config.yaml",
    "_config.toml",
)
_DATED_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-(.+)")
_H1 = re.compile(r"#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")
_MORE = "<!--more-->"
_SUMMARY_LIMIT = 200
# Metadata keys per concept, in order of preference, across Hugo, Jekyll, Zenn, Qiita.
_SUMMARY_KEYS = ("summary", "description", "excerpt")
_DATE_KEYS = ("date",)
_PUBLISH_KEYS = ("publishDate", "publish_date", "pubDate", "published_at")
_LASTMOD_KEYS = ("lastmod", "last_modified_at", "updated_at", "modified")
_EXPIRY_KEYS = ("expiryDate", "expiry_date", "unpublishdate")
_CANONICAL_KEYS = ("canonical_url", "canonicalURL", "canonical", "url", "permalink")  # Jekyll
_EXPLICIT_CANONICAL_KEYS = _CANONICAL_KEYS[:3]
_QIITA_CLI_KEYS = frozenset({"organization_url_name", "slide", "ignorePublish"})


def load_post(path: Path, config: Config, *, parse: bool = True) -> Post:
    """Read a post file, normalise its metadata and parse its body once.

    Every problem with the file is a ``PostError`` naming it (and the line where
    one is known). A folder holding ``index.md`` (a page bundle) loads that file.
    ``parse=False`` leaves the body unparsed (an empty document, no cover image looked
    up): the id, dates and overrides at a fraction of the cost (``--mark-existing``).
    """
    source = _locate(path)
    metadata, body, body_line = split_front_matter(_read_text(source), source)
    mdx_notes: list[str] = []
    if source.suffix.lower() == ".mdx":  # Astro, Docusaurus: drop what only a JS build runs
        body, mdx_notes = mdx_to_markdown(body)
    site = find_site(source.parent.resolve())
    tz = _timezone(_site_value(config, site, "timezone") or config.site.timezone)
    field_reader = FrontMatter(metadata, source, tz)

    title = field_reader.text("title")
    if not title:
        title, body, body_line = _title_from_body(body, body_line)
    if not title:
        raise PostError(
            f"{source}: no title: add 'title:' to the front matter "
            "or start the body with a '# Title' line"
        )

    is_bundle = source.name in _BUNDLE_INDEXES
    content_name = source.parent.name if is_bundle else source.stem
    in_jekyll_dir = any(part in ("_posts", "_drafts") for part in source.parts)
    dated_name = _DATED_NAME.fullmatch(content_name)
    slug = field_reader.text("slug")
    if not slug and in_jekyll_dir and dated_name:
        slug = dated_name.group(2)

    date = field_reader.date(_DATE_KEYS)
    publish_date = field_reader.date(_PUBLISH_KEYS)
    if date is None and dated_name is not None:
        date = dated_name_date(source, dated_name.group(1), tz)

    source_dir = source.parent.resolve()
    site_dir = _site_root(source_dir)
    base_url = _site_value(config, site, "base_url") or config.site.base_url
    # Jekyll reads a ``tags``/``categories`` string as a space-separated list.
    jekyll = in_jekyll_dir or (site_dir is not None and (site_dir / "_config.yml").is_file())
    tags = (
        field_reader.names("tags", spaced=jekyll)
        + field_reader.names("topics")
        + field_reader.names("tag")
    )
    categories = field_reader.names("categories", spaced=jekyll) + field_reader.names("category")
    page = Page(
        source.resolve(), title, field_reader.text("slug"), date or publish_date, metadata, tz
    )
    canonical = _site_url(field_reader, config, site, page)
    if canonical is None:  # no rule of the site's generator applies: xpost's own pattern
        canonical = _canonical_url(
            field_reader,
            base_url,
            config.site.permalink,
            slug=slug,
            title=title,
            date=date or publish_date,
            filename=content_name,
            sections=_sections(source, site_dir, is_bundle),
            categories=categories,
        )
    canonical = canonical or None  # '': the site says the post has no URL yet
    if canonical is not None and (_has_scheme(canonical) or canonical.startswith("//")):
        # From the front matter, the site's config or the pattern: published as the
        # post's address, so it must be a web address.
        canonical = _web_url(canonical, source, _canonical_key(field_reader))
    links = LinkContext(
        source_dir=source_dir,
        page_url=canonical,
        site_url=base_url,
        site_root=site_dir,
        is_bundle=is_bundle,
        permalink=config.site.permalink,
    )
    cover_image, cover_local = _cover_image(metadata, links, canonical) if parse else (None, None)
    overrides, explicit_id = _overrides(metadata.get("xpost"), source)
    if explicit_id is None and not _is_qiita_cli(metadata):
        explicit_id = field_reader.text("id") or None

    document = _with_notes(parse_body(body, links), mdx_notes) if parse else Document((), ())
    if parse and _is_zenn_article_with_repo_images(source, metadata, body):
        document = Document(document.blocks, (*document.notes, _ZENN_IMAGES_NOTE))
    return Post(
        source=source,
        id=explicit_id or canonical or str(source.resolve()),
        title=title,
        body=body,
        document=document,
        summary=_summary(field_reader, metadata, body, document),
        tags=_unique(tags),
        categories=_unique(categories),
        date=date,
        publish_date=publish_date,
        lastmod=field_reader.date(_LASTMOD_KEYS),
        expiry_date=field_reader.date(_EXPIRY_KEYS),
        draft=_is_draft(metadata, source),
        slug=slug or content_name,
        canonical_url=canonical,
        cover_image=cover_image,
        cover_image_local=cover_local,
        overrides=overrides,
        front_matter=metadata,
        body_line=body_line,
    )


def _with_notes(document: Document, notes: list[str]) -> Document:
    return Document(document.blocks, (*notes, *document.notes)) if notes else document


def _locate(path: Path) -> Path:
    if path.is_dir():
        for name in _BUNDLE_INDEXES:
            if (path / name).is_file():
                return path / name
        raise PostError(f"{path}: is a directory, not a post (no index.md in it)")
    if not path.exists():
        raise PostError(f"{path}: no such file")
    return path


def _read_text(path: Path) -> str:
    try:
        data = read_regular_file(path, MAX_POST_BYTES)
    except OSError as exc:
        raise PostError(f"{path}: cannot read: {exc.strerror}") from None
    except LimitExceeded as exc:
        raise PostError(f"{path}: {exc}: a post must be a Markdown file") from None
    if b"\0" in data:
        raise PostError(f"{path}: not a text file (it holds NUL bytes: binary data?)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PostError(f"{path}:{line}: not a text file in UTF-8 (invalid byte)") from None
    if not text.lstrip("\ufeff").strip():
        raise PostError(f"{path}: the file is empty")
    return text


@cache
def _timezone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"[site] timezone: unknown time zone {name!r}") from None


def site_root_of(directory: Path) -> Path | None:
    """The site's top folder above ``directory`` (a Hugo or Jekyll config file), if any."""
    return _site_root(directory)


@lru_cache(maxsize=4096)  # bounded, as sites.find_site: parents stay, leaves pass
def _site_root(directory: Path) -> Path | None:
    """The nearest folder above ``directory`` holding a Hugo or Jekyll config file."""
    if any((directory / name).is_file() for name in _SITE_CONFIGS):
        return directory
    if (directory / "config" / "_default").is_dir():
        return directory
    parent = directory.parent
    return None if parent == directory else _site_root(parent)


def _sections(source: Path, site_dir: Path | None, is_bundle: bool) -> tuple[str, ...]:
    """Hugo sections: the folders between ``content/`` and the post (bundle excluded)."""
    folder = source.parent.parent if is_bundle else source.parent
    parts = folder.resolve().parts
    content_dir = site_dir / "content" if site_dir else None
    if content_dir is not None and folder.resolve().is_relative_to(content_dir):
        return parts[len(content_dir.parts) :]
    if "content" in parts:
        return parts[len(parts) - parts[::-1].index("content") :]
    return ()


def _title_from_body(body: str, body_line: int) -> tuple[str, str, int]:
    """Take a leading ``# Title`` line as the title and drop it from the body."""
    lines = body.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = _H1.fullmatch(line)
        if match is None:
            return "", body, body_line
        rest = index + 1
        while rest < len(lines) and not lines[rest].strip():
            rest += 1
        return match.group(1).strip(), "\n".join(lines[rest:]), body_line + rest
    return "", body, body_line


def _site_value(config: Config, site: Site | None, key: str) -> str | None:
    """``[site] key`` from the post's own site's config, unless the user set it."""
    if site is None or config.site_sets(key):
        return None
    value: str | None = getattr(site, key)
    return value


def _site_url(fields: FrontMatter, config: Config, site: Site | None, page: Page) -> str | None:
    """The URL the post's generator gives it (None: no generator rule applies)."""
    for key in _EXPLICIT_CANONICAL_KEYS:
        if _has_scheme(fields.text(key)):
            return fields.text(key)
    if site is None:
        return None
    base = config.site.base_url if config.site_sets("base_url") else None
    pattern = config.site.permalink if config.site_sets("permalink") else None
    try:
        return site.page_url(page, base_url=base, permalink=pattern)
    except PermalinkError as exc:
        raise PostError(f"{fields.path}: {exc}") from None


def _canonical_url(
    fields: FrontMatter,
    base_url: str | None,
    pattern: str,
    **permalink: Any,
) -> str | None:
    for key in _CANONICAL_KEYS:
        url = fields.text(key)
        if url:
            if _has_scheme(url) or url.startswith("//"):
                return _web_url(url, fields.path, key)
            return join_url(base_url, url) if base_url else None
    if base_url is None:
        return None
    sections: tuple[str, ...] = permalink.pop("sections")
    try:
        path = expand_permalink(
            pattern, section=sections[0] if sections else "", sections=sections, **permalink
        )
    except PermalinkError as exc:
        raise PostError(f"{fields.path}: {exc}") from None
    return join_url(base_url, path)


_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def _canonical_key(fields: FrontMatter) -> str:
    """The front-matter key the canonical URL came from, for the error message."""
    given = [key for key in _CANONICAL_KEYS if fields.text(key)]
    return given[0] if given else "canonical URL ([site] base_url and permalink)"


def _has_scheme(url: str) -> bool:
    try:
        return bool(urlsplit(url).scheme)
    except ValueError:  # "http://[::1/x": a scheme and a broken host
        return True


def _web_url(url: str, source: Path, key: str) -> str:
    """``url`` if it is an absolute http(s) URL: it is published as the post's address,
    so ``javascript:`` or ``file:`` would be a link that runs or leaks something."""
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:  # a malformed IPv6 host, say
        scheme, host = "", None
    if scheme not in ("http", "https") or not host or _URL_UNSAFE.search(url):
        raise PostError(f"{source}: {key}: must be an http(s) URL with a host, got {url[:80]!r}")
    return url


# A Zenn CLI article's image in its repository's /images/: Zenn serves it, no one else.
_ZENN_IMAGE = re.compile(r"\]\(/images/")


def _is_zenn_article_with_repo_images(source: Path, metadata: dict[str, Any], body: str) -> bool:
    return (
        source.parent.name == "articles" and "emoji" in metadata and bool(_ZENN_IMAGE.search(body))
    )


_ZENN_IMAGES_NOTE = (
    "images under /images/ live in the Zenn repository and Zenn serves them: other "
    "platforms get the site's URL for them, which works only if your site serves them too"
)


def _summary(fields: FrontMatter, metadata: dict[str, Any], body: str, document: Document) -> str:
    for key in _SUMMARY_KEYS:
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


def _is_draft(metadata: dict[str, Any], source: Path) -> bool:
    draft = metadata.get("draft", False)
    if not isinstance(draft, bool):
        raise PostError(f"{source}: draft: expected true or false, got {draft!r}")
    # Zenn and Jekyll say ``published: false``; Qiita's ``private`` is not a draft
    # (it is "limited sharing", reachable by URL), so it is deliberately ignored here.
    published = metadata.get("published")
    if published is False:
        return True
    return draft or "_drafts" in source.parts  # Jekyll's unpublished posts


def _is_qiita_cli(metadata: dict[str, Any]) -> bool:
    """Qiita CLI's ``id`` is the Qiita item id, not an identity for this post."""
    return bool(_QIITA_CLI_KEYS & metadata.keys()) or {"private", "updated_at"} <= metadata.keys()


def _overrides(raw: object, source: Path) -> tuple[Overrides, str | None]:
    if raw is None:
        return Overrides(), None
    if not isinstance(raw, dict):
        raise PostError(f"{source}: xpost: expected a table, got {describe_type(raw)}")
    targets: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    explicit_id: str | None = None
    platforms: dict[str, dict[str, Any]] = {}
    for key, value in raw.items():
        name = str(key)
        if name == "targets":
            targets = _name_list(value, source, "xpost.targets")
        elif name == "exclude":
            exclude = _name_list(value, source, "xpost.exclude")
        elif name == "id":
            if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
                raise PostError(
                    f"{source}: xpost.id: expected a string, got {describe_type(value)}"
                )
            explicit_id = str(value)
        elif isinstance(value, dict):
            platforms[name] = {str(k): v for k, v in value.items()}
        else:
            got = describe_type(value)
            raise PostError(f"{source}: xpost.{name}: expected a table of options, got {got}")
    return Overrides(targets=targets, exclude=exclude, platforms=platforms), explicit_id


def _name_list(value: object, source: Path, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise PostError(
        f"{source}: {key}: expected a list of platform names, got {describe_type(value)}"
    )


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


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


_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_NOT_PROSE = ("#", "<", "{{", "{%", "{:", "@[", ":::", "|", "$$", "![", "    ", "\t", "---", "***")
# Linear time on any text (issue 11): a class that stops at the next opener, not
# just at the closer, bounds each failed attempt by the distance to the next one;
# ``.*?`` spans only run over text that has a closer after it (_sub_closed).
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\](?:\([^()]*\)|\[[^\[\]]*\])")
_FOOTNOTE_REF = re.compile(r"\[\^[^\[\]]+\]")
_AUTOLINK = re.compile(r"<(https?://[^<>\s]+)>")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HUGO_SHORTCODE = re.compile(r"\{\{[<%].*?[%>]\}\}", re.DOTALL)
_LIQUID_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
_LIST_START = re.compile(r"[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3}|~~)(?=\S)(.+?)(?<=\S)\1")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINE_MARKUP = re.compile(
    r"^[ \t]*(?:>[ \t]?|#{1,6}[ \t]+|(?:[-*+][ \t]+|\d+[.)][ \t]+)(?:\[[ xX]\][ \t]+)?)", re.M
)
# Lines that are markup only: ``:::note`` containers, kramdown attribute lists.
_MARKUP_LINE = re.compile(r"^[ \t]*(?::{3,}.*|\{:[^{}\n]*\})[ \t]*$", re.M)
_KRAMDOWN_IAL = re.compile(r"\{:[^{}\n]*\}")
_SPACES = re.compile(r"\s+")


def first_paragraph(body: str) -> str:
    """The first block of prose: not a heading, code, HTML, shortcode, table or image."""
    paragraph: list[str] = []
    fence: str | None = None
    for line in body.split("\n"):
        stripped = line.strip()
        opener = _FENCE.match(line)
        if fence is not None:
            if opener and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener:
            fence = opener.group(1)
            continue
        if not stripped:
            if paragraph:
                break
            continue
        if not paragraph and (
            line.startswith(_NOT_PROSE) or _LIST_START.match(line) or urlsplit(stripped).scheme
        ):
            continue
        if stripped.startswith(":::"):
            break  # a call-out opens: the paragraph before it is the summary
        paragraph.append(line)
    return "\n".join(paragraph)


def plain_text(markdown: str) -> str:
    """Markdown (one paragraph or a few) as one line of plain text: soft-wrapped
    Japanese joined without a space (English with one), no container or task-list
    markup."""
    text = _sub_closed(_HUGO_SHORTCODE, markdown, ">}}", "%}}")
    text = _sub_closed(_LIQUID_TAG, text, "%}")
    text = _sub_closed(_HTML_COMMENT, text, "-->")
    text = _KRAMDOWN_IAL.sub("", _MARKUP_LINE.sub("", text))
    text = _HTML_TAG.sub("", _AUTOLINK.sub(r"\1", text))
    text = _IMAGE.sub("", text)
    text = _FOOTNOTE_REF.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _CODE_SPAN.sub(r"\2", text)
    text = _LINE_MARKUP.sub("", text)
    text = _EMPHASIS.sub(r"\2", text)
    return _SPACES.sub(" ", _joined_lines(text)).strip()


def _sub_closed(pattern: re.Pattern[str], text: str, *closers: str) -> str:
    """``pattern`` (a span ending in one of ``closers``) removed from ``text``.

    Only the text up to the last closer is searched: an opener after it cannot match,
    and every opener before it matches at the first closer, so no attempt rescans.
    """
    ends = [at + len(closer) for closer in closers if (at := text.rfind(closer)) >= 0]
    if not ends:
        return text
    last = max(ends)
    return pattern.sub("", text[:last]) + text[last:]


def _joined_lines(text: str) -> str:
    """Lines stripped and joined: nothing between Japanese characters, else a space."""
    joined = ""
    for line in text.split("\n"):
        line = line.strip()
        if line:
            joined += (soft_break_joiner(joined[-1], line[0]) if joined else "") + line
    return joined


def _shorten(text: str, limit: int = _SUMMARY_LIMIT) -> str:
    """At most ``limit`` characters, cut at a space when there is one near the end."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip() + "…"
