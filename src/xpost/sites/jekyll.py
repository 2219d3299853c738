"""Jekyll: ``_config.yml``'s ``url``, ``baseurl``, ``permalink`` and ``timezone``.

URLs are built the way Jekyll 4.3 builds them (Debian's ``jekyll``; checked against
the files ``jekyll build`` writes in tests/test_sites_real_builds.py): ``:title`` is
the file name's slug part (or the front matter's ``slug``), never the title;
``permalink: pretty`` and the other named styles are templates, not paths;
``:categories`` are the folders above ``_posts`` then the front matter's, lowercased;
dates are taken in the site's ``timezone``. A post's own ``permalink`` may use the
same placeholders, and ``defaults`` may set one for a path or for all posts.
"""

from __future__ import annotations

import glob
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from xpost.errors import ConfigError
from xpost.permalink import PermalinkError, join_url
from xpost.sites.base import Page, Site, read_data_file, text_setting

CONFIG_NAMES = ("_config.yml", "_config.yaml", "_config.toml")
# Jekyll's named permalink styles (lib/jekyll/configuration.rb, STYLE_TO_PERMALINK).
STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
# Posts are only the files whose names start with a date (Document::DATE_FILENAME_MATCHER).
_DATED_FILE = re.compile(r"(\d{2,4}-\d{1,2}-\d{1,2})-(.*)")
# What ``{% post_url %}`` takes (Tags::PostComparer::MATCHER): ``[path/]date-slug``.
_POST_NAME = re.compile(r"(?P<path>.+/)?(?P<date>\d+-\d+-\d+)-(?P<slug>.*)")
_TOKEN = re.compile(r":([a-z_]+)")
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
_STRFTIME = {
    "year": "%Y",
    "month": "%m",
    "day": "%d",
    "hour": "%H",
    "minute": "%M",
    "second": "%S",
    "short_month": "%b",
    "long_month": "%B",
    "short_year": "%y",
    "w_year": "%G",
    "week": "%V",
    "w_day": "%u",
    "short_day": "%a",
    "long_day": "%A",
    "y_day": "%j",
}


class JekyllSite(Site, frozen=True):
    baseurl: str = ""
    style: str = "date"  # the ``permalink`` setting as written
    defaults: tuple[tuple[str, str], ...] = ()  # (path prefix, permalink) for posts
    collections_dir: str = ""  # where _posts lives, when not at the top

    def base_path(self) -> str:
        return self.baseurl.rstrip("/")

    def page_url(
        self, page: Page, base_url: str | None = None, permalink: str | None = None
    ) -> str | None:
        base = base_url or (join_url(self.base_url, self.baseurl) if self.base_url else None)
        if base is None:
            return None
        source = page.source
        relative = source.relative_to(self.root)
        if "_posts" not in relative.parts and "_drafts" not in relative.parts:
            return self._page_url(page, relative, base, permalink or self.style)
        if self.collections_dir:
            try:  # categories are the folders between collections_dir and _posts
                relative = relative.relative_to(self.collections_dir)
            except ValueError:
                return None  # Jekyll reads no posts outside collections_dir
        dated = _DATED_FILE.fullmatch(source.stem)
        if dated is None and "_posts" in relative.parts:
            return None  # Jekyll does not read it as a post at all
        own = page.front_matter.get("permalink")
        template = own if isinstance(own, str) and own.strip() else None
        if template is None:
            template = self._default_for(relative) or template_for(permalink or self.style)
        name_slug = dated.group(2) if dated else source.stem
        values = _values(page, relative, name_slug, page.zone)
        return join_url(base, expand(template, values))

    def _page_url(self, page: Page, relative: Path, base: str, style: str) -> str | None:
        """A page (not a post): Jekyll's ``Page#template`` with ``:path``/``:basename``."""
        if any(part.startswith(("_", ".")) for part in relative.parts):
            return None  # layouts, includes, other collections: not pages
        own = page.front_matter.get("permalink")
        if isinstance(own, str) and own.strip():
            template = own.strip()
        elif page.source.stem == "index":
            template = "/:path/"
        else:
            template = "/:path/:basename" + _page_suffix(style)
        folder = relative.parent.as_posix()
        values: dict[str, Callable[[], str]] = {
            "path": lambda: "/" if folder == "." else f"/{folder}/",
            "basename": lambda: page.source.stem,
            "output_ext": lambda: ".html",
        }
        return join_url(base, expand(template, values, strict=False))

    def post_file(self, name: str) -> tuple[Path, bool] | None:
        """The post ``{% post_url [path/]date-slug %}`` names, as Jekyll 4.3's
        ``PostComparer`` finds it: ``_posts/path/date-slug.ext`` or
        ``path/_posts/date-slug.ext`` (one extension, any), under ``collections_dir``."""
        found = _POST_NAME.fullmatch(name.strip().removeprefix("/")) if len(name) < 1024 else None
        if found is None:
            return None
        path, stem = found["path"] or "", f"{found['date']}-{found['slug']}"
        top = self.root / self.collections_dir
        folders = [top / "_posts" / path, top / path / "_posts"]
        for folder in folders:
            if not folder.resolve().is_relative_to(top.resolve()) or not folder.is_dir():
                continue  # a name with ".." names nothing outside the site
            files = sorted(
                file
                for file in folder.glob(glob.escape(stem) + ".*")
                if "." not in file.name[len(stem) + 1 :] and file.is_file()
            )
            if files:
                return files[0], True
        return folders[0] / f"{stem}.md", False

    def _default_for(self, relative: Path) -> str | None:
        found = None
        for prefix, pattern in self.defaults:  # later, and longer, scopes win as in Jekyll
            if not prefix or relative.as_posix().startswith(prefix.strip("/")):
                found = pattern
        return template_for(found) if found else None


