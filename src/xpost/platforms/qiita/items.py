"""The decisions behind the Qiita adapter's publishing, apart from the wire protocol.

What may be sent, which item is this post's copy, whether it was edited on Qiita,
and what a Receipt records. Pure functions, no network import: the client
(``xpost.platforms.qiita.client``) is passed in where one is needed.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from xpost.adapters.base import Draft, Receipt
from xpost.clients.errors import RemoteNotFound
from xpost.content.origin import OriginNote
from xpost.errors import OutcomeUnknown, PublishError, RemoteConflict

if TYPE_CHECKING:
    from xpost.platforms.qiita.client import QiitaClient


def sendable(draft: Draft) -> dict[str, Any]:
    """The payload, after refusing what must never reach Qiita."""
    if draft.platform != "qiita":
        raise PublishError(f"Qiita: refusing a draft rendered for {draft.platform!r}")
    if draft.skip_reason:
        # Defence in depth: render marks drafts skipped, and limited sharing ("private")
        # is readable by anyone with the link, so a draft is never sent at all.
        raise PublishError(f"Qiita: refusing to publish a skipped draft ({draft.skip_reason})")
    return draft.payload


def receipt_from(item: dict[str, Any], *, created: bool = False) -> Receipt:
    """What the ledger keeps of an item Qiita returned."""
    item_id = item.get("id")
    if not isinstance(item_id, str) or not re.fullmatch(_ITEM_ID, item_id):
        message = "Qiita: the answer holds no item id" + (
            f" (got {str(item_id)[:40]!r}, not 20 hex digits)" if item_id else ""
        )
        if created:
            raise OutcomeUnknown(message + "; the item may have been created")
        raise PublishError(message)
    url = item.get("url")
    return Receipt(
        remote_id=item_id,
        url=url if isinstance(url, str) and is_item_url(url, item_id) else None,
        remote_updated_at=_timestamp(item.get("updated_at")),
    )


# Pattern text, not compiled patterns: ``re`` compiles each on first use and keeps it,
# so a start-up that needs none of them compiles none.
# An item id is 20 lower-case hex digits (contracts/qiita/schema-2016.json, item.id
# pattern); its page is ``https://qiita.com/USER/items/ID`` (Qiita Team: TEAM.qiita.com).
_ITEM_ID = r"[0-9a-f]{20}"
_ITEM_URL = r"https://(?:[a-z0-9-]+\.)?qiita\.com/[A-Za-z0-9_-]{1,64}/items/([0-9a-f]{20})"


def is_item_url(url: str, item_id: str) -> bool:
    """Whether ``url`` is this item's page on Qiita: an answer's URL is printed and kept,
    so a ``javascript:`` or look-alike one is dropped, never shown."""
    match = re.fullmatch(_ITEM_URL, url)
    return match is not None and match.group(1) == item_id


def item_or_none(client: QiitaClient, item_id: str) -> dict[str, Any] | None:
    """The item, or None when Qiita answers 404."""
    try:
        return client.get_item(item_id)
    except RemoteNotFound:
        return None


def gone(item_id: str) -> RemoteNotFound:
    return RemoteNotFound(
        f"Qiita: item {item_id} no longer exists (deleted on Qiita?); to publish the post "
        "again, run 'xpost unpublish POST --from qiita' to forget it, then publish"
    )


def fingerprint(item: dict[str, Any]) -> str:
    """What an item (or a payload) says, as one hash: title, body, tag names, private."""
    tags = item.get("tags")
    names = [t.get("name") for t in tags if isinstance(t, dict)] if isinstance(tags, list) else []
    body = item.get("body")
    text = json.dumps(
        [
            item.get("title"),
            _normalised(body) if isinstance(body, str) else None,
            names,
            bool(item.get("private")),
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def refuse_if_edited_there(current: dict[str, Any], previous: Receipt) -> None:
    """RemoteConflict when Qiita's ``updated_at`` is newer than the one xpost recorded,
    unless Qiita holds exactly what xpost last sent (``state["sent"]``): an update whose
    answer was lost landed, and its newer time is xpost's own."""
    if previous.state.get("sent") == fingerprint(current):
        return
    theirs = _timestamp(current.get("updated_at"))
    ours = previous.remote_updated_at
    if theirs is None or ours is None:
        return  # nothing to compare: the record predates timestamps, or Qiita sent none
    if ours.tzinfo is None:
        ours = ours.replace(tzinfo=UTC)
    if theirs > ours:
        raise RemoteConflict(
            "Qiita: the item was edited on Qiita since xpost last wrote it "
            f"(updated there {theirs.isoformat()}, xpost wrote {ours.isoformat()}); "
            "rerun with --force to overwrite"
        )


def same_content(item: dict[str, Any], payload: dict[str, Any]) -> bool:
    """Does Qiita already hold exactly what ``payload`` would write?"""
    tags = item.get("tags")
    names = [t.get("name") for t in tags if isinstance(t, dict)] if isinstance(tags, list) else []
    return (
        item.get("title") == payload["title"]
        and _same_body(item.get("body"), payload["body"])
        and names == [tag["name"] for tag in payload["tags"]]
        and item.get("private") == payload["private"]
        and bool(item.get("slide")) == bool(payload.get("slide"))
        and (item.get("organization_url_name") or None) == payload.get("organization_url_name")
    )


def is_copy(item: dict[str, Any], payload: dict[str, Any], origin_note: str | None) -> bool:
    """Is ``item`` exactly this post's copy? Its "originally published at" line is xpost's
    own footprint and survives a title edited since: the whole line, URL included, must
    be a paragraph of its own (``…/p/1`` is not ``…/p/10``'s note). Without a note, the
    title and the body must be exactly what xpost sends."""
    body = item.get("body")
    if not isinstance(body, str):
        return False
    if origin_note:
        return OriginNote(origin_note).is_in(body)
    return item.get("title") == payload["title"] and _same_body(body, payload["body"])


def _same_body(theirs: Any, ours: str) -> bool:
    # Line-end style and surrounding blank lines carry no meaning in Markdown.
    return isinstance(theirs, str) and _normalised(theirs) == _normalised(ours)


def _normalised(body: str) -> str:
    return body.replace("\r\n", "\n").strip()


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
