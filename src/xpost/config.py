"""The TOML configuration: typed, validated, with errors that name the key.

Secrets are never config keys (DESIGN.md: Security rules). Each adapter validates
its own ``[platform]`` table with its ``Settings`` type, so a third-party adapter
brings its own keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec


class SiteConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    base_url: str | None = None
    permalink: str = "/post/:slug/"
    content: list[str] = msgspec.field(default_factory=list)
    timezone: str = "UTC"
    write_back: bool = False


class PublishConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    targets: list[str] = msgspec.field(
        default_factory=lambda: ["twitter", "qiita", "zenn", "connpass"]
    )


class LedgerConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    path: str | None = None


class Config(msgspec.Struct, kw_only=True):
    """The whole configuration. ``platforms`` holds each adapter's raw table."""

    site: SiteConfig = msgspec.field(default_factory=SiteConfig)
    publish: PublishConfig = msgspec.field(default_factory=PublishConfig)
    ledger: LedgerConfig = msgspec.field(default_factory=LedgerConfig)
    platforms: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    path: Path | None = None  # the file it came from, None for the built-in defaults
