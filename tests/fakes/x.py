"""A fake X API v2 that holds every request against ``contracts/x-api/openapi.json``.

It checks what a real X would refuse — a ``POST /2/tweets`` body outside
``CreatePostsRequest`` (additionalProperties false), a reply to a post that does not
exist, media that was never uploaded, a missing or wrongly signed OAuth 1.0a
``Authorization`` header, unknown query parameters — and records each such problem in
``rejections`` (the fixture fails the test if any is left). It answers with the spec's
shapes: 201 ``{"data": {"id", "text"}}``, the duplicate-content 403, 401, 429 with the
reset headers, 5xx, and a create that is stored but never answered.

Posts come back from ``GET /2/users/{id}/tweets`` the way X shows them: URLs replaced
by t.co links (expanded in ``entities.urls``), ``&`` escaped, a t.co link appended for
attached media.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace
from typing import Any

import jsonschema
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from werkzeug import Request, Response

from conftest import SHARED

SPEC_PATH = SHARED / "contracts/x-api/openapi.json"

# The test app's secrets: the fake verifies signatures with them.
CREDENTIALS = {
    "api_key": "fake-consumer-key",
    "api_secret": "fake-consumer-secret",
    "access_token": "1000-fake-access-token",
    "access_token_secret": "fake-access-token-secret",
}
OAUTH2_TOKEN = "fake-oauth2-user-token"
# The PIN flow's temporary credentials, and the PIN X shows the user.
REQUEST_TOKEN = ("fake-request-token", "fake-request-token-secret")
PIN = "4242424"
USER = {"id": "1000", "name": "Aki Ariga", "username": "chezou"}
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
_URL = re.compile(r"https?://[^\s]+")


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def validator(component: str) -> jsonschema.Draft7Validator:
    """A validator for one of the spec's component schemas, its ``$ref``s resolved."""
    root = {"$ref": f"#/components/schemas/{component}", "components": spec()["components"]}
    return jsonschema.Draft7Validator(root)


def schema_errors(component: str, instance: Any) -> list[str]:
    return [error.message for error in validator(component).iter_errors(instance)]


def query_parameters(path: str, method: str) -> dict[str, dict[str, Any]]:
    """The query parameters the spec allows for an operation, by name."""
    parameters = {}
    for parameter in spec()["paths"][path][method].get("parameters", []):
        if "$ref" in parameter:
            parameter = spec()["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
        if parameter["in"] == "query":
            parameters[parameter["name"]] = parameter
    return parameters


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> Response:
    """X's error body: a problem object, as ``application/problem+json``."""
    body = {"title": title, "detail": detail, "type": kind, "status": status}
    return Response(json.dumps(body), status=status, content_type="application/problem+json")


@dataclass
class Scripted:
    """A canned answer for the ``nth`` request (1-based) matching method and path."""

    method: str
    path: str
    nth: int
    status: int = 503
    detail: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # handle it (store the post) but answer only after the client left


@dataclass
class Seen:
    method: str
    path: str
    auth: str  # "oauth1", "bearer" or "none"
    json: Any = None
    form: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)


