"""Finding adapters: the ``xpost.adapters`` entry-point group, loaded on demand.

Listing reads only package metadata; an adapter's module is imported when a
command actually needs that platform, so ``xpost --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from xpost.errors import AdapterError, UsageError
from xpost.suggest import did_you_mean

if TYPE_CHECKING:  # imported by ``load``: ``xpost run`` lists adapters without it
    from xpost.adapters.base import Adapter


class Entry(Protocol):
    """An ``xpost.adapters`` entry point (``importlib.metadata.EntryPoint`` is one too)."""

    @property
    def name(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def dist(self) -> Any: ...  # the distribution (``.name``), or None

    def load(self) -> Any: ...


GROUP = "xpost.adapters"


@cache
def installed() -> dict[str, Entry]:
    """Every registered adapter by platform name, sorted by name."""
    from xpost.adapters.entry_points import entry_points

    found: dict[str, Entry] = {ep.name: ep for ep in entry_points(GROUP)}
    return dict(sorted(found.items()))


def default_targets() -> list[str]:
    """Where a post goes when the config names no ``[publish] targets``: the installed
    adapters that give a ``default_rank`` (the ones that come with xpost do), in that
    order. Each installed adapter is loaded to ask, so this is called only when the
    defaults are really needed (``Config.targets``)."""
    ranked = [(load(name).default_rank, name) for name in installed()]
    return [name for rank, name in sorted((r, n) for r, n in ranked if r is not None)]


def parse_platform_list(values: Iterable[str], where: str = "--to") -> list[str]:
    """``--to a,b --to c`` → ``[a, b, c]``, each checked against the installed adapters."""
    values = list(values)
    names = [n.strip().lower() for value in values for n in value.split(",") if n.strip()]
    known = installed()
    if values and not names:
        raise UsageError(f"{where} names no platform (installed: {', '.join(known) or 'none'})")
    for name in names:
        if name not in known:
            raise UsageError(
                f"unknown platform '{name}' in {where}{did_you_mean(name, known)} "
                f"(installed: {', '.join(known) or 'none'})"
            )
    return list(dict.fromkeys(names))


def load(name: str) -> type[Adapter[Any, Any]]:
    """The adapter class for ``name``; an ``AdapterError`` if it is broken."""
    from xpost.adapters.base import Adapter

    entry = installed()[name]
    try:
        cls = entry.load()
    except Exception as exc:  # a third-party adapter may fail in any way
        raise AdapterError(f"adapter '{name}' ({entry.value}) could not be loaded: {exc}") from exc
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise AdapterError(f"adapter '{name}' ({entry.value}) is not an xpost Adapter class")
    return cls
