"""The Forem API v1 wire protocol: requests, status codes → xpost errors, rate limits.

Facts from Forem's OpenAPI document (forem/forem ``swagger/v1/api_v1.json``): the
``api-key`` header authenticates; v1 is chosen with ``Accept:
application/vnd.forem.api-v1+json``; ``POST /api/articles`` answers 201 with the
article, 401 ``{"error", "status"}``, 422 for an invalid article; ``PUT
/api/articles/{id}`` answers 200; ``GET /api/articles/me/all`` lists the account's
articles (published and not), ``page`` and ``per_page`` ≤ 1000; ``GET
/api/users/me`` names the account. DEV answers 429 with ``Retry-After``.

Safety of retries: GETs are retried after a 5xx or no answer; a POST never is (the
article may exist: ``OutcomeUnknown``), nor a PUT whose answer was lost; a 429 is
waited out when short, since the request was refused without being applied.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import requests
from xpost.plugin import AuthError, OutcomeUnknown, PublishError, RateLimited

from xpost_devto import __version__

ACCEPT = "application/vnd.forem.api-v1+json"
#: The longest Retry-After waited out; beyond it the call fails with RateLimited.
MAX_RATE_WAIT = 30.0
GET_ATTEMPTS = 3
_ARTICLE_URL = re.compile(r"^https?://[^\s/]+/\S+$")


class CanonicalTaken(PublishError):
    """Forem refused a create because another article has this canonical URL."""


class ForemClient:
    """One Forem instance with one API key."""

    def __init__(self, api_base: str, api_key: str, *, timeout: float) -> None:
        self.api_base = api_base
        self.timeout = timeout
        self._key = api_key
        self._session = requests.Session()
        self._session.headers.update(
            {"Accept": ACCEPT, "User-Agent": f"xpost-devto/{__version__}", "api-key": api_key}
        )
        self._session.trust_env = False  # no ~/.netrc or proxy may stand in for the key

    def __enter__(self) -> ForemClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._session.close()

    # -- calls ------------------------------------------------------------------------

    def create(self, payload: dict[str, Any]) -> dict[str, Any]:
        return _article(self._send("POST", "/api/articles", json=payload, expect=(201,)))

    def update(self, article_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        path = f"/api/articles/{_checked_id(article_id)}"
        return _article(self._send("PUT", path, json=payload, expect=(200,)))

    def unpublish(self, article_id: str) -> None:
        path = f"/api/articles/{_checked_id(article_id)}"
        try:
            self._send("PUT", path, json={"article": {"published": False}}, expect=(200,))
        except _NotFound:
            return  # gone already: the goal is reached

    def article_or_none(self, article_id: str) -> dict[str, Any] | None:
        """The article by id: the public endpoint knows published ones, the account's
        list the others (a DEV draft)."""
        try:
            return _article(self._get(f"/api/articles/{_checked_id(article_id)}"))
        except _NotFound:
            pass
        for article in self.my_articles(pages=3, per_page=1000):
            if str(article.get("id")) == article_id:
                return article
        return None

    def my_articles(self, *, pages: int, per_page: int) -> Iterator[dict[str, Any]]:
        for page in range(1, pages + 1):
            found = self._get("/api/articles/me/all", params={"page": page, "per_page": per_page})
            if not isinstance(found, list):
                raise PublishError("DEV: the list of articles is not a list; is api_base right?")
            yield from (a for a in found if isinstance(a, dict))
            if len(found) < per_page:
                return

    def me(self) -> str:
        user = self._get("/api/users/me")
        name = user.get("username") if isinstance(user, dict) else None
        if not isinstance(name, str) or not re.match(r"^[A-Za-z0-9_]+$", name):
            raise PublishError("DEV: the account has no username; is api_base right?")
        return name

    # -- the protocol -----------------------------------------------------------------

    def _get(self, path: str, **kwargs: Any) -> Any:
        for attempt in range(1, GET_ATTEMPTS + 1):
            try:
                return self._send("GET", path, expect=(200,), **kwargs)
            except _Transient:
                if attempt == GET_ATTEMPTS:
                    raise PublishError(f"DEV: GET {path} failed {GET_ATTEMPTS} times") from None
                time.sleep(0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _send(self, method: str, path: str, *, expect: tuple[int, ...], **kwargs: Any) -> Any:
        url = self.api_base + path
        for _ in range(2):  # one more try after a short rate-limit wait
            try:
                answer = self._session.request(
                    method, url, timeout=self.timeout, allow_redirects=False, **kwargs
                )
            except requests.RequestException as exc:
                if method == "GET":
                    raise _Transient(str(exc)) from None
                raise OutcomeUnknown(
                    f"DEV: no answer to {method} {path} ({type(exc).__name__}); "
                    "the article may have been changed: the next run looks it up"
                ) from None
            if answer.status_code == 429:
                wait = _retry_after(answer)
                if wait is not None and wait <= MAX_RATE_WAIT:
                    time.sleep(wait)
                    continue
                raise RateLimited("DEV: rate limited (429); try again later", retry_after=wait)
            return self._answer(method, path, answer, expect)
        raise RateLimited("DEV: still rate limited after waiting", retry_after=MAX_RATE_WAIT)

    def _answer(
        self, method: str, path: str, answer: requests.Response, expect: tuple[int, ...]
    ) -> Any:
        status = answer.status_code
        if status in expect:
            try:
                return answer.json()
            except ValueError:
                if method in ("POST", "PUT"):
                    raise OutcomeUnknown(f"DEV: {method} {path}: the answer is not JSON") from None
                raise PublishError(f"DEV: {method} {path}: the answer is not JSON") from None
        message = _error_text(answer)
        if status == 401:
            raise AuthError("DEV: the API key was rejected (401); run 'xpost auth set devto'")
        if status == 403:
            raise AuthError(f"DEV: {method} {path} is forbidden for this key (403): {message}")
        if status == 404:
            raise _NotFound(f"DEV: {path} not found")
        if status == 422:
            if "canonical url" in message.lower() and "taken" in message.lower():
                raise CanonicalTaken(f"DEV refused the article: {message}")
            raise PublishError(f"DEV refused the article (422): {message}")
        if status >= 500:
            if method == "GET":
                raise _Transient(f"DEV answered {status}")
            raise OutcomeUnknown(f"DEV answered {status} to {method} {path}; looked up next run")
        raise PublishError(f"DEV answered {status} to {method} {path}: {message}")


class _NotFound(PublishError):
    pass


class _Transient(PublishError):
    pass


def article_id(article: dict[str, Any]) -> str:
    value = article.get("id")
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise OutcomeUnknown("DEV: the answer holds no article id; the article may exist")
    return str(value)


def article_url(article: dict[str, Any]) -> str | None:
    url = article.get("url")
    return url if isinstance(url, str) and _ARTICLE_URL.match(url) else None


def _article(found: Any) -> dict[str, Any]:
    if not isinstance(found, dict):
        raise OutcomeUnknown("DEV: the answer is not an article")
    article_id(found)
    return found


def _checked_id(article_id: str) -> str:
    if not article_id.isdigit():
        raise PublishError(f"DEV: {article_id!r} is not an article id")
    return article_id


def _retry_after(answer: requests.Response) -> float | None:
    value = answer.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _error_text(answer: requests.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.reason or ""
    text = body.get("error") if isinstance(body, dict) else None
    text = text if isinstance(text, str) else str(body)
    return " ".join(text.split())[:300]
