"""A Qiita CLI repository: ``qiita.config.json`` with the articles in ``public/``.

An article's URL is ``https://qiita.com/<user>/items/<id>``: the id is written into
its front matter by ``qiita publish``; the user name is not in the repository, so
``xpost init`` asks for it.
"""

from __future__ import annotations

from pathlib import Path

from xpost.permalink import join_url
from xpost.sites.base import Page, Site


class QiitaSite(Site, frozen=True):
    def page_url(
        self, page: Page, base_url: str | None = None, permalink: str | None = None
    ) -> str | None:
        base = base_url or self.base_url
        item = page.front_matter.get("id")
        if base is None:
            return None
        if not isinstance(item, str) or not item.strip():
            return ""  # not on Qiita yet: it has no URL (and no other rule gives it one)
        return join_url(base, "items/" + item.strip())


def read_site(folder: Path) -> QiitaSite | None:
    config = folder / "qiita.config.json"
    if not config.is_file():
        return None
    return QiitaSite(
        kind="qiita",
        root=folder,
        config_file=config,
        content=("public",),
        questions=("qiita_user",),
    )
