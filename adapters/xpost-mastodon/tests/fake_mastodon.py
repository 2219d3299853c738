"""A fake Mastodon instance, held to the published OpenAPI document.

Every request body is validated against its operation's ``requestBody`` schema in
``shared/contracts/mastodon/openapi.json`` (unknown fields refused too), and every
answer the fake gives is validated against the documented response schema for its
status, so tests see the real shapes: ``Status`` with HTML ``content``, ``Instance``
with ``configuration.statuses``, ``MediaAttachment`` (202 while processing),
``Context``, ``StatusSource``, ``Error``. Contract breaks are answered 422 and kept in
``violations`` (each test checks it is empty).

What a real instance enforces beyond the schema: the bearer token (401
``The access token is invalid``), the length rule (graphemes, URLs as 23, 422
``Validation failed: Text character limit of N exceeded``), the ``Idempotency-Key``
(a repeat within the run returns the first status), media that must be processed and
unattached before use, edits that keep visibility.

Faults per route: ``fail`` (status and body, not applied), ``hang`` (applied, no
answer in time), ``drop`` (applied, connection closed), ``limit`` (429 with
``X-RateLimit-Reset``). The server, the request log and the faults are
``xpost.testing.FakeService``'s.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import regex
from openapi import OpenApi
from werkzeug import Request

from xpost.testing import Answer, Call, FakeService, Fault

TOKEN = "mastodon-test-token-0123456789"
ACCOUNT_ID = "109348000000000001"
ROUTES = [
    ("GET", "/api/v2/instance"),
    ("GET", "/api/v1/accounts/verify_credentials"),
    ("GET", "/api/v1/accounts/{id}/statuses"),
    ("POST", "/api/v1/statuses"),
    ("GET", "/api/v1/statuses/{id}"),
    ("PUT", "/api/v1/statuses/{id}"),
    ("DELETE", "/api/v1/statuses/{id}"),
    ("GET", "/api/v1/statuses/{id}/source"),
    ("GET", "/api/v1/statuses/{id}/context"),
    ("POST", "/api/v2/media"),
    ("GET", "/api/v1/media/{id}"),
    ("POST", "/api/v1/apps"),
    ("POST", "/oauth/token"),
]
TOO_LONG = "Validation failed: Text character limit of {} exceeded"
NOT_PROCESSED = "Cannot attach files that have not finished processing. Try again in a moment!"
_GRAPHEME = regex.compile(r"\X")
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,:;!?)\]]")


_PATTERNS = [
    (method, template, re.compile("^" + template.replace("{id}", "([^/]+)") + "$"))
    for method, template in ROUTES
]


class FakeMastodon(FakeService):
    def __init__(self, api: OpenApi) -> None:
        super().__init__()
        self.api = api
        self.max_characters = 500
        self.statuses: dict[str, dict[str, Any]] = {}
        self.sources: dict[str, dict[str, str]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, str] = {}
        self.next_id = 110000000000000000

    def key(self, call: Call) -> tuple[str, str]:
        """The route: ``("GET", "/api/v1/statuses/{id}")``."""
        for method, template, pattern in _PATTERNS:
            if method == call.method and pattern.match(call.path.rstrip("/") or "/"):
                return method, template
        return call.method, call.path

    def fault(
        self, method: str, template: str, kind: str, status: int = 500, body: Any = None
    ) -> None:
        super().fault((method, template), kind, status, body)

    def named(self, method: str, template: str) -> list[Any]:
        return super().named((method, template))

    def failure(self, call: Call, fault: Fault) -> Answer:
        return Answer(fault.status, fault.body or {"error": "Something went wrong"})

    def rate_limited(self, call: Call, fault: Fault) -> Answer:
        reset = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
        headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0"}
        return Answer(429, {"error": "Too many requests"}, {**headers, "X-RateLimit-Reset": reset})

    def refusal(self, call: Call, problem: str) -> Answer:
        return Answer(422, {"error": problem})

    def check_answer(self, call: Call, answer: Answer) -> list[str]:
        method, template = call.key
        errors: list[str] = self.api.response_errors(template, method, answer.status, answer.body)
        return errors

    # -- dispatch -----------------------------------------------------------------------

    def respond(self, call: Call) -> Answer:
        method, template = call.key
        if (method, template) not in ROUTES:
            return self.refuse(call, "not a route the adapter may call")
        ident = call.path.rstrip("/").split("/")[4] if "{id}" in template else None
        body = call.body
        if method in ("POST", "PUT") and body is not None:
            errors = self.api.request_errors(template, method, body, call.content_type)
            if errors:
                return self.refuse(call, "; ".join(errors))
        public = template in ("/api/v1/apps", "/oauth/token", "/api/v2/instance")
        if not public and call.headers.get("authorization") != f"Bearer {TOKEN}":
            return Answer(401, {"error": "The access token is invalid"})
        handler = getattr(
            self,
            "_"
            + method.lower()
            + template.replace("/", "_").replace("{id}", "id").replace(".", ""),
        )
        status, answer = handler(ident, body, call.request)
        return Answer(status, answer)

    # -- entities --------------------------------------------------------------------------

    def account(self) -> dict[str, Any]:
        return {
            "id": ACCOUNT_ID,
            "username": "aki",
            "acct": "aki",
            "display_name": "Aki",
            "locked": False,
            "bot": False,
            "group": False,
            "discoverable": True,
            "indexable": True,
            "created_at": "2022-11-01T00:00:00.000Z",
            "note": "",
            "url": f"{self.url}/@aki",
            "uri": f"{self.url}/users/aki",
            "avatar": f"{self.url}/a.png",
            "avatar_static": f"{self.url}/a.png",
            "header": f"{self.url}/h.png",
            "header_static": f"{self.url}/h.png",
            "followers_count": 1,
            "following_count": 1,
            "statuses_count": len(self.statuses),
            "last_status_at": None,
            "emojis": [],
            "fields": [],
        }

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _content(self, text: str) -> str:
        def link(match: re.Match[str]) -> str:
            url = match.group()
            scheme, _, rest = url.partition("://")
            shown, hidden = rest[:30], rest[30:]
            return (
                f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">'
                f'<span class="invisible">{scheme}://</span>'
                f'<span class="ellipsis">{html.escape(shown)}</span>'
                f'<span class="invisible">{html.escape(hidden)}</span></a>'
            )

        paragraphs = []
        for paragraph in text.split("\n\n"):
            escaped = html.escape(paragraph, quote=False)
            paragraphs.append("<p>" + _URL.sub(link, escaped).replace("\n", "<br />") + "</p>")
        return "".join(paragraphs)

    def length(self, text: str, spoiler: str) -> int:
        return len(_GRAPHEME.findall(spoiler + _URL.sub("x" * 23, text)))

    # -- endpoints -------------------------------------------------------------------------

    def _get_api_v2_instance(self, ident: Any, body: Any, request: Request) -> tuple[int, Any]:
        host = self.url.split("://")[1]
        return 200, {
            "domain": host,
            "title": "Fake",
            "version": "4.3.0",
            "source_url": "https://github.com/mastodon/mastodon",
            "description": "",
            "usage": {"users": {"active_month": 1}},
            "thumbnail": {"url": f"{self.url}/t.png"},
            "icon": [],
            "languages": ["ja", "en"],
            "api_versions": {"mastodon": 2},
            "configuration": {
                "urls": {"streaming": f"wss://{host}"},
                "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": 23,
                },
                "media_attachments": {
                    "supported_mime_types": ["image/png", "image/jpeg"],
                    "image_size_limit": 16777216,
                    "image_matrix_limit": 33177600,
                    "video_size_limit": 103809024,
                    "video_frame_rate_limit": 120,
                    "video_matrix_limit": 8294400,
                    "description_limit": 1500,
                },
                "polls": {
                    "max_options": 4,
                    "max_characters_per_option": 50,
                    "min_expiration": 300,
                    "max_expiration": 2629746,
                },
                "translation": {"enabled": False},
                "vapid": {"public_key": "x"},
            },
            "registrations": {"enabled": False, "approval_required": False, "message": None},
            "contact": {"email": "admin@example.com", "account": None},
            "rules": [],
        }

    def _get_api_v1_accounts_verify_credentials(
        self, ident: Any, body: Any, request: Request
    ) -> tuple[int, Any]:
        account = self.account()
        account["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": "ja",
            "note": "",
            "fields": [],
            "follow_requests_count": 0,
            "indexable": True,
        }
        account["role"] = {
            "id": "-99",
            "name": "",
            "color": "",
            "permissions": "0",
            "highlighted": False,
        }
        return 200, account

    def _get_api_v1_accounts_id_statuses(
        self, ident: str, body: Any, request: Request
    ) -> tuple[int, Any]:
        newest = sorted(self.statuses.values(), key=lambda s: int(s["id"]), reverse=True)
        return 200, newest[: int(request.args.get("limit", "20"))]

    def _post_api_v1_statuses(
        self, ident: Any, body: dict[str, Any], request: Request
    ) -> tuple[int, Any]:
        key = request.headers.get("Idempotency-Key")
        if not key:
            self.violations.append("POST /api/v1/statuses without Idempotency-Key")
        if key in self.idempotency and self.idempotency[key] in self.statuses:
            return 200, self.statuses[self.idempotency[key]]
        text, spoiler = body.get("status", ""), body.get("spoiler_text", "")
        if self.length(text, spoiler) > self.max_characters:
            return 422, {"error": TOO_LONG.format(self.max_characters)}
        media = []
        for media_id in body.get("media_ids", []):
            item = self.media.get(media_id)
            if item is None or item["url"] is None:
                return 422, {"error": NOT_PROCESSED}
            media.append(item)
        reply = body.get("in_reply_to_id")
        if reply is not None and reply not in self.statuses:
            return 404, {"error": "Record not found"}
        status_id = self._new_id()
        status = {
            "id": status_id,
            "uri": f"{self.url}/users/aki/statuses/{status_id}",
            "url": f"{self.url}/@aki/{status_id}",
            "created_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "edited_at": None,
            "account": self.account(),
            "content": self._content(text),
            "visibility": body.get("visibility", "public"),
            "sensitive": body.get("sensitive", False),
            "spoiler_text": spoiler,
            "media_attachments": media,
            "mentions": [],
            "tags": [],
            "emojis": [],
            "reblogs_count": 0,
            "favourites_count": 0,
            "replies_count": 0,
            "in_reply_to_id": reply,
            "in_reply_to_account_id": ACCOUNT_ID if reply else None,
            "language": body.get("language"),
            "application": {"name": "xpost", "website": None},
        }
        self.statuses[status_id] = status
        self.sources[status_id] = {"id": status_id, "text": text, "spoiler_text": spoiler}
        if key:
            self.idempotency[key] = status_id
        return 200, status

    def _get_api_v1_statuses_id(self, ident: str, body: Any, request: Request) -> tuple[int, Any]:
        if ident not in self.statuses:
            return 404, {"error": "Record not found"}
        return 200, self.statuses[ident]

    def _put_api_v1_statuses_id(
        self, ident: str, body: dict[str, Any], request: Request
    ) -> tuple[int, Any]:
        if ident not in self.statuses:
            return 404, {"error": "Record not found"}
        text, spoiler = body.get("status", ""), body.get("spoiler_text", "")
        if self.length(text, spoiler) > self.max_characters:
            return 422, {"error": TOO_LONG.format(self.max_characters)}
        status = self.statuses[ident]
        status.update(
            content=self._content(text),
            spoiler_text=spoiler,
            edited_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        )
        if "language" in body:
            status["language"] = body["language"]
        self.sources[ident] = {"id": ident, "text": text, "spoiler_text": spoiler}
        return 200, status

    def _delete_api_v1_statuses_id(
        self, ident: str, body: Any, request: Request
    ) -> tuple[int, Any]:
        if ident not in self.statuses:
            return 404, {"error": "Record not found"}
        status = self.statuses.pop(ident)
        self.sources.pop(ident)
        return 200, status

    def _get_api_v1_statuses_id_source(
        self, ident: str, body: Any, request: Request
    ) -> tuple[int, Any]:
        if ident not in self.sources:
            return 404, {"error": "Record not found"}
        return 200, self.sources[ident]

    def _get_api_v1_statuses_id_context(
        self, ident: str, body: Any, request: Request
    ) -> tuple[int, Any]:
        if ident not in self.statuses:
            return 404, {"error": "Record not found"}
        descendants, frontier = [], {ident}
        for status in sorted(self.statuses.values(), key=lambda s: int(s["id"])):
            if status["in_reply_to_id"] in frontier:
                descendants.append(status)
                frontier.add(status["id"])
        return 200, {"ancestors": [], "descendants": descendants}

    def _post_api_v2_media(
        self, ident: Any, body: dict[str, Any], request: Request
    ) -> tuple[int, Any]:
        upload = request.files.get("file")
        if upload is None or not upload.mimetype.startswith("image/"):
            self.violations.append("media upload without an image file")
            return 422, {"error": "Validation failed: File content type is invalid"}
        media_id = self._new_id()
        item = {
            "id": media_id,
            "type": "image",
            "url": None,
            "preview_url": f"{self.url}/p/{media_id}.png",
            "remote_url": None,
            "text_url": None,
            "meta": {},
            "description": body.get("description"),
            "blurhash": None,
        }
        self.media[media_id] = item
        return 202, item

    def _get_api_v1_media_id(self, ident: str, body: Any, request: Request) -> tuple[int, Any]:
        item = self.media.get(ident)
        if item is None:
            return 404, {"error": "Record not found"}
        item["url"] = f"{self.url}/m/{ident}.png"  # processed by the time it is asked
        return 200, item

    def _post_api_v1_apps(
        self, ident: Any, body: dict[str, Any], request: Request
    ) -> tuple[int, Any]:
        return 200, {
            "id": "563419",
            "name": body["client_name"],
            "website": None,
            "scopes": body.get("scopes", "read").split(),
            "redirect_uri": body["redirect_uris"][0],
            "redirect_uris": body["redirect_uris"],
            "client_id": "client-id-123",
            "client_secret": "client-secret-456",
            "client_secret_expires_at": 0,
            "vapid_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0",
        }

    def _post_oauth_token(
        self, ident: Any, body: dict[str, Any], request: Request
    ) -> tuple[int, Any]:
        if body.get("code") != "good-code" or body.get("client_secret") != "client-secret-456":
            return 400, {
                "error": "invalid_grant",
                "error_description": "The provided authorization grant is invalid",
            }
        return 200, {
            "access_token": TOKEN,
            "token_type": "Bearer",
            "scope": body.get("scope", "read"),
            "created_at": 1733050000,
        }
