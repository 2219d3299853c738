"""Misskey: a note announcing the post (or the post as a thread of replies).

Rendering is offline and exact: the text escaped for MFM (``xpost_misskey.mfm``) and
counted as Misskey counts it, visibility, content warning, files with alt text.
Publishing (``xpost_misskey.publish``, imported only then) checks the instance's
``maxNoteTextLength`` first and looks for the note before every create.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
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
from xpost_misskey.mfm import DEFAULT_MAX_NOTE_TEXT_LENGTH, escape, escaped_length, note_length

if TYPE_CHECKING:
    from xpost_misskey.publish import Publisher

Visibility = Literal["public", "home", "followers"]
DEFAULT_TEMPLATE = "{title}\n\n{summary}\n\n{url}\n\n{hashtags}"
MAX_FILES = 16  # notes/create: fileIds maxItems
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_ALT_TEXT = 1500
_NOTE_URL = re.compile(
    r"https?://[^/\s]+/notes/(?P<id>[0-9a-z]{1,32})"
)  # Misskey's default maxAltTextLength


class MisskeySettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[misskey]`` config table."""

    api_base: str | None = None  # the instance: "https://misskey.io"
    #: The instance's limit (``/api/meta`` maxNoteTextLength); checked before publishing.
    max_note_text_length: int = DEFAULT_MAX_NOTE_TEXT_LENGTH
    template: str = DEFAULT_TEMPLATE
    hashtags: bool = True
    visibility: Visibility = "public"
    local_only: bool = False


