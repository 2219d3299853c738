"""A fake Misskey instance on pytest-httpserver, held to misskey-js's endpoint types.

There is no Misskey contract in shared/contracts/; the published one is the npm
``misskey-js`` package (``built/autogen/types.d.ts``, generated from Misskey's OpenAPI
document), installed by ``npm ci`` in ``tests/node``. Every request body (less the
token ``i``, which misskey-js adds itself) is validated against its endpoint's request
type, and every answer the fake gives against the endpoint's response type — ``Note``,
``DriveFile``, ``MeDetailed``, ``MetaLite``, ``Error`` — so the shapes are Misskey's.

What the server does beyond the types: the token in ``i`` (401 ``CREDENTIAL_REQUIRED``
without one, 403 ``AUTHENTICATION_FAILED`` for a wrong one), ``maxNoteTextLength``
counted in UTF-16 units (400 ``MAX_LENGTH``), replies to notes that exist, files that
belong to the user, ``NO_SUCH_NOTE`` on delete. Faults per endpoint: ``fail``,
``hang`` (applied, no answer in time), ``drop`` (applied, connection closed),
``limit`` (429 ``RATE_LIMIT_EXCEEDED`` with ``Retry-After``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from misskey_types import MisskeyTypes
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "misskey-test-token-abcdef"
USER_ID = "9abcdefghi"
ENDPOINTS = [
    "i",
    "meta",
    "users/notes",
    "notes/create",
    "notes/children",
    "notes/delete",
    "drive/files/create",
]
_ERRORS = {
    "CREDENTIAL_REQUIRED": (401, "Credential required.", "1384574d-a912-4b81-8601-c7b1c4085df1"),
    "AUTHENTICATION_FAILED": (
        403,
        "Authentication failed.",
        "b0a7f5f8-dc2f-4171-b91f-de88ad238e14",
    ),
    "MAX_LENGTH": (
        400,
        "You tried posting a note which is too long.",
        "3ac74a84-8fd5-4bb0-870f-01804f82ce16",
    ),
    "NO_SUCH_NOTE": (400, "No such note.", "490be23f-8c1f-4796-819f-94cb4f9d1630"),
    "NO_SUCH_FILE": (400, "Some files are not found.", "b6992544-63e7-67f0-fa7f-32444b1b5306"),
    "RATE_LIMIT_EXCEEDED": (
        429,
        "Rate limit exceeded. Please try again later.",
        "d5826d14-3982-4d2e-8011-b9e9f02499ef",
    ),
    "INTERNAL_ERROR": (500, "Internal error occurred.", "5d37dbcb-891e-41ca-a3d6-e690c97775ac"),
}


def error_body(code: str) -> tuple[int, dict[str, Any]]:
    status, message, ident = _ERRORS[code]
    return status, {"error": {"message": message, "code": code, "id": ident}}


@dataclass
class Fault:
    kind: str
    code: str = "INTERNAL_ERROR"


@dataclass
class FakeMisskey:
    types: MisskeyTypes
    server: HTTPServer
    max_note_text_length: int = 3000
    hang_seconds: float = 1.5
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def install(self) -> None:
        for endpoint in ENDPOINTS:
            self.server.expect_request(f"/api/{endpoint}", method="POST").respond_with_handler(
                lambda request, e=endpoint: self.handle(e, request)
            )

    def fault(self, endpoint: str, kind: str, code: str = "INTERNAL_ERROR") -> None:
        self.faults.setdefault(endpoint, []).append(Fault(kind, code))

    def named(self, endpoint: str) -> list[Any]:
        return [body for name, body in self.calls if name == endpoint]

    def handle(self, endpoint: str, request: Request) -> Response:
        multipart = (request.content_type or "").startswith("multipart/form-data")
        if multipart:
            body: dict[str, Any] = dict(request.form)
            content_type = "multipart/form-data"
        else:
            body = json.loads(request.get_data() or b"{}")
            content_type = "application/json"
        token = body.pop("i", None)
        with self.lock:
            self.calls.append((endpoint, body))
            queue = self.faults.get(endpoint) or []
            fault = queue.pop(0) if queue else None
        if fault is not None and fault.kind == "fail":
            return self.answer(endpoint, *error_body(fault.code))
        if fault is not None and fault.kind == "limit":
            return self.answer(endpoint, *error_body("RATE_LIMIT_EXCEEDED"), {"Retry-After": "120"})
        checked = dict(body)
        if multipart:
            checked["file"] = "<blob>" if "file" in request.files else None
            if checked["file"] is None:
                checked.pop("file")
        if endpoint != "i":
            errors = self.types.errors(self.types.request(endpoint, content_type), checked)
            if errors:
                self.violations.append(f"{endpoint}: {errors}")
                return self.answer(
                    endpoint,
                    400,
                    {
                        "error": {
                            "message": "; ".join(errors),
                            "code": "INVALID_PARAM",
                            "id": "3d81ceae-475f-4600-b2a8-2bc116157532",
                        }
                    },
                )
        if endpoint != "meta":
            if token is None:
                return self.answer(endpoint, *error_body("CREDENTIAL_REQUIRED"))
            if token != TOKEN:
                return self.answer(endpoint, *error_body("AUTHENTICATION_FAILED"))
        with self.lock:
            status, answer = getattr(self, "_" + endpoint.replace("/", "_"))(body, request)
        response = self.answer(endpoint, status, answer)
        if fault is not None and fault.kind == "hang":
            time.sleep(self.hang_seconds)
        if fault is not None and fault.kind == "drop":
            sock = request.environ.get("werkzeug.socket")
            if isinstance(sock, socket.socket):
                sock.shutdown(socket.SHUT_RDWR)
        return response

    def answer(
        self, endpoint: str, status: int, body: Any, headers: dict[str, str] | None = None
    ) -> Response:
        if status == 204:
            return Response(status=204)
        schema = self.types.response(endpoint, status)
        if endpoint in ("i", "meta") and status == 200:
            schema = self.types.partial(schema)
        errors = self.types.errors(schema, body)
        if errors:
            self.violations.append(f"answer {endpoint} {status}: {errors}")
        return Response(
            json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
        )

    # -- entities ------------------------------------------------------------------------

    def _new_id(self) -> str:
        self.counter += 1
        return f"9x{self.counter:08d}"

    def user(self) -> dict[str, Any]:
        return {
            "id": USER_ID,
            "name": "Aki",
            "username": "aki",
            "host": None,
            "avatarUrl": f"{self.url}/avatar.png",
            "avatarBlurhash": None,
            "avatarDecorations": [],
            "isBot": False,
            "isCat": False,
            "emojis": {},
            "onlineStatus": "online",
            "badgeRoles": [],
        }

    # -- endpoints ------------------------------------------------------------------------

    def _i(self, body: Any, request: Request) -> tuple[int, Any]:
        return 200, {"id": USER_ID, "username": "aki", "name": "Aki", "host": None}

    def _meta(self, body: Any, request: Request) -> tuple[int, Any]:
        return 200, {"maxNoteTextLength": self.max_note_text_length}

    def _users_notes(self, body: dict[str, Any], request: Request) -> tuple[int, Any]:
        mine = [n for n in self.notes.values() if n["userId"] == body["userId"]]
        if not body.get("withReplies", False):
            mine = [n for n in mine if n["replyId"] is None]
        mine.sort(key=lambda n: n["id"], reverse=True)
        return 200, mine[: body.get("limit", 10)]

    def _notes_children(self, body: dict[str, Any], request: Request) -> tuple[int, Any]:
        replies = [n for n in self.notes.values() if n["replyId"] == body["noteId"]]
        return 200, sorted(replies, key=lambda n: n["id"])[: body.get("limit", 10)]

    def _notes_create(self, body: dict[str, Any], request: Request) -> tuple[int, Any]:
        text = body.get("text")
        if text is not None and len(text.encode("utf-16-le")) // 2 > self.max_note_text_length:
            return error_body("MAX_LENGTH")
        reply = body.get("replyId")
        if reply is not None and reply not in self.notes:
            return error_body("NO_SUCH_NOTE")
        files = []
        for file_id in body.get("fileIds", []):
            if file_id not in self.files:
                return error_body("NO_SUCH_FILE")
            files.append(self.files[file_id])
        note_id = self._new_id()
        note = {
            "id": note_id,
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "text": text.strip() if text else None,
            "cw": body.get("cw"),
            "userId": USER_ID,
            "user": self.user(),
            "replyId": reply,
            "renoteId": None,
            "visibility": body.get("visibility", "public"),
            "localOnly": body.get("localOnly", False),
            "fileIds": [f["id"] for f in files],
            "files": files,
            "reactionAcceptance": None,
            "reactionEmojis": {},
            "reactions": {},
            "reactionCount": 0,
            "renoteCount": 0,
            "repliesCount": 0,
        }
        self.notes[note_id] = note
        return 200, {"createdNote": note}

    def _notes_delete(self, body: dict[str, Any], request: Request) -> tuple[int, Any]:
        if self.notes.pop(body["noteId"], None) is None:
            return error_body("NO_SUCH_NOTE")
        return 204, None

    def _drive_files_create(self, body: dict[str, Any], request: Request) -> tuple[int, Any]:
        upload = request.files["file"]
        data = upload.read()
        file_id = self._new_id()
        item = {
            "id": file_id,
            "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "name": body.get("name") or upload.filename,
            "type": upload.mimetype,
            "md5": "0" * 32,
            "size": len(data),
            "isSensitive": False,
            "blurhash": None,
            "properties": {},
            "url": f"{self.url}/files/{file_id}",
            "thumbnailUrl": None,
            "comment": body.get("comment"),
            "folderId": None,
            "folder": None,
            "userId": USER_ID,
            "user": None,
        }
        self.files[file_id] = item
        return 200, item
