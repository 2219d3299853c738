"""The site a post belongs to, read from its generator's own config.

One module per generator (``hugo``, ``jekyll``, ``astro``, ``zenn``, ``qiita``), each
with a ``read_site(folder)`` that returns a ``Site`` or None. ``find_site`` walks up
from a folder to the nearest one. xpost uses what is found wherever the user's
``[site]`` table is silent, and ``xpost init`` writes down only what is not found.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from xpost.sites import astro, hugo, jekyll, qiita, zenn
from xpost.sites.base import Page, Site

__all__ = ["MARKERS", "Page", "Site", "detect_site", "find_site"]

# The order matters where one folder has two: a Hugo site with a package.json is Hugo.
_READERS: tuple[Callable[[Path], Site | None], ...] = (
    hugo.read_site,
    jekyll.read_site,
    astro.read_site,
    qiita.read_site,
    zenn.read_site,
)


#: Every name a reader looks for in a site's top folder. A folder holding none of them is
#: no site's root: ``xpost.scan``'s walk tells its posts so while it lists the folder.
MARKERS = frozenset(
    {
        *hugo.CONFIG_NAMES,
        "config",  # Hugo's config/_default/
        *jekyll.CONFIG_NAMES,
        *astro.CONFIG_NAMES,
        "qiita.config.json",
        "package.json",  # Zenn CLI
    }
)


def holds_any(folder: Path, names: frozenset[str]) -> bool:
    """Whether ``folder`` holds an entry of one of ``names`` (True when it cannot be
    listed: the caller's own look then says). One listing instead of a look per name:
    a big site's thousands of bundle folders hold none of a site's config files."""
    try:
        return not names.isdisjoint(os.listdir(folder))
    except OSError:
        return True


def detect_site(folder: Path) -> Site | None:
    """The site whose root is exactly ``folder``, or None."""
    if not holds_any(folder, MARKERS):
        return None
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
