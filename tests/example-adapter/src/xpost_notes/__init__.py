"""Notes: a small JSON service, as an xpost target (the example of docs/adapters.md).

The service: ``POST /api/notes`` {title, body, source_url} → 201 {id, url, ...};
``PUT /api/notes/{id}``; ``GET /api/notes?source_url=…``; ``DELETE /api/notes/{id}``;
``GET /api/me``; a bearer token.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import msgspec

from xpost.plugin import (
    DRAFT_REASON,
    Adapter,
    Draft,
    NotExactCopy,
    Post,
    PublishContext,
    PublishError,
    Receipt,
    checked_api_base,
)
from xpost.render.markdown import MarkdownFlavor


class NotesSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[notes]`` table of xpost.toml."""

    api_base: str = "https://notes.example.com"


class NotesOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {notes: {...}}`` table."""

    title: str | None = None


class NotesMarkdown(MarkdownFlavor):
    """Notes renders CommonMark and shows no embeds: the base class turns each one into
    a link and says so in a warning."""

    platform = "Notes"
    join_soft_breaks = False


class NotesAdapter(Adapter[NotesSettings, NotesOptions]):
    name: ClassVar[str] = "notes"
    label: ClassVar[str] = "Notes"
    summary: ClassVar[str] = "a note per post, updated in place"
    Settings: ClassVar[type[msgspec.Struct]] = NotesSettings
    Options: ClassVar[type[msgspec.Struct]] = NotesOptions
    credential_fields: ClassVar[tuple[str, ...]] = ("token",)  # XPOST_NOTES_TOKEN
    can_lookup: ClassVar[bool] = True  # lookup() really asks the service

    def render(self, post: Post, options: NotesOptions) -> Draft:
        flavor = NotesMarkdown()
        body = flavor.emit(post.document)
        payload = {
            "title": options.title or post.title,
            "body": body,
            "source_url": post.canonical_url,
        }
        return Draft(
            platform=self.name,
            payload=payload,
            preview=f"Title: {payload['title']}\n\n{body}",
            headline=f"{len(body):,} chars",
            warnings=flavor.warnings,
            skip_reason=DRAFT_REASON if post.draft else None,
        )

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        with self._client(ctx) as api:
            if previous is None:
                answer = api.call("POST", "/api/notes", json=draft.payload, creates=True)
            else:
                path = f"/api/notes/{previous.remote_id}"
                answer = api.call("PUT", path, json=draft.payload, retry_safe=True)
        return _receipt(answer.body)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        source = draft.payload["source_url"]
        with self._client(ctx) as api:
            found = api.call("GET", "/api/notes", params={"source_url": source}).body
        notes = found if isinstance(found, list) else []
        for note in notes:  # adopt only what xpost would have sent, exactly
            if (note.get("title"), note.get("body")) == (
                draft.payload["title"],
                draft.payload["body"],
            ):
                return _receipt(note)
        if notes:  # the post's note, but not as xpost wrote it: never adopted silently
            raise NotExactCopy(f"Notes: {notes[0].get('url')} is for this post but differs")
        return None

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        with self._client(ctx) as api:
            api.call("DELETE", f"/api/notes/{receipt.remote_id}")

    def whoami(self, ctx: PublishContext) -> str:
        with self._client(ctx) as api:
            return str(api.call("GET", "/api/me").body["name"])

    def _client(self, ctx: PublishContext) -> Any:
        from xpost.plugin import ApiClient  # imports requests: only when sending

        token = ctx.credentials["token"]
        return ApiClient(
            checked_api_base(self.settings.api_base, "[notes] api_base", "'https://…'"),
            label="Notes",
            config_key="[notes] api_base",
            timeout=ctx.timeout,
            secrets=[token],
            headers={"Authorization": f"Bearer {token}"},
        )


def _receipt(note: Any) -> Receipt:
    """What the ledger keeps; an answer without a proper id or URL is refused."""
    note_id, url = (note or {}).get("id"), (note or {}).get("url")
    if not (isinstance(note_id, str) and re.fullmatch(r"[0-9a-f]{8,32}", note_id)):
        raise PublishError(f"Notes: the answer holds no note id: {note_id!r}")
    if not (isinstance(url, str) and url.startswith("https://")):
        raise PublishError(f"Notes: the answer holds no note URL: {url!r}")
    return Receipt(remote_id=note_id, url=url)
