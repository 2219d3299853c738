"""A fake Misskey instance, held to misskey-js's endpoint types.

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
``limit`` (429 ``RATE_LIMIT_EXCEEDED`` with ``Retry-After``). The server, the request
log and the faults are ``xpost.testing.FakeService``'s.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from misskey_types import MisskeyTypes
from werkzeug import Request

from xpost.testing import Answer, Call, FakeService, Fault

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


class FakeMisskey(FakeService):
    def __init__(self, types: MisskeyTypes) -> None:
        super().__init__()
        self.types = types
        self.max_note_text_length = 3000
        self.notes: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def key(self, call: Call) -> str:
        return call.path.removeprefix("/api/")

    def fault(self, endpoint: str, kind: str, code: str = "INTERNAL_ERROR") -> None:
        super().fault(endpoint, kind, *error_body(code))

    def named(self, endpoint: str) -> list[Any]:
        """The bodies sent, less the token ``i``."""
        return [_without_token(body) for body in super().named(endpoint)]

    def failure(self, call: Call, fault: Fault) -> Answer:
        return Answer(fault.status, fault.body)

    def rate_limited(self, call: Call, fault: Fault) -> Answer:
        return Answer(*error_body("RATE_LIMIT_EXCEEDED"), {"Retry-After": "120"})

    def refusal(self, call: Call, problem: str) -> Answer:
        error = {"message": problem, "code": "INVALID_PARAM"}
        return Answer(400, {"error": {**error, "id": "3d81ceae-475f-4600-b2a8-2bc116157532"}})

    def check_answer(self, call: Call, answer: Answer) -> list[str]:
        if answer.status == 204:
            return []
        schema = self.types.response(call.key, answer.status)
        if call.key in ("i", "meta") and answer.status == 200:
            schema = self.types.partial(schema)
        errors: list[str] = self.types.errors(schema, answer.body)
        return errors

    def respond(self, call: Call) -> Answer:
        endpoint = call.key
        if call.method != "POST" or endpoint not in ENDPOINTS:
            return self.refuse(
                call, f"{call.method} {endpoint}: not an endpoint the adapter may call"
            )
        multipart = call.content_type == "multipart/form-data"
        if call.body is None and call.raw:
            return self.refuse(call, f"{endpoint}: Content-Type {call.content_type!r}")
        body = {
            name: value
            for name, value in (call.body or {}).items()
            if name != "i" and name not in call.request.files
        }
        token = (call.body or {}).get("i")
        checked = dict(body)
        if multipart and "file" in call.request.files:
            checked["file"] = "<blob>"
        content_type = "multipart/form-data" if multipart else "application/json"
        if endpoint != "i":
            errors = self.types.errors(self.types.request(endpoint, content_type), checked)
            if errors:
                return self.refuse(call, "; ".join(errors))
        if endpoint != "meta":
            if token is None:
                return Answer(*error_body("CREDENTIAL_REQUIRED"))
            if token != TOKEN:
                return Answer(*error_body("AUTHENTICATION_FAILED"))
        status, answer = getattr(self, "_" + endpoint.replace("/", "_"))(body, call.request)
        return Answer(status, answer)

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


def _without_token(body: Any) -> Any:
    return {k: v for k, v in body.items() if k != "i"} if isinstance(body, dict) else body
