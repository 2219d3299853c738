"""connpass: an *assisted* target (its API is read-only and its terms forbid
automating the website).

Rendering prepares what the user pastes into the event: in ``announce`` mode the
event description (the post as connpass Markdown) and a short message for
participants; in ``report`` mode only a materials entry (title and URL) — the
event's own description is left alone, so ``description`` is "".

Publishing sends nothing to connpass: it writes a hand-off file for the user
(``xpost.handoff``) and returns an ``awaiting`` receipt. ``lookup`` confirms it
through the read-only API v2 when an API key is set; without one the user runs
``xpost confirm``. xpost never scrapes connpass and never logs in on the user's behalf.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import msgspec
from msgspec import Struct

from xpost.adapters.base import DRAFT_REASON, Adapter, Draft, HandOff, PublishContext, Receipt
from xpost.content.html import plain_text
from xpost.errors import PostError, PublishError
from xpost.handoff import PASTE_BEGIN, PASTE_END, write_private
from xpost.platforms.connpass.markdown import ConnpassMarkdown
from xpost.post import Post

if TYPE_CHECKING:
    from xpost.platforms.connpass.client import ConnpassClient

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


Mode = Literal["announce", "report"]


class ConnpassAdapter(Adapter[ConnpassSettings, ConnpassOptions]):
    name: ClassVar[str] = "connpass"
    label: ClassVar[str] = "connpass"
    summary: ClassVar[str] = "connpass event announcements, prepared for you to paste"
    default_rank: ClassVar[int | None] = 4
    Settings: ClassVar[type[msgspec.Struct]] = ConnpassSettings
    can_lookup: ClassVar[bool] = True
    Options: ClassVar[type[msgspec.Struct]] = ConnpassOptions
    #: Optional: with an API key xpost confirms hand-offs itself, without one the user does.
    credential_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    credential_help: ClassVar[str] = "api_key (optional: lets xpost confirm hand-offs by itself)"

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
            skip_reason = DRAFT_REASON
        elif event_id is None:
            skip_reason = NO_EVENT_REASON
        return Draft(
            platform=self.name,
            payload=payload,
            preview=_preview(payload),
            headline=f"{options.mode} · " + (f"event {event_id}" if event_id else "no event"),
            warnings=warnings,
            skip_reason=skip_reason,
            facts={"mode": options.mode, "canonical_url": post.canonical_url, "slug": post.slug},
        )

    # -- publishing: a hand-off to the user, confirmed through the read-only API ------

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        return []  # the API key only saves the user an 'xpost confirm'

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        """Write the hand-off file; the receipt stays ``awaiting`` until confirmed."""
        facts = _facts(draft)
        if ctx.outbox is None:
            raise PublishError("connpass: no outbox folder to write the hand-off text to")
        if facts.mode == "report" and not facts.canonical_url:
            raise PublishError(
                "connpass: a report needs the post's URL; set [site] base_url or url "
                "in the post's front matter"
            )
        page = facts.page_to_open()
        name = f"{_file_stem(facts.slug) or facts.event_id}-connpass.md"
        try:
            path = write_private(ctx.outbox, name, handoff_text(draft.payload, facts, page))
        except OSError as error:
            raise PublishError(
                f"connpass: cannot write the hand-off file in {ctx.outbox}: {error.strerror}"
            ) from None
        return Receipt(
            remote_id=facts.event_id,
            url=facts.event_url,
            status="awaiting",
            state={**facts.state(), "open": page},
            handoff=HandOff(path, page),
        )

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        """Ask API v2 whether the hand-off is in place: a published receipt if so, else
        ``previous`` unchanged; None without an API key (the user confirms by hand)."""
        api_key = ctx.credentials.get("api_key")
        if not api_key:
            return None
        facts = _facts(draft)
        client = self._client(api_key, ctx)
        if facts.mode == "announce":
            event = client.event(facts.event_id)
            if not announcement_found(event, draft.payload["description"], facts.canonical_url):
                return previous
            answered = event.get("url")
            url = answered if _is_event_url(answered) else facts.event_url
            updated = _timestamp(event.get("updated_at"))
        else:
            materials = client.presentations(facts.event_id)
            if not material_found(materials, facts.canonical_url or ""):
                return previous
            url, updated = facts.page_to_open(), None
        state = {**(previous.state if previous else facts.state()), "confirmed_by": "api"}
        return Receipt(
            remote_id=facts.event_id,
            url=url,
            status="published",
            remote_updated_at=updated,
            state=state,
        )

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        page = receipt.state.get("open") or receipt.url or f"event {receipt.remote_id}"
        raise PublishError(
            f"connpass: xpost cannot remove text from an event (the API is read-only); "
            f"remove it by hand at {page}"
        )

    def whoami(self, ctx: PublishContext) -> str:
        api_key = ctx.credentials.get("api_key")
        if not api_key:
            return (
                "no API key: confirm hand-offs with 'xpost confirm', or set "
                "XPOST_CONNPASS_API_KEY to let xpost confirm them"
            )
        self._client(api_key, ctx).check_key()
        return "API key accepted"

    def _client(self, api_key: str, ctx: PublishContext) -> ConnpassClient:
        from xpost.platforms.connpass.client import ConnpassClient  # network stack: only when used

        return ConnpassClient(api_key, api_base=self.settings.api_base, timeout=ctx.timeout)


class _Facts(Struct, frozen=True):
    """What a hand-off is about: which event, which mode, which post URL."""

    event_id: str
    event_url: str
    mode: Mode
    canonical_url: str | None
    slug: str

    def page_to_open(self) -> str:
        """announce: the event's edit page; report: its materials (資料) page."""
        base = self.event_url.strip().rstrip("/") + "/"
        return base + ("edit/" if self.mode == "announce" else "presentation/")

    def state(self) -> dict[str, Any]:
        return {"mode": self.mode, "canonical_url": self.canonical_url}


