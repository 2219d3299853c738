"""A fake Bluesky PDS that checks every request against the lexicons.

Requests are validated against ``shared/contracts/bluesky/lexicons`` (procedure input,
query parameters, and the record itself against ``app.bsky.feed.post`` with its embeds
and facets); blob references must name a blob uploaded in this session; facets must
point at whole UTF-8 characters inside the text. A request that breaks the contract is
answered ``400 InvalidRequest`` *and* recorded in ``violations``, which each test
checks is empty. Answers have the real shapes (``{uri, cid, commit, validationStatus}``,
``{blob: {$type, ref: {$link}, mimeType, size}}``), errors are XRPC's
``{"error", "message"}``. The server, the request log and the faults are
``xpost.testing.FakeService``'s.

Faults, scripted per endpoint: ``fail`` (a status and body, not applied), ``hang``
(applied, then no answer before the client gives up), ``drop`` (applied, then the
connection is closed), ``limit`` (429 with ``RateLimit-*`` headers).

``com.atproto.identity.resolveHandle`` has no lexicon in the contracts folder; its
parameter and answer are the documented ``handle`` → ``{did}``.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from lexicon import Lexicons

from xpost.testing import Answer, Call, FakeService, Fault

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
HANDLE = "aki.bsky.social"
PASSWORD = "abcd-efgh-ijkl-mnop"
JWT = "eyJhbGciOiJFUzI1NiJ9.fake-access.sig"


NSIDS = (
    "com.atproto.server.createSession",
    "com.atproto.repo.uploadBlob",
    "com.atproto.repo.getRecord",
    "com.atproto.repo.createRecord",
    "com.atproto.repo.deleteRecord",
    "com.atproto.identity.resolveHandle",
)


class FakePds(FakeService):
    def __init__(self, lexicons: Lexicons) -> None:
        super().__init__()
        self.lexicons = lexicons
        self.records: dict[str, dict[str, Any]] = {}  # rkey -> {value, cid}
        self.blobs: dict[str, dict[str, Any]] = {}
        self.handles = {"alice.example.com": "did:plc:alice"}

    def key(self, call: Call) -> str:
        return call.path.removeprefix("/xrpc/")

    def failure(self, call: Call, fault: Fault) -> Answer:
        body = {"error": "InternalServerError", "message": "Internal Server Error"}
        return Answer(fault.status, fault.body or body)

    def rate_limited(self, call: Call, fault: Fault) -> Answer:
        reset = int(time.time()) + 3600
        return Answer(
            429,
            {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
            {"RateLimit-Limit": "5000", "RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)},
        )

    def refusal(self, call: Call, problem: str) -> Answer:
        return Answer(400, {"error": "InvalidRequest", "message": problem})

    # -- dispatch -------------------------------------------------------------------------

    def respond(self, call: Call) -> Answer:
        nsid = call.key
        if nsid not in NSIDS:
            return self.refuse(call, f"{nsid}: not a method the adapter may call")
        body: Any = None
        if nsid == "com.atproto.repo.uploadBlob":
            body = call.raw
        elif call.method == "POST":
            try:
                body = json.loads(call.raw or b"null")
            except ValueError:
                return self.refuse(call, f"{nsid}: body is not JSON")
        problem = self.check(nsid, call, body, call.params)
        if problem is not None:
            return problem
        handler = getattr(self, "_" + nsid.rsplit(".", 1)[1])
        answer: Answer = handler(call, body, call.params)
        return answer

    def check(self, nsid: str, call: Call, body: Any, params: dict[str, str]) -> Answer | None:
        if nsid == "com.atproto.identity.resolveHandle":
            errors = [] if set(params) == {"handle"} else [f"resolveHandle params {params}"]
        elif call.method == "GET":
            errors = self.lexicons.params_errors(nsid, params)
        elif nsid == "com.atproto.repo.uploadBlob":
            errors = (
                []
                if call.content_type and call.content_type.startswith("image/")
                else ["uploadBlob without an image Content-Type"]
            )
        else:
            if call.content_type != "application/json":
                return self.refuse(call, f"{nsid}: Content-Type {call.content_type}")
            errors = self.lexicons.input_errors(nsid, body)
            if nsid == "com.atproto.repo.createRecord" and not errors:
                errors = self.lexicons.record_errors(
                    body["collection"], body["record"], body.get("rkey")
                )
                errors = errors or self.record_semantics(body["record"])
        if errors:
            return self.refuse(call, "; ".join(errors))
        if nsid != "com.atproto.server.createSession" and call.method == "POST":
            if call.headers.get("authorization") != f"Bearer {JWT}":
                return _json(
                    401, {"error": "AuthenticationRequired", "message": "Authentication Required"}
                )
            if (
                body is not None
                and isinstance(body, dict)
                and body.get("repo") not in (None, DID, HANDLE)
            ):
                return _json(
                    401, {"error": "InvalidToken", "message": "repo does not match the session"}
                )
        return None

    def record_semantics(self, record: dict[str, Any]) -> list[str]:
        """What a real PDS or app view enforces beyond the schema."""
        errors = []
        data = record["text"].encode("utf-8")
        for facet in record.get("facets", []):
            start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
            if not 0 <= start < end <= len(data):
                errors.append(f"facet {start}-{end} outside the text")
                continue
            try:
                data[start:end].decode("utf-8")
            except UnicodeDecodeError:
                errors.append(f"facet {start}-{end} cuts a UTF-8 character")
        for blob in _blobs(record):
            if blob["ref"]["$link"] not in self.blobs:
                errors.append(f"blob {blob['ref']['$link']} was never uploaded")
        for key in ("root", "parent"):
            ref = (record.get("reply") or {}).get(key)
            if ref and ref["uri"].rsplit("/", 1)[-1] not in self.records:
                errors.append(f"reply {key} {ref['uri']} does not exist")
        return errors

    # -- endpoints --------------------------------------------------------------------------

    def _createSession(self, call: Call, body: Any, params: Any) -> Answer:
        if body["identifier"] not in (HANDLE, DID) or body["password"] != PASSWORD:
            return _json(
                401,
                {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
            )
        return _json(
            200,
            {
                "accessJwt": JWT,
                "refreshJwt": "eyJ.refresh.sig",
                "handle": HANDLE,
                "did": DID,
                "active": True,
            },
        )

    def _uploadBlob(self, call: Call, body: bytes, params: Any) -> Answer:
        link = "bafkrei" + hashlib.sha256(body).hexdigest()[:52]
        blob = {
            "$type": "blob",
            "ref": {"$link": link},
            "mimeType": call.content_type,
            "size": len(body),
        }
        self.blobs[link] = blob
        return _json(200, {"blob": blob})

    def _getRecord(self, call: Call, body: Any, params: dict[str, str]) -> Answer:
        stored = self.records.get(params["rkey"]) if params["repo"] in (DID, HANDLE) else None
        if stored is None:
            return _json(
                400,
                {
                    "error": "RecordNotFound",
                    "message": f"Could not locate record: {_uri(params['rkey'])}",
                },
            )
        return _json(
            200, {"uri": _uri(params["rkey"]), "cid": stored["cid"], "value": stored["value"]}
        )

    def _createRecord(self, call: Call, body: dict[str, Any], params: Any) -> Answer:
        rkey = body["rkey"]
        if rkey in self.records:
            return _json(
                400, {"error": "InvalidRequest", "message": f"Record already exists: {_uri(rkey)}"}
            )
        cid = (
            "bafyrei"
            + hashlib.sha256(json.dumps(body["record"], sort_keys=True).encode()).hexdigest()[:52]
        )
        self.records[rkey] = {"value": body["record"], "cid": cid}
        return _json(
            200,
            {
                "uri": _uri(rkey),
                "cid": cid,
                "commit": {"cid": "bafyreicommit", "rev": "3l" + rkey[2:]},
                "validationStatus": "valid",
            },
        )

    def _deleteRecord(self, call: Call, body: dict[str, Any], params: Any) -> Answer:
        self.records.pop(body["rkey"], None)
        return _json(200, {"commit": {"cid": "bafyreicommit", "rev": "3lrev"}})

    def _resolveHandle(self, call: Call, body: Any, params: dict[str, str]) -> Answer:
        did = self.handles.get(params["handle"])
        if did is None:
            return _json(400, {"error": "InvalidRequest", "message": "Unable to resolve handle"})
        return _json(200, {"did": did})


def _uri(rkey: str) -> str:
    return f"at://{DID}/app.bsky.feed.post/{rkey}"


def _blobs(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        if value.get("$type") == "blob":
            return [value]
        return [blob for item in value.values() for blob in _blobs(item)]
    if isinstance(value, list):
        return [blob for item in value for blob in _blobs(item)]
    return []


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, body, headers or {})
