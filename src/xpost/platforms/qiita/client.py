"""The Qiita API v2 wire protocol: requests, status codes → xpost errors, rate limits.

Imported only when something is sent (it imports ``requests``). Error texts name the
method, path and Qiita's own ``{message, type}``, never a header or the token.

Safety of retries: GET and DELETE are retried after a 5xx or no answer; a POST never
is, because Qiita may have created the item (``OutcomeUnknown``); a 429 is waited out
for every method, since Qiita refused the request without applying it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import requests
import urllib3.exceptions

from xpost import __version__
from xpost.clients.deadline import within
from xpost.clients.errors import RemoteNotFound
from xpost.clients.retry import RetryPolicy
from xpost.credentials import scrub
from xpost.errors import AuthError, OutcomeUnknown, PublishError, RateLimited

ITEM_ID = re.compile(r"[0-9a-f]{20}")
_IDEMPOTENT = frozenset({"GET", "DELETE"})
_UNAUTHORIZED = (
    "Qiita: the token was rejected (401): it is wrong or revoked; run 'xpost auth set qiita'"
)


class QiitaClient:
    """One Qiita host (qiita.com or a Qiita Team) with one access token."""

    def __init__(
        self,
        api_base: str,
        token: str,
        *,
        timeout: float,
        now: Callable[[], datetime],
        policy: RetryPolicy | None = None,
    ) -> None:
        self.api_base = api_base
        self.timeout = timeout
        self.now = now
        self.policy = policy or RetryPolicy()
        self._token = token
        self._session = requests.Session()
        # As session auth, so that a ~/.netrc entry for the host cannot replace it.
        self._session.auth = _Bearer(token)
        self._session.headers.update(
            {"Accept": "application/json", "User-Agent": f"xpost/{__version__}"}
        )
        # The quota Qiita reported last (Rate-Limit per hour, Rate-Remaining, Rate-Reset).
        self._limit: int | None = None
        self._remaining: int | None = None
        self._reset: float | None = None

    def __enter__(self) -> QiitaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self._session.close()

    # -- the endpoints xpost uses ----------------------------------------------------

    def create_item(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self._object("POST", "/api/v2/items", payload=payload)

    def update_item(self, item_id: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        return self._object("PATCH", item_path(item_id), payload=payload)

    def get_item(self, item_id: str) -> dict[str, Any]:
        return self._object("GET", item_path(item_id))

    def delete_item(self, item_id: str) -> None:
        self._request("DELETE", item_path(item_id))

    def authenticated_user(self) -> dict[str, Any]:
        return self._object("GET", "/api/v2/authenticated_user")

    def my_items(self, page: int, per_page: int = 100) -> list[dict[str, Any]]:
        """One page of the token owner's items, newest first."""
        params = {"page": str(page), "per_page": str(per_page)}
        items = self._json("GET", "/api/v2/authenticated_user/items", params=params)
        if not isinstance(items, list):
            raise self._malformed("GET", "/api/v2/authenticated_user/items", "is not a list")
        return items

    # -- one request, with waits and retries --------------------------------------------

    def _object(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body = self._json(method, path, **kwargs)
        if not isinstance(body, dict):
            raise self._malformed(method, path, "is not a JSON object")
        return body

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._request(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise self._malformed(method, path, "is not JSON") from None

    def _malformed(self, method: str, path: str, problem: str) -> PublishError:
        message = f"Qiita: the answer to {method} {path} {problem}; is [qiita] api_base right?"
        if method == "POST":
            return OutcomeUnknown(message + " (the item may have been created)")
        return PublishError(message)

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> requests.Response:
        attempts = max(1, self.policy.attempts)
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            self._wait_for_quota()
            try:
                response = within(
                    self.timeout,
                    lambda: self._session.request(
                        method,
                        self.api_base + path,
                        params=params,
                        json=payload,
                        timeout=self.timeout,
                        allow_redirects=False,  # a redirect would re-send Authorization
                    ),
                )
            except requests.RequestException as exc:
                if method in _IDEMPOTENT and not last:
                    self.policy.sleep(self.policy.delay(attempt))
                    continue
                raise self._network_failure(method, path, exc) from None
            self._remember_quota(response)
            if response.status_code == 429:
                if last:
                    raise self._rate_limited()
                self._wait_for_reset(self._rate_limited())
                self._remaining = None  # waited out: don't wait again before the retry
                continue
            if response.status_code >= 500 and method in _IDEMPOTENT and not last:
                self.policy.sleep(self.policy.delay(attempt))
                continue
            self._raise_for_status(method, path, response)
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _raise_for_status(self, method: str, path: str, response: requests.Response) -> None:
        status = response.status_code
        if status < 300:
            return
        detail = self._qiita_error(response)
        if status == 401:
            raise AuthError(_UNAUTHORIZED)
        if status == 403:
            if method != "GET" and not _generic_forbidden(response):
                # Qiita also answers 403 for rule violations (a public item made limited
                # share, a tag with a space): its own message says which; not the token.
                raise PublishError(
                    f"Qiita refused the item (403) on {method} {path}: {detail}; this is one "
                    "of Qiita's rules, not a token problem"
                )
            scope = "read_qiita" if method == "GET" else "write_qiita"
            raise AuthError(
                f"Qiita: forbidden (403) on {method} {path}: {detail}; "
                f"check that the token has the {scope} scope"
            )
        if status == 404:
            raise RemoteNotFound(f"Qiita: not found (404) on {method} {path}: {detail}")
        if status >= 500:
            message = f"Qiita: server error ({status}) on {method} {path}: {detail}"
            if method == "POST":
                raise OutcomeUnknown(message + "; the item may have been created")
            raise PublishError(message + "; try again later")
        if 300 <= status < 400:
            raise PublishError(
                f"Qiita: unexpected redirect ({status}) on {method} {path}; "
                "check [qiita] api_base (e.g. https://qiita.com)"
            )
        raise PublishError(f"Qiita refused {method} {path} ({status}): {detail}")

    def _qiita_error(self, response: requests.Response) -> str:
        """Qiita's ``{"message", "type"}`` as ``message (type)``, scrubbed of the token."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            kind = body.get("type")
            text = f"{body['message']} ({kind})" if isinstance(kind, str) else body["message"]
        else:
            text = response.reason or "no details"
        return self._scrub(text)[:300]

    def _network_failure(
        self, method: str, path: str, exc: requests.RequestException
    ) -> PublishError:
        where = f"{method} {path}"
        if _nothing_was_sent(exc):
            return PublishError(
                f"Qiita: cannot connect to {self.api_base} ({where}); "
                "check the network and [qiita] api_base"
            )
        if isinstance(exc, requests.Timeout):
            problem = f"no answer within {self.timeout:g} s"
        else:
            problem = "the connection broke before the answer came"
        if method == "POST":
            return OutcomeUnknown(
                f"Qiita: {problem} ({where}); the item may have been created: "
                "the next run looks it up before creating anything"
            )
        if method == "PATCH":
            return PublishError(
                f"Qiita: {problem} ({where}); the update may or may not have been applied: "
                "rerun to send it again"
            )
        return PublishError(f"Qiita: {problem} ({where}); try again later")

    # -- rate limit: 1000 requests/hour, reported in Rate-* headers ----------------------

    def _remember_quota(self, response: requests.Response) -> None:
        self._limit = _int_header(response.headers, "Rate-Limit") or self._limit
        self._remaining = _int_header(response.headers, "Rate-Remaining")
        self._reset = _int_header(response.headers, "Rate-Reset")

    def _wait_for_quota(self) -> None:
        """Before a request: if the last answer said the quota is spent, wait or fail."""
        if self._remaining == 0 and self._reset is not None:
            self._wait_for_reset(self._rate_limited())
            self._remaining = None

    def _wait_for_reset(self, limited: RateLimited) -> None:
        """Sleep until the quota resets when that is within the bound; else raise."""
        if limited.retry_after is None or limited.retry_after > self.policy.max_rate_wait:
            raise limited
        if limited.retry_after > 0:
            self.policy.sleep(limited.retry_after)

    def _rate_limited(self) -> RateLimited:
        if self._reset is None:
            return RateLimited("Qiita: rate limit reached (429); try again later")
        now = self.now()
        wait = max(0.0, self._reset - now.timestamp())
        reset = datetime.fromtimestamp(self._reset, tz=now.tzinfo).isoformat(timespec="seconds")
        quota = f" ({self._limit} requests/hour)" if self._limit else ""
        return RateLimited(
            f"Qiita: rate limit reached{quota}; it resets at {reset}: try again after that",
            retry_after=wait,
        )

    def _scrub(self, text: str) -> str:
        return scrub(text, [self._token])


class _Bearer(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` on every request of the session."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(***)"  # never the token, even in a debugger or a traceback


def item_path(item_id: str) -> str:
    """``/api/v2/items/<id>``; refuses anything but a Qiita item id (a ledger gone bad)."""
    if not ITEM_ID.fullmatch(item_id):
        raise PublishError(
            f"Qiita: {item_id!r} is not a Qiita item id (20 hex digits); "
            "the record of this post is damaged"
        )
    return f"/api/v2/items/{item_id}"


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _nothing_was_sent(exc: requests.RequestException) -> bool:
    """True when the connection never opened (refused, no such host, TLS, connect timeout).

    A read timeout or a connection dropped mid-answer is different: the request went out.
    """
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # urllib3 wraps it in MaxRetryError
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _generic_forbidden(response: requests.Response) -> bool:
    """Qiita's bare ``{"message": "Forbidden", "type": "forbidden"}`` (a token without
    the scope), as against a 403 whose message names the rule an item breaks."""
    try:
        body = response.json()
    except ValueError:
        return True
    message = body.get("message") if isinstance(body, dict) else None
    return not isinstance(message, str) or message.strip().lower() in ("", "forbidden")
