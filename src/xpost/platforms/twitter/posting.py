"""Publishing a rendered X draft: one post or a thread, its image, and never a duplicate.

Imported by ``TwitterAdapter`` only when it publishes (the client pulls in tweepy and
requests). The rules it keeps, from DESIGN.md:

- every posted part is checkpointed at once, and a thread whose receipt names fewer
  parts than the draft continues from the last posted part; it never starts over;
- the image is read and checked (type, size, alt text) before any request is sent;
- X's "duplicate content" refusal means the post exists: it is looked up and recorded;
- a create whose answer never came is ``OutcomeUnknown``; ``lookup`` finds it later by
  reading the account's recent posts (t.co links expanded through their entities).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xpost.adapters.base import Draft, PublishContext, Receipt
from xpost.errors import NotExactCopy, PostError, PublishError
from xpost.platforms.twitter.adapter import MAX_ALT_TEXT, MAX_GIF_BYTES, MAX_IMAGE_BYTES
from xpost.platforms.twitter.client import DuplicatePost, XClient, XUser
from xpost.sitefiles import read_image


@dataclass(frozen=True)
class MediaFile:
    """An image read from disk and checked, ready to upload."""

    path: Path
    data: bytes
    mime: str
    category: str  # X's media_category: tweet_image, or tweet_gif for (animated) GIFs
    alt: str


def load_media(draft: Draft) -> list[MediaFile]:
    """The first post's images, read and checked; ``PostError`` names the file."""
    posts: list[dict[str, Any]] = draft.payload.get("posts") or []
    items: list[dict[str, str]] = posts[0].get("media") or [] if posts else []
    return [_load_one(item.get("path", ""), item.get("alt") or "") for item in items]


def _load_one(where: str, alt: str) -> MediaFile:
    if where.startswith(("http://", "https://")):
        raise PostError(
            f"X: image {where}: xpost cannot upload a remote image yet; set "
            "xpost.twitter.image to a local file"
        )
    path = Path(where)
    if not path.exists():
        raise PostError(f"X: image {path}: no such file")
    # Bounded read, type told by the bytes (the pre-flight checked the same, and where
    # the file lies: prepare's check_files).
    image = read_image(path, f"X: image {path}", "X", MAX_GIF_BYTES)
    data, mime = image.data, image.mime
    limit = MAX_GIF_BYTES if mime == "image/gif" else MAX_IMAGE_BYTES
    if len(data) > limit:
        raise PostError(
            f"X: image {path}: {len(data) / 1048576:.1f} MB is over X's "
            f"{limit // 1048576} MB limit for {mime.split('/')[1].upper()} images"
        )
    if len(alt) > MAX_ALT_TEXT:
        raise PostError(f"X: image {path}: alt text is {len(alt)} characters, X allows 1000")
    category = "tweet_gif" if mime == "image/gif" else "tweet_image"
    return MediaFile(path, data, mime, category, alt)


# -- matching a draft with the posts X shows -----------------------------------------

_SCHEME = re.compile(r"\bhttps?://", re.IGNORECASE)
_TRAILING_SLASH = re.compile(r"/(?=\s|$)")


