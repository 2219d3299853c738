"""From post files to per-platform drafts: load, choose targets, render.

This is the offline half of ``xpost publish``: everything here is pure and fast,
and it is all a ``--dry-run`` does. Any bad input (a post, an option, a config
table) raises before a single draft is returned, so nothing is ever published
from a half-valid batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
from msgspec import Struct, field

from xpost.adapters import registry
from xpost.adapters.base import DRAFT_REASON, Action, Adapter, Draft
from xpost.config import Config
from xpost.errors import ConfigError, PostError
from xpost.post import Post, load_post
from xpost.sitefiles import SiteFiles
from xpost.suggest import did_you_mean
from xpost.validation import convert, key_error


class Target(Struct):
    """One platform's fate for one post in this run."""

    platform: str
    label: str
    action: Action
    draft: Draft | None = None
    reason: str | None = None  # why it is skipped


class PreparedPost(Struct):
    post: Post
    targets: list[Target] = field(default_factory=list)


class Renderer:
    """Adapters instantiated once per run, each with its validated config table."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._adapters: dict[str, Adapter[Any, Any]] = {}

    def adapter(self, name: str) -> Adapter[Any, Any]:
        if name not in self._adapters:
            cls = registry.load(name)
            raw = _with_paths_from_config(
                self.config.platforms.get(name, {}), cls.path_settings, self.config.path
            )
            try:
                settings = convert(raw, cls.Settings)
            except msgspec.ValidationError as exc:
                key, problem = key_error(exc)
                where = self.config.path or "config"
                raise ConfigError(f"{where}: [{name}] {key}: {problem}") from None
            self._adapters[name] = cls(settings, self.config.site)
        return self._adapters[name]

    def render(self, post: Post, platforms: Sequence[str]) -> PreparedPost:
        prepared = PreparedPost(post)
        for name in platforms:
            adapter = self.adapter(name)
            excluded = _excluded_by_post(post, name)
            raw = post.overrides.platforms.get(name, {})
            try:
                options = convert(raw, adapter.Options)
            except msgspec.ValidationError as exc:
                key, problem = key_error(exc)
                where = f"xpost.{name}.{key}" if key else f"xpost.{name}"
                raise PostError(f"{post.source}: {where}: {problem}") from None
            draft = None if excluded else adapter.render(post, options)
            reason = excluded or (draft.skip_reason if draft else None)
            if reason is None and post.draft:
                reason = DRAFT_REASON
            if reason is None and draft is not None:
                # Nothing outside the site, and nothing but real images, ever leaves it.
                adapter.check_files(draft, SiteFiles(post))
            prepared.targets.append(
                Target(
                    platform=name,
                    label=adapter.label,
                    action="skip" if reason else "create",
                    draft=draft,
                    reason=reason,
                )
            )
        return prepared


def _with_paths_from_config(
    raw: dict[str, Any], keys: Sequence[str], config_path: Path | None
) -> dict[str, Any]:
    """``raw`` with its relative path settings made relative to the config file's folder."""
    if config_path is None or not any(isinstance(raw.get(key), str) for key in keys):
        return raw
    fixed = dict(raw)
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().is_absolute():
            fixed[key] = str(config_path.parent / value)
    return fixed


def _excluded_by_post(post: Post, name: str) -> str | None:
    wanted = post.overrides.targets
    if wanted is not None and name not in wanted:
        return f"not in the post's xpost.targets ({', '.join(wanted) or 'none'})"
    if name in post.overrides.exclude:
        return "excluded by the post's xpost.exclude"
    return None


def check_platform_names(post: Post) -> None:
    """Every platform the post's ``xpost:`` table names is installed.

    A misspelt table (``xpost: {twiter: {thread: true}}``) would otherwise be ignored
    and the post sent without the options its author set.
    """
    known = registry.installed()
    overrides = post.overrides
    named = [
        *(("xpost.targets", name) for name in overrides.targets or ()),
        *(("xpost.exclude", name) for name in overrides.exclude),
        *((f"xpost.{name}", name) for name in overrides.platforms),
    ]
    for key, name in named:
        if name not in known:
            raise PostError(
                f"{post.source}: {key}: unknown platform '{name}'{did_you_mean(name, known)} "
                f"(installed: {', '.join(known) or 'none'})"
            )


def prepare(
    paths: Sequence[Path],
    config: Config,
    requested: Sequence[str],
    renderer: Renderer | None = None,
) -> list[PreparedPost]:
    """Load every post and render it for each requested (else configured) platform.

    Pass a ``renderer`` to reuse its adapters afterwards (publishing needs them).
    """
    platforms = list(requested) or registry.parse_platform_list(
        config.targets(), where=f"{config.path or 'config'}: [publish] targets"
    )
    posts = [load_post(path, config) for path in paths]
    for post in posts:
        check_platform_names(post)
    renderer = renderer or Renderer(config)
    return [renderer.render(post, platforms) for post in posts]