def _facts(draft: Draft) -> _Facts:
    """What publishing needs to know of a draft: its event, mode and the post's URL."""
    event_url = draft.payload.get("event_url")
    match = EVENT_URL.match(event_url.strip()) if isinstance(event_url, str) else None
    if draft.skip_reason or match is None:
        raise PublishError(f"connpass: nothing to hand off: {draft.skip_reason or NO_EVENT_REASON}")
    mode = draft.facts.get("mode", "announce")
    canonical = draft.facts.get("canonical_url")
    slug = str(draft.facts.get("slug", ""))
    return _Facts(match.group(1), match.group(0), mode, canonical, slug)


def handoff_text(payload: Mapping[str, Any], facts: _Facts, page: str) -> str:
    """The hand-off file: where to paste, the text to paste, and how to confirm it."""
    title = payload["title"]
    head = [
        f"# connpass: {title}",
        "",
        f"Event: {facts.event_url}",
        f"Open:  {page}",
        "",
    ]
    confirm = (
        "Then run 'xpost confirm POST connpass' - or, with XPOST_CONNPASS_API_KEY set, "
        "the next 'xpost publish' or 'xpost run' confirms it by itself."
    )
    if facts.mode == "announce":
        steps = [
            "1. Open the event's edit page above (you must be one of its organisers).",
            "2. Paste the description below into the event's description field and save.",
            "3. If you like, send the message below to the participants from the event's page.",
            f"4. {confirm}",
            "",
            "## Description",
            "",
            PASTE_BEGIN,
            payload["description"].rstrip("\n"),
            PASTE_END,
            "",
            "## Message to participants",
            "",
            payload["message"],
        ]
    else:
        steps = [
            "1. Open the event's materials page above and add a material (資料を追加).",
            "2. Give it the URL below (type: blog) and the title.",
            f"3. {confirm}",
            "",
            "## Material",
            "",
            PASTE_BEGIN,
            facts.canonical_url or "",
            PASTE_END,
            "",
            f"Title: {title}",
        ]
    return "\n".join(head + steps) + "\n"


def announcement_found(event: Mapping[str, Any], description: str, url: str | None) -> bool:
    """Whether the event's description (HTML in API v2) now holds the post: its canonical
    URL, or the first distinctive line of the description xpost handed off."""
    markup = str(event.get("description") or "")
    if url and url in html.unescape(markup):
        return True
    line = first_distinctive_line(description)
    return bool(line) and line in plain_text(markup)


def material_found(materials: list[dict[str, Any]], url: str) -> bool:
    """Whether a material's ``url`` is the post's canonical URL (trailing slash aside)."""
    wanted = url.rstrip("/")
    return bool(wanted) and any(
        str(item.get("url") or "").strip().rstrip("/") == wanted
        or wanted in str(item.get("url") or "")
        for item in materials
    )


DISTINCTIVE = 12  # characters: shorter lines ("## Agenda") are found in too many events
# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_MARKUP = r"^(?:#{1,6}\s+|>\s*|[-*+]\s+|\d+[.)]\s+)+"
_LINK = r"!?\[([^\[\]]*)\]\([^()]*\)"  # no "[" inside: linear on "[[[["
# An event page as the API gives it: https://GROUP.connpass.com/event/123456/
_EVENT_URL = r"https://[a-z0-9-]{1,63}\.connpass\.com/event/[0-9]{1,12}/?"


def _is_event_url(value: object) -> bool:
    """Whether the API's ``url`` is an event page: it is printed and kept, so anything
    else (``javascript:…``, another site) is replaced by the URL xpost knows."""
    return isinstance(value, str) and re.fullmatch(_EVENT_URL, value) is not None


def first_distinctive_line(markdown: str) -> str:
    """The first line of ``markdown`` long enough to identify it, as plain text."""
    for line in markdown.splitlines():
        text = re.sub(_LINK, r"\1", re.sub(_MARKUP, "", line.strip()))
        text = " ".join(re.sub(r"[*`~<>]", "", text).split())  # not _: it is in handles
        if len(text) >= DISTINCTIVE:
            return text
    return ""


def _file_stem(slug: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", slug).strip("-.")


def _timestamp(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


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
