"""A local fake of connpass API v2 that checks what it receives.

What it enforces, as connpass documents it (https://connpass.com/about/api/v2/):
GET only; an ``X-API-Key`` header (401 otherwise); the documented query
parameters of each operation (400 for anything else); one request per
``min_interval`` (429 otherwise: connpass allows one per second, tests use a
shorter window so they stay fast). Answers use the documented shapes:
``{"results_returned", "results_available", "results_start", "events" | "presentations"}``.
The error body ``{"detail": ...}`` is a guess (connpass does not document it); the
client under test must not depend on it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_KEY = "test-connpass-key"
#: Query parameters of "イベント一覧" (GET /api/v2/events/).
EVENT_SEARCH_PARAMS = frozenset(
    {
        "event_id",
        "keyword",
        "keyword_or",
        "ym",
        "ymd",
        "nickname",
        "owner_nickname",
        "group_id",
        "subdomain",
        "prefecture",
        "order",
        "start",
        "count",
    }
)
#: Query parameters of "イベントに投稿された資料一覧" (GET /api/v2/events/{id}/presentations/).
PRESENTATION_PARAMS = frozenset({"start", "count"})
PRESENTATIONS_PATH = re.compile(r"^/api/v2/events/(\d+)/presentations/$")


def make_event(event_id: int, *, subdomain: str = "mlxse", description: str = "") -> dict[str, Any]:
    """An event object with every field API v2 returns."""
    group_url = f"https://{subdomain}.connpass.com/"
    return {
        "id": event_id,
        "title": "MLSE 夏合宿 2022",
        "catch": "機械学習工学研究会の夏合宿",
        "description": description,
        "url": f"{group_url}event/{event_id}/",
        "image_url": None,
        "hash_tag": "mlse",
        "started_at": "2022-07-02T13:00:00+09:00",
        "ended_at": "2022-07-03T17:00:00+09:00",
        "limit": 50,
        "event_type": "participation",
        "open_status": "close",
        "group": {"id": 13035, "subdomain": subdomain, "title": "MLSE", "url": group_url},
        "address": "",
        "place": "オンライン",
        "lat": None,
        "lon": None,
        "owner_id": 729755,
        "owner_nickname": "chezou",
        "owner_display_name": "chezou",
        "accepted": 42,
        "waiting": 0,
        "updated_at": "2022-07-16T09:30:00+09:00",
    }


def make_presentation(url: str, name: str, kind: str = "blog") -> dict[str, Any]:
    """A presentation (資料) object as API v2 returns it."""
    user = {"id": 8, "nickname": "chezou"}
    return {
        "user": user,
        "url": url,
        "name": name,
        "presenter": user,
        "presentation_type": kind,
        "created_at": "2022-07-16T10:00:00+09:00",
    }


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    api_key: str | None
    at: float


@dataclass
class FakeConnpass:
    """The fake's state: its events and materials, what it received, how it misbehaves."""

    api_key: str = API_KEY
    min_interval: float = 0.05
    events: dict[int, dict[str, Any]] = field(default_factory=dict)
    presentations: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    #: Status codes to answer the next requests with, in order (after the checks pass).
    failures: list[int] = field(default_factory=list)
    #: Receive the next request but never answer it (until the fake stops).
    hang_next: bool = False
    url: str = ""
    _last_at: float | None = None
    _release: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, target: str, api_key: str | None) -> tuple[int, dict[str, Any]]:
        """The status and JSON body for one request; records it first."""
        parts = urlsplit(target)
        query = parse_qs(parts.query, keep_blank_values=True)
        now = time.monotonic()
        with self._lock:
            self.received.append(Received(method, parts.path, query, api_key, now))
            too_soon = self._last_at is not None and now - self._last_at < self.min_interval
            self._last_at = now
        if method != "GET":
            return 405, {"detail": "Method Not Allowed"}
        if api_key != self.api_key:
            return 401, {"detail": "Unauthorized"}
        if too_soon:
            return 429, {"detail": "Too Many Requests"}
        if self.failures:
            status = self.failures.pop(0)
            return status, {"detail": "Internal Server Error"}
        if parts.path == "/api/v2/events/":
            return self._event_search(query)
        match = PRESENTATIONS_PATH.match(parts.path)
        if match:
            return self._presentations(int(match.group(1)), query)
        return 404, {"detail": "Not Found"}

    def _event_search(self, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        bad = _bad_params(query, EVENT_SEARCH_PARAMS)
        if bad:
            return 400, {"detail": bad}
        ids = {int(value) for value in query.get("event_id", []) if value.isdigit()}
        found = [event for key, event in sorted(self.events.items()) if not ids or key in ids]
        return 200, _page(query, "events", found)

    def _presentations(
        self, event_id: int, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, Any]]:
        bad = _bad_params(query, PRESENTATION_PARAMS)
        if bad:
            return 400, {"detail": bad}
        if event_id not in self.events:
            return 404, {"detail": "Not Found"}
        return 200, _page(query, "presentations", self.presentations.get(event_id, []))

    def should_hang(self) -> bool:
        with self._lock:
            hang, self.hang_next = self.hang_next, False
        return hang


def _bad_params(query: dict[str, list[str]], allowed: frozenset[str]) -> str:
    unknown = sorted(set(query) - allowed)
    if unknown:
        return f"unknown query parameters: {', '.join(unknown)}"
    for name in ("start", "count"):
        for value in query.get(name, []):
            if not value.isdigit() or int(value) < 1 or (name == "count" and int(value) > 100):
                return f"{name}: invalid value {value!r}"
    for value in query.get("event_id", []):
        if not value.isdigit():
            return f"event_id: invalid value {value!r}"
    return ""


def _page(query: dict[str, list[str]], name: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    start = int(query.get("start", ["1"])[0])
    count = int(query.get("count", ["10"])[0])
    chosen = items[start - 1 : start - 1 + count]
    return {
        "results_returned": len(chosen),
        "results_available": len(items),
        "results_start": start,
        name: chosen,
    }


def _handler(fake: FakeConnpass) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            status, body = fake.answer(self.command, self.path, self.headers.get("X-API-Key"))
            if fake.should_hang():
                fake._release.wait(5.0)
                return
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 429:
                self.send_header("Retry-After", "1")
            self.end_headers()
            # The client may have given up (its timeout): nothing left to tell it.
            with suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@contextmanager
def serve(fake: FakeConnpass) -> Iterator[FakeConnpass]:
    """Run the fake on a free local port for the ``with`` block; ``fake.url`` is its base."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake._release.set()
        server.shutdown()
        server.server_close()
