"""X (Twitter): one announcement post, or the whole post as a numbered thread.

Rendering is offline: the payload is the text of each post, its weighted length
and the image to attach to the first one. Publishing (tweepy and the v2 media
upload) lives in ``twitter_publish`` and ``xpost.platforms.twitter.client``, imported by the methods
that send, so that a dry run never imports the network stack.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import msgspec

from xpost.adapters.base import Adapter, Draft, PublishContext, Receipt
from xpost.clients.retry import RetryPolicy, announced
from xpost.content.model import Block, Image, all_blocks
from xpost.content.plaintext import plain_paragraphs
from xpost.errors import ConfigError, PostError, UsageError
from xpost.platforms.twitter.compose import (
    DEFAULT_TEMPLATE,
    TemplateError,
    UnsplittableText,
    check_template,
    compose_post,
    hashtags_for,
    split_thread,
)
from xpost.post import Post
from xpost.render.twitter_text import MAX_WEIGHTED_LENGTH, weighted_length
from xpost.validation import checked_api_base

if TYPE_CHECKING:
    from xpost.platforms.twitter.client import XClient, XUser
    from xpost.platforms.twitter.posting import ThreadPublisher
    from xpost.sitefiles import SiteFiles

# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
#: A post's page, as ``xpost confirm`` is given it.
_STATUS_URL = r"https://(?:x|twitter)\.com/(\w{1,15}|i/web)/status/([0-9]{1,19})/?"

#: X's limits for images attached to a post (bytes).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_GIF_BYTES = 15 * 1024 * 1024
MAX_ALT_TEXT = 1000  # CreateMediaMetadataMetadataAltText.maxLength in the OpenAPI spec

#: OAuth 1.0a user context (``xpost auth login twitter`` fills the last two).
OAUTH1_FIELDS = ("api_key", "api_secret", "access_token", "access_token_secret")
#: Or an OAuth 2.0 user access token (scopes tweet.write, tweet.read, users.read, media.write).
OAUTH2_FIELD = "oauth2_access_token"


class TwitterSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[twitter]`` table of the config file."""

    api_base: str = "https://api.x.com"
    template: str | None = None  # placeholders: {title} {url} {summary} {hashtags}
    hashtags: bool = True
    #: More than a few hashtags reads as spam; the first ``max_hashtags`` tags are kept.
    max_hashtags: int = 3
    #: The most posts a thread may have: a longer one is refused, not sent.
    max_thread_parts: Annotated[int, msgspec.Meta(ge=1)] = 25


class TwitterOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The post's ``xpost: {twitter: {...}}`` table."""

    text: str | None = None  # a template that replaces the configured one
    thread: bool = False
    image: str | None = None
    alt: str | None = None
    tags: list[str] | None = None


def twitter_api_base(value: str) -> str:
    """``[twitter] api_base`` checked to be an http(s) URL, without its trailing slash."""
    return checked_api_base(value, "[twitter] api_base", "'https://api.x.com'")


