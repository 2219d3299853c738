"""What a post's front matter and file name say about it: one reader for every caller.

``xpost.post.load_post`` builds the whole ``Post`` on it (adding the parsed body, the
summary and the cover image); ``xpost.scan`` reads only this part, for every changed
file of a site, to learn whether a post is due and what its id is — so the two can
never disagree about a post's identity, its dates or whether it is a draft.

The conventions of the generators xpost reads: the keys below, in order of
preference, across Hugo, Jekyll, Astro, Zenn CLI and Qiita CLI; Jekyll's dated file
names (``_posts/2024-01-02-title.md``), ``_drafts`` and space-separated tag strings;
Hugo's page bundles and sections; Zenn's and Jekyll's ``published: false``; Qiita
CLI's ``id`` (the Qiita item's, not the post's). The URL a post gets comes from its
generator's own config where xpost finds one (``xpost.sites``), else from ``[site]``.

This module must stay light: the scan imports it, not the Markdown stack.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, tzinfo
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from msgspec import Struct, field

from xpost.config import Config
from xpost.errors import ConfigError, PostError
from xpost.frontmatter import FrontMatter, dated_name_date, describe_type, split_front_matter
from xpost.limits import MAX_POST_BYTES, LimitExceeded, read_regular_file
from xpost.permalink import PermalinkError, expand_permalink, join_url
from xpost.sites import Page, Site, find_site, holds_any

# Metadata keys per concept, in order of preference, across Hugo, Jekyll, Zenn, Qiita.
SUMMARY_KEYS = ("summary", "description", "excerpt")
DATE_KEYS = ("date",)
PUBLISH_KEYS = ("publishDate", "publish_date", "pubDate", "published_at")
LASTMOD_KEYS = ("lastmod", "last_modified_at", "updated_at", "modified")
EXPIRY_KEYS = ("expiryDate", "expiry_date", "unpublishdate")
CANONICAL_KEYS = ("canonical_url", "canonicalURL", "canonical", "url", "permalink")  # Jekyll
_EXPLICIT_CANONICAL_KEYS = CANONICAL_KEYS[:3]
_QIITA_CLI_KEYS = frozenset({"organization_url_name", "slide", "ignorePublish"})
_JEKYLL_FOLDERS = frozenset({"_posts", "_drafts"})

BUNDLE_INDEXES = (
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
_SITE_ROOT_MARKERS = frozenset({*_SITE_CONFIGS, "config"})
_DATED_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-(.+)")
_H1 = re.compile(r"#[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*")


class Overrides(Struct, frozen=True):
    """The post's ``xpost:`` front-matter table.

    ``targets`` narrows the platforms (None: the configured defaults); ``exclude``
    removes some. ``platforms`` keeps each platform's own sub-table raw: the adapter
    validates it with its ``Options`` type, so the error can name the key.
    """

    targets: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    platforms: dict[str, dict[str, Any]] = field(default_factory=dict)


class Schedule(Struct, frozen=True):
    """The facts that decide whether (and where) a post is due."""

    draft: bool
    date: datetime | None  # ``date``, else a Jekyll file name's date
    publish_date: datetime | None
    expiry_date: datetime | None
    overrides: Overrides
    explicit_id: str | None  # ``xpost.id``, else ``id`` unless Qiita CLI's

    @property
    def due_at(self) -> datetime | None:
        return self.publish_date or self.date


class FileParts(Struct, frozen=True):
    """A post file split: its front matter, its body, and what its place says."""

    path: str  # the file's path as given, as ``str(Path(...))`` writes it: messages name it
    metadata: dict[str, Any]
    body: str  # BOM and CRLF removed; an ``.mdx`` file's imports and exports too
    body_line: int
    mdx_notes: tuple[str, ...]
    real_folder: str  # the file's folder, resolved (a string: most posts need no Path of it)
    site: Site | None  # the post's own site, read from its generator's config
    tz: tzinfo  # the site's time zone for naive dates
    #: The scan's walk listed the file's folder: neither it nor the file is a symlink and
    #: the folder holds no site config (``xpost.sites.MARKERS``), so the file's real path
    #: and its site need no look at the folder of their own.
    walked: bool = False

    # Plain properties, from the path's text (no ``Path`` per post: the scan reads a big
    # site's every post): each is asked once or twice, and a cached_property's lock
    # (Python 3.11) cost more than the work.
    @property
    def source(self) -> Path:
        return Path(self.path)

    @property
    def name(self) -> str:
        """``source.name``."""
        return _basename(self.path)

    @property
    def folder(self) -> Path:
        """The file's folder, resolved."""
        return Path(self.real_folder)

    @property
    def is_bundle(self) -> bool:
        return self.name in BUNDLE_INDEXES

    @property
    def content_name(self) -> str:
        """The bundle's folder name, else the file's stem."""
        if self.is_bundle:
            return _basename(_dirname(self.path))
        name = self.name
        return name[: len(name) - len(_suffix(name))]

    @property
    def dated_name(self) -> re.Match[str] | None:
        return _DATED_NAME.fullmatch(self.content_name)

    @property
    def in_jekyll_dir(self) -> bool:
        return not _JEKYLL_FOLDERS.isdisjoint(self.path.split("/"))


