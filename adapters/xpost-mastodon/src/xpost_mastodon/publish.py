"""Publishing a Mastodon draft: create once, edit in place, resume a half thread.

Imported only when something is sent. How each fault is survived:

- ``POST /api/v1/statuses`` carries an ``Idempotency-Key`` made from the post, the
  part and its text: Mastodon answers a repeated request (for an hour) with the status
  it already made, so a create is retried within the run after a 5xx or a lost answer;
  if it still gets no answer it is ``OutcomeUnknown`` and the next run looks first;
- ``lookup`` reads the account's recent statuses and confirms a candidate through
  ``/api/v1/statuses/:id/source`` (the exact text); the parts of a thread are the
  replies found through ``/context``;
- a half-posted thread resumes: before each missing part, the parent's replies are
  searched for it (a create whose answer was lost), so a part is never posted twice;
- an update is ``PUT /api/v1/statuses/:id`` of each part whose text changed; a
  status edited on Mastodon since xpost wrote it is not overwritten without --force.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from typing import Any

from xpost.plugin import (
    ApiClient,
    ApiRefused,
    CredentialsMissing,
    Draft,
    LocalImage,
    OutcomeUnknown,
    PostError,
    PublishContext,
    PublishError,
    Receipt,
    RemoteConflict,
    RetryPolicy,
    load_image,
)
from xpost_mastodon.counting import DEFAULT_MAX_CHARACTERS, DEFAULT_URL_LENGTH, status_length

MAX_IMAGE_BYTES = 16 * 1024 * 1024
#: Polls of ``GET /api/v1/media/:id`` while the instance processes an upload (202).
MEDIA_POLLS = 20
_STATUS_FIELDS = ("status", "visibility", "language", "spoiler_text", "sensitive")


class Publisher:
    def __init__(self, api_base: str, ctx: PublishContext, policy: RetryPolicy) -> None:
        token = ctx.credentials.get("access_token")
        if not token:
            raise CredentialsMissing(
                "Mastodon: no access token: run 'xpost auth login mastodon' (or 'xpost auth set "
                "mastodon') or set XPOST_MASTODON_ACCESS_TOKEN"
            )
        self.ctx = ctx
        self.api = ApiClient(
            api_base,
            label="Mastodon",
            config_key="[mastodon] api_base",
            timeout=ctx.timeout,
            secrets=[token, ctx.credentials.get("client_secret", "")],
            headers={"Authorization": f"Bearer {token}"},
            policy=policy,
            now=ctx.now,
        )

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.close()

    # -- publish -----------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None) -> Receipt:
        statuses = _statuses(draft)
        state = previous.state if previous else {}
        if previous is not None and state.get("complete"):
            return self._update(statuses, previous)
        parts = [str(p) for p in state.get("parts", [])]
        urls = [str(u) for u in state.get("urls", [])]
        media = _load_media(statuses[0]) if not parts else []  # checked before any request
        self._check_limits(statuses)
        media_ids = [self._upload(image) for image in media]
        receipt = previous
        for index in range(len(parts), len(statuses)):
            status = None
            if parts:  # resuming: the part may exist already, its answer lost
                status = self._find_reply(parts[-1], statuses[index]["status"])
            if status is None:
                status = self._create(statuses[index], parts[-1] if parts else None, media_ids)
            parts.append(str(status["id"]))
            urls.append(str(status.get("url") or status.get("uri") or ""))
            receipt = _receipt(parts, urls, statuses, status, complete=len(parts) == len(statuses))
            if index == 0:
                receipt.state["media_ids"] = media_ids
            elif previous is not None:
                receipt.state["media_ids"] = list(state.get("media_ids", []))
            self.ctx.checkpoint(receipt)
        if receipt is None or receipt is previous:
            assert previous is not None
            return Receipt(
                previous.remote_id,
                previous.url,
                remote_updated_at=previous.remote_updated_at,
                state={**state, "complete": True},
            )
        return receipt

    def _create(
        self, status: dict[str, Any], reply_to: str | None, media_ids: list[str]
    ) -> dict[str, Any]:
        body = {key: status[key] for key in _STATUS_FIELDS if key in status}
        if reply_to:
            body["in_reply_to_id"] = reply_to
        if media_ids and reply_to is None:
            body["media_ids"] = media_ids
        answer = self.api.call(
            "POST",
            "/api/v1/statuses",
            json=body,
            headers={"Idempotency-Key": status["idempotency_key"]},
            retry_safe=True,  # the Idempotency-Key makes a repeat return the same status
            creates=True,
            action="POST /api/v1/statuses",
        ).body
        if not isinstance(answer, dict) or not answer.get("id"):
            raise OutcomeUnknown("Mastodon: the answer to POST /api/v1/statuses holds no status")
        return answer

    def _check_limits(self, statuses: list[dict[str, Any]]) -> None:
        """The instance's own limit, from ``/api/v2/instance``: a status rendered for a
        larger limit than this instance allows is bad input, refused before sending."""
        body = self.api.call("GET", "/api/v2/instance").body
        config = body.get("configuration", {}) if isinstance(body, dict) else {}
        limits = config.get("statuses", {}) if isinstance(config, dict) else {}
        maximum = limits.get("max_characters", DEFAULT_MAX_CHARACTERS)
        reserve = limits.get("characters_reserved_per_url", DEFAULT_URL_LENGTH)
        for index, status in enumerate(statuses, start=1):
            length = status_length(status["status"], status.get("spoiler_text", ""), reserve)
            if length > maximum:
                raise PostError(
                    f"Mastodon: status {index} is {length} characters; {self.api.base_url} allows "
                    f"{maximum}: set [mastodon] max_characters = {maximum} and publish again"
                )

    def _upload(self, image: LocalImage) -> str:
        answer = self.api.call(
            "POST",
            "/api/v2/media",
            files={"file": (image.path.name, image.data, image.mime)},
            form={"description": image.alt} if image.alt else None,
            retry_safe=True,  # an unattached upload is discarded by the instance
            action=f"upload {image.path.name}",
        )
        media = answer.body if isinstance(answer.body, dict) else {}
        media_id = str(media.get("id") or "")
        if not media_id:
            raise PublishError(f"Mastodon: the upload of {image.path.name} returned no media id")
        polls = 0
        while answer.status == 202 or (media.get("url") is None and answer.status == 206):
            polls += 1
            if polls > MEDIA_POLLS:
                raise PublishError(f"Mastodon: {image.path.name} is still being processed")
            self.api.policy.sleep(1.0)
            answer = self.api.call("GET", f"/api/v1/media/{media_id}")
            media = answer.body if isinstance(answer.body, dict) else {}
        return media_id

    # -- update -------------------------------------------------------------------------

    def _update(self, statuses: list[dict[str, Any]], previous: Receipt) -> Receipt:
        state = previous.state
        parts = [str(p) for p in state.get("parts", [])]
        urls = [str(u) for u in state.get("urls", [])]
        hashes = [str(h) for h in state.get("hashes", [])]
        self._check_limits(statuses)
        last: dict[str, Any] | None = None
        for index, status in enumerate(statuses[: len(parts)]):
            if index < len(hashes) and hashes[index] == _hash(status):
                continue
            current = self._status(parts[index])
            if index == 0 and not self.ctx.force:
                _refuse_if_edited_there(current, previous)
            body = {key: status[key] for key in _STATUS_FIELDS if key in status}
            body.pop("visibility", None)  # cannot be changed by an edit
            if index == 0 and state.get("media_ids"):
                body["media_ids"] = list(state["media_ids"])
            answer = self.api.call(
                "PUT",
                f"/api/v1/statuses/{_id(parts[index])}",
                json=body,
                retry_safe=True,  # an edit sent twice leaves the same status
            ).body
            if index == 0 and isinstance(answer, dict):
                last = answer
        for index in range(len(parts), len(statuses)):  # the thread grew
            created = self._create(statuses[index], parts[-1], [])
            parts.append(str(created["id"]))
            urls.append(str(created.get("url") or ""))
        for status_id in reversed(parts[len(statuses) :]):  # the thread shrank
            self._delete(status_id)
        del parts[len(statuses) :], urls[len(statuses) :]
        receipt = _receipt(parts, urls, statuses, last, complete=True)
        receipt.state["media_ids"] = list(state.get("media_ids", []))
        if last is None:
            receipt.remote_updated_at = previous.remote_updated_at
        return receipt

    # -- lookup and unpublish ------------------------------------------------------------

    def lookup(self, draft: Draft, previous: Receipt | None) -> Receipt | None:
        """The statuses of this draft on Mastodon: the first among the account's recent
        statuses, confirmed by its source text; then each next part among the replies."""
        statuses = _statuses(draft)
        state = previous.state if previous else {}
        parts = [str(p) for p in state.get("parts", [])]
        urls = [str(u) for u in state.get("urls", [])]
        first: dict[str, Any] | None = None
        if not parts:
            first = self._find_first(statuses[0]["status"])
            if first is None:
                return None
            parts, urls = [str(first["id"])], [str(first.get("url") or "")]
        for status in statuses[len(parts) :]:
            reply = self._find_reply(parts[-1], status["status"])
            if reply is None:
                break
            parts.append(str(reply["id"]))
            urls.append(str(reply.get("url") or ""))
        # A thread found in part is finished by the next run (``unfinished``).
        return _receipt(parts, urls, statuses, first, complete=len(parts) == len(statuses))

    def unpublish(self, receipt: Receipt) -> None:
        for status_id in reversed(
            [str(p) for p in receipt.state.get("parts", [])] or [receipt.remote_id]
        ):
            self._delete(status_id)

    def whoami(self) -> str:
        account = self._me()
        host = self.api.base_url.split("://", 1)[-1]
        return f"@{account.get('acct')}@{host}"

    # -- single calls ---------------------------------------------------------------------

    def _me(self) -> dict[str, Any]:
        body = self.api.call("GET", "/api/v1/accounts/verify_credentials").body
        if not isinstance(body, dict) or not body.get("id"):
            raise PublishError(
                "Mastodon: verify_credentials returned no account; is api_base right?"
            )
        return body

    def _status(self, status_id: str) -> dict[str, Any]:
        try:
            body = self.api.call("GET", f"/api/v1/statuses/{_id(status_id)}").body
        except ApiRefused as error:
            if error.status == 404:
                raise PublishError(
                    f"Mastodon: status {status_id} no longer exists (deleted on Mastodon?); to "
                    "publish the post again, run 'xpost unpublish POST --from mastodon' first"
                ) from None
            raise
        return body if isinstance(body, dict) else {}

    def _delete(self, status_id: str) -> None:
        try:
            self.api.call("DELETE", f"/api/v1/statuses/{_id(status_id)}")
        except ApiRefused as error:
            if error.status != 404:  # already gone: the goal is reached
                raise

    def _source_is(self, status_id: str, text: str) -> bool:
        body = self.api.call("GET", f"/api/v1/statuses/{_id(status_id)}/source").body
        return isinstance(body, dict) and _same(str(body.get("text", "")), text)

    def _find_first(self, text: str) -> dict[str, Any] | None:
        account = self._me()
        recent = self.api.call(
            "GET",
            f"/api/v1/accounts/{_id(str(account['id']))}/statuses",
            params={"limit": "40", "exclude_reblogs": "true"},
        ).body
        for status in recent if isinstance(recent, list) else []:
            candidate = status.get("in_reply_to_id") is None and _same(_plain(status), text)
            if candidate and self._source_is(str(status["id"]), text):
                return dict(status)
        return None

    def _find_reply(self, parent: str, text: str) -> dict[str, Any] | None:
        context = self.api.call("GET", f"/api/v1/statuses/{_id(parent)}/context").body
        descendants = context.get("descendants", []) if isinstance(context, dict) else []
        for status in descendants:
            candidate = str(status.get("in_reply_to_id")) == parent
            if (
                candidate
                and _same(_plain(status), text)
                and self._source_is(str(status["id"]), text)
            ):
                return dict(status)
        return None


def _statuses(draft: Draft) -> list[dict[str, Any]]:
    if draft.platform != "mastodon":
        raise PublishError(f"Mastodon: refusing a draft rendered for {draft.platform!r}")
    if draft.skip_reason:
        raise PublishError(f"Mastodon: refusing to publish a skipped draft ({draft.skip_reason})")
    statuses: list[dict[str, Any]] = draft.payload.get("statuses") or []
    if not statuses:
        raise PublishError("Mastodon: the draft has no status to send")
    return statuses


def _load_media(first: dict[str, Any]) -> list[LocalImage]:
    return [
        load_image(item["path"], item["alt"], platform="Mastodon", max_bytes=MAX_IMAGE_BYTES)
        for item in first.get("media") or []
    ]


def _hash(status: dict[str, Any]) -> str:
    fields = "\0".join(str(status.get(key, "")) for key in _STATUS_FIELDS)
    return hashlib.sha256(fields.encode()).hexdigest()[:16]


def _receipt(
    parts: list[str],
    urls: list[str],
    statuses: list[dict[str, Any]],
    first: dict[str, Any] | None,
    *,
    complete: bool,
) -> Receipt:
    changed = (first or {}).get("edited_at") or (first or {}).get("created_at")
    return Receipt(
        remote_id=parts[0],
        url=urls[0] or None,
        remote_updated_at=_time(changed),
        state={
            "parts": list(parts),
            "urls": list(urls),
            "hashes": [_hash(s) for s in statuses[: len(parts)]],
            "complete": complete,
        },
    )


def _refuse_if_edited_there(current: dict[str, Any], previous: Receipt) -> None:
    theirs = _time(current.get("edited_at"))
    ours = previous.remote_updated_at
    if theirs is None or ours is None:
        return
    if ours.tzinfo is None:
        ours = ours.astimezone()
    if theirs > ours:
        raise RemoteConflict(
            f"Mastodon: the status was edited on Mastodon since xpost wrote it (at "
            f"{theirs.isoformat()}); rerun with --force to overwrite"
        )


_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def _id(value: str) -> str:
    """A status or account id, checked: it goes into a URL path."""
    if not _ID.fullmatch(value):
        raise PublishError(f"Mastodon: {value!r} is not a Mastodon id; the record is damaged")
    return value


_BREAK = re.compile(r"<br\s*/?>", re.I)
_PARAGRAPH = re.compile(r"</p>\s*<p[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")


def _plain(status: dict[str, Any]) -> str:
    """A status's HTML ``content`` as the text it was written from (links Mastodon
    shortened for display keep their hidden parts in the markup)."""
    content = str(status.get("content", ""))
    content = _PARAGRAPH.sub("\n\n", _BREAK.sub("\n", content))
    return html.unescape(_TAG.sub("", content))


def _same(theirs: str, ours: str) -> bool:
    return " ".join(theirs.split()) == " ".join(ours.split())


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
