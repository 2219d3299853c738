"""Mastodon: a status announcing the post (or the post as a thread), edited in place.

Rendering is offline and exact: each status's text counted as Mastodon counts it
(``xpost_mastodon.counting``), the images with their descriptions, visibility,
language and content warning, and each status's Idempotency-Key. Publishing
(``xpost_mastodon.publish``, imported only then) checks the instance's own limit first.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import msgspec

from xpost.plugin import (
    DRAFT_REASON,
    Adapter,
    ConfigError,
    Draft,
    Post,
    PostError,
    PublishContext,
    Receipt,
    RetryPolicy,
    SiteFiles,
    checked_api_base,
    compose,
    image_path,
    plain_paragraphs,
    split_posts,
)
from xpost_mastodon.counting import DEFAULT_MAX_CHARACTERS, DEFAULT_URL_LENGTH, status_length

if TYPE_CHECKING:
    from xpost_mastodon.publish import Publisher

Visibility = Literal["public", "unlisted", "private", "direct"]
DEFAULT_TEMPLATE = "{title}\n\n{summary}\n\n{url}\n\n{hashtags}"
MAX_IMAGES = 4  # Mastodon's default configuration.statuses.max_media_attachments
MAX_IMAGE_BYTES = 16 * 1024 * 1024  # configuration.media_attachments.image_size_limit
MAX_DESCRIPTION = 1500  # Mastodon's MediaAttachment::MAX_DESCRIPTION_LENGTH
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_STATUS_URL = re.compile(r"https?://[^/\s]+/@[^/\s]+/(?P<id>[0-9]{1,24})")


class MastodonSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[mastodon]`` config table."""

    api_base: str | None = None  # the instance: "https://mastodon.social"
    #: The instance's limit (``/api/v2/instance``); checked again before publishing.
    max_characters: int = DEFAULT_MAX_CHARACTERS
    characters_reserved_per_url: int = DEFAULT_URL_LENGTH
    template: str = DEFAULT_TEMPLATE  # {title} {summary} {url} {hashtags}
    hashtags: bool = True
    visibility: Visibility = "public"
    language: str | None = None