def _page_suffix(style: str) -> str:
    """How a page's URL ends under the site's style (``Utils.add_permalink_suffix``)."""
    if style in ("pretty",):
        return "/"
    if style in ("date", "ordinal", "none"):
        return ":output_ext"
    return "/" if style.endswith("/") else ":output_ext" if style.endswith(":output_ext") else ""


def template_for(permalink: str) -> str:
    """A permalink setting as a template: a named style, else the pattern itself."""
    name = permalink.strip().lstrip(":")
    return STYLES.get(name, permalink.strip())


def slugify(text: str, pretty: bool = False, cased: bool = False) -> str:
    """Jekyll's ``Utils.slugify`` in its ``default`` and ``pretty`` modes."""
    out: list[str] = []
    for char in text:
        kind = unicodedata.category(char)
        if kind[0] in "LM" or kind == "Nd" or (pretty and char in _PRETTY_KEEP):
            out.append(char)
        elif not out or out[-1] != "-":
            out.append("-")
    slug = "".join(out).strip("-")
    return slug if cased else slug.lower()


def _values(
    page: Page, relative: Path, name_slug: str, zone: tzinfo | None
) -> dict[str, Callable[[], str]]:
    slug_text = page.slug or name_slug
    categories = _categories(page.front_matter, relative)
    values: dict[str, Callable[[], str]] = {
        "title": lambda: slugify(slug_text, pretty=True, cased=True),
        "slug": lambda: slugify(slug_text),
        "name": lambda: slugify(page.source.stem),
        "categories": lambda: "/".join(dict.fromkeys(c.lower() for c in categories)),
        "slugified_categories": lambda: "/".join(dict.fromkeys(slugify(c) for c in categories)),
        "collection": lambda: "posts",
        "output_ext": lambda: ".html",
        "path": lambda: "/" + relative.with_suffix("").as_posix().split("_posts/", 1)[-1],
    }
    date = page.date
    written = page.front_matter.get("date")
    if isinstance(written, datetime) and written.tzinfo is None:
        # Ruby's YAML (Psych) reads a timestamp without an offset as UTC, and Jekyll
        # keeps that instant: only quoted dates and file-name dates are local.
        date = written.replace(tzinfo=UTC)
    if date is not None and zone is not None and date.tzinfo is not None:
        date = date.astimezone(zone)  # Jekyll shows every date in the site's zone
    for token, spec in _STRFTIME.items():
        values[token] = _dated(date, spec)
    values["i_month"] = _dated(date, "%m", strip=True)
    values["i_day"] = _dated(date, "%d", strip=True)
    return values