class ImageOption(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    path: str
    alt: str = ""


class MisskeyOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {misskey: {...}}`` table."""

    text: str | None = None
    thread: bool = False
    images: list[ImageOption] | None = None
    visibility: Visibility | None = None
    cw: str | None = None
    tags: list[str] | None = None


def misskey_api_base(value: str | None) -> str:
    if not value:
        raise ConfigError(
            "[misskey] api_base: set your instance, e.g. api_base = 'https://misskey.io'"
        )
    return checked_api_base(value, "[misskey] api_base", "'https://misskey.io'")


class MisskeyAdapter(Adapter[MisskeySettings, MisskeyOptions]):
    name: ClassVar[str] = "misskey"
    label: ClassVar[str] = "Misskey"
    summary: ClassVar[str] = "Notes with MFM-safe text, drive images with alt text, and threads"
    Settings: ClassVar[type[msgspec.Struct]] = MisskeySettings
    Options: ClassVar[type[msgspec.Struct]] = MisskeyOptions
    credential_fields: ClassVar[tuple[str, ...]] = ("token",)
    can_update: ClassVar[bool] = False  # the API has no notes/update: a changed post is left alone
    can_lookup: ClassVar[bool] = True  # lookup asks the instance (xpost.plugin)
    retry_policy: RetryPolicy = RetryPolicy()

    def check_setup(self) -> None:
        misskey_api_base(self.settings.api_base)
        if self.settings.max_note_text_length < 1:
            raise ConfigError("[misskey] max_note_text_length: expected a positive number")

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        return [] if credentials.get("token") else ["token"]

    def render(self, post: Post, options: MisskeyOptions) -> Draft:
        warnings: list[str] = []
        limit = self.settings.max_note_text_length
        if not post.canonical_url:
            warnings.append("the post has no canonical URL: the note links nowhere")
        template = options.text if options.text is not None else self.settings.template
        tags = options.tags if options.tags is not None else list(post.tags)
        try:
            composed = compose(
                template,
                title=post.title,
                url=post.canonical_url or "",
                summary=post.summary,
                tags=tags if self.settings.hashtags else [],
                measure=escaped_length,
                limit=limit,
            )
        except (KeyError, ValueError) as error:
            raise PostError(f"{post.source}: xpost.misskey.text: bad template: {error}") from None
        if composed.dropped_hashtags:
            dropped = " ".join(composed.dropped_hashtags)
            warnings.append(f"hashtags dropped to fit {limit} characters: {dropped}")
        warnings += [f"{field} shortened to fit {limit} characters" for field in composed.shortened]
        texts = [composed.text]
        if options.thread:
            plain = plain_paragraphs(post.document)
            warnings += [w.replace("X thread", "Misskey thread") for w in plain.warnings]
            texts = split_posts(plain.paragraphs, composed.text, escaped_length, limit)
        cw = options.cw
        if cw is not None and not cw.strip():
            raise PostError(f"{post.source}: xpost.misskey.cw: empty; leave it out for no warning")
        files = self._images(post, options, warnings)
        visibility = options.visibility or self.settings.visibility
        notes = []
        for index, text in enumerate(texts):
            escaped = escape(text)
            if escaped != text and index == 0:
                warnings.append("MFM markup in the text is shown as written (<plain>)")
            note: dict[str, Any] = {
                "text": escaped,
                "length": note_length(escaped),
                "visibility": visibility,
                "files": files if index == 0 else [],
            }
            if cw:
                note["cw"] = cw
            if self.settings.local_only:
                note["localOnly"] = True
            notes.append(note)
        return Draft(
            platform=self.name,
            payload={"notes": notes, "max_note_text_length": limit},
            preview=_preview(notes, limit),
            headline=(
                f"{notes[0]['length']}/{limit}"
                if len(notes) == 1
                else f"thread of {len(notes)} notes"
            ),
            warnings=warnings,
            skip_reason=DRAFT_REASON if post.draft else None,
        )

    @staticmethod
    def _images(post: Post, options: MisskeyOptions, warnings: list[str]) -> list[dict[str, str]]:
        if not options.images:
            return []
        if len(options.images) > MAX_FILES:
            raise PostError(
                f"{post.source}: xpost.misskey.images: {len(options.images)} images; "
                f"Misskey allows {MAX_FILES}"
            )
        files = []
        for index, image in enumerate(options.images):
            key = f"xpost.misskey.images[{index}]"
            path = image_path(post.source, image.path, key)
            if len(image.alt) > MAX_ALT_TEXT:
                raise PostError(
                    f"{post.source}: {key}.alt: {len(image.alt)} characters; Misskey allows "
                    f"{MAX_ALT_TEXT}"
                )
            if not image.alt.strip():
                warnings.append(f"{key}: the image has no alt text")
            files.append({"path": str(path), "alt": image.alt})
        return files

    def receipt_for_url(self, url: str) -> Receipt | None:
        """``<instance>/notes/<id>`` (``xpost confirm``): the note's id."""
        match = _NOTE_URL.fullmatch(url)
        if match is None:
            return None
        return Receipt(remote_id=match["id"], url=url, state={"parts": [match["id"]]})

    def preview_html(self, draft: Draft) -> str | None:
        """Each note as a card for ``xpost preview``: CW, the text as sent, files, count."""
        limit = draft.payload.get("max_note_text_length", DEFAULT_MAX_NOTE_TEXT_LENGTH)
        cards = []
        for note in draft.payload.get("notes") or []:
            lines = [
                f"[image: {Path(f['path']).name} · alt: {f['alt'] or '(none)'}]"
                for f in note["files"]
            ]
            if note.get("cw"):
                lines.insert(0, f"CW: {note['cw']}")
            counter = f"{note['length']}/{limit} · {note['visibility']}"
            cards.append(_card(note["text"], counter, lines))
        return "".join(cards)

    def check_files(self, draft: Draft, files: SiteFiles) -> None:
        """The images: inside the site, real images, within the upload limit."""
        for note in draft.payload.get("notes") or []:
            for item in note.get("files") or []:
                files.image(Path(item["path"]), "image", platform="Misskey", limit=MAX_IMAGE_BYTES)

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

    def _publisher(self, ctx: PublishContext) -> Publisher:
        from xpost_misskey.publish import Publisher

        return Publisher(misskey_api_base(self.settings.api_base), ctx, self.retry_policy)


def _preview(notes: list[dict[str, Any]], limit: int) -> str:
    def one(note: dict[str, Any]) -> str:
        lines = [f"CW: {note['cw']}"] if note.get("cw") else []
        lines.append(note["text"])
        lines += [f"[image: {f['path']} · alt: {f['alt'] or '(none)'}]" for f in note["files"]]
        lines.append(f"({note['length']}/{limit}, {note['visibility']})")
        return "\n".join(lines)

    return ("\n" + "─" * 40 + "\n").join(one(note) for note in notes)


def _card(text: str, counter: str, lines: list[str]) -> str:
    """One post as ``xpost preview`` draws short posts (its ``x-post`` card classes)."""
    body = html.escape(text).replace("\n", "<br>")
    extra = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (
        f'<article class="x-post"><div class="x-main"><div class="x-text">{body}</div>{extra}'
        f'<div class="x-foot"><span class="x-counter">{html.escape(counter)}</span></div>'
        "</div></article>"
    )