class ImageOption(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    path: str
    alt: str = ""


class MastodonOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {mastodon: {...}}`` table."""

    text: str | None = None
    thread: bool = False
    images: list[ImageOption] | None = None
    visibility: Visibility | None = None
    language: str | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    tags: list[str] | None = None


def mastodon_api_base(value: str | None) -> str:
    if not value:
        raise ConfigError(
            "[mastodon] api_base: set your instance, e.g. api_base = 'https://mastodon.social'"
        )
    return checked_api_base(value, "[mastodon] api_base", "'https://mastodon.social'")


class MastodonAdapter(Adapter[MastodonSettings, MastodonOptions]):
    name: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Mastodon"
    summary: ClassVar[str] = "Statuses with images and threads; a changed post is edited in place"
    Settings: ClassVar[type[msgspec.Struct]] = MastodonSettings
    Options: ClassVar[type[msgspec.Struct]] = MastodonOptions
    #: ``client_id``/``client_secret`` are the app ``xpost auth login mastodon`` registers.
    credential_fields: ClassVar[tuple[str, ...]] = ("access_token", "client_id", "client_secret")
    can_update: ClassVar[bool] = True  # PUT /api/v1/statuses/:id edits a status
    can_lookup: ClassVar[bool] = True  # lookup asks the instance (xpost.plugin)
    #: Retries and waits (tests inject a policy that never sleeps).
    retry_policy: RetryPolicy = RetryPolicy()

    def check_setup(self) -> None:
        mastodon_api_base(self.settings.api_base)
        if self.settings.max_characters < 1:
            raise ConfigError("[mastodon] max_characters: expected a positive number")
        if self.settings.language is not None:
            _language(self.settings.language, "[mastodon] language", ConfigError)

    def unfinished(self, receipt: Receipt) -> bool:
        """A thread found in part after a lost answer: the next run posts the rest."""
        return receipt.state.get("complete") is False

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        return [] if credentials.get("access_token") else ["access_token"]

    # -- render ----------------------------------------------------------------------

    def render(self, post: Post, options: MastodonOptions) -> Draft:
        warnings: list[str] = []
        limit = self.settings.max_characters
        reserve = self.settings.characters_reserved_per_url
        spoiler = options.spoiler_text

        def measure(text: str) -> int:
            return status_length(text, spoiler, reserve)

        if measure("") > limit:
            raise PostError(
                f"{post.source}: xpost.mastodon.spoiler_text: longer than the instance's "
                f"{limit} characters"
            )
        if not post.canonical_url:
            warnings.append("the post has no canonical URL: the status links nowhere")
        template = options.text if options.text is not None else self.settings.template
        tags = options.tags if options.tags is not None else list(post.tags)
        try:
            composed = compose(
                template,
                title=post.title,
                url=post.canonical_url or "",
                summary=post.summary,
                tags=tags if self.settings.hashtags else [],
                measure=measure,
                limit=limit,
            )
        except (KeyError, ValueError) as error:
            raise PostError(f"{post.source}: xpost.mastodon.text: bad template: {error}") from None
        if composed.dropped_hashtags:
            dropped = " ".join(composed.dropped_hashtags)
            warnings.append(f"hashtags dropped to fit {limit} characters: {dropped}")
        warnings += [f"{field} shortened to fit {limit} characters" for field in composed.shortened]
        texts = [composed.text]
        if options.thread:
            plain = plain_paragraphs(post.document)
            warnings += [w.replace("X thread", "Mastodon thread") for w in plain.warnings]
            texts = split_posts(plain.paragraphs, composed.text, measure, limit)
        media = self._images(post, options, warnings)
        language = self._language(post, options)
        visibility = options.visibility or self.settings.visibility
        statuses = []
        for index, text in enumerate(texts):
            status: dict[str, Any] = {
                "status": text,
                "characters": measure(text),
                "visibility": visibility,
                "media": media if index == 0 else [],
                "idempotency_key": _key(post.id, index, text),
            }
            if language:
                status["language"] = language
            if spoiler:
                status["spoiler_text"] = spoiler
            if options.sensitive:
                status["sensitive"] = True
            statuses.append(status)
        return Draft(
            platform=self.name,
            payload={"statuses": statuses, "max_characters": limit},
            preview=_preview(statuses, limit),
            headline=(
                f"{statuses[0]['characters']}/{limit}"
                if len(statuses) == 1
                else f"thread of {len(statuses)} statuses"
            ),
            warnings=warnings,
            skip_reason=DRAFT_REASON if post.draft else None,
        )

    @staticmethod
    def _images(post: Post, options: MastodonOptions, warnings: list[str]) -> list[dict[str, str]]:
        if not options.images:
            return []
        if len(options.images) > MAX_IMAGES:
            raise PostError(
                f"{post.source}: xpost.mastodon.images: {len(options.images)} images; "
                f"Mastodon allows {MAX_IMAGES}"
            )
        media = []
        for index, image in enumerate(options.images):
            key = f"xpost.mastodon.images[{index}]"
            path = image_path(post.source, image.path, key)
            if path.stat().st_size > MAX_IMAGE_BYTES:
                raise PostError(f"{post.source}: {key}: {path} is over Mastodon's 16 MB limit")
            if len(image.alt) > MAX_DESCRIPTION:
                raise PostError(
                    f"{post.source}: {key}.alt: {len(image.alt)} characters; Mastodon allows "
                    f"{MAX_DESCRIPTION}"
                )
            if not image.alt.strip():
                warnings.append(f"{key}: the image has no description (alt text)")
            media.append({"path": str(path), "alt": image.alt})
        return media

    def _language(self, post: Post, options: MastodonOptions) -> str | None:
        if options.language is not None:
            where = f"{post.source}: xpost.mastodon.language"
            return _language(options.language, where, PostError)
        if self.settings.language is not None:
            return _language(self.settings.language, "[mastodon] language", ConfigError)
        for key in ("lang", "language", "languageCode", "locale"):
            value = post.front_matter.get(key)
            if isinstance(value, str):
                code = value.strip().split("-")[0].split("_")[0].lower()
                if _LANGUAGE.fullmatch(code):
                    return code
        return None

    def receipt_for_url(self, url: str) -> Receipt | None:
        """``<instance>/@<user>/<id>`` (``xpost confirm``): the status's id."""
        match = _STATUS_URL.fullmatch(url)
        if match is None:
            return None
        state = {"parts": [match["id"]], "urls": [url], "complete": True}
        return Receipt(remote_id=match["id"], url=url, state=state)

    def preview_html(self, draft: Draft) -> str | None:
        """Each status as a card for ``xpost preview``: CW, text, images, count."""
        limit = draft.payload.get("max_characters", DEFAULT_MAX_CHARACTERS)
        cards = []
        for status in draft.payload.get("statuses") or []:
            lines = [
                f"[image: {Path(m['path']).name} · alt: {m['alt'] or '(none)'}]"
                for m in status["media"]
            ]
            if status.get("spoiler_text"):
                lines.insert(0, f"CW: {status['spoiler_text']}")
            counter = f"{status['characters']}/{limit} · {status['visibility']}"
            cards.append(_card(status["status"], counter, lines))
        return "".join(cards)

    def check_files(self, draft: Draft, files: SiteFiles) -> None:
        """The images: inside the site, real images, within Mastodon's size limit."""
        for status in draft.payload.get("statuses") or []:
            for item in status.get("media") or []:
                files.image(Path(item["path"]), "image", platform="Mastodon", limit=MAX_IMAGE_BYTES)

    # -- publishing --------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        with self._publisher(ctx) as publisher:
            return publisher.publish(draft, previous)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        with self._publisher(ctx) as publisher:
            return publisher.lookup(draft, previous)

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        with self._publisher(ctx) as publisher:
            publisher.unpublish(receipt)

    def whoami(self, ctx: PublishContext) -> str:
        with self._publisher(ctx) as publisher:
            return publisher.whoami()

    def login(
        self,
        credentials: Mapping[str, str],
        ask: Callable[[str], str],
        tell: Callable[[str], None],
    ) -> dict[str, str]:
        """Registers xpost as an app on the instance (once), shows the authorization
        URL, and trades the code Mastodon shows for an access token."""
        from xpost_mastodon.login import login

        return login(mastodon_api_base(self.settings.api_base), credentials, ask, tell)

    def _publisher(self, ctx: PublishContext) -> Publisher:
        from xpost_mastodon.publish import Publisher

        return Publisher(mastodon_api_base(self.settings.api_base), ctx, self.retry_policy)


def _language(value: str, where: str, error: type[Exception]) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise error(f"{where}: {value!r} is not an ISO 639 language code like 'ja' or 'en'")
    return value


def _key(post_id: str, index: int, text: str) -> str:
    """The Idempotency-Key of one status: the same post, part and text give the same key,
    so Mastodon answers a repeated create with the status it already made."""
    digest = hashlib.sha256(f"xpost\0{post_id}\0{index}\0{text}".encode()).hexdigest()
    return f"xpost-{digest[:40]}"


def _preview(statuses: list[dict[str, Any]], limit: int) -> str:
    def one(status: dict[str, Any]) -> str:
        lines = []
        if status.get("spoiler_text"):
            lines.append(f"CW: {status['spoiler_text']}")
        lines.append(status["status"])
        lines += [f"[image: {m['path']} · alt: {m['alt'] or '(none)'}]" for m in status["media"]]
        extra = f", {status['language']}" if status.get("language") else ""
        lines.append(f"({status['characters']}/{limit}, {status['visibility']}{extra})")
        return "\n".join(lines)

    return ("\n" + "─" * 40 + "\n").join(one(status) for status in statuses)


def _card(text: str, counter: str, lines: list[str]) -> str:
    """One post as ``xpost preview`` draws short posts (its ``x-post`` card classes)."""
    body = html.escape(text).replace("\n", "<br>")
    extra = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (
        f'<article class="x-post"><div class="x-main"><div class="x-text">{body}</div>{extra}'
        f'<div class="x-foot"><span class="x-counter">{html.escape(counter)}</span></div>'
        "</div></article>"
    )
