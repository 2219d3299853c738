"""Hatena Blog as an xpost target, through its AtomPub API.

The entry is created with ``POST`` to the blog's collection
(``https://blog.hatena.ne.jp/{hatena_id}/{blog_id}/atom/entry``), updated with ``PUT``
to its member URI and removed with ``DELETE``. Hatena has no canonical-URL field,
so an "originally published at" line points readers to the post's own page; that
line is also xpost's footprint when an answer was lost.

Rendering is pure; the wire protocol (``xpost_hatenablog.client``) is imported only
when something is sent, so a dry-run needs neither ``requests`` nor an account.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import msgspec
from xpost.plugin import (
    DRAFT_REASON,
    Adapter,
    ConfigError,
    Draft,
    NotExactCopy,
    Post,
    PublishContext,
    PublishError,
    Receipt,
    RemoteConflict,
    SiteConfig,
    missing_url_warning,
    note_template,
    origin_note,
)

from xpost_hatenablog.hatena_markdown import HatenaMarkdown

if TYPE_CHECKING:
    from xpost_hatenablog.atom import Entry
    from xpost_hatenablog.client import HatenaClient

__version__ = "0.1.0"

#: The ``content`` type per editing mode (Hatena's AtomPub documentation).
CONTENT_TYPES = {"markdown": "text/x-markdown", "html": "text/html"}
NO_CANONICAL_WARNING = missing_url_warning("Hatena Blog")
#: How many collection pages ``lookup`` reads (Hatena sends about ten entries a page).
LOOKUP_PAGES = 10
# Characters XML 1.0 cannot carry at all; they would make the request unparseable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class HatenaSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[hatenablog]`` config table."""

    hatena_id: str = ""
    blog_id: str = ""  # the blog's domain before any custom domain: example.hatenablog.com
    api_base: str = "https://blog.hatena.ne.jp"
    #: The blog's editing mode. Hatena syntax (はてな記法) is not written by xpost.
    syntax: Literal["markdown", "html", "hatena"] = "markdown"
    #: "wsse" keeps the API key off the wire; "basic" sends it (over https).
    auth: Literal["wsse", "basic"] = "wsse"
    #: ``{url}`` is the canonical URL; "" leaves the line out; None: by the post's language.
    origin_note: str | None = None
    #: True: entries are saved as Hatena drafts (app:draft yes), for a last look there.
    draft: bool = False
    #: Show the post's own date on Hatena (its ``updated``), not the day it was copied.
    keep_date: bool = True


class HatenaOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {hatenablog: {...}}`` table."""

    title: str | None = None
    categories: list[str] | None = None
    draft: bool | None = None


class HatenaBlogAdapter(Adapter[HatenaSettings, HatenaOptions]):
    name: ClassVar[str] = "hatenablog"
    label: ClassVar[str] = "Hatena Blog"
    summary: ClassVar[str] = "Hatena Blog entries through AtomPub (create, update, delete)"
    Settings: ClassVar[type[msgspec.Struct]] = HatenaSettings
    Options: ClassVar[type[msgspec.Struct]] = HatenaOptions
    credential_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    #: ``lookup`` asks the platform, so an unknown outcome is looked up before resending.
    can_lookup: ClassVar[bool] = True

    def __init__(self, settings: HatenaSettings, site: SiteConfig) -> None:
        super().__init__(settings, site)
        if not re.match(r"^https?://[^/\s?#]+$", settings.api_base.rstrip("/")):
            raise ConfigError(
                "[hatenablog] api_base must be a scheme and host such as "
                f"'https://blog.hatena.ne.jp', not {settings.api_base!r}"
            )
        if settings.syntax == "hatena":
            raise ConfigError(
                "[hatenablog] syntax = 'hatena' is not supported: xpost writes Markdown or "
                "HTML; set syntax to 'markdown' or 'html' (an entry keeps the syntax it was "
                "sent in, whatever the blog's default mode)"
            )

    def check_setup(self) -> None:
        for key in ("hatena_id", "blog_id"):
            value = getattr(self.settings, key)
            if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", value):
                raise ConfigError(
                    f"[hatenablog] {key} is {'missing' if not value else 'not valid'}: "
                    "copy it from the blog's settings, 詳細設定 → AtomPub"
                )

    # -- rendering -------------------------------------------------------------------

    def render(self, post: Post, options: HatenaOptions) -> Draft:
        flavor = HatenaMarkdown()
        body = flavor.emit(post.document)
        warnings = flavor.warnings
        body = self._with_origin_note(body, post)
        if self.settings.syntax == "html":
            body = _to_html(body)
        body, stripped = _NOT_XML.subn("", body)
        if stripped:
            warnings.append(f"Hatena Blog: {stripped} control characters XML cannot carry removed")
        title = _NOT_XML.sub("", options.title or post.title)
        categories = _categories(options.categories or list(post.tags or post.categories))
        draft = self.settings.draft if options.draft is None else options.draft
        payload: dict[str, Any] = {
            "title": title,
            "content": body,
            "content_type": CONTENT_TYPES[self.settings.syntax],
            "categories": categories,
            "draft": draft,
            "updated": post.date.isoformat() if self.settings.keep_date and post.date else None,
        }
        if not post.canonical_url and self._note_template(post):
            warnings.append(NO_CANONICAL_WARNING)
        state = "draft on Hatena" if draft else "public"
        return Draft(
            platform=self.name,
            payload=payload,
            preview=_preview(payload),
            headline=f"{len(categories)} categories · {len(body):,} chars · {state}",
            warnings=warnings,
            skip_reason=DRAFT_REASON if post.draft else None,
        )

    def _note_template(self, post: Post) -> str:
        if self.settings.origin_note is not None:
            return self.settings.origin_note
        return note_template(post, self.site)

    def _with_origin_note(self, body: str, post: Post) -> str:
        note = origin_note(self._note_template(post), post.canonical_url)
        return note.placed(body) if note else body

    # -- publishing ------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        entry = _entry(_sendable(draft), self.settings.hatena_id)
        with self._client(ctx) as client:
            if previous is None:
                return receipt_from(client.create(entry), digest(entry))
            return self._update(client, previous, entry, ctx)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        """xpost's copy: the entry the ledger names, else the one whose title and body
        are what xpost sends (or last sent)."""
        entry = _entry(draft.payload, self.settings.hatena_id)
        with self._client(ctx) as client:
            if previous is not None:
                found = client.entry_or_none(previous.remote_id)
                if found is not None:
                    return receipt_from(found, digest(found))
            wanted = {digest(entry)} | _known(previous)
            note = _first_line(entry.content)
            for found in client.entries(pages=LOOKUP_PAGES):
                if digest(found) in wanted:
                    return receipt_from(found, digest(found))
                if note and _first_line(found.content) == note and found.title == entry.title:
                    raise NotExactCopy(
                        f"Hatena Blog: {found.public_url} carries this post's origin line but "
                        "other content; not adopted. If it is the copy: "
                        f"xpost confirm POST hatenablog {found.public_url}"
                    )
        return None

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        with self._client(ctx) as client:
            client.delete(receipt.remote_id)

    def whoami(self, ctx: PublishContext) -> str:
        with self._client(ctx) as client:
            return client.blog_title()

    def _client(self, ctx: PublishContext) -> HatenaClient:
        from xpost_hatenablog.client import HatenaClient

        self.check_setup()
        key = ctx.credentials.get("api_key")
        if not key:
            raise PublishError(
                "Hatena Blog: no API key: run 'xpost auth set hatenablog' or set "
                "XPOST_HATENABLOG_API_KEY"
            )
        settings = self.settings
        return HatenaClient(
            f"{settings.api_base.rstrip('/')}/{settings.hatena_id}/{settings.blog_id}/atom",
            settings.hatena_id,
            key,
            auth=settings.auth,
            timeout=ctx.timeout,
        )

    def _update(
        self, client: HatenaClient, previous: Receipt, entry: Entry, ctx: PublishContext
    ) -> Receipt:
        """Look first: an update whose answer was lost may have landed, and an entry
        edited on Hatena is not overwritten without ``--force``."""
        current = client.entry_or_none(previous.remote_id)
        if current is None:
            raise PublishError(
                f"Hatena Blog: entry {previous.remote_id} no longer exists; to publish the "
                "post again: xpost unpublish POST --from hatenablog, then publish"
            )
        ours = digest(entry)
        if digest(current) == ours and current.draft == entry.draft:
            return receipt_from(current, ours)
        if digest(current) not in _known(previous) and not ctx.force:
            raise RemoteConflict(
                "Hatena Blog: the entry was edited on Hatena since xpost last wrote it; "
                "rerun with --force to overwrite"
            )
        if current.draft is False and entry.draft:
            entry.draft = False  # a published entry is never pulled back to a draft by an edit
        # Remembered before sending: if the answer is lost, what Hatena holds is ours.
        ctx.checkpoint(
            Receipt(
                remote_id=previous.remote_id,
                url=previous.url,
                state={**previous.state, "sending": ours},
            )
        )
        return receipt_from(client.update(previous.remote_id, entry), ours)


def receipt_from(entry: Entry, sent: str) -> Receipt:
    from xpost_hatenablog.atom import entry_id

    if entry.edit_url is None:
        raise PublishError("Hatena Blog: the answer has no edit link")
    url = (
        entry.public_url
        if entry.public_url and re.match(r"^https?://\S+$", entry.public_url)
        else None
    )
    return Receipt(remote_id=entry_id(entry.edit_url), url=url, state={"sent": sent})


def digest(entry: Entry) -> str:
    """What identifies an entry's content: its title and body."""
    body = entry.content.replace("\r\n", "\n").strip()
    return hashlib.sha256(f"{entry.title}\n{body}".encode()).hexdigest()[:32]


