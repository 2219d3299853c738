"""Publishing a Misskey draft over its HTTP API, exactly once by looking before creating.

Imported only when something is sent. Every endpoint is ``POST /api/<name>`` with the
access token as ``i`` in the body. Misskey has no idempotency key, so:

- before each note is created, the account's recent notes (``users/notes``) — or, for
  a reply in a thread, the parent's replies (``notes/children``) — are searched for
  one with exactly this text: a create whose answer was lost is adopted, not repeated;
- a create that gets no answer is looked for once more at once, and is
  ``OutcomeUnknown`` if still not seen: the next run looks before creating;
- every posted note is checkpointed; a half-posted thread resumes.
"""

from __future__ import annotations

import re
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
    RetryPolicy,
    load_image,
)
from xpost_misskey.adapter import MAX_IMAGE_BYTES
from xpost_misskey.mfm import DEFAULT_MAX_NOTE_TEXT_LENGTH, note_length

#: How many of the account's newest notes are searched for a note whose answer was lost.
RECENT = 100
_ID = re.compile(r"[0-9A-Za-z]{1,32}")


def _detail(body: Any) -> str | None:
    """Misskey errors are ``{"error": {"message", "code", "id"}}``."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code = error.get("code")
        return f"{error['message']} ({code})" if isinstance(code, str) else str(error["message"])
    return None


def _code(error: ApiRefused) -> str | None:
    inner = error.body.get("error") if isinstance(error.body, dict) else None
    return str(inner.get("code")) if isinstance(inner, dict) else None


class Publisher:
    def __init__(self, api_base: str, ctx: PublishContext, policy: RetryPolicy) -> None:
        token = ctx.credentials.get("token")
        if not token:
            raise CredentialsMissing(
                "Misskey: no access token: run 'xpost auth set misskey' or set XPOST_MISSKEY_TOKEN"
            )
        self.ctx = ctx
        self.base = api_base
        self._token = token
        self._me: dict[str, Any] | None = None
        self.api = ApiClient(
            api_base,
            label="Misskey",
            config_key="[misskey] api_base",
            timeout=ctx.timeout,
            policy=policy,
            secrets=[token],
            detail=_detail,
            now=ctx.now,
        )

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.close()

    def call(self, endpoint: str, body: dict[str, Any], **options: Any) -> Any:
        """``POST /api/<endpoint>`` with the token; reads never change anything."""
        return self.api.call(
            "POST", f"/api/{endpoint}", json={**body, "i": self._token}, action=endpoint, **options
        ).body

    # -- publish -----------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None) -> Receipt:
        notes = _notes(draft)
        parts = [str(p) for p in (previous.state.get("parts", []) if previous else [])]
        if previous is not None and len(parts) >= len(notes):
            return previous  # the whole thread is there: nothing to send
        files = _load_files(notes[0]) if not parts else []  # checked before any request
        self._check_limit(notes)
        me = self.me()
        file_ids = [self._upload(image) for image in files]
        receipt = previous
        for index in range(len(parts), len(notes)):
            note = notes[index]
            parent = parts[-1] if parts else None
            found = self._find(note["text"], parent)
            created = found or self._create(note, parent, file_ids if index == 0 else [])
            parts.append(str(created["id"]))
            receipt = self._receipt(me, parts)
            self.ctx.checkpoint(receipt)
        assert receipt is not None
        return receipt

    def _create(
        self, note: dict[str, Any], parent: str | None, file_ids: list[str]
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"text": note["text"], "visibility": note["visibility"]}
        for key in ("cw", "localOnly"):
            if key in note:
                body[key] = note[key]
        if parent:
            body["replyId"] = parent
        if file_ids:
            body["fileIds"] = file_ids
        try:
            answer = self.call("notes/create", body, retry_safe=False, creates=True)
        except OutcomeUnknown as error:
            found = self._find_quietly(note["text"], parent)
            if found is not None:
                return found
            raise error from None
        created = answer.get("createdNote") if isinstance(answer, dict) else None
        if not isinstance(created, dict) or not created.get("id"):
            raise OutcomeUnknown("Misskey: the answer to notes/create holds no note; it may exist")
        return created

    def _check_limit(self, notes: list[dict[str, Any]]) -> None:
        meta = self.api.call("POST", "/api/meta", json={"detail": False}, retry_safe=True).body
        limit = meta.get("maxNoteTextLength") if isinstance(meta, dict) else None
        limit = limit if isinstance(limit, int) else DEFAULT_MAX_NOTE_TEXT_LENGTH
        for index, note in enumerate(notes, start=1):
            length = note_length(note["text"])
            if length > limit:
                raise PostError(
                    f"Misskey: note {index} is {length} characters; {self.base} allows {limit}: "
                    f"set [misskey] max_note_text_length = {limit} and publish again"
                )

    def _upload(self, image: LocalImage) -> str:
        form = {"i": self._token, "name": image.path.name}
        if image.alt:
            form["comment"] = image.alt
        answer = self.api.call(
            "POST",
            "/api/drive/files/create",
            files={"file": (image.path.name, image.data, image.mime)},
            form=form,
            action=f"drive/files/create {image.path.name}",
        ).body
        file_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(file_id, str):
            raise PublishError(f"Misskey: the upload of {image.path.name} returned no file id")
        return file_id

    # -- finding notes ---------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        if self._me is None:
            answer = self.call("i", {}, retry_safe=True)
            if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
                raise PublishError(
                    "Misskey: /api/i returned no account; is [misskey] api_base right?"
                )
            self._me = answer
        return self._me

    def _find(self, text: str, parent: str | None) -> dict[str, Any] | None:
        """This account's note with exactly ``text`` (replying to ``parent``), if any."""
        me = self.me()
        if parent is None:
            notes = self.call(
                "users/notes",
                {"userId": me["id"], "limit": RECENT, "withReplies": False, "withRenotes": False},
                retry_safe=True,
            )
        else:
            notes = self.call(
                "notes/children", {"noteId": _id(parent), "limit": RECENT}, retry_safe=True
            )
        for note in notes if isinstance(notes, list) else []:
            same_text = str(note.get("text") or "").strip() == text.strip()
            if same_text and note.get("userId") == me["id"] and note.get("replyId") == parent:
                return dict(note)
        return None

    def _find_quietly(self, text: str, parent: str | None) -> dict[str, Any] | None:
        try:
            return self._find(text, parent)
        except PublishError:
            return None

    def lookup(self, draft: Draft, previous: Receipt | None) -> Receipt | None:
        notes = _notes(draft)
        parts = [str(p) for p in (previous.state.get("parts", []) if previous else [])]
        for note in notes[len(parts) :]:
            found = self._find(note["text"], parts[-1] if parts else None)
            if found is None:
                break
            parts.append(str(found["id"]))
        return self._receipt(self.me(), parts) if parts else None

    def unpublish(self, receipt: Receipt) -> None:
        for note_id in reversed(
            [str(p) for p in receipt.state.get("parts", [])] or [receipt.remote_id]
        ):
            try:
                self.call("notes/delete", {"noteId": _id(note_id)}, retry_safe=True)
            except ApiRefused as error:
                if _code(error) != "NO_SUCH_NOTE":  # already gone: the goal is reached
                    raise

    def whoami(self) -> str:
        me = self.me()
        return f"@{me.get('username')}@{self.base.split('://', 1)[-1]}"

    def _receipt(self, me: dict[str, Any], parts: list[str]) -> Receipt:
        return Receipt(
            remote_id=parts[0],
            url=f"{self.base}/notes/{parts[0]}",
            state={"parts": list(parts), "user_id": me["id"], "username": me.get("username")},
        )


def _notes(draft: Draft) -> list[dict[str, Any]]:
    if draft.platform != "misskey":
        raise PublishError(f"Misskey: refusing a draft rendered for {draft.platform!r}")
    if draft.skip_reason:
        raise PublishError(f"Misskey: refusing to publish a skipped draft ({draft.skip_reason})")
    notes: list[dict[str, Any]] = draft.payload.get("notes") or []
    if not notes:
        raise PublishError("Misskey: the draft has no note to send")
    return notes


def _load_files(first: dict[str, Any]) -> list[LocalImage]:
    return [
        load_image(item["path"], item["alt"], platform="Misskey", max_bytes=MAX_IMAGE_BYTES)
        for item in first.get("files") or []
    ]


def _id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise PublishError(f"Misskey: {value!r} is not a note id; the record is damaged")
    return value
