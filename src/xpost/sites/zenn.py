"""A Zenn CLI repository: ``articles/`` beside a ``package.json`` that uses zenn-cli.

An article's URL is ``https://zenn.dev/<user>/articles/<slug>`` where the slug is the
file name; the user name is not in the repository, so ``xpost init`` asks for it.
"""

from __future__ import annotations

from pathlib import Path

from xpost.permalink import join_url
from xpost.sites.base import Page, Site


class ZennSite(Site, frozen=True):
    def page_url(
        self, page: Page, base_url: str | None = None, permalink: str | None = None
    ) -> str | None:
        base = base_url or self.base_url
        source = page.source
        relative = source.relative_to(self.root)
        if base is None or relative.parts[0] != "articles" or len(relative.parts) != 2:
            return None
        return join_url(base, "articles/" + source.stem)


def read_site(folder: Path) -> ZennSite | None:
    package = folder / "package.json"
    if not (folder / "articles").is_dir() or not package.is_file():
        return None
    try:
        uses_zenn = b"zenn-cli" in package.read_bytes()[: 1 << 20]
    except OSError:
        return None
    if not uses_zenn:
        return None
    return ZennSite(
        kind="zenn",
        root=folder,
        config_file=package,
        content=("articles",),
        questions=("zenn_user",),
    )
