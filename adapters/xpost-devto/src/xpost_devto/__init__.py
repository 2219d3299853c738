"""DEV (dev.to) and every other Forem instance as an xpost target.

An article is created through Forem API v1 (``POST /api/articles``), updated in place
(``PUT /api/articles/{id}``) and taken down by setting ``published: false``. The
article's ``canonical_url`` is always the post's own URL: that is what makes a DEV
copy worth having for search engines, and Forem keeps canonical URLs unique, so it
also identifies xpost's copy when an answer was lost.

Rendering is pure; the wire protocol (``xpost_devto.client``) is imported only when
something is sent, so a dry-run needs neither ``requests`` nor an account.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec
from xpost.plugin import (
    DRAFT_REASON,
    Adapter,
    ConfigError,
    Draft,
    InputError,
    NotExactCopy,
    Post,
    PublishContext,
    PublishError,
    Receipt,
    RemoteConflict,
    SiteConfig,
)

from xpost_devto.forem_markdown import ForemMarkdown

if TYPE_CHECKING:
    from xpost_devto.client import ForemClient

__version__ = "0.1.0"

#: Forem refuses a fifth tag ("exceed the maximum of 4 tags") and tags that are not
#: alphanumeric (app/models/article.rb, ``validate_tag``); titles are at most 128.
MAX_TAGS = 4
MAX_TITLE = 128
NO_CANONICAL_REASON = (
    "DEV needs the post's canonical URL (its whole point is canonical_url): "
    "set [site] base_url or the post's url"
)
#: How far back ``lookup`` searches the account's articles, in pages of ``PER_PAGE``.
LOOKUP_PAGES = 3
PER_PAGE = 1000


class DevtoSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[devto]`` config table."""

    #: Scheme and host of the Forem instance; xpost adds ``/api/…``.
    api_base: str = "https://dev.to"
    organization_id: int | None = None
    #: False: articles are created unpublished (a DEV draft) for a last look there.
    published: bool = True


class DevtoOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {devto: {...}}`` table."""

    title: str | None = None
    tags: list[str] | None = None
    description: str | None = None
    series: str | None = None
    main_image: str | None = None
    organization_id: int | None = None
    published: bool | None = None


class DevtoAdapter(Adapter[DevtoSettings, DevtoOptions]):
    name: ClassVar[str] = "devto"
    label: ClassVar[str] = "DEV"
    summary: ClassVar[str] = "DEV / Forem articles with the post's canonical URL (API v1)"
    Settings: ClassVar[type[msgspec.Struct]] = DevtoSettings
    Options: ClassVar[type[msgspec.Struct]] = DevtoOptions
    credential_fields: ClassVar[tuple[str, ...]] = ("api_key",)
    #: ``lookup`` asks the platform, so an unknown outcome is looked up before resending.
    can_lookup: ClassVar[bool] = True

    def __init__(self, settings: DevtoSettings, site: SiteConfig) -> None:
        super().__init__(settings, site)
        self.api_base = checked_api_base(settings.api_base)

    # -- rendering -------------------------------------------------------------------

    def render(self, post: Post, options: DevtoOptions) -> Draft:
        flavor = ForemMarkdown()
        body = _no_front_matter(flavor.emit(post.document))
        warnings = flavor.warnings
        title = _title(options.title or post.title, warnings)
        tags, tag_warnings = devto_tags(options.tags or post.tags or post.categories)
        warnings.extend(tag_warnings)

        article: dict[str, Any] = {
            "title": title,
            "body_markdown": body,
            "published": self.settings.published
            if options.published is None
            else options.published,
            "canonical_url": post.canonical_url,
            "tags": ", ".join(tags),
        }
        description = options.description or post.summary
        if description:
            article["description"] = " ".join(description.split())
        if options.series:
            article["series"] = options.series
        image = _main_image(options.main_image, post, warnings)
        if image:
            article["main_image"] = image
        organization = options.organization_id or self.settings.organization_id
        if organization is not None:
            article["organization_id"] = organization

        skip = None
        if post.draft:
            skip = DRAFT_REASON
        elif not post.canonical_url:
            skip = NO_CANONICAL_REASON
        state = "published" if article["published"] else "unpublished (a DEV draft)"
        return Draft(
            platform=self.name,
            payload={"article": article},
            preview=_preview(article),
            headline=f"{len(tags)} tags · {len(body):,} chars · {state}",
            warnings=warnings,
            skip_reason=skip,
        )

    # -- publishing ------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        payload = _sendable(draft)
        with self._client(ctx) as client:
            if previous is None:
                return self._create(client, payload)
            return self._update(client, previous, payload, ctx)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        """xpost's copy: the article the ledger names, else the one whose canonical URL
        is the post's and whose title and body are what xpost sends (or sent)."""
        with self._client(ctx) as client:
            if previous is not None:
                found = client.article_or_none(previous.remote_id)
                if found is not None:
                    return receipt_from(found, digest(found))
            return _adopt(client, draft.payload["article"], previous)

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        with self._client(ctx) as client:
            client.unpublish(receipt.remote_id)

    def whoami(self, ctx: PublishContext) -> str:
        with self._client(ctx) as client:
            return f"@{client.me()}"

    def _client(self, ctx: PublishContext) -> ForemClient:
        from xpost_devto.client import ForemClient

        key = ctx.credentials.get("api_key")
        if not key:
            raise PublishError(
                "DEV: no API key: run 'xpost auth set devto' or set XPOST_DEVTO_API_KEY"
            )
        return ForemClient(self.api_base, key, timeout=ctx.timeout)

    def _create(self, client: ForemClient, payload: dict[str, Any]) -> Receipt:
        from xpost_devto.client import CanonicalTaken

        try:
            return receipt_from(client.create(payload), digest(payload["article"]))
        except CanonicalTaken:
            # Forem keeps canonical URLs unique: an article with ours exists already.
            found = _adopt(client, payload["article"], None)
            if found is None:
                raise NotExactCopy(
                    "DEV: an article with this canonical URL exists already, but it is not "
                    "what xpost would send; to take it over: "
                    "xpost confirm POST devto ARTICLE_URL"
                ) from None
            return found

    def _update(
        self, client: ForemClient, previous: Receipt, payload: dict[str, Any], ctx: PublishContext
    ) -> Receipt:
        """Look first: an update whose answer was lost may have landed, and an article
        edited on DEV is not overwritten without ``--force``."""
        current = client.article_or_none(previous.remote_id)
        if current is None:
            raise PublishError(
                f"DEV: article {previous.remote_id} no longer exists; to publish the post "
                "again: xpost unpublish POST --from devto, then publish"
            )
        ours = digest(payload["article"])
        theirs = digest(current)
        if theirs == ours and current.get("published") in (None, payload["article"]["published"]):
            return receipt_from(current, ours)
        known = {previous.state.get("sent"), previous.state.get("sending")}
        if theirs not in known and not ctx.force:
            raise RemoteConflict(
                "DEV: the article was edited on DEV since xpost last wrote it; "
                "rerun with --force to overwrite"
            )
        # Remembered before sending: if the answer is lost, what DEV then holds is ours.
        ctx.checkpoint(
            Receipt(
                remote_id=previous.remote_id,
                url=previous.url,
                remote_updated_at=previous.remote_updated_at,
                state={**previous.state, "sending": ours},
            )
        )
        return receipt_from(client.update(previous.remote_id, payload), ours)


