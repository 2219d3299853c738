"""Finding adapters: the ``xpost.adapters`` entry-point group, loaded on demand.

Listing reads only package metadata; an adapter's module is imported when a
command actually needs that platform, so ``xpost --help`` stays fast.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from xpost.adapters.base import Adapter
from xpost.errors import AdapterError

GROUP = "xpost.adapters"


@cache
def installed() -> dict[str, EntryPoint]:
    """Every registered adapter by platform name, sorted by name."""
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    return dict(sorted(found.items()))


def load(name: str) -> type[Adapter[Any, Any]]:
    """The adapter class for ``name``; an ``AdapterError`` if it is broken."""
    entry = installed()[name]
    try:
        cls = entry.load()
    except Exception as exc:  # a third-party adapter may fail in any way
        raise AdapterError(f"adapter '{name}' ({entry.value}) could not be loaded: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise AdapterError(f"adapter '{name}' ({entry.value}) is not an xpost Adapter class")
    return cls