class PostMeta(Struct, frozen=True):
    """Everything about a post but its parsed body: what ``load_post`` builds on."""

    parts: FileParts
    schedule: Schedule
    id: str  # explicit id, else the canonical URL, else the file's resolved path
    title: str
    body: str  # without a leading ``# Title`` line when that was the title
    body_line: int
    slug: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    lastmod: datetime | None
    canonical_url: str | None
    site_dir: Path | None  # the folder of the site's Hugo or Jekyll config, if any
    base_url: str | None  # the site's URL: ``[site] base_url``, else the generator's


# --- reading the file -----------------------------------------------------------------


def locate(path: Path) -> Path:
    """The post file of ``path``: the file itself, or a bundle folder's index file."""
    if path.is_dir():
        for name in BUNDLE_INDEXES:
            if (path / name).is_file():
                return path / name
        raise PostError(f"{path}: is a directory, not a post (no index.md in it)")
    if not path.exists():
        raise PostError(f"{path}: no such file")
    return path


def read_post_bytes(path: Path) -> bytes:
    """A post file's bytes, refused when it is no regular file or over the size cap."""
    try:
        return read_regular_file(path, MAX_POST_BYTES)
    except OSError as exc:
        raise PostError(f"{path}: cannot read: {exc.strerror}") from None
    except LimitExceeded as exc:
        raise PostError(f"{path}: {exc}: a post must be a Markdown file") from None


def decode_post(path: Path | str, data: bytes) -> str:
    """A post file's text: UTF-8, no NUL bytes, not empty."""
    if b"\0" in data:
        raise PostError(f"{path}: not a text file (it holds NUL bytes: binary data?)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PostError(f"{path}:{line}: not a text file in UTF-8 (invalid byte)") from None
    start = text.lstrip("\ufeff")  # no copy of a long text, as strip() would make
    if not start or start.isspace():
        raise PostError(f"{path}: the file is empty")
    return text


def split_post(source: Path | str, text: str, config: Config, *, walked: bool = False) -> FileParts:
    """Split a post's text and find its site and time zone (``walked``: see
    ``FileParts.walked``; the scan's walk says so for most posts of a big site)."""
    path = path_text(source)
    metadata, body, body_line = split_front_matter(text, path)
    mdx_notes: list[str] = []
    if _is_mdx(path):  # Astro, Docusaurus: drop what only a JS build runs
        from xpost.content.mdx import mdx_to_markdown

        body, mdx_notes = mdx_to_markdown(body)
    folder = _real(_dirname(path) or os.curdir, walked)
    # A walked folder holds no site config: its site is its parent's (cached per run).
    site = _site_at(_dirname(folder) if walked else folder)
    tz = timezone(_site_value(config, site, "timezone") or config.site.timezone)
    return FileParts(path, metadata, body, body_line, tuple(mdx_notes), folder, site, tz, walked)


def _is_mdx(path: str) -> bool:
    """``Path(path).suffix.lower() == ".mdx"`` (a name that is only '.mdx' has none)."""
    return _suffix(_basename(path)).lower() == ".mdx"


def path_text(path: Path | str) -> str:
    """``str(Path(path))``, without making a ``Path`` of a text that is already written
    that way (a scan's every path): no empty, '.' or repeated-'/' part, no '/' at the
    end. Messages name a post by it, as they would by its ``Path``."""
    if isinstance(path, str):
        if (
            path
            and "//" not in path
            and "/./" not in path
            and not path.startswith("./")
            and not path.endswith(("/", "/."))
        ):
            return path
        path = Path(path)
    return os.fspath(path)


def real_path(path: Path, *, no_link: bool = False) -> Path:
    """``path.resolve()``, with the folders above it resolved once per run: a site's
    posts share them, so only the last part is looked at for each post — and not even
    that when the caller knows it is no symlink (``no_link``: the scan's walk saw it)."""
    return Path(_real(os.fspath(path), no_link))


def _real(text: str, no_link: bool = False) -> str:
    if not text.startswith("/"):  # a relative path's meaning changes with the cwd
        text = _join(os.getcwd(), text)
    cut = text.rfind("/") + 1  # os.path.split, as _dirname
    name = text[cut:]
    if name in ("", ".", ".."):
        return os.path.realpath(text)
    folder = text[:cut]
    candidate = _join(_real_folder(folder.rstrip("/") or folder), name)
    if no_link or not os.path.islink(candidate):
        return candidate
    return os.path.realpath(candidate)


# ``os.path``'s POSIX rules (xpost runs on POSIX systems only) as plain string work: a
# site's every post goes through them three or four times, and posixpath's own functions
# cost more in their look-ups than in the work.
def _join(folder: str, name: str) -> str:
    """``os.path.join(folder, name)`` for a ``name`` that does not start with '/'."""
    return folder + name if not folder or folder.endswith("/") else folder + "/" + name


def _dirname(path: str) -> str:
    """``os.path.dirname(path)``."""
    head = path[: path.rfind("/") + 1]
    return head.rstrip("/") or head


def _basename(path: str) -> str:
    """``os.path.basename(path)``."""
    return path[path.rfind("/") + 1 :]


def _suffix(name: str) -> str:
    """``PurePath(name).suffix``: from the last dot, unless the name starts or ends there."""
    dot = name.rfind(".")
    return name[dot:] if 0 < dot < len(name) - 1 else ""


@lru_cache(maxsize=4096)  # bounded, as sites.find_site: parents stay, leaves pass
def _real_folder(folder: str) -> str:
    return _real(folder)


@lru_cache(maxsize=4096)  # by the folder's text, as _real_folder: no Path made per post
def _site_at(folder: str) -> Site | None:
    return find_site(Path(folder))


@cache
def timezone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"[site] timezone: unknown time zone {name!r}") from None


