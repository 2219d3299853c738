"""connpass: an *assisted* target (its API is read-only and its terms forbid
automating the website).

Rendering prepares what the user pastes into the event: in ``announce`` mode the
event description (the post as connpass Markdown) and a short message for
participants; in ``report`` mode only a materials entry (title and URL) — the
event's own description is left alone, so ``description`` is "".
"""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

import msgspec

from xpost.adapters.base import Adapter, Draft
from xpost.errors import PostError
from xpost.post import Post
from xpost.render.connpass_markdown import ConnpassMarkdown

MESSAGE_LIMIT = 1000  # connpass's message form is short; keep well inside it
EVENT_URL = re.compile(
    r"^https://(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)?connpass\.com/event/(\d+)/?$"
)
NO_EVENT_REASON = (
    "no connpass event linked: add xpost: {connpass: {event_url: "
    "https://….connpass.com/event/123/}}"
)


class ConnpassSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[connpass]`` config table."""

    api_base: str = "https://connpass.com"


class ConnpassOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {connpass: {...}}`` table."""

    event_url: str | None = None
    #: announce: the post is the event's description; report: it is a material of the event.
    mode: Literal["announce", "report"] = "announce"


class ConnpassAdapter(Adapter[ConnpassSettings, ConnpassOptions]):
    name: ClassVar[str] = "connpass"
    label: ClassVar[str] = "connpass"
    summary: ClassVar[str] = "connpass event announcements, prepared for you to paste"
    Settings: ClassVar[type[msgspec.Struct]] = ConnpassSettings
    Options: ClassVar[type[msgspec.Struct]] = ConnpassOptions

    def render(self, post: Post, options: ConnpassOptions) -> Draft:
        event_id = event_id_of(options.event_url, post) if options.event_url else None
        warnings: list[str] = []
        if options.mode == "announce":
            flavor = ConnpassMarkdown()
            description = flavor.emit(post.document)
            warnings = flavor.warnings
            message = announcement_message(post.title, post.summary, post.canonical_url)
        else:
            description = ""
            message = materials_entry(post.title, post.canonical_url)
        if not post.canonical_url:
            warnings.append("connpass: the message has no link: the post has no canonical URL")

        payload: dict[str, Any] = {
            "event_url": options.event_url,
            "title": post.title,
            "description": description,
            "message": message,
        }
        skip_reason = None
        if post.draft:
            skip_reason = "draft: true"
        elif event_id is None:
            skip_reason = NO_EVENT_REASON
        return Draft(
            platform=self.name,
            payload=payload,
            preview=_preview(payload),
            headline=f"{options.mode} · " + (f"event {event_id}" if event_id else "no event"),
            warnings=warnings,
            skip_reason=skip_reason,
        )


def event_id_of(url: str, post: Post) -> str:
    """The event number of a connpass event URL; a ``PostError`` for anything else."""
    match = EVENT_URL.match(url.strip())
    if not match:
        raise PostError(
            f"{post.source}: xpost.connpass.event_url: {url!r} is not a connpass event URL "
            "(expected https://<group>.connpass.com/event/<number>/)"
        )
    return match.group(1)


def announcement_message(title: str, summary: str, url: str | None) -> str:
    """Title, summary and link as plain text; the summary (then the title) is cut to fit."""
    tail = f"\n\n{url}" if url else ""
    summary = " ".join(summary.split())
    room = MESSAGE_LIMIT - len(tail) - len(title) - 2  # 2: the blank line after the title
    if len(summary) > room:
        summary = summary[: room - 1].rstrip() + "…" if room > 1 else ""
    head = f"{title}\n\n{summary}" if summary else title
    return head[: MESSAGE_LIMIT - len(tail)] + tail


def materials_entry(title: str, url: str | None) -> str:
    return f"{title}\n{url}" if url else title


def _preview(payload: dict[str, Any]) -> str:
    lines = [f"Event: {payload['event_url'] or '(none)'}", f"Title: {payload['title']}"]
    if payload["description"]:
        lines += ["", "── description ──", payload["description"].rstrip("\n")]
    lines += ["", "── message ──", payload["message"]]
    return "\n".join(lines) + "\n"
