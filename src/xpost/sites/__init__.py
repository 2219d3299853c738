"""The site a post belongs to, read from its generator's own config.

One module per generator (``hugo``, ``jekyll``, ``astro``, ``zenn``, ``qiita``), each
with a ``read_site(folder)`` that returns a ``Site`` or None. ``find_site`` walks up
from a folder to the nearest one. xpost uses what is found wherever the user's
``[site]`` table is silent, and ``xpost init`` writes down only what is not found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from xpost.sites import astro, hugo, jekyll, qiita, zenn
from xpost.sites.base import Page, Site

__all__ = ["Page", "Site", "detect_site", "find_site"]

# The order matters where one folder has two: a Hugo site with a package.json is Hugo.
_READERS: tuple[Callable[[Path], Site | None], ...] = (
    hugo.read_site,
    jekyll.read_site,
    astro.read_site,
    qiita.read_site,
    zenn.read_site,
)


def detect_site(folder: Path) -> Site | None:
    """The site whose root is exactly ``folder``, or None."""
    for read in _READERS:
        site = read(folder)
        if site is not None:
            return site
    return None


# Bounded: the parents every post shares stay in it, the 100,000 leaf folders of a big
# site pass through (an unbounded cache held them all: ~80 MB).
@lru_cache(maxsize=4096)
def find_site(folder: Path) -> Site | None:
    """The nearest site at or above ``folder`` (an absolute path), or None.

    Cached per folder, parents included: a run over thousands of posts reads each
    folder's candidates, and each site's config, once.
    """
    site = detect_site(folder)
    if site is not None or folder.parent == folder:
        return site
    return find_site(folder.parent)
