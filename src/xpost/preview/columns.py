"""One column per target: each platform's copy drawn from the exact payload its
adapter produced, as pieces that warnings can stand beside.

The built-in platforms are drawn here; any other adapter may draw its own fragment
through ``Adapter.preview_html`` (filtered like raw HTML), else its payload is shown
formatted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xpost.adapters.base import Adapter, Draft
from xpost.post import Post
from xpost.preview import embeds, markup
from xpost.preview.assets import Images, embeds_by_key
from xpost.preview.escape import esc, host_of, link
from xpost.preview.placement import Piece, place
from xpost.preview.rawhtml import RawHtml
from xpost.render.twitter_text import MAX_WEIGHTED_LENGTH

BUILT_IN = ("xpost.platforms.",)
_TWEET_TOKEN = re.compile(
    r"(https?://[^\s]+)|(?<![\w&])([#＃][^\s#＃!-/:-@\[-^`{-~]+)|(?<!\w)(@\w{1,15})"
)
_PAYLOAD_DEPTH = 6
_PAYLOAD_ITEMS = 200


@dataclass
class Column:
    platform: str
    label: str
    action: str
    headline: str = ""
    reason: str | None = None
    kind: str = "payload"  # x | article | connpass | plugin | payload
    pieces: list[Piece] = field(default_factory=list)
    general: list[str] = field(default_factory=list)  # warnings about the whole copy

    @property
    def warning_count(self) -> int:
        return len(self.general) + sum(len(piece.warnings) for piece in self.pieces)


def build(
    post: Post,
    platform: str,
    label: str,
    action: str,
    draft: Draft | None,
    reason: str | None,
    adapter: Adapter[Any, Any] | None,
) -> Column:
    """The column for one target; ``draft`` is None when the post excludes the platform."""
    column = Column(platform, label, action, draft.headline if draft else "", reason)
    if draft is None:
        return column
    fragment = adapter.preview_html(draft) if adapter is not None else None
    if fragment is not None:
        column.kind = "plugin"
        raw = RawHtml(_image_drawer(Images()), keep_class=True)
        column.pieces = [Piece(html=raw.fragment(fragment) + raw.finish())]
        column.general = list(draft.warnings)
        return column
    built_in = adapter is None or type(adapter).__module__.startswith(BUILT_IN)
    drawer = _BUILDERS.get(platform) if built_in else None
    if drawer is None:
        column.kind, column.pieces = _other(post, draft)
        column.general = place(list(draft.warnings), column.pieces)
        return column
    column.kind, column.pieces = drawer(post, draft)
    column.general = place(list(draft.warnings), column.pieces)
    return column


# -- X ---------------------------------------------------------------------------------


def _x(post: Post, draft: Draft) -> tuple[str, list[Piece]]:
    images = Images.of_post(post)
    parts = draft.payload.get("posts") or []
    pieces: list[Piece] = []
    for index, part in enumerate(parts):
        text = str(part.get("text", ""))
        media = [m for m in part.get("media") or [] if isinstance(m, dict)]
        weighted = part.get("weighted_length")
        html = _x_card(post, text, media, weighted, index, len(parts), images)
        source = "\n".join([text, *(f"{m.get('path', '')} {m.get('alt', '')}" for m in media)])
        about = ("canonical", "hashtag", "shortened", "numbering", "alt", "image", "@")
        pieces.append(Piece(html=html, source=source, about=about if index == 0 else ()))
    return "x", pieces


def _x_card(
    post: Post,
    text: str,
    media: list[dict[str, Any]],
    weighted: Any,
    index: int,
    total: int,
    images: Images,
) -> str:
    count = weighted if isinstance(weighted, int) else None
    over = " over" if count is not None and count > MAX_WEIGHTED_LENGTH else ""
    counter = f"{count}/{MAX_WEIGHTED_LENGTH}" if count is not None else "?"
    thread = f'<span class="x-part">{index + 1}/{total}</span>' if total > 1 else ""
    pictures = "".join(_x_media(m, images) for m in media)
    card = ""
    if post.canonical_url and post.canonical_url in text:
        card = _x_link_card(post, images, hidden_by_media=bool(media))
    host = host_of(post.canonical_url or "") if post.canonical_url else ""
    return (
        f'<article class="x-post" data-part="{index + 1}">'
        f'<div class="x-avatar" aria-hidden="true">{esc((host or "x")[:1].upper())}</div>'
        f'<div class="x-main"><div class="x-head"><strong>You</strong>'
        f' <span class="x-handle">@you · now</span>{thread}</div>'
        f'<div class="x-text">{tweet_text(text)}</div>{pictures}{card}'
        f'<div class="x-foot"><span class="x-counter{over}" data-counter>{counter}</span>'
        f"</div></div></article>"
    )


def tweet_text(text: str) -> str:
    """A post's text as X shows it: links shortened for display, hashtags and mentions
    coloured, line breaks kept."""
    out: list[str] = []
    last = 0
    for match in _TWEET_TOKEN.finditer(text):
        out.append(esc(text[last : match.start()]))
        url, tag, mention = match.groups()
        if url:
            shown = re.sub(r"^https?://(www\.)?", "", url)
            shown = shown if len(shown) <= 30 else shown[:29] + "…"
            out.append(link(url, shown, cls="x-link"))
        else:
            out.append(f'<span class="x-link">{esc(tag or mention)}</span>')
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out).replace("\n", "<br>")


def _x_media(item: dict[str, Any], images: Images) -> str:
    path = str(item.get("path", ""))
    alt = str(item.get("alt", ""))
    images.add(path, Path(path))
    data = images.data_uri(path)
    picture = (
        f'<img src="{esc(data)}" alt="{esc(alt)}">' if data else markup.image_placeholder(path, alt)
    )
    badge = '<span class="alt-badge">ALT</span>' if alt else ""
    caption = f'<figcaption class="alt-text">{esc(alt)}</figcaption>' if alt else ""
    return f'<figure class="x-media">{picture}{badge}{caption}</figure>'


def _x_link_card(post: Post, images: Images, hidden_by_media: bool) -> str:
    cover = images.data_uri("cover")
    picture = (
        f'<img src="{esc(cover)}" alt="">'
        if cover
        else '<div class="x-card-blank" aria-hidden="true">🔗</div>'
    )
    note = (
        '<p class="x-card-note">X shows the attached image instead of this card'
        " while the post has one.</p>"
        if hidden_by_media
        else ""
    )
    url = post.canonical_url or ""
    return (
        f'<div class="x-card{" dimmed" if hidden_by_media else ""}" data-embed="x-card">'
        f'{picture}<div class="x-card-text"><span class="x-card-host">{esc(host_of(url))}</span>'
        f'<strong class="x-card-title">{esc(post.title)}</strong>'
        f'<span class="x-card-desc">{esc(post.summary)}</span></div></div>{note}'
    )


# -- Qiita and Zenn --------------------------------------------------------------------


def _image_drawer(images: Images) -> markup.ImageDrawer:
    def draw(src: str, alt: str) -> str:
        data = images.data_uri(src)
        if data is None:
            return markup.image_placeholder(src, alt)
        return f'<img class="md-img" src="{esc(data)}" alt="{esc(alt)}" loading="lazy">'

    return draw


def _chips(names: list[str], cls: str) -> str:
    return "".join(f'<span class="chip {cls}">{esc(name)}</span>' for name in names)


def _qiita(post: Post, draft: Draft) -> tuple[str, list[Piece]]:
    payload = draft.payload
    images = Images.of_post(post)
    tags = [str(t.get("name", "")) for t in payload.get("tags") or [] if isinstance(t, dict)]
    share = '<span class="badge">limited share</span>' if payload.get("private") else ""
    head = [
        Piece(
            html=f'<h1 class="article-title">{esc(payload.get("title", ""))}</h1>{share}',
            source=str(payload.get("title", "")),
            about=("title", "canonical", "originally", "private", "draft"),
        ),
        Piece(
            html=f'<div class="tags">{_chips(tags, "tag")}</div>',
            source=" ".join(tags),
            about=("tag",),
        ),
    ]
    ctx = markup.Context(_image_drawer(images), embeds_by_key(post.document))
    body = markup.render(str(payload.get("body", "")), markup.QIITA, ctx)
    return "article", head + body


def _zenn(post: Post, draft: Draft) -> tuple[str, list[Piece]]:
    payload = draft.payload
    front, body = split_front_matter(str(payload.get("content", "")))
    images = Images.of_post(post)
    for hosted in payload.get("images") or []:
        if isinstance(hosted, dict) and hosted.get("target") and hosted.get("source"):
            images.add("/" + str(hosted["target"]), Path(str(hosted["source"])))
    topics = [str(t) for t in front.get("topics") or []] if isinstance(front, dict) else []
    published = front.get("published") if isinstance(front, dict) else None
    state = "" if published is True else '<span class="badge">published: false</span>'
    when = front.get("published_at") if isinstance(front, dict) else None
    scheduled = f'<span class="badge">published_at {esc(when)}</span>' if when else ""
    kind = front.get("type", "") if isinstance(front, dict) else ""
    head = [
        Piece(
            html=(
                f'<div class="zenn-emoji" aria-hidden="true">{esc(front.get("emoji", ""))}</div>'
                f'<h1 class="article-title">{esc(front.get("title", ""))}</h1>'
                f'<div class="zenn-meta"><span class="badge">{esc(kind)}</span>{state}{scheduled}'
                f'<code class="path">{esc(payload.get("path", ""))}</code></div>'
            ),
            source=f"{front.get('title', '')} {payload.get('path', '')}",
            about=("title", "canonical", "origin", "draft", "published", "emoji", "slug"),
        ),
        Piece(
            html=f'<div class="tags">{_chips(topics, "topic")}</div>',
            source=" ".join(topics),
            about=("topic", "tag"),
        ),
    ]
    ctx = markup.Context(_image_drawer(images), embeds_by_key(post.document))
    return "article", head + markup.render(body, markup.ZENN, ctx)


def split_front_matter(content: str) -> tuple[dict[str, Any], str]:
    """A Zenn article file's front matter (as data) and body."""
    import yaml

    if not content.startswith("---\n"):
        return {}, content
    end = content.find("\n---\n", 4)
    if end < 0:
        return {}, content
    try:
        front = yaml.safe_load(content[4:end])
    except yaml.YAMLError:
        front = None
    return (front if isinstance(front, dict) else {}), content[end + 5 :]


