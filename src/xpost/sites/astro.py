"""Astro: ``site``, ``base``, ``trailingSlash`` and ``build.format`` in ``astro.config.*``.

The config is JavaScript, so only literal string values are read. Astro's URLs come
from the site's own routes; the usual ones are assumed: ``src/pages/a/b.md`` is
``/a/b/`` and a content-collection entry ``src/content/blog/x.md`` is ``/blog/x/``
(the blog starter's ``[...slug]`` route). ``xpost init`` says so in the file it writes.
"""

from __future__ import annotations

import re
from pathlib import Path

from xpost.permalink import join_url
from xpost.sites.base import Page, Site

CONFIG_NAMES = tuple(f"astro.config.{ext}" for ext in ("mjs", "ts", "js", "mts", "cjs", "cts"))
_MAX_CONFIG = 1 << 20


def _string_setting(source: str, key: str) -> str | None:
    match = re.search(rf"\b{key}\s*:\s*(['\"`])([^'\"`\n]+)\1", source)
    return match.group(2).strip() if match else None


class AstroSite(Site, frozen=True):
    base: str = ""
    ending: str = "/"  # "/" (directory pages), "" (trailingSlash: 'never'), ".html" (format 'file')

    def page_url(
        self, page: Page, base_url: str | None = None, permalink: str | None = None
    ) -> str | None:
        site = base_url or (join_url(self.base_url, self.base) if self.base_url else None)
        if site is None or permalink:
            return None  # a [site] permalink: xpost's own pattern, not Astro's routes
        relative = page.source.relative_to(self.root)
        parts = relative.with_suffix("").parts
        in_pages = parts[:2] == ("src", "pages")
        if not in_pages and not (parts[:2] == ("src", "content") and len(parts) > 3):
            return None
        route = parts[2:]
        if route and route[-1] == "index":
            route = route[:-1]
        slug = page.slug
        if slug and route:
            route = (*route[:-1], slug)
        path = "/" + "/".join(route) + self.ending if route else "/"
        return join_url(site, path.lower() if slug == "" else path)


def read_site(folder: Path) -> AstroSite | None:
    found = next((folder / n for n in CONFIG_NAMES if (folder / n).is_file()), None)
    if found is None:
        return None
    try:
        source = found.read_bytes()[:_MAX_CONFIG].decode("utf-8", "replace")
    except OSError:
        source = ""
    site = _string_setting(source, "site")
    base = _string_setting(source, "base") or ""
    content = [name for name in ("src/content", "src/pages") if (folder / name).is_dir()]
    ending = "/"
    if _string_setting(source, "trailingSlash") == "never":
        ending = ""
    if _string_setting(source, "format") == "file":  # build: { format: 'file' }
        ending = ".html"
    return AstroSite(
        kind="astro",
        root=folder,
        config_file=found,
        base_url=site if site and site.startswith(("http://", "https://")) else None,
        content=tuple(content) or ("src/content",),
        questions=("permalink",) if site else ("base_url", "permalink"),
        base=base.strip("/") and base.strip("/") + "/",
        ending=ending,
    )