class TwitterAdapter(Adapter[TwitterSettings, TwitterOptions]):
    name = "twitter"
    label = "X"
    summary = "Post to X (Twitter): an announcement with the link, or the post as a thread."
    default_rank = 1
    Settings = TwitterSettings
    Options = TwitterOptions
    credential_fields = (*OAUTH1_FIELDS, OAUTH2_FIELD)
    credential_help = f"{', '.join(OAUTH1_FIELDS)} (OAuth 1.0a), or {OAUTH2_FIELD} (OAuth 2.0)"
    can_update = False  # X posts cannot be edited: a changed post is left alone
    can_lookup = True  # the account's recent posts
    #: Retries, rate-limit waits and the sleep they use (tests inject a no-op sleep).
    retry_policy = RetryPolicy()
    #: Segment size of the chunked (GIF) media upload.
    upload_chunk_size = 4 * 1024 * 1024

    def check_setup(self) -> None:
        """``[twitter] api_base`` must be an http(s) URL: checked before anything is sent
        anywhere, so a typo there is bad config (exit 2), not a failed target."""
        twitter_api_base(self.settings.api_base)

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        """Either the four OAuth 1.0a fields or an OAuth 2.0 user access token."""
        if credentials.get(OAUTH2_FIELD):
            return []
        return [name for name in OAUTH1_FIELDS if not credentials.get(name)]

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        """Post the draft (a thread part by part, each checkpointed), or continue the
        thread ``previous`` left half-posted. A complete ``previous`` sends nothing."""
        return self._publisher(ctx).publish(draft, previous)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        return self._publisher(ctx).lookup(draft, previous)

    def receipt_for_url(self, url: str) -> Receipt | None:
        """``https://x.com/<user>/status/<id>`` (or twitter.com): the post's id."""
        match = re.fullmatch(_STATUS_URL, url)
        if match is None:
            return None
        user, post_id = match.group(1), match.group(2)
        state: dict[str, Any] = {"parts": [post_id]}
        return Receipt(remote_id=post_id, url=f"https://x.com/{user}/status/{post_id}", state=state)

    def check_files(self, draft: Draft, files: SiteFiles) -> None:
        """The image of the first post: inside the site, a real image, within X's limit."""
        for post in draft.payload.get("posts") or []:
            for item in post.get("media") or []:
                where = str(item.get("path", ""))
                if _is_url(where):
                    continue  # refused by publishing: X uploads local files only
                image = files.image(Path(where), "image", platform="X", limit=MAX_GIF_BYTES)
                if image.mime != "image/gif" and len(image.data) > MAX_IMAGE_BYTES:
                    raise PostError(
                        f"{files.post.source}: image {where}: larger than X's limit of "
                        f"{MAX_IMAGE_BYTES // 1048576} MB per {image.mime[6:].upper()} image"
                    )

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        self._publisher(ctx).unpublish(receipt)

    def whoami(self, ctx: PublishContext) -> str:
        return f"@{self._client(ctx).me().username}"

    def login(
        self,
        credentials: Mapping[str, str],
        ask: Callable[[str], str],
        tell: Callable[[str], None],
    ) -> dict[str, str]:
        """OAuth 1.0a PIN flow: the app's API key and secret (asked when missing), a URL
        to open, the PIN X shows there; returns the access token and secret (and the key
        and secret when they were asked for)."""
        from xpost.platforms.twitter.client import pin_login

        asked: dict[str, str] = {}
        for name, prompt in (("api_key", "X API key"), ("api_secret", "X API key secret")):
            if not credentials.get(name):
                asked[name] = ask(prompt).strip()
                if not asked[name]:
                    raise UsageError(f"X sign-in: the {prompt} is required")
        api_key = credentials.get("api_key") or asked["api_key"]
        api_secret = credentials.get("api_secret") or asked["api_secret"]

        def ask_pin(url: str) -> str:
            tell(f"Open this URL, authorize the app, then enter the PIN X shows: {url}")
            return ask("PIN")

        api_base = twitter_api_base(self.settings.api_base)
        token, secret = pin_login(api_base, api_key, api_secret, ask_pin)
        return {**asked, "access_token": token, "access_token_secret": secret}

    def _client(self, ctx: PublishContext) -> XClient:
        from xpost.platforms.twitter.client import XClient

        return XClient(
            twitter_api_base(self.settings.api_base),
            ctx.credentials,
            timeout=ctx.timeout,
            policy=announced(self.retry_policy, ctx.waiting),
            now=ctx.now,
            chunk_size=self.upload_chunk_size,
        )

    def _publisher(self, ctx: PublishContext) -> ThreadPublisher:
        from xpost.platforms.twitter.posting import ThreadPublisher

        return ThreadPublisher(self._client(ctx), ctx, self._accounts)

    @cached_property
    def _accounts(self) -> dict[str, XUser]:
        """The account behind each set of credentials, asked of X once per adapter."""
        return {}

    def render(self, post: Post, options: TwitterOptions) -> Draft:
        warnings: list[str] = []
        template = self._template(post, options)
        if not post.canonical_url:
            warnings.append("the post has no canonical URL: the X post links nowhere")
        tags = options.tags if options.tags is not None else list(post.tags)
        hashtags = hashtags_for(tags) if self.settings.hashtags else []
        if len(hashtags) > self.max_hashtags:
            warnings.append(
                f"{self.max_hashtags} hashtags at most ([twitter] max_hashtags): "
                f"left out {' '.join(hashtags[self.max_hashtags :])}"
            )
            hashtags = hashtags[: self.max_hashtags]
        composed = compose_post(
            post.title,
            post.canonical_url or "",
            summary=post.summary,
            tags=hashtags,
            template=template,
        )
        if composed.dropped_hashtags:
            dropped = " ".join(composed.dropped_hashtags)
            warnings.append(f"hashtags dropped to fit {MAX_WEIGHTED_LENGTH}: {dropped}")
        if composed.title_truncated:
            warnings.append(f"title shortened to fit {MAX_WEIGHTED_LENGTH}")
        if composed.summary_truncated:
            warnings.append(f"summary shortened to fit {MAX_WEIGHTED_LENGTH}")

        texts = [composed.text]
        if options.thread:
            plain = plain_paragraphs(post.document)
            warnings.extend(plain.warnings)
            try:
                texts = split_thread(plain.paragraphs, composed.text)
            except UnsplittableText as error:
                raise PostError(f"{post.source}: xpost.twitter.thread: {error}") from None
            if len(texts) > 1 and not texts[0].startswith(composed.text + " "):
                warnings.append("first post shortened to make room for the thread numbering")
        cap = self.settings.max_thread_parts
        refusal = None
        if len(texts) > cap:
            refusal = (
                f"{post.source}: xpost.twitter.thread: {len(texts)} posts, over [twitter] "
                f"max_thread_parts ({cap}); shorten the post or raise the cap"
            )
            warnings.append(
                f"a thread of {len(texts)} posts is over [twitter] max_thread_parts ({cap}): "
                "publishing it is refused"
            )

        media = self._media(post, options, warnings)
        lengths = (
            [weighted_length(t) for t in texts] if options.thread else [composed.weighted_length]
        )
        posts = [
            {"text": text, "weighted_length": length, "media": media if i == 0 else []}
            for i, (text, length) in enumerate(zip(texts, lengths, strict=True))
        ]
        return Draft(
            platform=self.name,
            payload={"posts": posts},
            preview=_preview(posts),
            headline=(
                f"{posts[0]['weighted_length']}/{MAX_WEIGHTED_LENGTH}"
                if len(posts) == 1
                else f"thread of {len(posts)} posts"
            ),
            warnings=warnings,
            refusal=refusal,
        )

    @property
    def max_hashtags(self) -> int:
        if self.settings.max_hashtags < 0:
            raise ConfigError(
                f"[twitter] max_hashtags: {self.settings.max_hashtags} is negative (0 for none)"
            )
        return self.settings.max_hashtags

    def _template(self, post: Post, options: TwitterOptions) -> str:
        if options.text is not None:
            try:
                check_template(options.text)
            except TemplateError as error:
                raise PostError(f"{post.source}: xpost.twitter.text: {error}") from None
            return options.text
        if self.settings.template is not None:
            try:
                check_template(self.settings.template)
            except TemplateError as error:
                raise ConfigError(f"[twitter] template: {error}") from None
            return self.settings.template
        return DEFAULT_TEMPLATE

    @staticmethod
    def _media(post: Post, options: TwitterOptions, warnings: list[str]) -> list[dict[str, str]]:
        """The image for the first post: the post's own choice, else its cover image.

        An image the post names must be there (bad input otherwise: nothing is posted
        without it); a cover image that is missing or remote is only left out, with a
        warning, since X uploads images from local files only.
        """
        path: Path | None = None
        if options.image:
            if _is_url(options.image):
                raise PostError(
                    f"{post.source}: xpost.twitter.image: {options.image} is a URL; X needs a "
                    "local image file to upload"
                )
            path = Path(options.image).expanduser()
            path = path if path.is_absolute() else post.source.parent / path
            if not path.is_file():
                raise PostError(f"{post.source}: xpost.twitter.image: no such file: {path}")
        elif post.cover_image_local is not None and post.cover_image_local.is_file():
            path = post.cover_image_local
        elif post.cover_image:
            warnings.append(
                f"the cover image {post.cover_image} is not a local file: the X post goes "
                "without an image (set xpost.twitter.image to a local file)"
            )
        if path is None:
            return []
        alt = options.alt or _alt_in_body(post.document.blocks, path)
        if not alt:
            warnings.append("the image has no alt text: set xpost.twitter.alt in the post")
        return [{"path": str(path), "alt": alt}]


def _alt_in_body(blocks: Sequence[Block], image: Path) -> str:
    """The alt text the post's body gives this very image file, if it shows it (a bundle's
    cover is often its first figure too): the author wrote it once already. One X
    would refuse (over ``MAX_ALT_TEXT``) is not taken."""
    for block in all_blocks(blocks):
        if (
            isinstance(block, Image)
            and block.local is not None
            and 0 < len(block.alt) <= MAX_ALT_TEXT
            and _same_file(block.local, image)
        ):
            return block.alt
    return ""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _is_url(value: str) -> bool:
    return value.startswith(("https://", "http://"))


def _preview(posts: list[dict[str, Any]]) -> str:
    def one(post: dict[str, Any]) -> str:
        media = "".join(f"\n[image: {item['path']}]" for item in post["media"])
        return f"{post['text']}{media}\n({post['weighted_length']}/{MAX_WEIGHTED_LENGTH})"

    if len(posts) == 1:
        return one(posts[0])
    separator = "\n" + "─" * 40 + "\n"
    return separator.join(one(post) for post in posts)