# -- connpass --------------------------------------------------------------------------


def _connpass(post: Post, draft: Draft) -> tuple[str, list[Piece]]:
    payload = draft.payload
    event = payload.get("event_url")
    where = link(str(event)) if event else '<span class="muted">no event linked</span>'
    pieces = [
        Piece(
            html=(
                f'<h1 class="article-title">{esc(payload.get("title", ""))}</h1>'
                f'<div class="event">{where}</div>'
            ),
            source=f"{payload.get('title', '')} {event or ''}",
            about=("event", "title"),
        )
    ]
    description = str(payload.get("description") or "")
    if description:
        pieces.append(Piece(html='<h2 class="section-label">イベント説明 · description</h2>'))
        ctx = markup.Context(_image_drawer(Images()), embeds_by_key(post.document))
        pieces += markup.render(description, markup.CONNPASS, ctx)
    message = str(payload.get("message") or "")
    pieces.append(
        Piece(
            html=(
                '<h2 class="section-label">参加者へのメッセージ · message to participants</h2>'
                f'<div class="message-text">{tweet_text(message) if message else ""}</div>'
            ),
            source=message,
            about=("message", "canonical"),
        )
    )
    return "connpass", pieces


# -- anything else ---------------------------------------------------------------------

#: Fields a short-post platform's payload may count its text in (Bluesky: graphemes).
_COUNTS = ("weighted_length", "graphemes", "characters", "length")


