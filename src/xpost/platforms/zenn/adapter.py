"""Zenn: an article is ``articles/<slug>.md`` in the user's Zenn-linked GitHub repo.

Zenn has no write API; publishing is a commit and a push. ``render`` builds the
whole file (front matter + body) and lists the local images the repo must carry.
The front-matter rules are zenn-model's ``validateArticle`` (0.1.155). Publishing
lives in ``xpost.platforms.zenn.repository`` (imported only when something is sent);
it needs no credentials: git uses the user's own SSH or HTTPS setup.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from xpost.adapters.base import Adapter, Draft, PublishContext, Receipt
from xpost.content.origin import (
    ORIGIN_NOTE_EN,
    ORIGIN_NOTE_JA,
    Position,
    missing_url_warning,
    note_template,
    origin_note,
)
from xpost.errors import ConfigError, PostError
from xpost.platforms.zenn.markdown import ZennMarkdown
from xpost.post import Post
from xpost.render.twitter_text import is_pictographic

if TYPE_CHECKING:
    from xpost.platforms.zenn.repository import ZennRepo
    from xpost.sitefiles import SiteFiles

ArticleType = Literal["tech", "idea"]

SLUG_PATTERN = re.compile(r"^[0-9a-z\-_]{12,50}$")
PUBLICATION_PATTERN = re.compile(r"^[0-9a-z_]{2,15}$")
MAX_TITLE = 70  # counted as JavaScript does (UTF-16 code units)
MAX_TOPICS = 5
#: zenn-editor's current validator: a topic longer than this keeps the article from
#: deploying (``contracts/zenn/validator-rules.md``; the pinned npm zenn-model lacks it).
MAX_TOPIC_LENGTH = 18
#: Zenn deploys no article without a topic (validator-rules.md: 1-5 topics).
NO_TOPICS = "Zenn needs at least one topic: add tags or xpost.zenn.topics"
# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
_PUBLISHED_AT = r"^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2})?$"
# zenn-model's invalid-topic-letters class: ASCII space and punctuation.
_TOPIC_INVALID = re.compile(r"[\s!-/:-@\[-`{-~]")
_TOPIC_NAMES = {"c++": "cpp", "c#": "csharp", "f#": "fsharp", ".net": "dotnet"}
_ONE_EMOJI = (
    r"^(?=\X$)(?:.*\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3)"
)


#: Zenn's limit for an image kept in the linked repository (contracts/zenn: 3 MB each).
MAX_IMAGE_BYTES = 3 * 1024 * 1024

#: The time zone of Zenn's ``published_at`` (its docs: 日本時間).
ZENN_TIME = ZoneInfo("Asia/Tokyo")


class ZennSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``[zenn]`` config table."""

    repo: str | None = None  # the local clone of the Zenn-linked repository
    branch: str = "main"
    push: bool = True
    username: str | None = None
    publication: str | None = None  # default ``publication_name``
    emoji: str = "📝"  # for posts that name none
    type: str = "tech"
    #: A line pointing at the original, ``{url}`` is the canonical URL; "" disables it.
    origin_note: str = ORIGIN_NOTE_JA
    #: The same for a post in English (see ``[qiita] origin_note_en``); "" disables it.
    origin_note_en: str = ORIGIN_NOTE_EN
    origin_note_position: Position = "top"


