"""A fake Bluesky PDS on pytest-httpserver that checks every request against the lexicons.

Requests are validated against ``shared/contracts/bluesky/lexicons`` (procedure input,
query parameters, and the record itself against ``app.bsky.feed.post`` with its embeds
and facets); blob references must name a blob uploaded in this session; facets must
point at whole UTF-8 characters inside the text. A request that breaks the contract is
answered ``400 InvalidRequest`` *and* recorded in ``violations``, which each test
checks is empty. Answers have the real shapes (``{uri, cid, commit, validationStatus}``,
``{blob: {$type, ref: {$link}, mimeType, size}}``), errors are XRPC's
``{"error", "message"}``.

Faults, scripted per endpoint: ``fail`` (a status and body, not applied), ``hang``
(applied, then no answer before the client gives up), ``drop`` (applied, then the
connection is closed), ``limit`` (429 with ``RateLimit-*`` headers).

``com.atproto.identity.resolveHandle`` has no lexicon in the contracts folder; its
parameter and answer are the documented ``handle`` → ``{did}``.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lexicon import Lexicons
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
HANDLE = "aki.bsky.social"
PASSWORD = "abcd-efgh-ijkl-mnop"
JWT = "eyJhbGciOiJFUzI1NiJ9.fake-access.sig"


@dataclass
class Fault:
    kind: str  # fail | hang | drop | limit
    status: int = 500
    body: dict[str, Any] | None = None


@dataclass
class FakePds:
    lexicons: Lexicons
    server: HTTPServer
    hang_seconds: float = 1.5
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # rkey -> {value, cid}
    blobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    handles: dict[str, str] = field(default_factory=lambda: {"alice.example.com": "did:plc:alice"})
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def install(self) -> None:
        for nsid in (
            "com.atproto.server.createSession",
            "com.atproto.repo.uploadBlob",
            "com.atproto.repo.getRecord",
            "com.atproto.repo.createRecord",
            "com.atproto.repo.deleteRecord",
            "com.atproto.identity.resolveHandle",
        ):
            self.server.expect_request(f"/xrpc/{nsid}").respond_with_handler(
                lambda request, nsid=nsid: self.handle(nsid, request)
            )

    def fault(
        self, nsid: str, kind: str, status: int = 500, body: dict[str, Any] | None = None
    ) -> None:
        self.faults.setdefault(nsid, []).append(Fault(kind, status, body))

    def named(self, nsid: str) -> list[Any]:
        return [body for name, body in self.calls if name == nsid]

    # -- dispatch -------------------------------------------------------------------------

    def handle(self, nsid: str, request: Request) -> Response:
        body: Any = None
        if nsid == "com.atproto.repo.uploadBlob":
            body = request.get_data()
        elif request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"null")
            except ValueError:
                return self.refuse(f"{nsid}: body is not JSON")
        params = dict(request.args)
        with self.lock:
            self.calls.append((nsid, body if body is not None else params))
            queue = self.faults.get(nsid) or []
            fault = queue.pop(0) if queue else None
        if fault is not None and fault.kind == "fail":
            return _json(
                fault.status,
                fault.body or {"error": "InternalServerError", "message": "Internal Server Error"},
            )
        if fault is not None and fault.kind == "limit":
            reset = int(time.time()) + 3600
            return _json(
                429,
                {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                {
                    "RateLimit-Limit": "5000",
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(reset),
                },
            )
        problem = self.check(nsid, request, body, params)
        if problem is not None:
            return problem
        with self.lock:
            response = getattr(self, "_" + nsid.rsplit(".", 1)[1])(request, body, params)
        if fault is not None and fault.kind == "hang":
            time.sleep(self.hang_seconds)
        if fault is not None and fault.kind == "drop":
            sock = request.environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                sock.shutdown(socket.SHUT_RDWR)
        return response

    def check(
        self, nsid: str, request: Request, body: Any, params: dict[str, str]
    ) -> Response | None:
        if nsid == "com.atproto.identity.resolveHandle":
            errors = [] if set(params) == {"handle"} else [f"resolveHandle params {params}"]
        elif request.method == "GET":
            errors = self.lexicons.params_errors(nsid, params)
        elif nsid == "com.atproto.repo.uploadBlob":
            errors = (
                []
                if request.content_type and request.content_type.startswith("image/")
                else ["uploadBlob without an image Content-Type"]
            )
        else:
            if request.content_type != "application/json":
                return self.refuse(f"{nsid}: Content-Type {request.content_type}")
            errors = self.lexicons.input_errors(nsid, body)
            if nsid == "com.atproto.repo.createRecord" and not errors:
                errors = self.lexicons.record_errors(
                    body["collection"], body["record"], body.get("rkey")
                )
                errors = errors or self.record_semantics(body["record"])
        if errors:
            return self.refuse("; ".join(errors))
        if nsid != "com.atproto.server.createSession" and request.method == "POST":
            if request.headers.get("Authorization") != f"Bearer {JWT}":
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

    def refuse(self, message: str) -> Response:
        self.violations.append(message)
        return _json(400, {"error": "InvalidRequest", "message": message})

    # -- endpoints --------------------------------------------------------------------------

    def _createSession(self, request: Request, body: Any, params: Any) -> Response:
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

    def _uploadBlob(self, request: Request, body: bytes, params: Any) -> Response:
        link = "bafkrei" + hashlib.sha256(body).hexdigest()[:52]
        blob = {
            "$type": "blob",
            "ref": {"$link": link},
            "mimeType": request.content_type,
            "size": len(body),
        }
        self.blobs[link] = blob
        return _json(200, {"blob": blob})

    def _getRecord(self, request: Request, body: Any, params: dict[str, str]) -> Response:
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

    def _createRecord(self, request: Request, body: dict[str, Any], params: Any) -> Response:
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

    def _deleteRecord(self, request: Request, body: dict[str, Any], params: Any) -> Response:
        self.records.pop(body["rkey"], None)
        return _json(200, {"commit": {"cid": "bafyreicommit", "rev": "3lrev"}})

    def _resolveHandle(self, request: Request, body: Any, params: dict[str, str]) -> Response:
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


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
    )
