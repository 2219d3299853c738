"""Qiita: an item created through API v2 (``POST /api/v2/items``).

Rendering builds the exact request body. Qiita has no canonical-URL field, so an
"originally published at" paragraph points readers at the post's own page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar, Literal

import msgspec

from xpost.adapters.base import Adapter, Draft
from xpost.post import Post
from xpost.render.qiita_markdown import QiitaMarkdown

MAX_TAGS = 5
DEFAULT_ORIGIN_NOTE = "この記事は {url} からの転載です。"
NO_TAGS_WARNING = "Qiita needs at least one tag: add tags or xpost.qiita.tags"


class QiitaSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[qiita]`` config table."""

    api_base: str = "https://qiita.com"  # Qiita Team lives on its own host
    #: Paragraph naming the original; ``{url}`` is the canonical URL, "" disables it.
    origin_note: str = DEFAULT_ORIGIN_NOTE
    origin_note_position: Literal["top", "bottom"] = "top"
    #: "Limited share": anyone with the URL can read it, so it is no draft mode.
    private: bool = False
    organization_url_name: str | None = None


class QiitaOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {qiita: {...}}`` table."""

    title: str | None = None
    tags: list[str] | None = None
    private: bool | None = None
    organization_url_name: str | None = None
    slide: bool = False


class QiitaAdapter(Adapter[QiitaSettings, QiitaOptions]):
    name: ClassVar[str] = "qiita"
    label: ClassVar[str] = "Qiita"
    summary: ClassVar[str] = "Qiita items through API v2 (create, then update in place)"
    Settings: ClassVar[type[msgspec.Struct]] = QiitaSettings
    Options: ClassVar[type[msgspec.Struct]] = QiitaOptions

    def render(self, post: Post, options: QiitaOptions) -> Draft:
        flavor = QiitaMarkdown()
        body = flavor.emit(post.document)
        warnings = flavor.warnings
        body = self._with_origin_note(body, post.canonical_url, warnings)

        tags, tag_warnings = qiita_tags(options.tags or post.tags or post.categories)
        warnings.extend(tag_warnings)
        if not tags:
            warnings.append(NO_TAGS_WARNING)

        private = self.settings.private if options.private is None else options.private
        payload: dict[str, Any] = {
            "title": options.title or post.title,
            "body": body,
            "tags": [{"name": tag, "versions": []} for tag in tags],
            # Never limited-share a draft: its URL would be readable by anyone.
            "private": private and not post.draft,
        }
        organization = options.organization_url_name or self.settings.organization_url_name
        if organization:
            payload["organization_url_name"] = organization
        if options.slide:
            payload["slide"] = True

        return Draft(
            platform=self.name,
            payload=payload,
            preview=_preview(payload),
            headline=f"{_plural(len(tags), 'tag')} · {len(body):,} chars",
            warnings=warnings,
            skip_reason="draft: true" if post.draft else None,
        )

    def _with_origin_note(self, body: str, url: str | None, warnings: list[str]) -> str:
        template = self.settings.origin_note
        if not template:
            return body
        if not url:
            warnings.append(
                "Qiita: no 'originally published at' line: the post has no canonical URL"
            )
            return body
        note = template.replace("{url}", url)
        if self.settings.origin_note_position == "top":
            return f"{note}\n\n{body}"
        return f"{body}\n{note}\n"


_SPACES = re.compile(r"\s+")


def qiita_tags(names: Iterable[str], limit: int = MAX_TAGS) -> tuple[list[str], list[str]]:
    """Tag names Qiita accepts, and warnings for what changed.

    Qiita tag names hold no spaces (runs become ``-``); duplicates are dropped
    case-insensitively (Qiita treats ``Python`` and ``python`` as one tag); at
    most ``limit`` are kept.
    """
    tags: list[str] = []
    seen: set[str] = set()
    warnings: list[str] = []
    for raw in names:
        name = _SPACES.sub("-", raw.strip())
        if not name or name.casefold() in seen:
            continue
        if name != raw.strip():
            warnings.append(f"Qiita tag {raw!r} written as {name!r} (tags hold no spaces)")
        seen.add(name.casefold())
        tags.append(name)
    if len(tags) > limit:
        warnings.append(f"Qiita allows {limit} tags: dropped {', '.join(tags[limit:])}")
        tags = tags[:limit]
    return tags, warnings


def _preview(payload: dict[str, Any]) -> str:
    tags = ", ".join(tag["name"] for tag in payload["tags"]) or "(none)"
    lines = [f"Title: {payload['title']}", f"Tags: {tags}"]
    if payload["private"]:
        lines.append("Private: yes (limited share)")
    if "organization_url_name" in payload:
        lines.append(f"Organization: {payload['organization_url_name']}")
    if payload.get("slide"):
        lines.append("Slide mode: yes")
    body: str = payload["body"]
    return "\n".join(lines) + "\n\n" + body


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