def comparable(text: str) -> str:
    """A text reduced to what survives X's rewriting: entities unescaped, URL schemes
    and trailing slashes dropped (``README.md`` comes back as ``http://README.md``),
    whitespace collapsed."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = _TRAILING_SLASH.sub("", _SCHEME.sub("", text))
    return " ".join(text.split())


def expanded_text(post: dict[str, Any]) -> str:
    """A post's text as it was written: t.co links replaced by the URLs they stand for,
    the link X appends for attached media removed."""
    text = str(post.get("text", ""))
    urls = (post.get("entities") or {}).get("urls") or []
    for url in urls:
        short = url.get("url")
        if not short:
            continue
        if url.get("media_key"):
            text = text.replace(short, "")
        elif url.get("expanded_url"):
            text = text.replace(short, str(url["expanded_url"]))
    return text


def _expanded_urls(post: dict[str, Any]) -> set[str]:
    urls = (post.get("entities") or {}).get("urls") or []
    return {comparable(str(u["expanded_url"])) for u in urls if u.get("expanded_url")}


def _links_in(text: str) -> set[str]:
    return {comparable(match) for match in re.findall(r"https?://\S+", text)}


def _is_root(post: dict[str, Any]) -> bool:
    return str(post.get("conversation_id", post.get("id"))) == str(post.get("id"))


def find_first_part(posts: list[dict[str, Any]], text: str) -> str | None:
    """The id of the post (not a reply) that is ``text``: the same text once t.co links
    are expanded. Never a post that merely links the same URL (the author's own share
    of it is not xpost's post)."""
    wanted = comparable(text)
    for post in posts:
        if _is_root(post) and comparable(expanded_text(post)) == wanted:
            return str(post["id"])
    return None


def near_first_part(posts: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    """A post (not a reply) linking every URL of ``text`` without being ``text``: one that
    could be taken for xpost's post, and must not be."""
    links = _links_in(text)
    if not links:
        return None
    return next((p for p in posts if _is_root(p) and links <= _expanded_urls(p)), None)


def find_reply(posts: list[dict[str, Any]], root: str, text: str) -> str | None:
    """The id of the post in ``root``'s conversation whose text is ``text``."""
    wanted = comparable(text)
    for post in reversed(posts):  # oldest first: the first answer is the one in the thread
        in_thread = str(post.get("conversation_id")) == root and str(post.get("id")) != root
        if in_thread and comparable(expanded_text(post)) == wanted:
            return str(post["id"])
    return None


# -- publishing -------------------------------------------------------------------------


def posted_parts(receipt: Receipt | None) -> list[str]:
    """The ids of the parts a receipt says are on X, first part first."""
    if receipt is None:
        return []
    parts = receipt.state.get("parts")
    if isinstance(parts, list) and parts:
        return [str(part) for part in parts]
    return [receipt.remote_id] if receipt.remote_id else []


def post_url(username: str | None, post_id: str) -> str:
    if username:
        return f"https://x.com/{username}/status/{post_id}"
    return f"https://x.com/i/web/status/{post_id}"


class ThreadPublisher:
    """Publishes, finds and removes one draft's posts through an ``XClient``."""

    def __init__(
        self, client: XClient, ctx: PublishContext, accounts: dict[str, XUser] | None = None
    ) -> None:
        self.client = client
        self.ctx = ctx
        #: The account each set of credentials signs in as, found once per adapter (a
        #: run): a lookup before each new copy then costs one GET, not two.
        self.accounts = accounts if accounts is not None else {}

    def publish(self, draft: Draft, previous: Receipt | None) -> Receipt:
        texts = _texts(draft)
        parts = posted_parts(previous)
        if previous is not None and len(parts) >= len(texts):
            return previous  # everything is on X already: a rerun sends nothing
        media = load_media(draft) if not parts else []  # checked before any request
        if len(texts) == 1 and not media:
            return self._single(texts[0], previous)
        user = self._user(previous)
        receipt = previous
        media_ids = self._upload(media)
        for index in range(len(parts), len(texts)):
            action = "post" if len(texts) == 1 else f"post part {index + 1} of {len(texts)}"
            if len(texts) > 1:
                self.ctx.progress(f"part {index + 1}/{len(texts)}")
            try:
                post_id = self.client.create_post(
                    texts[index],
                    reply_to=parts[-1] if parts else None,
                    media_ids=media_ids if index == 0 else [],
                    action=action,
                )
            except DuplicatePost:
                post_id = self._existing(user, texts[index], parts, action)
            parts.append(post_id)
            receipt = _receipt(user, parts)
            self.ctx.checkpoint(receipt)
        assert receipt is not None  # at least one part was posted above
        return receipt

    def _single(self, text: str, previous: Receipt | None) -> Receipt:
        """One post and nothing to upload: nothing can be left half-done, so the account
        is asked for while posting (one round trip, not two). If only that question
        fails, the post still counts, with the username-free permalink."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            asked = pool.submit(self._user, previous)
            try:
                post_id = self.client.create_post(text, reply_to=None, media_ids=[], action="post")
            except DuplicatePost:
                post_id = self._existing(asked.result(), text, [], "post")
            try:
                user: XUser | None = asked.result()
            except PublishError:
                user = None
        receipt = _receipt(user, [post_id])
        self.ctx.checkpoint(receipt)
        return receipt

    def lookup(self, draft: Draft, previous: Receipt | None) -> Receipt | None:
        """The posts of this draft already on X (parts in order, stopping at the first
        missing one), found among the account's recent posts; None when the first is not
        there."""
        texts = _texts(draft)
        user = self._user(previous)
        posts = self.client.recent_posts(user.id)
        parts = posted_parts(previous)
        if not parts:
            first = find_first_part(posts, texts[0])
            if first is None:
                near = near_first_part(posts, texts[0])
                if near is not None:
                    raise NotExactCopy(
                        f"X: {post_url(user.username, str(near['id']))} links this post but "
                        "its text is not what xpost sends, so it is not adopted and the "
                        "outcome stays unknown: if it is xpost's post, run 'xpost confirm "
                        "POST twitter URL'; if not, rerun with --force to post"
                    )
                return None
            parts = [first]
        for text in texts[len(parts) :]:
            reply = find_reply(posts, parts[0], text)
            if reply is None:
                break
            parts.append(reply)
        return _receipt(user, parts)

    def unpublish(self, receipt: Receipt) -> None:
        """Delete every part, the last one first (a half-deleted thread still reads
        from its start)."""
        for post_id in reversed(posted_parts(receipt)):
            self.client.delete_post(post_id)

    def _user(self, previous: Receipt | None) -> XUser:
        """The account, from the receipt's memory when it has it, else from X (which
        also checks the credentials before anything is uploaded or posted)."""
        state = previous.state if previous else {}
        if state.get("user_id") and state.get("username"):
            return XUser(str(state["user_id"]), str(state["username"]))
        known = self.accounts.get(self.client.identity)
        if known is None:
            known = self.accounts[self.client.identity] = self.client.me()
        return known

    def _upload(self, media: list[MediaFile]) -> list[str]:
        ids = []
        for number, item in enumerate(media, 1):
            self.ctx.progress(f"uploading {item.path.name} ({number}/{len(media)})")
            media_id = self.client.upload_image(
                item.data, mime=item.mime, category=item.category, name=item.path.name
            )
            if item.alt:
                self.client.set_alt_text(media_id, item.alt)
            ids.append(media_id)
        return ids

    def _existing(self, user: XUser, text: str, parts: list[str], action: str) -> str:
        """The post X refused as a duplicate of; looked up once, never posted again."""
        posts = self.client.recent_posts(user.id)
        found = find_reply(posts, parts[0], text) if parts else find_first_part(posts, text)
        if found is None:
            raise PublishError(
                f"X says '{action}' duplicates an existing post, but it is not among the "
                f"account's 100 latest posts: check https://x.com/{user.username} and "
                "delete the old post or change the text"
            )
        return found


def _texts(draft: Draft) -> list[str]:
    texts = [str(post["text"]) for post in draft.payload.get("posts") or []]
    if not texts:
        raise PublishError("X: the draft has no post to send")
    return texts


def _receipt(user: XUser | None, parts: list[str]) -> Receipt:
    state: dict[str, object] = {"parts": list(parts)}
    if user is not None:
        state.update(user_id=user.id, username=user.username)
    return Receipt(
        remote_id=parts[0], url=post_url(user.username if user else None, parts[0]), state=state
    )