def _adopt(
    client: ForemClient, article: dict[str, Any], previous: Receipt | None
) -> Receipt | None:
    """The account's article that is exactly xpost's copy, or None.

    A hit on the canonical URL alone is not enough: the author may have cross-posted by
    hand. Title and body must be what xpost sends (or last sent)."""
    wanted = {digest(article)}
    if previous is not None:
        wanted |= {str(previous.state.get(k)) for k in ("sent", "sending") if previous.state.get(k)}
    for found in client.my_articles(pages=LOOKUP_PAGES, per_page=PER_PAGE):
        if found.get("canonical_url") != article["canonical_url"]:
            continue
        if digest(found) in wanted:
            return receipt_from(found, digest(found))
        raise NotExactCopy(
            f"DEV: {found.get('url')} has this post's canonical URL but other content; "
            f"not adopted. If it is the copy: xpost confirm POST devto {found.get('url')}"
        )
    return None


def receipt_from(article: dict[str, Any], sent: str) -> Receipt:
    from xpost_devto.client import article_id, article_url

    return Receipt(remote_id=article_id(article), url=article_url(article), state={"sent": sent})


def digest(article: dict[str, Any]) -> str:
    """What identifies an article's content: its title and Markdown body."""
    title = str(article.get("title") or "")
    body = str(article.get("body_markdown") or "").replace("\r\n", "\n").strip()
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()[:32]


_NOT_TAG_CHARACTER = re.compile(r"[^a-z0-9]")


def devto_tags(names: Iterable[str], limit: int = MAX_TAGS) -> tuple[list[str], list[str]]:
    """Tags Forem accepts (lowercase ASCII letters and digits, at most four), and a
    warning for each one changed or dropped."""
    tags: list[str] = []
    warnings: list[str] = []
    for raw in names:
        name = _NOT_TAG_CHARACTER.sub("", raw.strip().lower())
        if not name:
            warnings.append(f"DEV tag {raw!r} dropped: DEV tags are letters and digits only")
            continue
        if name in tags:
            continue
        if name != raw.strip():
            warnings.append(f"DEV tag {raw!r} written as {name!r}")
        tags.append(name)
    if len(tags) > limit:
        warnings.append(f"DEV allows {limit} tags: dropped {', '.join(tags[limit:])}")
        tags = tags[:limit]
    return tags, warnings


def checked_api_base(value: str) -> str:
    parts = value.rstrip("/")
    if not re.match(r"^https?://[^/\s?#]+$", parts):
        raise ConfigError(
            f"[devto] api_base must be a scheme and host such as 'https://dev.to', not {value!r}"
        )
    return parts


def _sendable(draft: Draft) -> dict[str, Any]:
    if draft.platform != "devto" or draft.skip_reason:
        raise PublishError(f"DEV: refusing to send this draft ({draft.skip_reason or 'not DEV'})")
    return draft.payload


def _title(title: str, warnings: list[str]) -> str:
    if len(title) <= MAX_TITLE:
        return title
    warnings.append(f"DEV titles hold {MAX_TITLE} characters: the title was shortened")
    return title[: MAX_TITLE - 1].rstrip() + "…"


def _main_image(chosen: str | None, post: Post, warnings: list[str]) -> str | None:
    image = chosen or post.cover_image
    if not image:
        return None
    if not re.match(r"^https?://\S+$", image):
        if chosen:
            raise InputError(f"{post.source}: xpost.devto.main_image must be an http(s) URL")
        warnings.append("DEV: the cover image has no public URL; the article has no main image")
        return None
    return image


def _no_front_matter(body: str) -> str:
    # Forem reads a body that opens with '---' as Jekyll-style front matter; a
    # thematic break written '***' looks the same to readers.
    return "***" + body[3:] if re.match(r"^---[ \t]*\n", body) else body


def _preview(article: dict[str, Any]) -> str:
    lines = [f"Title: {article['title']}", f"Tags: {article['tags'] or '(none)'}"]
    lines.append(f"Canonical URL: {article['canonical_url']}")
    for key in ("description", "series", "main_image", "organization_id"):
        if key in article:
            lines.append(f"{key.replace('_', ' ').capitalize()}: {article[key]}")
    return "\n".join(lines) + "\n\n" + str(article["body_markdown"])
