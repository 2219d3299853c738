"""A local fake of Qiita API v2 that checks what it receives and answers like Qiita.

What it enforces: ``Authorization: Bearer <token>`` (401 ``unauthorized`` otherwise),
the token's scopes (403 ``forbidden`` for a write without ``write_qiita``), a JSON
``Content-Type`` on writes, and the request bodies against the ``create_item`` /
``update_item`` link schemas of ``contracts/qiita/schema-2016.json`` — tightened the
way Qiita behaves (no unknown keys, a non-empty title, 1–5 tags) and extended with the
newer ``organization_url_name`` and ``slide`` (400 ``bad_request`` otherwise). Item ids
are 20 hex digits (404 otherwise). Answers are the documented shapes: items with ``id``,
``url``, ISO-8601 times with an offset, ``rendered_body``, ``user``…, errors as
``{"message", "type"}``, and the ``Rate-Limit``/``Rate-Remaining``/``Rate-Reset``
headers on every answer, with a 429 while the hourly quota is spent.

Scriptable faults: ``fail_next`` (any status), ``hang_next`` (the request is applied
but never answered: the client times out), ``drop_next`` (applied, then the connection
is closed without an answer), ``set_quota`` (a spent rate limit), ``edit_on_qiita``.
Every request is recorded in ``requests``.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import jsonschema

from conftest import SHARED
from fakes.clock import FakeClock

SCHEMA_PATH = SHARED / "contracts/qiita/schema-2016.json"
TOKEN = "qiita-test-token-0123456789abcdef0123456789abcdef"
RATE_LIMIT = 1000
ITEM_PATH = re.compile(r"^/api/v2/items/([^/]+)$")
ITEM_ID = re.compile(r"^[0-9a-f]{20}$")
PAGE_PARAM = re.compile(r"^[0-9]+$")


@dataclass
class Recorded:
    """One request as the fake received it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None  # the parsed JSON body, if any


@dataclass
class Fault:
    method: str
    path: str | None  # None: any path
    kind: Literal["status", "hang", "drop"]
    status: int = 500
    body: dict[str, Any] | None = None


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


