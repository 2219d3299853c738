"""A small JSON-over-HTTP client for adapters: the fault rules every adapter must keep.

Imported only when something is sent (it imports ``requests``); adapters reach it
through ``xpost.plugin.ApiClient``. What it guarantees, so that an adapter's
exactly-once promise rests on one tested piece:

- a request the caller marks ``retry_safe`` (GET, DELETE, or a write the platform
  deduplicates: an Idempotency-Key, a fixed record key) is retried after a 5xx or a
  lost answer; any other write never is;
- a write marked ``creates`` whose answer never came (timeout, broken connection, 5xx)
  is ``OutcomeUnknown``, so the ledger looks the copy up before creating again; a
  connection that never opened is a plain ``PublishError``: nothing was sent;
- 401/403 are ``AuthError``, 429 ``RateLimited`` (waited out when the platform says
  when, within the policy's bound), any other refusal ``ApiRefused`` with the status
  and the platform's JSON body for the adapter to read;
- redirects are not followed (they would carry the credentials elsewhere), and no
  error text ever holds a secret.
"""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
import urllib3.exceptions

from xpost import __version__
from xpost.clients.retry import RetryPolicy
from xpost.credentials import scrub
from xpost.errors import AuthError, OutcomeUnknown, PublishError, RateLimited

_SAFE_METHODS = frozenset({"GET", "HEAD", "DELETE"})


