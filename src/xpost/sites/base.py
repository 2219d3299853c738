"""What every site generator reader shares: the ``Site`` it produces and a page's facts.

A ``Site`` is what xpost could read from a generator's own config: the values a
``[site]`` table would otherwise have to repeat, and the rule that turns a post file
into the URL the generator gives it (``page_url``).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml

from xpost.errors import ConfigError


@dataclass(frozen=True)
class Page:
    """The facts about one post that a generator's URL rule may use."""

    source: Path  # absolute path of the post file
    title: str
    slug: str  # the front matter's ``slug``, '' when it has none
    date: datetime | None
    front_matter: dict[str, Any] = field(default_factory=dict)
    zone: tzinfo | None = None  # the time zone the site is built in (``[site] timezone``)


@dataclass(frozen=True)
class Site:
    """A site found in a folder. ``None`` fields are what its config does not say."""

    kind: str  # "hugo", "jekyll", "astro", "zenn", "qiita"
    root: Path
    config_file: Path | None
    base_url: str | None = None
    permalink: str | None = None  # one pattern for every post, when the generator has one
    timezone: str | None = None
    content: tuple[str, ...] = ()  # the folders holding posts, relative to ``root``
    questions: tuple[str, ...] = ()  # what the config does not say and init should ask

    def page_url(
        self, page: Page, base_url: str | None = None, permalink: str | None = None
    ) -> str | None:
        """The page's URL as the generator builds it: None when this site has no rule
        for it (xpost's own ``[site] permalink`` is used), '' when it has no URL yet.

        ``base_url`` and ``permalink`` are the user's ``[site]`` values when set:
        they win over what the generator's config says.
        """
        return None


def read_data_file(path: Path) -> dict[str, Any]:
    """A TOML, YAML or JSON config file as a table; a broken one is a ``ConfigError``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the site's config: {exc}") from None
    try:
        if path.suffix == ".toml":
            data: object = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text) if text.strip() else {}
        else:
            data = yaml.safe_load(text) if text.strip() else {}
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise ConfigError(f"{path}: the site's config is not valid: {reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the site's config must be a table of settings")
    return data


def text_setting(table: dict[str, Any], key: str, path: Path) -> str | None:
    """A string setting, '' and missing alike None; another type names the key."""
    value = table.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{path}: {key}: expected a string, got {type(value).__name__}")
    return value.strip() or None


def table_setting(table: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = table.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: {key}: expected a table, got {type(value).__name__}")
    return value
