"""Qiita: an item created through API v2 (``POST /api/v2/items``).

Rendering builds the exact request body. Qiita has no canonical-URL field, so an
"originally published at" paragraph points readers at the post's own page.
Publishing goes through ``xpost.platforms.qiita.client`` (imported only then: it needs
``requests``): create, update in place unless the item was edited on Qiita, look up
a create whose answer never came, delete; the decisions live in ``qiita_publish``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec

from xpost.adapters.base import DRAFT_REASON, Adapter, Draft, PublishContext, Receipt
from xpost.clients.errors import RemoteNotFound
from xpost.clients.retry import RetryPolicy, announced
from xpost.config import SiteConfig
from xpost.content.origin import (
    ORIGIN_NOTE_EN,
    ORIGIN_NOTE_JA,
    Position,
    missing_url_warning,
    note_template,
    origin_note,
)
from xpost.errors import CredentialsMissing, PostError, PublishError
from xpost.platforms.qiita.items import (
    fingerprint,
    gone,
    is_copy,
    item_or_none,
    receipt_from,
    refuse_if_edited_there,
    same_content,
    sendable,
)
from xpost.platforms.qiita.markdown import QiitaMarkdown
from xpost.post import Post
from xpost.validation import checked_api_base

MAX_TAGS = 5
DEFAULT_ORIGIN_NOTE = ORIGIN_NOTE_JA
DEFAULT_ORIGIN_NOTE_EN = ORIGIN_NOTE_EN
NO_TAGS_WARNING = "Qiita needs at least one tag: add tags or xpost.qiita.tags"
#: How far back ``lookup`` searches the account's items (newest first), in pages of 100.
LOOKUP_PAGES = 3
#: An item's page, as ``xpost confirm`` is given it: ``https://qiita.com/<user>/items/<id>``.
ITEM_URL = re.compile(r"https?://[^/\s]+/[^/\s]+/items/([0-9a-f]{20})/?")
PER_PAGE = 100

if TYPE_CHECKING:
    from xpost.platforms.qiita.client import QiitaClient


# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
# A Qiita user id (``yaotti``): letters, digits, ``-`` and ``_`` — what is printed as @id.
_USER_ID = r"[A-Za-z0-9_-]{1,64}"


class QiitaSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[qiita]`` config table."""

    api_base: str = "https://qiita.com"  # Qiita Team lives on its own host
    #: Paragraph naming the original; ``{url}`` is the canonical URL, "" disables it.
    origin_note: str = DEFAULT_ORIGIN_NOTE
    #: The same for a post in English (front matter ``lang``, ``[site] language``, or
    #: its text has no Japanese); "" disables it.
    origin_note_en: str = DEFAULT_ORIGIN_NOTE_EN
    origin_note_position: Position = "top"
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
    default_rank: ClassVar[int | None] = 2
    Settings: ClassVar[type[msgspec.Struct]] = QiitaSettings
    can_lookup: ClassVar[bool] = True
    Options: ClassVar[type[msgspec.Struct]] = QiitaOptions
    credential_fields: ClassVar[tuple[str, ...]] = ("token",)

    def __init__(
        self, settings: QiitaSettings, site: SiteConfig, *, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(settings, site)
        self.api_base = qiita_api_base(settings.api_base)
        self.retry = retry or RetryPolicy()

    def render(self, post: Post, options: QiitaOptions) -> Draft:
        flavor = QiitaMarkdown()
        body = flavor.emit(post.document)
        warnings = flavor.warnings
        template = note_template(
            post, self.site, self.settings.origin_note, self.settings.origin_note_en
        )
        cli = qiita_cli_fields(post)
        # A Qiita CLI file's item is the original: no "originally at" line.
        note = None if cli else origin_note(template, post.canonical_url)
        if note is not None:
            body = note.placed(body, self.settings.origin_note_position)
        elif template and not cli:
            warnings.append(missing_url_warning("Qiita"))

        tags, tag_warnings = qiita_tags(options.tags or post.tags or post.categories)
        warnings.extend(tag_warnings)
        # Qiita refuses an item without tags: not sent (skipped, with the fix), not failed.
        skip = DRAFT_REASON if post.draft else (None if tags else NO_TAGS_WARNING)
        if cli.get("ignorePublish") is True and not skip:
            skip = "the Qiita CLI file says ignorePublish: true"

        private = _first_bool(options.private, cli.get("private"), self.settings.private)
        organization = (
            options.organization_url_name
            or _text(cli.get("organization_url_name"))
            or self.settings.organization_url_name
        )
        if private and organization and not post.draft:
            raise PostError(
                f"{post.source}: xpost.qiita.private: limited share inside organization "
                f"{organization!r} is refused, as the official Qiita CLI refuses it; "
                "publish it publicly or without organization_url_name"
            )
        # The official Qiita CLI always sends slide and organization_url_name.
        payload: dict[str, Any] = {
            "title": options.title or post.title,
            "body": body,
            "tags": [{"name": tag, "versions": []} for tag in tags],
            # Never limited-share a draft: its URL would be readable by anyone.
            "private": private and not post.draft,
            "organization_url_name": organization or None,
            "slide": options.slide or cli.get("slide") is True,
        }
        item_id = _text(cli.get("id"))
        facts = {"item_id": item_id} if item_id else {}

        return Draft(
            platform=self.name,
            payload=payload,
            preview=_preview(payload),
            headline=f"{_plural(len(tags), 'tag')} · {len(body):,} chars",
            warnings=warnings,
            skip_reason=skip,
            # How lookups know this post's copy: the whole note, its URL exactly.
            facts={
                "origin_note": note.text if note else None,
                "canonical_url": post.canonical_url,
                **facts,
            },
        )

    # -- publishing ------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        payload = sendable(draft)
        with self._client(ctx) as client:
            adopted = draft.facts.get("item_id")
            if previous is None and isinstance(adopted, str):
                # A Qiita CLI file names its item: that item is this post's copy.
                adopt = replace(ctx, force=True)  # not an edit made there: its own item
                return self._update(client, Receipt(remote_id=adopted), payload, adopt)
            if previous is None:
                return receipt_from(client.create_item(payload), created=True)
            return self._update(client, previous, payload, ctx)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        """The item an unanswered create made, among the account's newest items."""
        with self._client(ctx) as client:
            if previous is not None:  # the ledger knows the item: it is ours if it is there
                item = item_or_none(client, previous.remote_id)
                if item is not None:
                    return receipt_from(item)
            for page in range(1, LOOKUP_PAGES + 1):
                items = client.my_items(page, PER_PAGE)
                for item in items:
                    if is_copy(item, draft.payload, draft.facts.get("origin_note")):
                        return receipt_from(item)

                if len(items) < PER_PAGE:
                    break
        return None

    def receipt_for_url(self, url: str) -> Receipt | None:
        """``https://<host>/<user>/items/<id>``: the item id is the last path segment."""
        match = ITEM_URL.fullmatch(url)
        return Receipt(remote_id=match.group(1), url=url) if match else None

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        # Already deleted on Qiita (404): the goal is reached.
        with self._client(ctx) as client, suppress(RemoteNotFound):
            client.delete_item(receipt.remote_id)

    def whoami(self, ctx: PublishContext) -> str:
        with self._client(ctx) as client:
            user_id = client.authenticated_user().get("id")
        if not isinstance(user_id, str) or not re.fullmatch(_USER_ID, user_id):
            raise PublishError("Qiita: the authenticated user has no id; is api_base right?")
        return f"@{user_id}"

    def _client(self, ctx: PublishContext) -> QiitaClient:
        from xpost.platforms.qiita.client import QiitaClient

        token = ctx.credentials.get("token")
        if not token:
            raise CredentialsMissing(
                "Qiita: no access token: run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN"
            )
        return QiitaClient(
            self.api_base,
            token,
            timeout=ctx.timeout,
            now=ctx.now,
            policy=announced(self.retry, ctx.waiting),
        )

    def _update(
        self, client: QiitaClient, previous: Receipt, payload: dict[str, Any], ctx: PublishContext
    ) -> Receipt:
        """GET the item first: to notice edits made on Qiita, and updates already landed."""
        current = item_or_none(client, previous.remote_id)
        if current is None:
            raise gone(previous.remote_id)
        if same_content(current, payload):
            return receipt_from(current)  # an earlier update whose answer was lost did land
        if current.get("private") is False and payload["private"] is True:
            raise PublishError(
                f"Qiita: item {previous.remote_id} is public and Qiita refuses to make a public "
                "item limited share (it answers 403); set xpost.qiita.private: false, or "
                "delete the item on Qiita first"
            )
        if not ctx.force:
            refuse_if_edited_there(current, previous)
        # Remember what goes out before it goes: if the answer is lost, the next update
        # recognises Qiita's newer item as this one, not as an edit made there.
        sent = {**previous.state, "sent": fingerprint(payload)}
        ctx.checkpoint(replace(previous, state=sent))
        try:
            return receipt_from(client.update_item(previous.remote_id, payload))
        except RemoteNotFound:
            raise gone(previous.remote_id) from None


def qiita_api_base(value: str) -> str:
    """``[qiita] api_base`` checked to be an http(s) URL, without its trailing slash."""
    return checked_api_base(
        value, "[qiita] api_base", "'https://qiita.com' (or your Qiita Team host)"
    )


_SPACES = re.compile(r"\s+")


def qiita_cli_fields(post: Post) -> dict[str, Any]:
    """The Qiita CLI's own front matter (``id``, ``private``, ``organization_url_name``,
    ``slide``, ``ignorePublish``) when the file is a Qiita CLI item, else nothing."""
    front = post.front_matter
    keys = ("id", "private", "organization_url_name", "slide", "ignorePublish")
    if not ({"private", "updated_at"} <= front.keys() or "ignorePublish" in front):
        return {}
    return {key: front[key] for key in keys if key in front}


def _first_bool(*values: object) -> bool:
    return next((value for value in values if isinstance(value, bool)), False)


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def qiita_tags(names: Iterable[str], limit: int = MAX_TAGS) -> tuple[list[str], list[str]]:
    """Tag names Qiita accepts, and warnings for what changed.

    Qiita tag names hold no spaces (Qiita answers 403): words are joined as Qiita
    spells its tags (``GitHub Actions`` → ``GitHubActions``); duplicates are dropped
    case-insensitively (Qiita treats ``Python`` and ``python`` as one tag); at
    most ``limit`` are kept.
    """
    tags: list[str] = []
    seen: set[str] = set()
    warnings: list[str] = []
    for raw in names:
        name = _SPACES.sub("", raw.strip())
        if not name or name.casefold() in seen:
            continue
        if name != raw.strip():
            warnings.append(f"Qiita tag {raw!r} written as {name!r} (Qiita tags hold no spaces)")
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
    if payload.get("organization_url_name"):
        lines.append(f"Organization: {payload['organization_url_name']}")
    if payload.get("slide"):
        lines.append("Slide mode: yes")
    body: str = payload["body"]
    return "\n".join(lines) + "\n\n" + body


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
