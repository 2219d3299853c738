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
closed unanswered), ``rate_limit_next`` (429 with Retry-After), ``edit_on_dev``. The
server, the request log and the faults are ``xpost.testing.FakeService``'s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from xpost.testing import Answer, Call, FakeService, Fault, schema_errors, serving

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


class FakeForem(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.articles: dict[int, dict[str, Any]] = {}
        self.next_id = 1_000_001
        self.clock = 0

    # -- faults -----------------------------------------------------------------------

    def fail_next(self, method: str, status: int) -> None:
        self.fault(method, "fail", status=status)

    def drop_next(self, method: str) -> None:
        self.fault(method, "drop")

    def rate_limit_next(self, method: str, retry_after: int) -> None:
        self.fault(method, "limit", retry_after=retry_after)

    def edit_on_dev(self, article_id: int, body: str) -> None:
        article = self.articles[article_id]
        article["body_markdown"] = body
        article["edited_at"] = self._now()

    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.method in ("POST", "PUT")]

    def create_by_hand(self, fields: dict[str, Any]) -> int:
        """An article the author wrote on DEV itself; the status Forem answers."""
        return self._save(None, {"article": fields}).status

    # -- the API ----------------------------------------------------------------------

    def failure(self, call: Call, fault: Fault) -> Answer:
        return Answer(fault.status, {"error": "Internal Server Error", "status": fault.status})

    def rate_limited(self, call: Call, fault: Fault) -> Answer:
        limited = {"error": "Rate limit reached", "status": 429}
        return Answer(429, limited, {"Retry-After": str(fault.retry_after)})

    def refusal(self, call: Call, problem: str) -> Answer:
        return Answer(400, {"error": f"param is missing or invalid: {problem}", "status": 400})

    def respond(self, call: Call) -> Answer:
        if call.raw and call.content_type != "application/json":
            return self.refuse(call, f"Content-Type {call.content_type!r} is not JSON")
        return self._route(call.method, call.path, call.params, call.headers, call)

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], call: Call
    ) -> Answer:
        if headers.get("api-key") != API_KEY:
            return Answer(401, {"error": "unauthorized", "status": 401})
        if headers.get("accept") != ACCEPT:
            return Answer(406, {"error": "v1 needs the Accept header " + ACCEPT, "status": 406})
        if method == "GET" and path == "/api/users/me":
            return Answer(
                200, {"type_of": "user", "id": 42, "username": USERNAME, "name": "Tester"}
            )
        if method == "GET" and path == "/api/articles/me/all":
            page = int(query.get("page", "1"))
            per_page = int(query.get("per_page", "30"))
            if not 1 <= per_page <= 1000:
                return Answer(422, {"error": "per_page out of range", "status": 422})
            mine = sorted(self.articles.values(), key=lambda a: -a["id"])
            chunk = mine[(page - 1) * per_page : page * per_page]
            return Answer(200, [self._index(a) for a in chunk])
        if method == "POST" and path == "/api/articles":
            return self._checked(call) or self._save(None, call.body)
        found = _ARTICLE_PATH.match(path)
        if found:
            article = self.articles.get(int(found.group(1)))
            if article is None:
                return Answer(404, {"error": "not found", "status": 404})
            if method == "GET":
                if not article["published"]:  # the public endpoint shows published ones
                    return Answer(404, {"error": "not found", "status": 404})
                return Answer(200, self._show(article))
            if method == "PUT":
                return self._checked(call) or self._save(article, call.body)
        return Answer(404, {"error": "not found", "status": 404})

    def _checked(self, call: Call) -> Answer | None:
        """Forem's refusal of a body that is not an ``Article``, or None."""
        problems = schema_errors(ARTICLE_BODY, call.body)
        return self.refuse(call, "; ".join(problems)) if problems else None

    def _save(self, existing: dict[str, Any] | None, body: Any) -> Answer:
        fields = body["article"]
        article = dict(existing or {})
        article.update(fields)
        problem = self._invalid(article, existing)
        if problem:
            return Answer(422, {"error": problem, "status": 422})
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
        return Answer((201 if existing is None else 200), self._show(article))

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
        url = f"{self.url}/{USERNAME}/{article['slug']}"
        entry = {
            "type_of": "article",
            "id": article["id"],
            "title": article["title"],
            "description": article.get("description") or "",
            "cover_image": article.get("main_image"),
            "readable_publish_date": "Jul 15",
            "social_image": article.get("main_image") or f"{self.url}/social.png",
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
    with serving(FakeForem()) as fake:
        yield fake