class ApiRefused(PublishError):
    """The platform answered with an error status (not 401, 403 or 429)."""

    def __init__(self, message: str, *, status: int, body: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass
class ApiResponse:
    status: int
    headers: Mapping[str, str]
    body: Any  # the parsed JSON, or None when the answer was empty or not JSON


def default_detail(body: Any) -> str | None:
    """The platform's own words from a JSON error body (``message``, ``error``, …)."""
    if isinstance(body, dict):
        for key in ("message", "error_description", "error"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return str(value["message"])  # Misskey: {"error": {"message", "code"}}
    return None


class ApiClient:
    """One platform host; ``label`` names it in messages, ``config_key`` where it is set."""

    def __init__(
        self,
        base_url: str,
        *,
        label: str,
        config_key: str,
        timeout: float,
        policy: RetryPolicy | None = None,
        secrets: Sequence[str] = (),
        headers: Mapping[str, str] | None = None,
        detail: Callable[[Any], str | None] = default_detail,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.label = label
        self.config_key = config_key
        self.timeout = timeout
        self.policy = policy or RetryPolicy()
        self._secrets = [s for s in secrets if s]
        self._detail = detail
        self._now = now or (lambda: datetime.now().astimezone())
        self._session = requests.Session()
        self._session.trust_env = False  # no ~/.netrc credentials, no proxy surprises
        self._session.headers.update(
            {"Accept": "application/json", "User-Agent": f"xpost/{__version__}"}
        )
        if headers:
            self._session.headers.update(headers)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    def set_header(self, name: str, value: str) -> None:
        """A header sent with every later request (a session's ``Authorization``)."""
        self._session.headers[name] = value

    def add_secret(self, secret: str) -> None:
        """A value learned while talking (a session token) that no message may show."""
        if secret:
            self._secrets.append(secret)

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        data: bytes | None = None,
        files: Mapping[str, Any] | None = None,
        form: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        retry_safe: bool | None = None,
        creates: bool = False,
        action: str | None = None,
    ) -> ApiResponse:
        """One request, with the retries and error mapping described above.

        ``action`` names the request in messages (default ``METHOD path``)."""
        where = action or f"{method} {path}"
        safe = method in _SAFE_METHODS if retry_safe is None else retry_safe
        attempts = max(1, self.policy.attempts) if safe else 1
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = self._session.request(
                    method,
                    self.base_url + path,
                    json=json,
                    params=params,
                    data=data if data is not None else form,
                    files=files,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                if safe and not last and not _nothing_was_sent(exc):
                    self.policy.sleep(self.policy.delay(attempt))
                    continue
                raise self._network_failure(where, exc, creates) from None
            body = _json_or_none(response)
            if response.status_code == 429:
                limited = self._rate_limited(where, response)
                if last or limited.retry_after is None:
                    raise limited
                if limited.retry_after > self.policy.max_rate_wait:
                    raise limited
                self.policy.sleep(limited.retry_after)
                continue
            if response.status_code >= 500 and safe and not last:
                self.policy.sleep(self.policy.delay(attempt))
                continue
            if response.status_code >= 300:
                raise self._refused(where, response.status_code, body, response.reason, creates)
            return ApiResponse(response.status_code, response.headers, body)
        raise AssertionError("unreachable: the last attempt returns or raises")

    # -- errors -----------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        return scrub(text, self._secrets)[:300]

    def _refused(
        self, where: str, status: int, body: Any, reason: str, creates: bool
    ) -> PublishError:
        detail = self._scrub(self._detail(body) or reason or "no details")
        if status == 401:
            return AuthError(
                f"{self.label}: the credentials were rejected (401) on {where}: {detail}"
            )
        if status == 403:
            return AuthError(f"{self.label}: forbidden (403) on {where}: {detail}")
        if 300 <= status < 400:
            return PublishError(
                f"{self.label}: unexpected redirect ({status}) on {where}; check {self.config_key}"
            )
        if status >= 500:
            message = f"{self.label}: server error ({status}) on {where}: {detail}"
            if creates:
                return OutcomeUnknown(
                    message + "; it may have been created: the next run looks before sending again"
                )
            return ApiRefused(message + "; try again later", status=status, body=body)
        return ApiRefused(
            f"{self.label} refused {where} ({status}): {detail}", status=status, body=body
        )

    def _network_failure(
        self, where: str, exc: requests.RequestException, creates: bool
    ) -> PublishError:
        if _nothing_was_sent(exc):
            return PublishError(
                f"{self.label}: cannot connect to {self.base_url} ({where}); "
                f"check the network and {self.config_key}"
            )
        if isinstance(exc, requests.Timeout):
            problem = f"no answer within {self.timeout:g} s"
        else:
            problem = "the connection broke before the answer came"
        if creates:
            return OutcomeUnknown(
                f"{self.label}: {problem} ({where}); it may have been created: "
                "the next run looks it up before creating anything"
            )
        return PublishError(f"{self.label}: {problem} ({where}); try again later")

    def _rate_limited(self, where: str, response: requests.Response) -> RateLimited:
        wait = _retry_after(response.headers, self._now())
        when = f"; try again in {wait:.0f} s" if wait is not None else "; try again later"
        return RateLimited(
            f"{self.label}: rate limit reached (429) on {where}{when}", retry_after=wait
        )


def _json_or_none(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds until the platform accepts requests again, from whichever header it sends:
    ``Retry-After`` (seconds or a date), ``RateLimit-Reset`` (Bluesky: epoch seconds) or
    ``X-RateLimit-Reset`` (Mastodon: an ISO 8601 time)."""
    value = headers.get("Retry-After")
    if value:
        if value.strip().isdigit():
            return float(value)
        try:
            return max(0.0, (email.utils.parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            pass
    for name in ("RateLimit-Reset", "X-RateLimit-Reset"):
        value = headers.get(name)
        if not value:
            continue
        if value.strip().isdigit():
            return max(0.0, float(value) - now.timestamp())
        try:
            return max(0.0, (datetime.fromisoformat(value) - now).total_seconds())
        except (TypeError, ValueError):
            continue
    return None


def _nothing_was_sent(exc: requests.RequestException) -> bool:
    """True when the connection never opened (refused, unknown host, TLS, connect
    timeout): the request cannot have been applied."""
    if isinstance(exc, requests.ConnectTimeout | requests.exceptions.SSLError):
        return True
    if not isinstance(exc, requests.ConnectionError):
        return False
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, urllib3.exceptions.NewConnectionError)