def _known(previous: Receipt | None) -> set[str]:
    if previous is None:
        return set()
    return {str(previous.state[k]) for k in ("sent", "sending") if previous.state.get(k)}


def _entry(payload: dict[str, Any], author: str) -> Entry:
    from xpost_hatenablog.atom import Entry

    return Entry(
        title=payload["title"],
        content=payload["content"],
        content_type=payload["content_type"],
        categories=list(payload["categories"]),
        draft=payload["draft"],
        updated=payload["updated"],
        author=author or None,
    )


def _sendable(draft: Draft) -> dict[str, Any]:
    if draft.platform != "hatenablog" or draft.skip_reason:
        raise PublishError(
            f"Hatena Blog: refusing to send this draft ({draft.skip_reason or 'not Hatena'})"
        )
    return draft.payload


def _categories(names: list[str]) -> list[str]:
    seen: list[str] = []
    for name in names:
        clean = " ".join(_NOT_XML.sub("", str(name)).split())
        if clean and clean not in seen:
            seen.append(clean)
    return seen


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


def _to_html(markdown: str) -> str:
    """HTML mode (見たまま): the same body as HTML; Hatena's URL notation passes through."""
    from markdown_it import MarkdownIt

    html: str = MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown)
    return html


def _preview(payload: dict[str, Any]) -> str:
    lines = [
        f"Title: {payload['title']}",
        f"Categories: {', '.join(payload['categories']) or '(none)'}",
        f"Content type: {payload['content_type']}",
    ]
    if payload["draft"]:
        lines.append("Draft on Hatena: yes (app:draft)")
    if payload["updated"]:
        lines.append(f"Date shown: {payload['updated']}")
    return "\n".join(lines) + "\n\n" + str(payload["content"])
