"""A local fake of Forem API v1 (DEV) that checks what it receives and answers like Forem.

The repository's shared contracts hold no Forem spec file, so the rules are written
here from Forem's published facts (forem/forem: ``swagger/v1/api_v1.json`` for the
request and answer shapes, ``app/models/article.rb`` for what an article may hold):

- ``api-key`` authenticates (401 ``{"error": "unauthorized", "status": 401}``); v1
  is chosen by ``Accept: application/vnd.forem.api-v1+json``;
- bodies are ``{"article": {...}}`` with only the documented fields and types;
- a title is present and at most 128 characters; at most 4 tags, each alphanumeric;
  canonical URLs are unique; body and title together are unique per user; URLs are
  http(s) (422 ``{"error", "status"}`` otherwise);
- answers carry the documented shapes (``ArticleIndex`` for lists, the article with
  ``body_markdown`` for a single one), checked against the required fields here.

Faults: ``fail_next`` (a status), ``drop_next`` (applied, then the connection is
closed unanswered), ``rate_limit_next`` (429 with Retry-After), ``edit_on_dev``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

API_KEY = "devto-test-key-0123456789abcdef"
ACCEPT = "application/vnd.forem.api-v1+json"
USERNAME = "xposttester"

#: ``Article`` (the create/update body) from the Forem OpenAPI document, tightened to
#: what the API accepts: no other keys.
ARTICLE_BODY = {
    "type": "object",
    "required": ["article"],
    "additionalProperties": False,
    "properties": {
        "article": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "title": {"type": "string"},
                "body_markdown": {"type": "string"},
                "published": {"type": "boolean"},
                "series": {"type": ["string", "null"]},
                "main_image": {"type": ["string", "null"]},
                "canonical_url": {"type": ["string", "null"]},
                "description": {"type": "string"},
                "tags": {"type": "string"},
                "organization_id": {"type": ["integer", "null"]},
            },
        }
    },
}
#: Required fields of ``ArticleIndex`` in the same document: every list entry has them.
INDEX_REQUIRED = (
    "type_of",
    "id",
    "title",
    "description",
    "cover_image",
    "readable_publish_date",
    "social_image",
    "tag_list",
    "tags",
    "slug",
    "path",
    "url",
    "canonical_url",
    "comments_count",
    "positive_reactions_count",
    "public_reactions_count",
    "created_at",
    "edited_at",
    "crossposted_at",
    "published_at",
    "last_comment_at",
    "published_timestamp",
    "user",
    "reading_time_minutes",
)
_ARTICLE_PATH = re.compile(r"^/api/articles/(\d+)$")


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any = None


@dataclass
class FakeForem:
    base: str = ""
    articles: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    faults: list[tuple[str, str]] = field(default_factory=list)  # (method, kind)
    next_id: int = 1_000_001
    clock: int = 0

    # -- faults -----------------------------------------------------------------------

    def fail_next(self, method: str, status: int) -> None:
        self.faults.append((method, str(status)))

    def drop_next(self, method: str) -> None:
        self.faults.append((method, "drop"))

    def rate_limit_next(self, method: str, retry_after: int) -> None:
        self.faults.append((method, f"429:{retry_after}"))

    def edit_on_dev(self, article_id: int, body: str) -> None:
        article = self.articles[article_id]
        article["body_markdown"] = body
        article["edited_at"] = self._now()

    def writes(self) -> list[Recorded]:
        return [r for r in self.requests if r.method in ("POST", "PUT")]

    # -- the API ----------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> tuple:
        parts = urlsplit(target)
        body = json.loads(raw) if raw else None
        self.requests.append(Recorded(method, parts.path, headers, body))
        for i, (fault_method, kind) in enumerate(self.faults):
            if fault_method == method:
                del self.faults[i]
                if kind.startswith("429:"):
                    limited = {"error": "Rate limit reached", "status": 429}
                    return 429, limited, {"Retry-After": kind[4:]}
                if kind != "drop":
                    return int(kind), {"error": "Internal Server Error", "status": int(kind)}, {}
                answer = self._route(method, parts.path, parse_qs(parts.query), headers, body)
                return ("drop", answer)
        return self._route(method, parts.path, parse_qs(parts.query), headers, body)

    def _route(self, method: str, path: str, query: dict, headers: dict, body: Any) -> tuple:
        if headers.get("api-key") != API_KEY:
            return 401, {"error": "unauthorized", "status": 401}, {}
        if headers.get("accept") != ACCEPT:
            return 406, {"error": "v1 needs the Accept header " + ACCEPT, "status": 406}, {}
        if method == "GET" and path == "/api/users/me":
            return 200, {"type_of": "user", "id": 42, "username": USERNAME, "name": "Tester"}, {}
        if method == "GET" and path == "/api/articles/me/all":
            page = int(query.get("page", ["1"])[0])
            per_page = int(query.get("per_page", ["30"])[0])
            if not 1 <= per_page <= 1000:
                return 422, {"error": "per_page out of range", "status": 422}, {}
            mine = sorted(self.articles.values(), key=lambda a: -a["id"])
            chunk = mine[(page - 1) * per_page : page * per_page]
            return 200, [self._index(a) for a in chunk], {}
        if method == "POST" and path == "/api/articles":
            return self._save(None, body)
        found = _ARTICLE_PATH.match(path)
        if found:
            article = self.articles.get(int(found.group(1)))
            if article is None:
                return 404, {"error": "not found", "status": 404}, {}
            if method == "GET":
                if not article["published"]:  # the public endpoint shows published ones
                    return 404, {"error": "not found", "status": 404}, {}
                return 200, self._show(article), {}
            if method == "PUT":
                return self._save(article, body)
        return 404, {"error": "not found", "status": 404}, {}

    def _save(self, existing: dict[str, Any] | None, body: Any) -> tuple:
        try:
            jsonschema.validate(body, ARTICLE_BODY)
        except jsonschema.ValidationError as exc:
            return 400, {"error": f"param is missing or invalid: {exc.message}", "status": 400}, {}
        fields = body["article"]
        article = dict(existing or {})
        article.update(fields)
        problem = self._invalid(article, existing)
        if problem:
            return 422, {"error": problem, "status": 422}, {}
        now = self._now()
        if existing is None:
            article.update(id=self.next_id, created_at=now, edited_at=None, published_at=None)
            article.setdefault("published", False)
            self.next_id += 1
        else:
            article["edited_at"] = now
        if article.get("published") and not article.get("published_at"):
            article["published_at"] = now
        article["slug"] = f"post-{article['id']}"
        self.articles[article["id"]] = article
        return (201 if existing is None else 200), self._show(article), {}

    def _invalid(self, article: dict[str, Any], existing: dict[str, Any] | None) -> str | None:
        title = article.get("title") or ""
        if not title:
            return "Title can't be blank"
        if len(title) > 128:
            return "Title is too long (maximum is 128 characters)"
        tags = [t.strip() for t in (article.get("tags") or "").split(",") if t.strip()]
        if len(tags) > 4:
            return "Tag list exceed the maximum of 4 tags"
        for tag in tags:
            if not re.fullmatch(r"[A-Za-z0-9]+", tag):
                return f"Tag {tag} contains non-alphanumeric characters"
        for key in ("canonical_url", "main_image"):
            value = article.get(key)
            if value and not re.match(r"^https?://\S+$", value):
                return f"{key.replace('_', ' ').capitalize()} is not a valid URL"
        others = [a for a in self.articles.values() if not existing or a["id"] != existing["id"]]
        if article.get("canonical_url") and any(
            a.get("canonical_url") == article["canonical_url"] for a in others
        ):
            return "Canonical url has already been taken"
        if any(
            a.get("title") == title and a.get("body_markdown") == article.get("body_markdown")
            for a in others
        ):
            return "Body markdown has already been taken"
        return None

    def _show(self, article: dict[str, Any]) -> dict[str, Any]:
        shown = self._index(article)
        tags = shown["tag_list"]
        shown.update(tag_list=", ".join(tags), tags=tags)  # a single article swaps the two
        shown["body_html"] = "<p>…</p>"
        return shown

    def _index(self, article: dict[str, Any]) -> dict[str, Any]:
        tags = [t.strip() for t in (article.get("tags") or "").split(",") if t.strip()]
        url = f"{self.base}/{USERNAME}/{article['slug']}"
        entry = {
            "type_of": "article",
            "id": article["id"],
            "title": article["title"],
            "description": article.get("description") or "",
            "cover_image": article.get("main_image"),
            "readable_publish_date": "Jul 15",
            "social_image": article.get("main_image") or f"{self.base}/social.png",
            "tag_list": tags,
            "tags": ", ".join(tags),
            "slug": article["slug"],
            "path": f"/{USERNAME}/{article['slug']}",
            "url": url,
            "canonical_url": article.get("canonical_url") or url,
            "comments_count": 0,
            "positive_reactions_count": 0,
            "public_reactions_count": 0,
            "created_at": article["created_at"],
            "edited_at": article.get("edited_at"),
            "crossposted_at": None,
            "published_at": article.get("published_at"),
            "last_comment_at": article["created_at"],
            "published_timestamp": article.get("published_at") or "",
            "reading_time_minutes": 1,
            "user": {"name": "Tester", "username": USERNAME},
            # The /me lists add these two.
            "published": article["published"],
            "body_markdown": article.get("body_markdown") or "",
        }
        missing = [name for name in INDEX_REQUIRED if name not in entry]
        assert not missing, f"fake answers lack ArticleIndex fields: {missing}"
        return entry

    def _now(self) -> str:
        self.clock += 1
        return f"2026-12-01T10:{self.clock // 60:02d}:{self.clock % 60:02d}Z"


@contextmanager
def running() -> Iterator[FakeForem]:
    fake = FakeForem()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            with lock:
                answer = fake.handle(self.command, self.path, headers, raw)
            if answer[0] == "drop":
                self.close_connection = True
                self.connection.close()
                return
            status, body, extra = answer
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
