"""Publishing a Bluesky draft over XRPC, exactly once.

Imported only when something is sent. Each part of the draft has a record key derived
from the post (``xpost_bluesky.rkey``), so:

- before creating a part, ``getRecord`` says whether an earlier run already made it
  (its answer lost): then it is adopted, not created again;
- ``createRecord`` with that ``rkey`` cannot make a second post even if two runs race:
  the PDS refuses a key that is taken; a refusal, a 5xx or a lost answer is followed
  by ``getRecord`` to learn what is there;
- every posted part is checkpointed at once, and a half-posted thread resumes.

Endpoints (lexicons in ``com.atproto.*``): ``server.createSession`` (app password),
``repo.uploadBlob``, ``repo.getRecord``, ``repo.createRecord``, ``repo.deleteRecord``,
and ``identity.resolveHandle`` for mentions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xpost.plugin import (
    ApiClient,
    ApiRefused,
    AuthError,
    CredentialsMissing,
    Draft,
    LocalImage,
    NotExactCopy,
    OutcomeUnknown,
    PublishContext,
    PublishError,
    Receipt,
    load_image,
)
from xpost_bluesky.richtext import fits, mention_handles, resolved_facets

COLLECTION = "app.bsky.feed.post"
MAX_IMAGE_BYTES = 2_000_000
MAX_THUMB_BYTES = 1_000_000


@dataclass(frozen=True)
class Session:
    did: str
    handle: str


def _detail(body: Any) -> str | None:
    """XRPC errors are ``{"error": "Name", "message": "..."}``."""
    if isinstance(body, dict):
        name, message = body.get("error"), body.get("message")
        if isinstance(message, str) and isinstance(name, str):
            return f"{message} ({name})"
        if isinstance(name, str):
            return name
    return None


def _error_name(error: ApiRefused) -> str | None:
    body = error.body
    return str(body["error"]) if isinstance(body, dict) and "error" in body else None


class Publisher:
    def __init__(self, api_base: str, ctx: PublishContext) -> None:
        identifier = ctx.credentials.get("identifier")
        password = ctx.credentials.get("app_password")
        if not identifier or not password:
            raise CredentialsMissing(
                "Bluesky: no handle or app password: run 'xpost auth set bluesky' or set "
                "XPOST_BLUESKY_IDENTIFIER and XPOST_BLUESKY_APP_PASSWORD"
            )
        self.ctx = ctx
        self._identifier = identifier
        self._password = password
        self._session: Session | None = None
        self.api = ApiClient(
            api_base,
            label="Bluesky",
            config_key="[bluesky] api_base",
            timeout=ctx.timeout,
            secrets=[password],
            detail=_detail,
            now=ctx.now,
        )

    def __enter__(self) -> Publisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.api.close()

    # -- session ---------------------------------------------------------------------

    def session(self) -> Session:
        if self._session is not None:
            return self._session
        try:
            answer = self.api.call(
                "POST",
                "/xrpc/com.atproto.server.createSession",
                json={"identifier": self._identifier, "password": self._password},
                retry_safe=True,  # signing in changes nothing
                action="sign-in",
            ).body
        except AuthError as error:
            raise AuthError(
                f"{error}; check it with 'xpost auth set bluesky' (an app password)"
            ) from None
        if not isinstance(answer, dict) or not all(
            isinstance(answer.get(key), str) for key in ("accessJwt", "did", "handle")
        ):
            raise PublishError(
                "Bluesky: the sign-in answer holds no session; is [bluesky] api_base a PDS?"
            )
        self.api.add_secret(answer["accessJwt"])
        self.api.add_secret(str(answer.get("refreshJwt", "")))
        self.api.set_header("Authorization", f"Bearer {answer['accessJwt']}")
        self._session = Session(answer["did"], answer["handle"])
        return self._session

    # -- publish -----------------------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None) -> Receipt:
        posts = _posts(draft)
        parts = _parts(previous)
        if previous is not None and len(parts) >= len(posts):
            return previous  # the whole thread is there: nothing to send
        media = _load_media(posts[0]) if not parts else {}  # checked before any request
        session = self.session()
        receipt = previous
        for index in range(len(parts), len(posts)):
            part = posts[index]
            ref = self._existing(session, part) or self._create(
                session, part, parts, media, index == 0
            )
            parts.append(ref)
            receipt = _receipt(session, parts)
            self.ctx.checkpoint(receipt)
        assert receipt is not None
        return receipt

    def _create(
        self,
        session: Session,
        part: dict[str, Any],
        parts: list[dict[str, str]],
        media: dict[str, LocalImage],
        first: bool,
    ) -> dict[str, str]:
        record = self._record(part, parts, media if first else {})
        try:
            answer = self.api.call(
                "POST",
                "/xrpc/com.atproto.repo.createRecord",
                json={
                    "repo": session.did,
                    "collection": COLLECTION,
                    "rkey": part["rkey"],
                    "record": record,
                },
                creates=True,
                action=f"createRecord {part['rkey']}",
            ).body
        except (OutcomeUnknown, ApiRefused) as error:
            # The key is ours alone: whatever happened, what is there now tells.
            try:
                found = self._existing(session, part)
            except PublishError as check:
                raise OutcomeUnknown(
                    f"{error}; and checking for the post failed too ({check}): the next run "
                    "looks it up before sending anything"
                ) from None
            if found is not None:
                return found
            raise error from None
        if not isinstance(answer, dict) or not isinstance(answer.get("uri"), str):
            raise OutcomeUnknown(
                "Bluesky: the answer to createRecord holds no uri; the post may exist"
            )
        return {"uri": answer["uri"], "cid": str(answer.get("cid", ""))}

    def _existing(self, session: Session, part: dict[str, Any]) -> dict[str, str] | None:
        """The part as the PDS has it under its key; a different post there is an error."""
        found = self.get_record(session.did, part["rkey"])
        if found is None:
            return None
        value = found.get("value")
        if not isinstance(value, dict) or value.get("text") != part["text"]:
            # Under this post's own key but not what xpost sends now (an older version of
            # the post?): never adopted, never overwritten; the user decides.
            raise NotExactCopy(
                f"Bluesky: record {part['rkey']} holds a different post than xpost would send; "
                f"check https://bsky.app/profile/{session.handle}/post/{part['rkey']} and, if it "
                "is this post's copy, run 'xpost confirm POST bluesky URL'"
            )
        return {"uri": str(found["uri"]), "cid": str(found.get("cid", ""))}

    def _record(
        self, part: dict[str, Any], parts: list[dict[str, str]], media: dict[str, LocalImage]
    ) -> dict[str, Any]:
        handles = mention_handles(part["facets"])
        dids = {handle: self.resolve_handle(handle) for handle in handles}
        record: dict[str, Any] = {
            "$type": COLLECTION,
            "text": part["text"],
            "createdAt": self.ctx.now().astimezone().isoformat(timespec="milliseconds"),
        }
        facets = resolved_facets(part["facets"], dids)
        if facets:
            record["facets"] = facets
        if part.get("langs"):
            record["langs"] = list(part["langs"])
        if parts:
            record["reply"] = {"root": parts[0], "parent": parts[-1]}
        embed = part.get("embed")
        if embed and embed["type"] == "external":
            external: dict[str, Any] = {
                "uri": embed["uri"],
                "title": embed["title"],
                "description": embed["description"],
            }
            if embed.get("thumb") and embed["thumb"] in media:
                external["thumb"] = self.upload_blob(media[embed["thumb"]])
            record["embed"] = {"$type": "app.bsky.embed.external", "external": external}
        elif embed and embed["type"] == "images":
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [
                    {"image": self.upload_blob(media[image["path"]]), "alt": image["alt"]}
                    for image in embed["images"]
                ],
            }
        return record

    # -- lookup and unpublish ------------------------------------------------------------

    def lookup(self, draft: Draft) -> Receipt | None:
        """The parts already on Bluesky, found by their keys (in order, up to the first
        missing one); None when the first is not there."""
        session = self.session()
        parts: list[dict[str, str]] = []
        for part in _posts(draft):
            found = self._existing(session, part)
            if found is None:
                break
            parts.append(found)
        return _receipt(session, parts) if parts else None

    def unpublish(self, receipt: Receipt) -> None:
        """Delete every part, the last first; deleting what is gone succeeds."""
        session = self.session()
        parts = _parts(receipt)
        if not parts and receipt.state.get("confirmed_rkey"):  # confirmed by hand: its URL
            uri = f"at://{session.did}/{COLLECTION}/{receipt.state['confirmed_rkey']}"
            parts = [{"uri": uri, "cid": ""}]
        for ref in reversed(parts):
            rkey = ref["uri"].rsplit("/", 1)[-1]
            self.api.call(
                "POST",
                "/xrpc/com.atproto.repo.deleteRecord",
                json={"repo": session.did, "collection": COLLECTION, "rkey": rkey},
                retry_safe=True,  # deleting twice is deleting once
                action=f"deleteRecord {rkey}",
            )

    # -- single calls ---------------------------------------------------------------------

    def get_record(self, did: str, rkey: str) -> dict[str, Any] | None:
        try:
            body = self.api.call(
                "GET",
                "/xrpc/com.atproto.repo.getRecord",
                params={"repo": did, "collection": COLLECTION, "rkey": rkey},
                action=f"getRecord {rkey}",
            ).body
        except ApiRefused as error:
            if error.status == 404 or _error_name(error) == "RecordNotFound":
                return None
            raise
        if not isinstance(body, dict) or not isinstance(body.get("uri"), str):
            raise PublishError(f"Bluesky: the answer to getRecord {rkey} is not a record")
        return body

    def upload_blob(self, image: LocalImage) -> dict[str, Any]:
        body = self.api.call(
            "POST",
            "/xrpc/com.atproto.repo.uploadBlob",
            data=image.data,
            headers={"Content-Type": image.mime},
            retry_safe=True,  # an unreferenced blob is discarded by the PDS
            action=f"uploadBlob {image.path.name}",
        ).body
        blob = body.get("blob") if isinstance(body, dict) else None
        if not isinstance(blob, dict):
            raise PublishError(f"Bluesky: the answer to uploadBlob {image.path.name} holds no blob")
        return blob

    def resolve_handle(self, handle: str) -> str | None:
        try:
            body = self.api.call(
                "GET",
                "/xrpc/com.atproto.identity.resolveHandle",
                params={"handle": handle},
                action=f"resolveHandle {handle}",
            ).body
        except ApiRefused as error:
            if error.status in (400, 404):
                return None  # no such account: the mention stays plain text
            raise
        did = body.get("did") if isinstance(body, dict) else None
        return did if isinstance(did, str) else None


def _posts(draft: Draft) -> list[dict[str, Any]]:
    if draft.platform != "bluesky":
        raise PublishError(f"Bluesky: refusing a draft rendered for {draft.platform!r}")
    if draft.skip_reason:
        raise PublishError(f"Bluesky: refusing to publish a skipped draft ({draft.skip_reason})")
    posts: list[dict[str, Any]] = draft.payload.get("posts") or []
    if not posts:
        raise PublishError("Bluesky: the draft has no post to send")
    for part in posts:
        if not fits(str(part.get("text", ""))):
            raise PublishError("Bluesky: a part is over 300 graphemes or 3000 bytes; render again")
    return posts


def _load_media(first: dict[str, Any]) -> dict[str, LocalImage]:
    embed = first.get("embed") or {}
    if embed.get("type") == "external" and embed.get("thumb"):
        image = load_image(embed["thumb"], "", platform="Bluesky", max_bytes=MAX_THUMB_BYTES)
        return {embed["thumb"]: image}
    if embed.get("type") == "images":
        return {
            image["path"]: load_image(
                image["path"], image["alt"], platform="Bluesky", max_bytes=MAX_IMAGE_BYTES
            )
            for image in embed["images"]
        }
    return {}


def _parts(receipt: Receipt | None) -> list[dict[str, str]]:
    if receipt is None:
        return []
    parts = receipt.state.get("parts")
    if isinstance(parts, list):
        return [{"uri": str(p["uri"]), "cid": str(p["cid"])} for p in parts if isinstance(p, dict)]
    return []


def _receipt(session: Session, parts: list[dict[str, str]]) -> Receipt:
    rkey = parts[0]["uri"].rsplit("/", 1)[-1]
    return Receipt(
        remote_id=parts[0]["uri"],
        url=f"https://bsky.app/profile/{session.handle}/post/{rkey}",
        state={"parts": [dict(p) for p in parts], "did": session.did, "handle": session.handle},
    )
