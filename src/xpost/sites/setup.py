"""``xpost init``'s content: what to ask about a site, and the ``xpost.toml`` to write.

The file holds only what the site's own config does not say (xpost reads the rest
from it on every run, so it is never copied and can never go stale), each key with
a comment saying why it is there. What was read is listed in the header.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from xpost.sites.base import Site
from xpost.sites.hugo import HugoSite
from xpost.sites.jekyll import JekyllSite

_NAMES = {
    "hugo": "Hugo site",
    "jekyll": "Jekyll site",
    "astro": "Astro site",
    "zenn": "Zenn CLI repository",
    "qiita": "Qiita CLI repository",
}
# A site that is itself on a platform does not syndicate to it.
_OWN_PLATFORM = {"zenn": "zenn", "qiita": "qiita"}
_USER_HOSTS = {"zenn_user": "https://zenn.dev/{}/", "qiita_user": "https://qiita.com/{}/"}


@dataclass(frozen=True)
class Question:
    key: str  # base_url | zenn_user | qiita_user | timezone | targets
    prompt: str
    default: str | None  # None: no sensible default; --yes leaves the key commented out
    why: str  # the comment written above the key


def describe(site: Site) -> str:
    return _NAMES.get(site.kind, site.kind + " site")


def questions(site: Site, platforms: Sequence[str]) -> list[Question]:
    source = site.config_file.name if site.config_file else "the site's config"
    asked: list[Question] = []
    if site.base_url is None and "zenn_user" in site.questions:
        asked.append(
            Question(
                "zenn_user",
                "Your Zenn user name",
                None,
                "Your Zenn user name: articles/<slug>.md is https://zenn.dev/<name>/articles/<slug>.",
            )
        )
    elif site.base_url is None and "qiita_user" in site.questions:
        asked.append(
            Question(
                "qiita_user",
                "Your Qiita user name",
                None,
                "Your Qiita user name: an article is https://qiita.com/<name>/items/<id>.",
            )
        )
    elif site.base_url is None:
        asked.append(
            Question(
                "base_url",
                "Your site's address (like https://example.com/)",
                None,
                f"{source} has no site address; canonical URLs need one.",
            )
        )
    if site.timezone is None and site.kind == "jekyll":
        asked.append(
            Question(
                "timezone",
                "Time zone of dates written without one (an IANA name)",
                "UTC",
                f"{source} sets no time zone, so the generator uses the clock of the machine "
                "that builds the site: say which one that is.",
            )
        )
    targets = [name for name in platforms if name != _OWN_PLATFORM.get(site.kind)]
    asked.append(
        Question(
            "targets",
            "Platforms to publish to (comma-separated)",
            ", ".join(targets),
            "Where `xpost publish` and `xpost run` send posts when --to is not given.",
        )
    )
    return asked


def check_answer(key: str, value: str, platforms: Sequence[str]) -> str:
    """The answer, cleaned; ``ValueError`` with a message saying what is wrong."""
    value = value.strip()
    if key == "base_url":
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an http(s) URL like https://example.com/")
    elif key in _USER_HOSTS:
        if not value or not all(c.isalnum() or c in "-_" for c in value):
            raise ValueError("expected a user name (letters, digits, - and _)")
    elif key == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("expected an IANA time zone like Asia/Tokyo or UTC") from None
    elif key == "targets":
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in platforms]
        if unknown or not names:
            raise ValueError(f"expected some of: {', '.join(platforms)}")
        value = ", ".join(dict.fromkeys(names))
    return value


def read_values(site: Site) -> list[str]:
    """What xpost read from the site, one line each, for the file's header."""
    lines: list[str] = []
    if site.base_url:
        lines.append(f"base URL {site.base_url}")
    if site.timezone:
        lines.append(f"time zone {site.timezone}")
    if site.content:
        lines.append("posts in " + ", ".join(site.content))
    if isinstance(site, HugoSite):
        for section, pattern in sorted(site.permalinks.items()):
            lines.append(f"permalink of {section}/: {pattern}")
        if len(site.languages) > 1:
            codes = ", ".join(site.languages)
            lines.append(f"languages {codes} (default {site.default_language})")
    if isinstance(site, JekyllSite):
        if site.baseurl:
            lines.append(f"baseurl {site.baseurl}")
        lines.append(f"permalink {site.style}")
    return lines


def render_config(site: Site, answers: dict[str, str | None], platforms: Sequence[str]) -> str:
    """The ``xpost.toml`` text: the header, then one commented key per question."""
    source = site.config_file.name if site.config_file else "its config"
    out = [
        f"# xpost configuration for the {describe(site)} in this folder, written by `xpost init`.",
        f"# xpost reads these from {source} every time, so change them there, not here:",
        *(f"#   {line}" for line in read_values(site)),
        "# Every other key is described in xpost's README (Configuration).",
        "",
    ]
    site_lines: list[str] = []
    for question in questions(site, platforms):
        if question.key == "targets":
            continue
        value = answers.get(question.key)
        key, shown = question.key, value
        if key in _USER_HOSTS:
            key, shown = "base_url", _USER_HOSTS[key].format(value) if value else None
        site_lines.append(f"# {question.why}")
        if shown is None:
            example = "https://example.com/" if key == "base_url" else "UTC"
            site_lines.append(f"# {key} = {json.dumps(example)}")
        else:
            site_lines.append(f"{key} = {json.dumps(shown, ensure_ascii=False)}")
    if site.kind == "astro":
        site_lines.append(
            "# Astro's URLs come from your routes; xpost assumes src/pages/a/b.md is /a/b/ and "
        )
        site_lines.append(
            "# src/content/blog/x.md is /blog/x/. If yours differ, set the pattern, e.g.:"
        )
        site_lines.append('# permalink = "/posts/:slug/"')
    if site_lines:
        out += ["[site]", *site_lines, ""]
    targets = answers.get("targets")
    names = [name.strip() for name in (targets or "").split(",") if name.strip()]
    out += [
        "[publish]",
        "# Where `xpost publish` and `xpost run` send posts when --to is not given.",
        f"targets = {json.dumps(names)}",
    ]
    return "\n".join(out) + "\n"