def _other(post: Post, draft: Draft) -> tuple[str, list[Piece]]:
    """Another adapter's payload: short posts (``{"posts": [{"text": …}]}``, the shape
    X's payload has) drawn as post cards, then the payload formatted; else formatted."""
    parts = draft.payload.get("posts")
    raw = Piece(html=payload_html(draft.payload))
    if not (isinstance(parts, list) and parts and all(_is_post(p) for p in parts)):
        return "payload", [raw]
    images = Images.of_post(post)
    pieces = [Piece(html=_post_card(part, images), source=str(part["text"])) for part in parts]
    raw.html = f'<details class="payload-raw"><summary>payload</summary>{raw.html}</details>'
    return "posts", [*pieces, raw]


def _is_post(part: Any) -> bool:
    return isinstance(part, dict) and isinstance(part.get("text"), str)


def _post_card(part: dict[str, Any], images: Images) -> str:
    counted = next(((k, part[k]) for k in _COUNTS if isinstance(part.get(k), int)), None)
    counter = (
        f'<span class="x-counter" data-counter>{counted[1]} {esc(counted[0])}</span>'
        if counted
        else ""
    )
    media = part.get("media") or part.get("images") or []
    pictures = "".join(
        _x_media({"path": m.get("path", ""), "alt": m.get("alt", "")}, images)
        for m in media
        if isinstance(m, dict)
    )
    card = ""
    embed = part.get("embed")
    if isinstance(embed, dict) and isinstance(embed.get("uri") or embed.get("url"), str):
        url = str(embed.get("uri") or embed.get("url"))
        card = embeds.card(url, str(embed.get("title") or ""))
    return (
        f'<article class="x-post"><div class="x-main">'
        f'<div class="x-text">{tweet_text(str(part["text"]))}</div>{pictures}{card}'
        f'<div class="x-foot">{counter}</div></div></article>'
    )


def payload_html(value: Any, depth: int = 0) -> str:
    """A payload shown formatted: keys as labels, text as text, nested values nested."""
    if depth > _PAYLOAD_DEPTH:
        return '<span class="muted">…</span>'
    if isinstance(value, dict):
        rows = list(value.items())[:_PAYLOAD_ITEMS]
        inner = "".join(
            f"<dt>{esc(key)}</dt><dd>{payload_html(item, depth + 1)}</dd>" for key, item in rows
        )
        return f'<dl class="payload">{inner}</dl>'
    if isinstance(value, list):
        items = "".join(
            f"<li>{payload_html(item, depth + 1)}</li>" for item in value[:_PAYLOAD_ITEMS]
        )
        return f'<ol class="payload-list">{items}</ol>'
    if isinstance(value, str):
        return f'<div class="payload-text">{esc(value)}</div>'
    return f"<code>{esc(value)}</code>"


_BUILDERS = {"twitter": _x, "qiita": _qiita, "zenn": _zenn, "connpass": _connpass}