def request_schemas(path: Any = SCHEMA_PATH) -> dict[str, dict[str, Any]]:
    """``create_item`` and ``update_item`` body schemas, as Qiita applies them today."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    links = {link["title"]: link for link in spec["properties"]["item"]["links"]}
    schemas = {}
    for title in ("create_item", "update_item"):
        schema = copy.deepcopy(links[title]["schema"])
        props = schema["properties"]
        props["organization_url_name"] = {"type": ["string", "null"]}
        props["slide"] = {"type": "boolean"}
        props["title"]["minLength"] = 1
        props["tags"].update(minItems=1, maxItems=5)
        tag = props["tags"]["items"]
        tag["properties"]["name"]["minLength"] = 1
        tag["additionalProperties"] = False
        schema["additionalProperties"] = False
        schemas[title] = schema
    return schemas


def user_fields(user_id: str, *, authenticated: bool = False) -> dict[str, Any]:
    """A Qiita user object (the ``authenticated_user`` shape adds the upload quota)."""
    user: dict[str, Any] = {
        "description": None,
        "facebook_id": None,
        "followees_count": 3,
        "followers_count": 5,
        "github_login_name": user_id,
        "id": user_id,
        "items_count": 0,
        "linkedin_id": None,
        "location": "Tokyo, Japan",
        "name": "Alice Example",
        "organization": None,
        "permanent_id": 4242,
        "profile_image_url": "https://s3-ap-northeast-1.amazonaws.com/qiita-image-store/0/4242/avatar.png",
        "twitter_screen_name": None,
        "website_url": "https://example.com/",
    }
    if authenticated:
        user.update(
            image_monthly_upload_limit=104857600,
            image_monthly_upload_remaining=104857600,
            team_only=False,
        )
    return user


class FakeQiita:
    """One Qiita host with one account (``user``) and its access token."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        user: str = "alice",
        clock: FakeClock | None = None,
        scopes: frozenset[str] = frozenset({"read_qiita", "write_qiita"}),
    ) -> None:
        self.token = token
        self.user = user
        self.scopes = scopes
        self.clock = clock or FakeClock()
        self.items: dict[str, dict[str, Any]] = {}  # by id, oldest first
        self.requests: list[Recorded] = []
        self.schemas = request_schemas()
        self._faults: list[Fault] = []
        self._created = 0
        self._tick = 0  # seconds added to the clock by writes, so updated_at moves
        self._remaining = RATE_LIMIT
        self._reset = int(self.clock.time()) + 3600
        self._lock = threading.Lock()
        self._release = threading.Event()  # lets hung requests end when the server stops
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        poll = {"poll_interval": 0.01}  # so that stop() returns at once
        threading.Thread(target=self._server.serve_forever, kwargs=poll, daemon=True).start()

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    # -- scripting ------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        path: str | None = None,
        body: dict[str, Any] | None = None,
    ) -> None:
        """Answer the next matching request with ``status`` (``body`` or Qiita's) unapplied."""
        self._faults.append(Fault(method, path, "status", status, body))

    def hang_next(self, method: str, path: str | None = None) -> None:
        """Apply the next matching request but never answer it."""
        self._faults.append(Fault(method, path, "hang"))

    def drop_next(self, method: str, path: str | None = None) -> None:
        """Apply the next matching request, then close the connection without an answer."""
        self._faults.append(Fault(method, path, "drop"))

    def set_quota(self, remaining: int, reset: int) -> None:
        """The hourly quota: ``remaining`` requests until ``reset`` (epoch seconds)."""
        self._remaining, self._reset = remaining, reset

    def seed_item(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An item that already exists on Qiita (created outside the code under test)."""
        with self._lock:
            return copy.deepcopy(self._create(payload))

    def edit_on_qiita(self, item_id: str, body: str | None = None) -> dict[str, Any]:
        """The author edits the item in Qiita's web editor: its ``updated_at`` moves on."""
        with self._lock:
            item = self.items[item_id]
            if body is not None:
                item.update(body=body, rendered_body=_rendered(body))
            item["updated_at"] = self._stamp()
            return copy.deepcopy(item)

    def calls(self, method: str | None = None) -> list[tuple[str, str]]:
        """``(method, path)`` of every request received, in order."""
        return [(r.method, r.path) for r in self.requests if method in (None, r.method)]

    # -- the API --------------------------------------------------------------------

    def handle(self, recorded: Recorded, content_type: str) -> tuple[Answer, Fault | None]:
        with self._lock:
            self.requests.append(recorded)
            if recorded.headers.get("authorization") != f"Bearer {self.token}":
                return _error(401, "Unauthorized", "unauthorized"), None
            limited = self._spend_quota()
            if limited is not None:
                return limited, None
            fault = self._take_fault(recorded)
            if fault is not None and fault.kind == "status":
                body = fault.body or _default_error(fault.status)
                return Answer(fault.status, body), None
            answer = self._route(recorded, content_type)
            return answer, fault

    def _route(self, req: Recorded, content_type: str) -> Answer:
        if req.method in ("POST", "PATCH", "DELETE") and "write_qiita" not in self.scopes:
            return _error(403, "Forbidden", "forbidden")
        if req.path == "/api/v2/authenticated_user" and req.method == "GET":
            user = user_fields(self.user, authenticated=True)
            user["items_count"] = len(self.items)
            return Answer(200, user)
        if req.path == "/api/v2/authenticated_user/items" and req.method == "GET":
            return self._list(req.query)
        if req.path == "/api/v2/items" and req.method == "POST":
            problem = self._invalid(req, content_type, "create_item")
            if problem:
                return _error(400, problem, "bad_request")
            return Answer(201, copy.deepcopy(self._create(req.body)))
        match = ITEM_PATH.match(req.path)
        if match is None or req.method not in ("GET", "PATCH", "DELETE"):
            return _error(404, "Not found", "not_found")
        item = self.items.get(match.group(1)) if ITEM_ID.match(match.group(1)) else None
        if item is None:
            return _error(404, "Not found", "not_found")
        if req.method == "GET":
            return Answer(200, copy.deepcopy(item))
        if req.method == "DELETE":
            del self.items[item["id"]]
            return Answer(204)
        problem = self._invalid(req, content_type, "update_item")
        if problem:
            return _error(400, problem, "bad_request")
        return Answer(200, copy.deepcopy(self._update(item, req.body)))

    def _list(self, query: dict[str, str]) -> Answer:
        page, per_page = query.get("page", "1"), query.get("per_page", "20")
        numbers_ok = PAGE_PARAM.match(page) and PAGE_PARAM.match(per_page)
        if not numbers_ok or not (1 <= int(page) <= 100 and 1 <= int(per_page) <= 100):
            return _error(400, "Bad request", "bad_request")
        newest_first = list(reversed(self.items.values()))
        start = (int(page) - 1) * int(per_page)
        chunk = newest_first[start : start + int(per_page)]
        return Answer(200, copy.deepcopy(chunk), {"Total-Count": str(len(self.items))})

    def _invalid(self, req: Recorded, content_type: str, schema: str) -> str | None:
        if content_type.split(";")[0].strip() != "application/json":
            return f"Content-Type must be application/json, got {content_type!r}"
        if req.body is None:
            return "the body is not JSON"
        try:
            jsonschema.validate(req.body, self.schemas[schema])
        except jsonschema.ValidationError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "body"
            return f"{where}: {exc.message}"
        return None

    def _create(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._created += 1
        item_id = hashlib.sha1(f"item-{self._created}".encode()).hexdigest()[:20]
        stamp = self._stamp()
        item: dict[str, Any] = {
            "rendered_body": "",
            "body": "",
            "coediting": False,
            "comments_count": 0,
            "created_at": stamp,
            "group": None,
            "id": item_id,
            "likes_count": 0,
            "private": False,
            "reactions_count": 0,
            "stocks_count": 0,
            "tags": [],
            "title": "",
            "updated_at": stamp,
            "url": f"https://qiita.com/{self.user}/items/{item_id}",
            "user": user_fields(self.user),
            "page_views_count": None,
            "team_membership": None,
            "organization_url_name": None,
            "slide": False,
        }
        self._apply(item, payload)
        self.items[item_id] = item
        return item

    def _update(self, item: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
        self._apply(item, payload)
        item["updated_at"] = self._stamp()
        return item

    @staticmethod
    def _apply(item: dict[str, Any], payload: dict[str, Any]) -> None:
        for key in ("title", "body", "private", "organization_url_name", "slide"):
            if key in payload:
                item[key] = payload[key]
        if "tags" in payload:
            item["tags"] = [
                {"name": t["name"], "versions": t.get("versions", [])} for t in payload["tags"]
            ]
        item["rendered_body"] = _rendered(item["body"])

    def _stamp(self) -> str:
        """Now, as Qiita writes it; every write lands one second after the previous one."""
        self._tick += 1
        return (self.clock.now() + timedelta(seconds=self._tick)).isoformat()

    def _spend_quota(self) -> Answer | None:
        if self.clock.time() >= self._reset:
            self._remaining, self._reset = RATE_LIMIT, int(self.clock.time()) + 3600
        if self._remaining <= 0:
            return _error(429, "Rate limit exceeded", "rate_limit_exceeded")
        self._remaining -= 1
        return None

    def rate_headers(self) -> dict[str, str]:
        with self._lock:
            return {
                "Rate-Limit": str(RATE_LIMIT),
                "Rate-Remaining": str(max(self._remaining, 0)),
                "Rate-Reset": str(self._reset),
            }

    def _take_fault(self, req: Recorded) -> Fault | None:
        for fault in self._faults:
            if fault.method == req.method and fault.path in (None, req.path):
                self._faults.remove(fault)
                return fault
        return None

    def wait_for_release(self) -> None:
        self._release.wait(timeout=30)


def _rendered(body: str) -> str:
    return f"<p>{html.escape(body)}</p>\n"


def _error(status: int, message: str, kind: str) -> Answer:
    return Answer(status, {"message": message, "type": kind})


def _default_error(status: int) -> dict[str, str]:
    known = {
        400: ("Bad request", "bad_request"),
        403: ("Forbidden", "forbidden"),
        404: ("Not found", "not_found"),
        500: ("Internal server error", "internal_server_error"),
        503: ("Service unavailable", "service_unavailable"),
    }
    message, kind = known.get(status, ("Error", "error"))
    return {"message": message, "type": kind}


def _handler_for(fake: FakeQiita) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as requests' session expects

        def do_GET(self) -> None:
            self._serve()

        do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            recorded = Recorded(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            answer, fault = fake.handle(recorded, self.headers.get("Content-Type", ""))
            if fault is not None and fault.kind == "hang":
                fake.wait_for_release()
                self.close_connection = True
                return
            if fault is not None and fault.kind == "drop":
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self._answer(answer)

        def _answer(self, answer: Answer) -> None:
            self.send_response(answer.status)
            headers = {**fake.rate_headers(), **answer.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            if answer.status == 204:
                self.end_headers()
                return
            data = json.dumps(answer.body, ensure_ascii=False).encode()
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest's output clean

    return Handler


@contextmanager
def running(**kwargs: Any) -> Iterator[FakeQiita]:
    fake = FakeQiita(**kwargs)
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()