# --- the schedule: due, draft, where ---------------------------------------------------


def read_schedule(parts: FileParts) -> Schedule:
    """Draft, dates and the ``xpost:`` table, each checked (a ``PostError`` names the key)."""
    fields = FrontMatter(parts.metadata, parts.path, parts.tz)
    date = fields.date(DATE_KEYS)
    if date is None:  # the file name's date, only looked for when the front matter has none
        dated = parts.dated_name
        if dated is not None:
            date = dated_name_date(parts.path, dated.group(1), parts.tz)
    overrides, explicit_id = _overrides(parts.metadata.get("xpost"), parts.path)
    if explicit_id is None and not _is_qiita_cli(parts.metadata):
        explicit_id = fields.text("id") or None
    return Schedule(
        draft=_is_draft(parts.metadata, parts.path),
        date=date,
        publish_date=fields.date(PUBLISH_KEYS),
        expiry_date=fields.date(EXPIRY_KEYS),
        overrides=overrides,
        explicit_id=explicit_id,
    )


def _is_draft(metadata: dict[str, Any], source: str) -> bool:
    draft = metadata.get("draft", False)
    if not isinstance(draft, bool):
        raise PostError(f"{source}: draft: expected true or false, got {draft!r}")
    # Zenn and Jekyll say ``published: false``; Qiita's ``private`` is not a draft
    # (it is "limited sharing", reachable by URL), so it is deliberately ignored here.
    published = metadata.get("published")
    if published is False:
        return True
    return draft or "_drafts" in source.split("/")  # Jekyll's unpublished posts


def _is_qiita_cli(metadata: dict[str, Any]) -> bool:
    """Qiita CLI's ``id`` is the Qiita item id, not an identity for this post."""
    if not _QIITA_CLI_KEYS.isdisjoint(metadata):
        return True
    return "private" in metadata and "updated_at" in metadata


def _overrides(raw: object, source: str) -> tuple[Overrides, str | None]:
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