class ZennOptions(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A post's ``xpost: {zenn: {...}}`` table."""

    slug: str | None = None
    emoji: str | None = None
    type: str | None = None
    topics: list[str] | None = None
    title: str | None = None
    published: bool | None = None
    publication_name: str | None = None


class ZennAdapter(Adapter[ZennSettings, ZennOptions]):
    name: ClassVar[str] = "zenn"
    label: ClassVar[str] = "Zenn"
    summary: ClassVar[str] = "commit articles/<slug>.md to your Zenn-linked GitHub repository"
    default_rank: ClassVar[int | None] = 3
    Settings: ClassVar[type[msgspec.Struct]] = ZennSettings
    can_lookup: ClassVar[bool] = True
    path_settings: ClassVar[tuple[str, ...]] = ("repo",)
    Options: ClassVar[type[msgspec.Struct]] = ZennOptions
    credential_fields: ClassVar[tuple[str, ...]] = ()
    credential_help: ClassVar[str] = "none (git pushes with your own SSH or HTTPS setup)"
    can_schedule: ClassVar[bool] = True  # published_at: Zenn publishes it at that time

    # -- publishing: a commit (and a push) in the user's Zenn repository ------------------

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        """Write ``articles/<slug>.md`` and its images, commit only those, push."""
        return self._repo(ctx).publish(draft, previous, ctx)

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        """The article as this draft would write it, if it is committed (and pushed)."""
        return self._repo(ctx).lookup(draft)

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        """Commit ``published: false`` in the article's front matter, and push."""
        self._repo(ctx).unpublish(receipt, ctx)

    def whoami(self, ctx: PublishContext) -> str:
        """Check the repository, its branch and (when pushing) that the remote answers."""
        return self._repo(ctx).whoami()

    def check_files(self, draft: Draft, files: SiteFiles) -> None:
        """Each image the article carries: inside the site (or the Zenn repository's own
        ``images/``), a real image, at most Zenn's 3 MB: it lands in a public repo."""
        from pathlib import Path

        also = [Path(self.settings.repo).expanduser() / "images"] if self.settings.repo else []
        for image in draft.payload.get("images") or []:
            files.image(
                Path(image["source"]), "image", platform="Zenn", limit=MAX_IMAGE_BYTES, also=also
            )

    def unfinished(self, receipt: Receipt) -> bool:
        """Committed while ``push = false``; pushing is on now."""
        return self.settings.push and receipt.state.get("pushed") is False

    def check_setup(self) -> None:
        """The repository exists, git knows who commits, and there is a remote to push to."""
        self._repo(PublishContext(credentials={})).check_setup()

    def _repo(self, ctx: PublishContext) -> ZennRepo:
        from xpost.platforms.zenn.repository import ZennRepo

        return ZennRepo(self.settings, network_timeout=ctx.timeout)

    def render(self, post: Post, options: ZennOptions, *, now: datetime | None = None) -> Draft:
        warnings: list[str] = []
        slug = article_slug(post, options)
        front = self._front_matter(post, options, warnings, now or datetime.now(UTC))
        flavor = ZennMarkdown(image_dir=f"images/{slug}")
        body = self._with_origin_note(post, flavor.emit(post.document), warnings)
        content = format_front_matter(front) + "\n" + body
        path = f"articles/{slug}.md"
        images = [{"source": str(i.source), "target": i.target} for i in flavor.images]
        return Draft(
            platform=self.name,
            payload={"path": path, "slug": slug, "content": content, "images": images},
            preview=content,
            headline=path,
            warnings=warnings + flavor.warnings,
            skip_reason=self._is_the_article(post) or (None if front["topics"] else NO_TOPICS),
        )

    def _is_the_article(self, post: Post) -> str | None:
        """A post that already lives in the Zenn repo's ``articles/`` is the Zenn article:
        Zenn publishes it from there, and a second copy would be a second article."""
        if not self.settings.repo:
            return None
        articles = (Path(self.settings.repo).expanduser().absolute() / "articles").resolve()
        if post.source.resolve().parent != articles:
            return None
        return "this file is the Zenn article itself (it is in [zenn] repo's articles/)"

    # -- front matter --------------------------------------------------------------

    def _front_matter(
        self, post: Post, options: ZennOptions, warnings: list[str], now: datetime
    ) -> dict[str, Any]:
        title = truncate_title(" ".join((options.title or post.title).split()), warnings)
        published = not post.draft and options.published is not False
        if post.draft and options.published:
            warnings.append("Zenn: the post is a draft: rendered with published: false")
        front: dict[str, Any] = {
            "title": title,
            "emoji": self._emoji(post, options),
            "type": self._type(post, options),
            "topics": normalise_topics(
                options.topics if options.topics is not None else post.tags or post.categories,
                warnings,
            ),
            "published": published,
        }
        when = post.publish_date or post.date
        written = post.front_matter.get("published_at")
        if published and isinstance(written, str) and re.match(_PUBLISHED_AT, written.strip()):
            front["published_at"] = written.strip()  # a Zenn article's own, in Japan time
        elif published and when is not None and when > now:
            front["published_at"] = self._zenn_time(when)
        publication = options.publication_name or self.settings.publication
        if publication:
            if not PUBLICATION_PATTERN.match(publication):
                problem = f"{publication!r} is not a Zenn publication name (2-15 of a-z, 0-9, _)"
                if options.publication_name:
                    _bad_post(post, "xpost.zenn.publication_name", problem)
                raise ConfigError(f"zenn.publication: {problem}")
            front["publication_name"] = publication
        return front

    def _emoji(self, post: Post, options: ZennOptions) -> str:
        for value, key in ((options.emoji, "xpost.zenn.emoji"), (_emoji_of(post), "emoji")):
            if value:
                if not is_one_emoji(value):
                    _bad_post(post, key, f"{value!r} is not exactly one emoji")
                return value
        if not is_one_emoji(self.settings.emoji):
            raise ConfigError(f"zenn.emoji: {self.settings.emoji!r} is not exactly one emoji")
        return self.settings.emoji

    def _type(self, post: Post, options: ZennOptions) -> str:
        for value, key in ((options.type, "xpost.zenn.type"), (_type_of(post), "type")):
            if value:
                if value not in ("tech", "idea"):
                    _bad_post(post, key, f"{value!r} is not a Zenn article type (tech or idea)")
                return value
        if self.settings.type not in ("tech", "idea"):
            raise ConfigError(f"zenn.type: {self.settings.type!r} is not tech or idea")
        return self.settings.type

    def _zenn_time(self, when: datetime) -> str:
        try:
            zone = ZoneInfo(self.site.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"site.timezone: unknown time zone {self.site.timezone!r}") from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=zone)
        # Zenn reads published_at as Japan time, whatever the author's time zone.
        return when.astimezone(ZENN_TIME).strftime("%Y-%m-%d %H:%M")

    def _with_origin_note(self, post: Post, body: str, warnings: list[str]) -> str:
        settings = self.settings
        template = note_template(post, self.site, settings.origin_note, settings.origin_note_en)
        if not template or is_zenn_article(post):
            return body
        note = origin_note(template, post.canonical_url)
        if note is None:
            warnings.append(missing_url_warning("Zenn"))
            return body
        return note.placed(body, settings.origin_note_position)


