"""Bluesky: an ``app.bsky.feed.post`` announcing the post, with its link card.

Rendering is offline and exact: the text with its facets (byte offsets), the link card
(``app.bsky.embed.external``) or up to four images with alt text, the languages, and
each part's record key. Publishing goes through XRPC (``xpost_bluesky.publish``,
imported only then).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import msgspec
import regex

from xpost.plugin import (
    DRAFT_REASON,
    Adapter,
    ConfigError,
    Draft,
    Post,
    PostError,
    PublishContext,
    Receipt,
    SiteFiles,
    checked_api_base,
    compose,
    grapheme_count,
    image_path,
    plain_paragraphs,
    split_posts,
)
from xpost_bluesky.richtext import (
    MAX_BYTES,
    MAX_GRAPHEMES,
    bluesky_length,
    detect_facets,
)
from xpost_bluesky.rkey import post_rkey

if TYPE_CHECKING:
    from xpost_bluesky.publish import Publisher

DEFAULT_TEMPLATE = "{title}\n\n{summary}\n\n{hashtags}"
MAX_IMAGES = 4  # app.bsky.embed.images: images maxLength 4
MAX_IMAGE_BYTES = 2_000_000  # app.bsky.embed.images#image: image maxSize
MAX_THUMB_BYTES = 1_000_000  # app.bsky.embed.external#external: thumb maxSize
MAX_LANGS = 3  # app.bsky.feed.post: langs maxLength 3
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_POST_URL = re.compile(r"https://bsky\.app/profile/(?P<actor>[^/\s]+)/post/(?P<rkey>[a-z2-7]{13})")
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")


class BlueskySettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[bluesky]`` config table."""

    api_base: str = "https://bsky.social"  # the PDS that holds the account
    template: str = DEFAULT_TEMPLATE  # {title} {summary} {url} {hashtags}
    hashtags: bool = True
    langs: list[str] = msgspec.field(default_factory=list)
    link_card: bool = True


