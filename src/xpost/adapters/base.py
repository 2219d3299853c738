"""The interface every platform adapter implements, built-in or third-party.

An adapter is registered under the entry-point group ``xpost.adapters``::

    [project.entry-points."xpost.adapters"]
    mastodon = "xpost_mastodon:MastodonAdapter"

It declares two msgspec types: ``Settings`` (its ``[name]`` table in the config
file) and ``Options`` (its ``xpost: {name: {...}}`` table in a post's front
matter). ``render`` is pure and offline; publishing comes later through
``publish``. Adapters never touch the ledger, the config file or the terminal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

import msgspec

from xpost.config import SiteConfig
from xpost.post import Post

Action = Literal["create", "update", "unchanged", "skip"]


class NoSettings(msgspec.Struct, forbid_unknown_fields=True):
    """For adapters with nothing to configure."""


SettingsT = TypeVar("SettingsT", bound=msgspec.Struct)
OptionsT = TypeVar("OptionsT", bound=msgspec.Struct)


@dataclass
class Draft:
    """Exactly what would be sent to one platform, and what got lost on the way.

    ``payload`` is the JSON-able body of DESIGN.md's ``--json`` format; ``preview``
    is the same for a person to read; ``headline`` a short summary for the panel
    title (``91/280``, ``articles/slug.md``). A draft with ``skip_reason`` is not
    sent at all.
    """

    platform: str
    payload: dict[str, Any]
    preview: str = ""
    headline: str = ""
    warnings: list[str] = field(default_factory=list)
    skip_reason: str | None = None


class Adapter(ABC, Generic[SettingsT, OptionsT]):
    """One platform. Subclasses set the class variables and implement ``render``."""

    name: ClassVar[str]  # the platform key: ``--to NAME``, ``[NAME]``, ``xpost: {NAME: …}``
    label: ClassVar[str]  # the human name: "X", "Qiita"
    summary: ClassVar[str] = ""  # one line for ``xpost adapters``
    Settings: ClassVar[type[msgspec.Struct]]
    Options: ClassVar[type[msgspec.Struct]]

    def __init__(self, settings: SettingsT, site: SiteConfig) -> None:
        self.settings = settings
        self.site = site

    @abstractmethod
    def render(self, post: Post, options: OptionsT) -> Draft:
        """Turn a post into this platform's payload. Pure: no I/O beyond reading files."""