def _dated(date: datetime | None, spec: str, strip: bool = False) -> Callable[[], str]:
    def value() -> str:
        if date is None:
            raise PermalinkError("the permalink needs a date and the post has none")
        text = date.strftime(spec)
        return text.lstrip("0") or "0" if strip else text

    return value


def _categories(front_matter: dict[str, Any], relative: Path) -> list[str]:
    """Folders above ``_posts`` first, then ``category`` (or else ``categories``)."""
    special = "_posts" if "_posts" in relative.parts else "_drafts"
    folders = list(relative.parts[: relative.parts.index(special)])
    single = front_matter.get("category")
    if single is not None and single != "":
        named = single if isinstance(single, list) else [single]
    else:
        plural = front_matter.get("categories")
        named = plural.split() if isinstance(plural, str) else list(plural or [])
        if not isinstance(plural, str | list | type(None)):
            named = [plural]
    return list(dict.fromkeys([*folders, *(str(c) for c in named)]))


def expand(template: str, values: dict[str, Callable[[], str]], strict: bool = True) -> str:
    """Fill in Jekyll's placeholders and tidy the path as ``Jekyll::URL`` does.

    ``strict``: an unknown placeholder is an error (posts); else it stays as written
    (pages, whose placeholders Jekyll fills from a plain table).
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if not strict and name not in values:
            return match.group(0)
        if name not in values and name.endswith("_") and name[:-1] in values:
            return values[name[:-1]]() + "_"  # '/:month_:day' is :month then '_'
        if name not in values:
            raise PermalinkError(f"permalink {template!r}: Jekyll has no placeholder ':{name}'")
        return values[name]()

    path = "/" + _TOKEN.sub(replace, template)
    path = path.replace("..", "/").replace("./", "")
    return re.sub(r"/{2,}", "/", path)


def read_site(folder: Path) -> JekyllSite | None:
    found = next((folder / n for n in CONFIG_NAMES if (folder / n).is_file()), None)
    if found is None:
        return None
    settings = read_data_file(found)
    url = text_setting(settings, "url", found)
    baseurl = text_setting(settings, "baseurl", found) or ""
    permalink = settings.get("permalink", "date")
    if isinstance(permalink, str) and permalink.startswith(":"):
        permalink = permalink[1:]
    if not isinstance(permalink, str) or not permalink.strip():
        raise ConfigError(f"{found}: permalink: expected a style name or a pattern")
    collections = settings.get("collections")
    posts = collections.get("posts") if isinstance(collections, dict) else None
    if isinstance(posts, dict) and isinstance(posts.get("permalink"), str):
        permalink = posts["permalink"]  # the posts collection's own permalink wins
    collections_dir = (text_setting(settings, "collections_dir", found) or "").strip("/")
    return JekyllSite(
        kind="jekyll",
        root=folder,
        config_file=found,
        collections_dir=collections_dir,
        base_url=url if url and url.startswith(("http://", "https://")) else None,
        timezone=text_setting(settings, "timezone", found),
        content=(f"{collections_dir}/_posts" if collections_dir else "_posts",),
        questions=() if url else ("base_url",),
        baseurl=baseurl.strip("/") and "/" + baseurl.strip("/") + "/",
        style=permalink,
        defaults=_post_defaults(settings.get("defaults")),
    )


def _post_defaults(raw: object) -> tuple[tuple[str, str], ...]:
    """``defaults`` entries that give posts a ``permalink``: (path prefix, pattern)."""
    if not isinstance(raw, list):
        return ()
    found: list[tuple[str, str]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        scope = entry.get("scope")
        values = entry.get("values")
        if not isinstance(scope, dict) or not isinstance(values, dict):
            continue
        if scope.get("type", "posts") not in ("posts", None):
            continue
        pattern = values.get("permalink")
        if isinstance(pattern, str) and pattern.strip():
            found.append((str(scope.get("path") or ""), pattern))
    found.sort(key=lambda item: len(item[0]))  # a more specific path wins
    return tuple(found)