def _name_list(value: object, source: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise PostError(
        f"{source}: {key}: expected a list of platform names, got {describe_type(value)}"
    )


# --- the whole of it: title, slug, taxonomies, URL, id ----------------------------------


def read_metadata(parts: FileParts, config: Config, schedule: Schedule | None = None) -> PostMeta:
    """Everything the front matter, the file's place and the site's config say."""
    schedule = schedule or read_schedule(parts)
    read = _read_identity(parts, config, schedule)
    return PostMeta(
        parts=parts,
        schedule=schedule,
        id=read.id,
        title=read.title,
        body=parts.body[read.title_chars :] if read.title_lines else parts.body,
        body_line=parts.body_line + read.title_lines,
        slug=read.slug or parts.content_name,
        tags=_unique(read.tags),
        categories=_unique(read.categories),
        lastmod=read.lastmod,
        canonical_url=read.canonical,
        site_dir=read.site_dir,
        base_url=read.base_url,
    )


def post_id(parts: FileParts, config: Config, schedule: Schedule) -> str:
    """``read_metadata(parts, config, schedule).id``: the same code, the same
    ``PostError``s, without building the rest of a ``PostMeta`` (the scan asks it of
    every post of a site)."""
    return _read_identity(parts, config, schedule).id


class _Identity(NamedTuple):
    """All ``read_metadata`` reads and checks before it builds a ``PostMeta``: a post
    has an id exactly when all of it reads without a ``PostError``."""

    id: str  # explicit id, else the canonical URL, else the file's resolved path
    title: str
    title_lines: int  # the body's lines a leading ``# Title`` took, blank lines after it too
    title_chars: int  # ... and their characters
    slug: str  # '' when neither the front matter nor a Jekyll file name gives one
    canonical: str | None
    site_dir: Path | None
    base_url: str | None
    tags: list[str]
    categories: list[str]
    lastmod: datetime | None


def _read_identity(parts: FileParts, config: Config, schedule: Schedule) -> _Identity:
    source, metadata = parts.path, parts.metadata
    fields = FrontMatter(metadata, source, parts.tz)
    title = fields.text("title")
    title_lines = title_chars = 0
    if not title:
        title, title_lines, title_chars = _body_title(parts.body)
    if not title:
        raise PostError(
            f"{source}: no title: add 'title:' to the front matter "
            "or start the body with a '# Title' line"
        )
    in_jekyll_dir = parts.in_jekyll_dir
    own_slug = slug = fields.text("slug")
    if not slug and in_jekyll_dir:
        dated = parts.dated_name
        if dated:
            slug = dated.group(2)

    # A walked folder holds no site config: the site's root is above it.
    folder = parts.real_folder
    site_dir = _site_root_at(_dirname(folder) if parts.walked else folder)
    base_url = _site_value(config, parts.site, "base_url") or config.site.base_url
    # Jekyll reads a ``tags``/``categories`` string as a space-separated list.
    jekyll = in_jekyll_dir or (site_dir is not None and _is_jekyll_site(site_dir))
    tags = fields.names("tags", spaced=jekyll) + fields.names("topics") + fields.names("tag")
    categories = fields.names("categories", spaced=jekyll) + fields.names("category")
    date = schedule.date or schedule.publish_date
    real_source = _real_source(parts)
    page = Page(real_source, title, own_slug, date, metadata, parts.tz)
    canonical = _site_url(fields, config, parts.site, page)
    if canonical is None:  # no rule of the site's generator applies: xpost's own pattern
        canonical = _canonical_url(
            fields,
            base_url,
            config.site.permalink,
            slug=slug,
            title=title,
            date=date,
            filename=parts.content_name,
            sections=_sections(parts, site_dir),
            categories=categories,
        )
    canonical = canonical or None  # '': the site says the post has no URL yet
    if (
        canonical is not None
        and not _PLAIN_WEB_URL.match(canonical)  # the usual case, checked at a glance
        and (has_scheme(canonical) or canonical.startswith("//"))
    ):
        # From the front matter, the site's config or the pattern: published as the
        # post's address, so it must be a web address.
        canonical = _web_url(canonical, source, _canonical_key(fields))
    return _Identity(
        id=schedule.explicit_id or canonical or real_source,
        title=title,
        title_lines=title_lines,
        title_chars=title_chars,
        slug=slug,
        canonical=canonical,
        site_dir=site_dir,
        base_url=base_url,
        tags=tags,
        categories=categories,
        lastmod=fields.date(LASTMOD_KEYS),
    )


def site_root_of(directory: Path) -> Path | None:
    """The site's top folder above ``directory`` (a Hugo or Jekyll config file), if any."""
    return _site_root(directory)


def _real_source(parts: FileParts) -> str:
    """``str(real_path(parts.source))``, from the folder ``split_post`` already resolved:
    only the file's own name is looked at (a symbolic link is followed), and not even
    that when the scan's walk saw it is none (``parts.walked``)."""
    text = _join(parts.real_folder, parts.name)
    if parts.walked or not os.path.islink(text):
        return text
    return os.path.realpath(text)


@lru_cache(maxsize=4096)  # by the folder's text: its Path is made anew for each post
def _site_root_at(directory: str) -> Path | None:
    return _site_root(Path(directory))


@lru_cache(maxsize=4096)  # bounded, as sites.find_site: parents stay, leaves pass
def _site_root(directory: Path) -> Path | None:
    """The nearest folder above ``directory`` holding a Hugo or Jekyll config file."""
    if holds_any(directory, _SITE_ROOT_MARKERS):
        if any((directory / name).is_file() for name in _SITE_CONFIGS):
            return directory
        if (directory / "config" / "_default").is_dir():
            return directory
    parent = directory.parent
    return None if parent == directory else _site_root(parent)


@lru_cache(maxsize=64)
def _is_jekyll_site(site_dir: Path) -> bool:
    return (site_dir / "_config.yml").is_file()


def _sections(file: FileParts, site_dir: Path | None) -> tuple[str, ...]:
    """Hugo sections: the folders between ``content/`` and the post (bundle excluded)."""
    folder = file.folder
    if file.is_bundle:  # the bundle's folder is resolved: its parent is, too
        folder = folder.parent if file.walked else real_path(file.source.parent.parent)
    parts = folder.parts
    content_dir = site_dir / "content" if site_dir else None
    if content_dir is not None and folder.is_relative_to(content_dir):
        return parts[len(content_dir.parts) :]
    if "content" in parts:
        return parts[len(parts) - parts[::-1].index("content") :]
    return ()


def _body_title(body: str) -> tuple[str, int, int]:
    """A leading ``# Title`` line's title, and how many lines and characters of the body
    it takes with the blank lines after it (``("", 0, 0)``: the body starts otherwise).
    Line by line: the rest of a long body is not even split."""
    start = index = 0
    while True:  # the first line that is not blank
        end = body.find("\n", start)
        line = body[start:] if end < 0 else body[start:end]
        if line.strip():
            break
        if end < 0:
            return "", 0, 0
        start, index = end + 1, index + 1
    match = _H1.fullmatch(line)
    if match is None:
        return "", 0, 0
    title = match.group(1).strip()
    while end >= 0:  # the blank lines after it
        start, index = end + 1, index + 1
        end = body.find("\n", start)
        line = body[start:] if end < 0 else body[start:end]
        if line.strip():
            return title, index, start
    return title, index + 1, len(body)


def _site_value(config: Config, site: Site | None, key: str) -> str | None:
    """``[site] key`` from the post's own site's config, unless the user set it."""
    if site is None or config.site_sets(key):
        return None
    value: str | None = getattr(site, key)
    return value


def _site_url(fields: FrontMatter, config: Config, site: Site | None, page: Page) -> str | None:
    """The URL the post's generator gives it (None: no generator rule applies)."""
    if not fields.metadata.keys().isdisjoint(_EXPLICIT_CANONICAL_KEYS):  # few posts give one
        for key in _EXPLICIT_CANONICAL_KEYS:
            url = fields.text(key)
            if url and has_scheme(url):
                return url
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
    for key in CANONICAL_KEYS:
        url = fields.text(key)
        if url:
            if has_scheme(url) or url.startswith("//"):
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
#: An http(s) URL that ``_web_url`` takes as it is, for certain: a plain host name (no
#: userinfo, no IPv6 brackets), then only characters ``urlsplit`` keeps as they are.
_PLAIN_WEB_URL = re.compile(
    r"https?://[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]{1,5})?(?:[/?#][A-Za-z0-9._~%!$&'()*+,;=:@/?#-]*)?\Z"
)


def _canonical_key(fields: FrontMatter) -> str:
    """The front-matter key the canonical URL came from, for the error message."""
    given = [key for key in CANONICAL_KEYS if fields.text(key)]
    return given[0] if given else "canonical URL ([site] base_url and permalink)"


def has_scheme(url: str) -> bool:
    if not url:
        return False
    try:
        return bool(urlsplit(url).scheme)
    except ValueError:  # "http://[::1/x": a scheme and a broken host
        return True


def _web_url(url: str, source: Path | str, key: str) -> str:
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


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
