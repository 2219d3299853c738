"""What every site generator reader shares: the ``Site`` it produces and a page's facts.

A ``Site`` is what xpost could read from a generator's own config: the values a
``[site]`` table would otherwise have to repeat, and the rule that turns a post file
into the URL the generator gives it (``page_url``).
"""

from __future__ import annotations

import json
import tomllib
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import yaml
from msgspec import Struct, field

from xpost.errors import ConfigError


class Page(Struct, frozen=True):
    """The facts about one post that a generator's URL rule may use."""

    path: str  # absolute path of the post file
    title: str
    slug: str  # the front matter's ``slug``, '' when it has none
    date: datetime | None
    front_matter: dict[str, Any] = field(default_factory=dict)
    zone: tzinfo | None = None  # the time zone the site is built in (``[site] timezone``)

    @property
    def source(self) -> Path:
        """``path`` as a ``Path``: made when a rule asks for it (Hugo's, the commonest,
        reads the text), not for each of a big site's posts."""
        return Path(self.path)


class Site(Struct, frozen=True):
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

    def base_path(self) -> str:
        """The path the generator puts before each of its own site paths in a post's
        links (``{{ site.baseurl }}``): '' when it has none."""
        return ""

    def post_file(self, name: str) -> tuple[Path, bool] | None:
        """The post a ``{% post_url name %}`` tag names, and whether it exists (else the
        path is where it would be); None when this generator has no such tag."""
        return None


MAX_CONFIG_BYTES = 4 << 20  # a generator's config is a few KB; this is not one
MAX_CONFIG_VALUES = 200_000  # YAML aliases can make a small file a huge tree


def read_data_file(path: Path) -> dict[str, Any]:
    """A TOML, YAML or JSON config file as a table; a broken one is a ``ConfigError``."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
        text = data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the site's config: {exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: the site's config is over {MAX_CONFIG_BYTES >> 20} MB")
    try:
        if path.suffix == ".toml":
            table: object = tomllib.loads(text)
        elif path.suffix == ".json":
            table = json.loads(text) if text.strip() else {}
        else:
            table = yaml.safe_load(text) if text.strip() else {}
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        reason = " ".join(str(exc).split())
        raise ConfigError(f"{path}: the site's config is not valid: {reason}") from None
    except RecursionError:
        raise ConfigError(f"{path}: the site's config is nested too deeply") from None
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: the site's config must be a table of settings")
    if _count_values(table, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise ConfigError(f"{path}: the site's config holds too many values (YAML aliases?)")
    return table


def _count_values(root: object, limit: int) -> int:
    """How many values ``root`` holds, counting shared ones each time; stops past ``limit``."""
    count = 0
    stack = [root]
    while stack and count <= limit:
        value = stack.pop()
        count += 1
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return count


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