class ImageOption(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    path: str
    alt: str = ""


class BlueskyOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {bluesky: {...}}`` table."""

    text: str | None = None  # a template replacing the configured one
    thread: bool = False
    images: list[ImageOption] | None = None
    langs: list[str] | None = None
    tags: list[str] | None = None


def bluesky_api_base(value: str) -> str:
    return checked_api_base(value, "[bluesky] api_base", "'https://bsky.social' (your PDS)")


class BlueskyAdapter(Adapter[BlueskySettings, BlueskyOptions]):
    name: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    summary: ClassVar[str] = "Bluesky posts with a link card, facets, images and threads (XRPC)"
    Settings: ClassVar[type[msgspec.Struct]] = BlueskySettings
    Options: ClassVar[type[msgspec.Struct]] = BlueskyOptions
    #: ``identifier`` is the handle (or e-mail); use an app password, never the account's.
    credential_fields: ClassVar[tuple[str, ...]] = ("identifier", "app_password")
    can_update: ClassVar[bool] = False  # Bluesky posts cannot be edited
    can_lookup: ClassVar[bool] = True  # lookup asks the platform (xpost.plugin)

    def check_setup(self) -> None:
        bluesky_api_base(self.settings.api_base)
        _languages(self.settings.langs, "[bluesky] langs", ConfigError)

    # -- render -------------------------------------------------------------------------

    def render(self, post: Post, options: BlueskyOptions) -> Draft:
        warnings: list[str] = []
        url = post.canonical_url or ""
        images = self._images(post, options, warnings)
        card = self._card(post, warnings) if not images and self.settings.link_card else None
        template = options.text if options.text is not None else self.settings.template
        if url and card is None and "{url}" not in template:
            template += "\n{url}"  # no card to carry the link: it goes into the text
        tags = options.tags if options.tags is not None else list(post.tags)
        try:
            composed = compose(
                template,
                title=post.title,
                url=url,
                summary=post.summary,
                tags=tags if self.settings.hashtags else [],
                measure=bluesky_length,
                limit=MAX_GRAPHEMES,
            )
        except (KeyError, ValueError) as error:
            raise PostError(f"{post.source}: xpost.bluesky.text: bad template: {error}") from None
        if composed.dropped_hashtags:
            warnings.append(
                f"hashtags dropped to fit Bluesky: {' '.join(composed.dropped_hashtags)}"
            )
        for field in composed.shortened:
            warnings.append(f"{field} shortened to fit Bluesky's {MAX_GRAPHEMES} graphemes")
        texts = [composed.text]
        if options.thread:
            plain = plain_paragraphs(post.document)
            warnings.extend(w.replace("X thread", "Bluesky thread") for w in plain.warnings)
            texts = split_posts(plain.paragraphs, composed.text, bluesky_length, MAX_GRAPHEMES)
        langs = self._langs(post, options)
        date = post.publish_date or post.date
        posts: list[dict[str, Any]] = []
        for index, text in enumerate(texts):
            part: dict[str, Any] = {
                "rkey": post_rkey(post.id, date, index),
                "text": text,
                "graphemes": grapheme_count(text),
                "bytes": len(text.encode("utf-8")),
                "facets": detect_facets(text),
                "langs": langs,
            }
            if index == 0 and card is not None:
                part["embed"] = card
            elif index == 0 and images:
                part["embed"] = {"type": "images", "images": images}
            posts.append(part)
        return Draft(
            platform=self.name,
            payload={"posts": posts},
            preview=_preview(posts),
            headline=(
                f"{posts[0]['graphemes']}/{MAX_GRAPHEMES}"
                if len(posts) == 1
                else f"thread of {len(posts)} posts"
            ),
            warnings=warnings,
            skip_reason=DRAFT_REASON if post.draft else None,
        )

    def _card(self, post: Post, warnings: list[str]) -> dict[str, Any] | None:
        """The canonical URL as a link card, with the cover image as its thumbnail."""
        if not post.canonical_url:
            warnings.append("the post has no canonical URL: no link card")
            return None
        thumb: str | None = None
        cover = post.cover_image_local
        if cover is not None and cover.is_file():
            if cover.stat().st_size > MAX_THUMB_BYTES:
                warnings.append(
                    f"the cover image {cover} is over Bluesky's {MAX_THUMB_BYTES:,}-byte limit "
                    "for a link card: the card goes without it"
                )
            else:
                thumb = str(cover)
        elif post.cover_image:
            warnings.append(
                f"the cover image {post.cover_image} is not a local file: the link card goes "
                "without a picture"
            )
        return {
            "type": "external",
            "uri": post.canonical_url,
            "title": post.title,
            "description": post.summary,
            "thumb": thumb,
        }

    @staticmethod
    def _images(post: Post, options: BlueskyOptions, warnings: list[str]) -> list[dict[str, str]]:
        if not options.images:
            return []
        if len(options.images) > MAX_IMAGES:
            raise PostError(
                f"{post.source}: xpost.bluesky.images: {len(options.images)} images; "
                f"Bluesky allows {MAX_IMAGES}"
            )
        images = []
        for index, image in enumerate(options.images):
            key = f"xpost.bluesky.images[{index}]"
            path = image_path(post.source, image.path, key)
            if path.stat().st_size > MAX_IMAGE_BYTES:
                raise PostError(
                    f"{post.source}: {key}: {path} is over Bluesky's {MAX_IMAGE_BYTES:,}-byte "
                    "limit for an image"
                )
            if not image.alt.strip():
                warnings.append(f"{key}: the image has no alt text")
            images.append({"path": str(path), "alt": image.alt})
        return images

    def _langs(self, post: Post, options: BlueskyOptions) -> list[str]:
        """The post's languages: the post's own choice, the config's, the front matter's
        ``lang``/``language``, else Japanese when the text holds kana."""
        if options.langs is not None:
            return _languages(options.langs, f"{post.source}: xpost.bluesky.langs", PostError)
        if self.settings.langs:
            return _languages(self.settings.langs, "[bluesky] langs", ConfigError)
        for key in ("lang", "language", "languageCode", "locale"):
            value = post.front_matter.get(key)
            if isinstance(value, str) and value.strip():
                tag = value.strip().replace("_", "-")
                if _LANGUAGE.fullmatch(tag):
                    return [tag]
        if _KANA.search(post.title) or _KANA.search(post.summary):
            return ["ja"]
        return []

    def receipt_for_url(self, url: str) -> Receipt | None:
        """``https://bsky.app/profile/<handle or DID>/post/<rkey>`` (``xpost confirm``)."""
        match = _POST_URL.fullmatch(url)
        if match is None:
            return None
        return Receipt(remote_id=url, url=url, state={"confirmed_rkey": match["rkey"]})

    def check_files(self, draft: Draft, files: SiteFiles) -> None:
        """The card's thumbnail and the images: inside the site, real images, within
        Bluesky's blob limits."""
        for part in draft.payload.get("posts") or []:
            embed = part.get("embed") or {}
            if embed.get("type") == "external" and embed.get("thumb"):
                files.image(
                    Path(embed["thumb"]), "cover image", platform="Bluesky", limit=MAX_THUMB_BYTES
                )
            for image in embed.get("images") or []:
                files.image(Path(image["path"]), "image", platform="Bluesky", limit=MAX_IMAGE_BYTES)

    # -- publishing ---------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        with self._publisher(ctx) as publisher:
            return publisher.publish(draft, previous)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        with self._publisher(ctx) as publisher:
            return publisher.lookup(draft)

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        with self._publisher(ctx) as publisher:
            publisher.unpublish(receipt)

    def whoami(self, ctx: PublishContext) -> str:
        with self._publisher(ctx) as publisher:
            return f"@{publisher.session().handle}"

    def _publisher(self, ctx: PublishContext) -> Publisher:
        from xpost_bluesky.publish import Publisher

        return Publisher(bluesky_api_base(self.settings.api_base), ctx)


def _languages(values: list[str], where: str, error: type[Exception]) -> list[str]:
    if len(values) > MAX_LANGS:
        raise error(f"{where}: {len(values)} languages; Bluesky allows {MAX_LANGS}")
    for value in values:
        if not _LANGUAGE.fullmatch(value):
            raise error(f"{where}: {value!r} is not a language tag like 'ja' or 'en-US'")
    return list(values)


def _preview(posts: list[dict[str, Any]]) -> str:
    def one(part: dict[str, Any]) -> str:
        lines = [part["text"]]
        embed = part.get("embed")
        if embed and embed["type"] == "external":
            thumb = f" · thumb {Path(embed['thumb']).name}" if embed["thumb"] else ""
            lines.append(f"[link card: {embed['title']} · {embed['uri']}{thumb}]")
        elif embed:
            lines += [
                f"[image: {image['path']} · alt: {image['alt'] or '(none)'}]"
                for image in embed["images"]
            ]
        live = [
            f"{feature['$type'].split('#')[1]} {_facet_text(part['text'], facet)}"
            for facet in part["facets"]
            for feature in facet["features"]
        ]
        if live:
            lines.append("facets: " + ", ".join(live))
        lines.append(
            f"({part['graphemes']}/{MAX_GRAPHEMES} graphemes, {part['bytes']}/{MAX_BYTES} bytes"
            + (f", langs {' '.join(part['langs'])})" if part["langs"] else ")")
        )
        return "\n".join(lines)

    return ("\n" + "─" * 40 + "\n").join(one(part) for part in posts)


def _facet_text(text: str, facet: dict[str, Any]) -> str:
    data = text.encode("utf-8")
    return data[facet["index"]["byteStart"] : facet["index"]["byteEnd"]].decode("utf-8")