class FakeX:
    """State and request handler; mount ``handle`` on a threaded pytest-httpserver."""

    def __init__(self) -> None:
        self.posts: dict[str, dict[str, Any]] = {}  # id → stored post, oldest first
        self.media: dict[str, dict[str, Any]] = {}  # id → upload state
        self.requests: list[Seen] = []
        self.rejections: list[str] = []
        self.scripted: list[Scripted] = []
        self.revoked = False
        self.release = threading.Event()  # lets a hanging handler finish at teardown
        self._ids = itertools.count(1790000000000000001)
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self.url = ""  # the server's base URL, set by the fixture that starts it

    # -- test helpers --------------------------------------------------------------

    def script(self, method: str, path: str, nth: int = 1, **answer: Any) -> None:
        self.scripted.append(Scripted(method, path, nth, **answer))

    def calls(self, method: str, path: str | None = None) -> list[Seen]:
        return [r for r in self.requests if r.method == method and (path is None or r.path == path)]

    def add_post(self, text: str, *, reply_to: str | None = None) -> str:
        """A post already on the account (made by hand, or by an earlier run)."""
        return self._store(text, reply_to, [])

    def created_texts(self) -> list[str]:
        return [str(r.json["text"]) for r in self.calls("POST", "/2/tweets")]

    # -- dispatch ------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        with self._lock:
            seen = Seen(request.method, request.path, self._auth_kind(request))
            seen.query = dict(request.args)
            if request.mimetype == "application/json":
                seen.json = request.get_json(silent=True)
            self.requests.append(seen)
            count = len(self.calls(request.method, request.path))
            canned = next(
                (
                    s
                    for s in self.scripted
                    if (s.method, s.path, s.nth) == (request.method, request.path, count)
                ),
                None,
            )
            if request.path.startswith("/oauth/"):
                return self._pin_flow(request)
            refusal = self._check_auth(request)
            if refusal is not None:
                return refusal
            if canned is not None and not canned.hang:
                return self._canned(canned)
            response = self._route(request, seen)
        if canned is not None and canned.hang:
            self.release.wait(10)  # the client has timed out long before
        return response

    def _canned(self, canned: Scripted) -> Response:
        titles = {
            429: "Too Many Requests",
            500: "Internal Server Error",
            503: "Service Unavailable",
        }
        title = titles.get(canned.status, "Forbidden" if canned.status == 403 else "Error")
        response = problem(canned.status, title, canned.detail or title)
        response.headers.update(canned.headers)
        return response

    def _route(self, request: Request, seen: Seen) -> Response:
        method, path = request.method, request.path
        if method == "GET" and path == "/2/users/me":
            return self._me(request)
        if method == "POST" and path == "/2/tweets":
            return self._create(request, seen)
        if method == "DELETE" and (m := re.fullmatch(r"/2/tweets/([^/]+)", path)):
            return self._delete(m.group(1))
        if method == "GET" and (m := re.fullmatch(r"/2/users/([^/]+)/tweets", path)):
            return self._timeline(request, m.group(1))
        if method == "POST" and path == "/2/media/upload":
            return self._simple_upload(request, seen)
        if method == "GET" and path == "/2/media/upload":
            return self._upload_status(request)
        if method == "POST" and path == "/2/media/upload/initialize":
            return self._initialize(request, seen)
        if method == "POST" and (m := re.fullmatch(r"/2/media/upload/([^/]+)/append", path)):
            return self._append(request, seen, m.group(1))
        if method == "POST" and (m := re.fullmatch(r"/2/media/upload/([^/]+)/finalize", path)):
            return self._finalize(m.group(1))
        if method == "POST" and path == "/2/media/metadata":
            return self._metadata(request, seen)
        return self._reject(f"{method} {path}: no such endpoint", 404)

    # -- auth ----------------------------------------------------------------------

    @staticmethod
    def _auth_kind(request: Request) -> str:
        header = request.headers.get("Authorization", "")
        return "oauth1" if header.startswith("OAuth ") else "bearer" if header else "none"

    def _check_auth(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            if header.removeprefix("Bearer ") != OAUTH2_TOKEN:
                return self._reject("Bearer token is not the test user's OAuth 2.0 token", 401)
        elif header.startswith("OAuth "):
            problem_text = self._check_oauth1(request, header)
            if problem_text:
                return self._reject(problem_text, 401)
        else:
            return self._reject(f"{request.method} {request.path}: not signed", 401)
        if self.revoked:
            return problem(401, "Unauthorized", "Unauthorized")
        return None

    def _pin_flow(self, request: Request) -> Response:
        """``POST /oauth/request_token`` and ``/oauth/access_token`` (OAuth 1.0a, RFC 5849)."""
        header = request.headers.get("Authorization", "")
        if request.method != "POST" or not header.startswith("OAuth "):
            return self._reject(f"{request.method} {request.path}: not a signed POST", 401)
        params = dict(oauth_signature.collect_parameters(headers={"Authorization": header}))
        form = "application/x-www-form-urlencoded"
        if request.path == "/oauth/request_token":
            if params.get("oauth_callback") != "oob":
                return self._reject("request_token: oauth_callback is not oob (PIN flow)")
            if why := self._check_oauth1(request, header, token=None):
                return self._reject(why, 401)
            token, secret = REQUEST_TOKEN
            body = f"oauth_token={token}&oauth_token_secret={secret}&oauth_callback_confirmed=true"
            return Response(body, content_type=form)
        if request.path == "/oauth/access_token":
            if why := self._check_oauth1(request, header, token=REQUEST_TOKEN):
                return self._reject(why, 401)
            if params.get("oauth_verifier") != PIN:
                return Response("Invalid oauth_verifier parameter", status=401)
            body = (
                f"oauth_token={CREDENTIALS['access_token']}"
                f"&oauth_token_secret={CREDENTIALS['access_token_secret']}"
                f"&user_id={USER['id']}&screen_name={USER['username']}"
            )
            return Response(body, content_type=form)
        return self._reject(f"{request.path}: no such endpoint", 404)

    def _check_oauth1(
        self,
        request: Request,
        header: str,
        token: tuple[str, str] | None = (
            CREDENTIALS["access_token"],
            CREDENTIALS["access_token_secret"],
        ),
    ) -> str | None:
        """Why the OAuth 1.0a header is wrong, or None when it is signed by the test app
        (and ``token``, the access token or the PIN flow's request token)."""
        params = dict(oauth_signature.collect_parameters(headers={"Authorization": header}))
        expected = {
            "oauth_consumer_key": CREDENTIALS["api_key"],
            "oauth_token": token[0] if token else None,
            "oauth_signature_method": "HMAC-SHA1",
        }
        for name, value in expected.items():
            if params.get(name) != value:
                return f"OAuth header: {name} is {params.get(name)!r}"
        for name in ("oauth_timestamp", "oauth_nonce"):
            if not params.get(name):
                return f"OAuth header: no {name}"
        if abs(int(params["oauth_timestamp"]) - time.time()) > 300:
            return "OAuth header: oauth_timestamp is off by more than 5 minutes"
        if params["oauth_nonce"] in self._nonces:
            return "OAuth header: oauth_nonce reused"
        self._nonces.add(params["oauth_nonce"])
        form = request.mimetype == "application/x-www-form-urlencoded"
        signed = SimpleNamespace(
            http_method=request.method,
            uri=request.url,
            params=oauth_signature.collect_parameters(
                uri_query=request.query_string.decode(),
                body=request.get_data(as_text=True) if form else None,
                headers={"Authorization": header},
            ),
            signature=dict(
                oauth_signature.collect_parameters(
                    headers={"Authorization": header}, exclude_oauth_signature=False
                )
            ).get("oauth_signature", ""),
        )
        ok = oauth_signature.verify_hmac_sha1(
            signed, CREDENTIALS["api_secret"], token[1] if token else None
        )
        return None if ok else "OAuth header: the HMAC-SHA1 signature does not verify"

    def _reject(self, why: str, status: int = 400) -> Response:
        """A request a real X would refuse: recorded, so the test fails unless expected."""
        self.rejections.append(why)
        if status == 401:
            return problem(401, "Unauthorized", "Unauthorized")
        kind = "https://api.x.com/2/problems/invalid-request"
        if status == 404:
            return problem(
                404, "Not Found Error", why, "https://api.x.com/2/problems/resource-not-found"
            )
        body = {
            "errors": [{"message": why}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": kind,
        }
        return Response(json.dumps(body), status=status, content_type="application/problem+json")

    def _check_query(self, request: Request, path: str, method: str) -> str | None:
        allowed = query_parameters(path, method)
        for name, value in request.args.items():
            # The spec (xdk 2.167) names the post fields parameter ``post.fields``; X
            # itself and tweepy call it ``tweet.fields``: both are held to its enum.
            spec_name = "post.fields" if name == "tweet.fields" else name
            if spec_name not in allowed:
                return f"query parameter {name} is not one of {sorted(allowed)}"
            schema = allowed[spec_name]["schema"]
            if schema.get("type") == "array":
                items = value.split(",")
                errors = schema_errors_for(schema, items)
            elif schema.get("type") == "integer":
                errors = schema_errors_for(schema, int(value)) if value.isdigit() else ["integer"]
            else:
                errors = schema_errors_for(schema, value)
            if errors:
                return f"query parameter {name}={value}: {errors[0]}"
        return None

    # -- users and posts -----------------------------------------------------------

    def _me(self, request: Request) -> Response:
        if why := self._check_query(request, "/2/users/me", "get"):
            return self._reject(why)
        return ok({"data": USER}, schema="GetUsersMeResponse")

    def _create(self, request: Request, seen: Seen) -> Response:
        if request.mimetype != "application/json":
            return self._reject(f"POST /2/tweets: content type {request.mimetype}")
        body = request.get_json(silent=True)
        seen.json = body
        if errors := schema_errors("CreatePostsRequest", body):
            return self._reject(f"POST /2/tweets: {errors[0]}")
        text = body.get("text", "")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not text and not media_ids:
            return self._reject("POST /2/tweets: neither text nor media")
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if reply_to is not None and reply_to not in self.posts:
            return self._reject(f"POST /2/tweets: in_reply_to_tweet_id {reply_to} does not exist")
        for media_id in media_ids:
            media = self.media.get(media_id)
            if media is None or media["state"] != "succeeded":
                return self._reject(f"POST /2/tweets: media {media_id} was not uploaded")
        if any(p["text"] == text and not p["deleted"] for p in self.posts.values()):
            return problem(403, "Forbidden", DUPLICATE)
        post_id = self._store(text, reply_to, media_ids)
        answer = {"data": {"id": post_id, "text": self.posts[post_id]["shown"]}}
        return ok(answer, 201, schema="CreatePostsResponse")

    def _store(self, text: str, reply_to: str | None, media_ids: list[str]) -> str:
        post_id = str(next(self._ids))
        root = self.posts[reply_to]["conversation_id"] if reply_to else post_id
        shown, urls = self._shown(text, post_id, media_ids)
        self.posts[post_id] = {
            "id": post_id,
            "text": text,
            "shown": shown,
            "urls": urls,
            "conversation_id": root,
            "media_ids": list(media_ids),
            "deleted": False,
        }
        return post_id

    @staticmethod
    def _shown(text: str, post_id: str, media_ids: list[str]) -> tuple[str, list[dict[str, Any]]]:
        """The text as X returns it: t.co links, HTML-escaped, a link for the media."""
        urls: list[dict[str, Any]] = []
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        def shorten(match: re.Match[str]) -> str:
            short = f"https://t.co/fake{len(urls):04d}"
            urls.append({"url": short, "expanded_url": match.group(0)})
            return short

        shown = _URL.sub(shorten, escaped)
        if media_ids:
            short = f"https://t.co/media{post_id[-4:]}"
            shown = f"{shown} {short}"
            expanded = f"https://x.com/{USER['username']}/status/{post_id}/photo/1"
            urls.append({"url": short, "expanded_url": expanded, "media_key": f"3_{media_ids[0]}"})
        for url in urls:
            start = shown.index(url["url"])
            url.update(start=start, end=start + len(url["url"]), display_url=url["url"][8:])
        return shown, urls

    def _delete(self, post_id: str) -> Response:
        post = self.posts.get(post_id)
        if post is None or post["deleted"]:
            return problem(
                404,
                "Not Found Error",
                f"Could not find post with id: [{post_id}].",
                "https://api.x.com/2/problems/resource-not-found",
            )
        post["deleted"] = True
        return ok({"data": {"deleted": True}}, schema="DeletePostsResponse")

    def _timeline(self, request: Request, user_id: str) -> Response:
        if why := self._check_query(request, "/2/users/{id}/tweets", "get"):
            return self._reject(why)
        if user_id != USER["id"]:
            return self._reject(f"GET /2/users/{user_id}/tweets: not the test user")
        fields = set(
            (request.args.get("tweet.fields") or request.args.get("post.fields") or "").split(",")
        )
        limit = int(request.args.get("max_results", "10"))
        live = [p for p in reversed(self.posts.values()) if not p["deleted"]][:limit]
        data = []
        for post in live:
            item: dict[str, Any] = {
                "id": post["id"],
                "text": post["shown"],
                "edit_history_tweet_ids": [post["id"]],
            }
            if "conversation_id" in fields:
                item["conversation_id"] = post["conversation_id"]
            if "created_at" in fields:
                item["created_at"] = "2024-05-01T03:00:00.000Z"
            if "entities" in fields and post["urls"]:
                item["entities"] = {"urls": post["urls"]}
            data.append(item)
        if not data:
            return ok({"meta": {"result_count": 0}})
        meta = {"result_count": len(data), "newest_id": data[0]["id"], "oldest_id": data[-1]["id"]}
        return ok({"data": data, "meta": meta}, schema="GetUsersPostsResponse")

    # -- media ---------------------------------------------------------------------

    def _multipart(self, request: Request, seen: Seen) -> tuple[dict[str, Any], bytes] | str:
        if request.mimetype != "multipart/form-data":
            return f"{request.path}: content type {request.mimetype}, not multipart/form-data"
        fields: dict[str, Any] = dict(request.form)
        if "media" not in request.files:
            return f"{request.path}: no media file part"
        data = request.files["media"].read()
        seen.form = {**fields, "media": f"<{len(data)} bytes>"}
        if "segment_index" in fields:
            fields["segment_index"] = int(fields["segment_index"])
        return {**fields, "media": "binary"}, data

    def _simple_upload(self, request: Request, seen: Seen) -> Response:
        parsed = self._multipart(request, seen)
        if isinstance(parsed, str):
            return self._reject(parsed)
        fields, data = parsed
        if errors := schema_errors("MediaUploadRequest", fields):
            return self._reject(f"POST /2/media/upload: {errors[0]}")
        if fields["media_category"] != "tweet_image" or not _is_still_image(data):
            return self._reject("POST /2/media/upload: not a tweet_image JPEG/PNG/WEBP")
        if len(data) > 5 * 1024 * 1024:
            return self._reject("POST /2/media/upload: image over 5 MB")
        media_id = self._new_media(len(data), "tweet_image", "succeeded")
        body = {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(data),
                "expires_after_secs": 86400,
                "image": {"image_type": "image/png", "w": 1, "h": 1},
            }
        }
        return ok(body, schema="MediaUploadResponse")

    def _initialize(self, request: Request, seen: Seen) -> Response:
        body = request.get_json(silent=True)
        seen.json = body
        if errors := schema_errors("InitializeMediaUploadRequest", body):
            return self._reject(f"POST /2/media/upload/initialize: {errors[0]}")
        if not {"media_type", "total_bytes", "media_category"} <= set(body):
            return self._reject("initialize: media_type, total_bytes and media_category needed")
        media_id = self._new_media(body["total_bytes"], body["media_category"], "initialized")
        answer = {
            "data": {"id": media_id, "media_key": f"3_{media_id}", "expires_after_secs": 86400}
        }
        return ok(answer, schema="InitializeMediaUploadResponse")

    def _append(self, request: Request, seen: Seen, media_id: str) -> Response:
        media = self.media.get(media_id)
        if media is None or media["state"] != "initialized":
            return self._reject(f"append: media {media_id} is not an open upload")
        parsed = self._multipart(request, seen)
        if isinstance(parsed, str):
            return self._reject(parsed)
        fields, data = parsed
        if errors := schema_errors("AppendMediaUploadRequest", fields):
            return self._reject(f"append: {errors[0]}")
        if fields["segment_index"] != len(media["segments"]):
            return self._reject(f"append: segment {fields['segment_index']} out of order")
        media["segments"].append(data)
        return ok(
            {"data": {"expires_at": int(time.time()) + 86400}}, schema="AppendMediaUploadResponse"
        )

    def _finalize(self, media_id: str) -> Response:
        media = self.media.get(media_id)
        if media is None or media["state"] != "initialized":
            return self._reject(f"finalize: media {media_id} is not an open upload")
        size = sum(len(segment) for segment in media["segments"])
        if size != media["total_bytes"]:
            return self._reject(
                f"finalize: {size} bytes received, {media['total_bytes']} announced"
            )
        # X processes GIFs before they can be attached: pending, then succeeded.
        media["state"] = "pending"
        info = {"state": "pending", "check_after_secs": 1}
        body = {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": size,
                "expires_after_secs": 86400,
                "processing_info": info,
            }
        }
        return ok(body, schema="FinalizeMediaUploadResponse")

    def _upload_status(self, request: Request) -> Response:
        if why := self._check_query(request, "/2/media/upload", "get"):
            return self._reject(why)
        media = self.media.get(request.args.get("media_id", ""))
        if media is None:
            return self._reject("STATUS: unknown media_id")
        media["state"] = "succeeded"
        info = {"state": "succeeded", "progress_percent": 100}
        return ok({"data": {"id": media["id"], "processing_info": info}})

    def _metadata(self, request: Request, seen: Seen) -> Response:
        body = request.get_json(silent=True)
        seen.json = body
        if errors := schema_errors("CreateMediaMetadataRequest", body):
            return self._reject(f"POST /2/media/metadata: {errors[0]}")
        media = self.media.get(body["id"])
        if media is None:
            return self._reject(f"POST /2/media/metadata: media {body['id']} was not uploaded")
        media["alt"] = body["metadata"]["alt_text"]["text"]
        return ok(
            {"data": {"id": body["id"], "associated_metadata": body["metadata"]}},
            schema="CreateMediaMetadataResponse",
        )

    def _new_media(self, total_bytes: int, category: str, state: str) -> str:
        media_id = str(next(self._ids))
        self.media[media_id] = {
            "id": media_id,
            "total_bytes": total_bytes,
            "category": category,
            "state": state,
            "segments": [],
            "alt": None,
        }
        return media_id


def schema_errors_for(schema: dict[str, Any], instance: Any) -> list[str]:
    """Errors of ``instance`` against an inline schema that may ``$ref`` the spec."""
    root = {"allOf": [schema], "components": spec()["components"]}
    return [e.message for e in jsonschema.Draft7Validator(root).iter_errors(instance)]


def ok(body: dict[str, Any], status: int = 200, *, schema: str | None = None) -> Response:
    """A success answer; checked against the spec's response schema where one is named."""
    if schema is not None:
        errors = schema_errors(schema, body)
        assert not errors, f"the fake's own answer breaks {schema}: {errors}"
    headers = {
        "x-rate-limit-limit": "100",
        "x-rate-limit-remaining": "99",
        "x-rate-limit-reset": str(int(time.time()) + 900),
    }
    return Response(
        json.dumps(body), status=status, content_type="application/json", headers=headers
    )


def _is_still_image(data: bytes) -> bool:
    return data.startswith((b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")) or (
        data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    )