# -- the pieces, as plain functions ------------------------------------------------------


def article_slug(post: Post, options: ZennOptions) -> str:
    """The article's slug: ``xpost.zenn.slug`` as given; a Zenn article's own file name;
    else derived from the post's, with a short suffix that is stable for the post (a
    slug is unique across all of Zenn: a plain ``event-announcement`` is surely taken)."""
    if options.slug is not None:
        if not SLUG_PATTERN.match(options.slug):
            problem = f"{options.slug!r} is not a Zenn slug (12-50 of a-z, 0-9, - and _)"
            _bad_post(post, "xpost.zenn.slug", problem)
        return options.slug
    if is_zenn_article(post) and SLUG_PATTERN.match(post.source.stem):
        return post.source.stem
    suffix = hashlib.sha256(post.id.encode()).hexdigest()[:SLUG_SUFFIX]
    base = derive_slug(post.slug or post.source.stem, post.date, post.id)
    return f"{base[: 50 - SLUG_SUFFIX - 1].rstrip('-_')}-{suffix}"


#: Hex digits of the post id's hash that make a derived slug Zenn-unique.
SLUG_SUFFIX = 6


def is_zenn_article(post: Post) -> bool:
    """Written with Zenn CLI: in an ``articles/`` folder, with Zenn's front matter."""
    front = post.front_matter
    return post.source.parent.name == "articles" and "emoji" in front and "topics" in front


def derive_slug(base: str, date: datetime | None, stable_id: str) -> str:
    """Make ``base`` a Zenn slug: invalid characters become ``-``; a slug too short gets
    the date (``-20220715``), then a short hash of the post id; a long one is cut."""
    slug = re.sub(r"-{2,}", "-", re.sub(r"[^0-9a-z_-]", "-", base.lower())).strip("-")
    if len(slug) < 12 and date is not None:
        slug = "-".join(part for part in (slug, date.strftime("%Y%m%d")) if part)
    if len(slug) < 12:
        digest = hashlib.sha256(stable_id.encode()).hexdigest()[:8]
        slug = "-".join(part for part in (slug, digest) if part)
    if len(slug) < 12:
        slug = f"{slug}-post"  # a bare 8-char digest still needs 4 more
    return slug[:50].rstrip("-") if len(slug) > 50 else slug


def truncate_title(title: str, warnings: list[str]) -> str:
    """Cut a title to Zenn's 70 (UTF-16) characters at a grapheme boundary, with ``…``."""
    if _utf16_len(title) <= MAX_TITLE:
        return title
    kept = ""
    import regex  # grapheme clusters; only for a title that is too long

    for grapheme in regex.findall(r"\X", title):
        if _utf16_len(kept + grapheme) + 1 > MAX_TITLE:
            break
        kept += grapheme
    cut = kept.rstrip() + "…"
    warnings.append(f"Zenn: the title is longer than {MAX_TITLE} characters: cut to {cut!r}")
    return cut


def normalise_topics(tags: tuple[str, ...] | list[str], warnings: list[str]) -> list[str]:
    """Tags as Zenn topics: lowercase, ``C++``→``cpp``, no spaces or ASCII punctuation,
    no duplicates, at most five. Every change is reported."""
    topics: list[str] = []
    for tag in tags:
        lowered = tag.strip().lower()
        topic = _TOPIC_INVALID.sub("", _TOPIC_NAMES.get(lowered, lowered))
        if not topic:
            warnings.append(f"Zenn: tag {tag!r} has no letters a topic can use: dropped")
            continue
        if len(topic) > MAX_TOPIC_LENGTH:
            warnings.append(
                f"Zenn: tag {tag!r} is longer than the {MAX_TOPIC_LENGTH} characters a topic "
                "may have: dropped (set xpost.zenn.topics)"
            )
            continue
        if topic != tag:
            warnings.append(f"Zenn: tag {tag!r} became topic {topic!r}")
        if topic not in topics:
            topics.append(topic)
    if len(topics) > MAX_TOPICS:
        dropped = ", ".join(topics[MAX_TOPICS:])
        warnings.append(f"Zenn allows {MAX_TOPICS} topics: dropped {dropped}")
    return topics[:MAX_TOPICS]


def is_one_emoji(text: str) -> bool:
    """Exactly one grapheme, and an emoji (pictograph, flag or keycap)."""
    if len(text) == 1:  # one code point is one grapheme (the usual "📝")
        return is_pictographic(text)
    import regex  # grapheme clusters and emoji properties

    return bool(regex.match(_ONE_EMOJI, text))


def format_front_matter(front: dict[str, Any]) -> str:
    """YAML front matter, written out deterministically: strings double-quoted."""
    lines = ["---"]
    for key, value in front.items():
        lines.append(f"{key}: {_yaml_value(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _yaml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_value(item) for item in value) + "]"
    # JSON strings are YAML double-quoted scalars; YAML also breaks lines at U+2028/9.
    quoted = json.dumps(str(value), ensure_ascii=False)
    return quoted.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _bad_post(post: Post, key: str, problem: str) -> NoReturn:
    raise PostError(f"{post.source}: {key}: {problem}")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _emoji_of(post: Post) -> str:
    """A Zenn-native post's own ``emoji`` (Zenn CLI front matter)."""
    value = post.front_matter.get("emoji")
    if value is not None and not isinstance(value, str):
        _bad_post(post, "emoji", f"{value!r} is not an emoji")
    return (value or "").strip()


def _type_of(post: Post) -> str:
    """A Zenn-native post's ``type``. Hugo uses ``type`` for layouts, so only Zenn's values
    count, unless the file is clearly a Zenn article (it has an ``emoji``)."""
    value = post.front_matter.get("type")
    if not isinstance(value, str):
        return ""
    return value if value in ("tech", "idea") or "emoji" in post.front_matter else ""
