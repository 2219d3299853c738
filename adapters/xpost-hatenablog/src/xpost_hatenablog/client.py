"""Hatena Blog's AtomPub wire protocol: authentication, requests, answers → xpost errors.

Facts from Hatena's "はてなブログAtomPub" documentation: the collection
``…/atom/entry`` takes ``POST`` (201 with the entry), lists with ``GET`` (a feed,
``link rel="next"`` while there are more pages); a member ``…/atom/entry/{id}``
takes ``GET``, ``PUT`` (200) and ``DELETE`` (200); the service document is ``…/atom``.
Authentication is Basic (Hatena ID, API key) or WSSE: ``X-WSSE: UsernameToken
Username, PasswordDigest = Base64(SHA1(nonce + created + key)), Nonce = Base64(nonce),
Created`` (W3C-DTF). Errors are 400, 401, 404, 405 and 500.

Safety of retries: GETs are retried after a 5xx or no answer; a POST never is (the
entry may exist: ``OutcomeUnknown``), nor a PUT whose answer was lost.
"""

from __future__ import annotations

import base64
import hashlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from types import TracebackType

import requests
from xpost.plugin import AuthError, OutcomeUnknown, PublishError, RateLimited

from xpost_hatenablog import __version__
from xpost_hatenablog.atom import (
    ENTRY_ID,
    AtomError,
    Entry,
    entry_xml,
    parse_entry,
    parse_feed,
    parse_service,
)

GET_ATTEMPTS = 3
MAX_RATE_WAIT = 30.0
ATOM_TYPE = "application/atom+xml; type=entry; charset=utf-8"


class HatenaClient:
    """One blog's AtomPub endpoint (``…/{hatena_id}/{blog_id}/atom``) with one API key."""

    def __init__(
        self, root: str, hatena_id: str, api_key: str, *, auth: str, timeout: float
    ) -> None:
        self.root = root
        self.timeout = timeout
        self._user = hatena_id
        self._key = api_key
        self._auth = auth
        self._session = requests.Session()
        self._session.trust_env = False  # no ~/.netrc or proxy may stand in for the key
        self._session.headers["User-Agent"] = f"xpost-hatenablog/{__version__}"

    def __enter__(self) -> HatenaClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._session.close()

    # -- calls ------------------------------------------------------------------------

    def create(self, entry: Entry) -> Entry:
        return self._entry(self._send("POST", self.root + "/entry", entry_xml(entry), (201,)))

    def update(self, entry_id: str, entry: Entry) -> Entry:
        return self._entry(self._send("PUT", self._member(entry_id), entry_xml(entry), (200,)))

    def delete(self, entry_id: str) -> None:
        try:
            self._send("DELETE", self._member(entry_id), None, (200, 204))
        except _NotFound:
            return  # gone already: the goal is reached

    def entry_or_none(self, entry_id: str) -> Entry | None:
        try:
            return self._entry(self._get(self._member(entry_id)))
        except _NotFound:
            return None

    def entries(self, *, pages: int) -> Iterator[Entry]:
        """The blog's entries, newest first, following ``next`` links."""
        url: str | None = self.root + "/entry"
        for _ in range(pages):
            if url is None or not url.startswith(self.root + "/entry"):
                return  # a next link elsewhere is not followed with our credentials
            try:
                found, url = parse_feed(self._get(url))
            except AtomError as exc:
                raise PublishError(f"Hatena Blog: listing entries: {exc}") from None
            yield from found

    def blog_title(self) -> str:
        """The blog's title, from the service document: proof the key works."""
        try:
            return parse_service(self._get(self.root))
        except AtomError as exc:
            raise PublishError(f"Hatena Blog: {exc}; is api_base right?") from None

    # -- the protocol -----------------------------------------------------------------

    def _member(self, entry_id: str) -> str:
        if not ENTRY_ID.match(entry_id):
            raise PublishError(f"Hatena Blog: {entry_id!r} is not an entry id")
        return f"{self.root}/entry/{entry_id}"

    def _entry(self, data: bytes) -> Entry:
        try:
            return parse_entry(data)
        except AtomError as exc:
            raise OutcomeUnknown(f"Hatena Blog: {exc}; the entry may have changed") from None

    def _get(self, url: str) -> bytes:
        for attempt in range(1, GET_ATTEMPTS + 1):
            try:
                return self._send("GET", url, None, (200,))
            except _Transient:
                if attempt == GET_ATTEMPTS:
                    raise PublishError(f"Hatena Blog: GET failed {GET_ATTEMPTS} times") from None
                time.sleep(0.5 * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def _send(self, method: str, url: str, body: bytes | None, expect: tuple[int, ...]) -> bytes:
        headers = self._credentials()
        if body is not None:
            headers["Content-Type"] = ATOM_TYPE
        for _ in range(2):  # one more try after a short rate-limit wait
            try:
                answer = self._session.request(
                    method,
                    url,
                    data=body,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                if method in ("GET", "DELETE"):
                    raise _Transient(str(exc)) from None
                raise OutcomeUnknown(
                    f"Hatena Blog: no answer to {method} ({type(exc).__name__}); "
                    "the next run looks the entry up"
                ) from None
            if answer.status_code in (429, 503) and "Retry-After" in answer.headers:
                wait = _seconds(answer.headers["Retry-After"])
                if wait is not None and wait <= MAX_RATE_WAIT:
                    time.sleep(wait)
                    headers = {**headers, **self._credentials()}  # a WSSE nonce is single-use
                    continue
                raise RateLimited("Hatena Blog: busy; try again later", retry_after=wait)
            return self._answer(method, answer, expect)
        raise RateLimited("Hatena Blog: still busy after waiting", retry_after=MAX_RATE_WAIT)

    def _answer(self, method: str, answer: requests.Response, expect: tuple[int, ...]) -> bytes:
        status = answer.status_code
        if status in expect:
            return answer.content
        text = " ".join(answer.text.split())[:200] if answer.text else answer.reason
        if status == 401:
            raise AuthError(
                "Hatena Blog: the Hatena ID or API key was rejected (401); "
                "run 'xpost auth set hatenablog'"
            )
        if status == 403:
            raise AuthError(f"Hatena Blog: forbidden (403): {text}")
        if status == 404:
            raise _NotFound("Hatena Blog: not found (404); are hatena_id and blog_id right?")
        if status >= 500:
            if method in ("GET", "DELETE"):
                raise _Transient(f"Hatena Blog answered {status}")
            raise OutcomeUnknown(f"Hatena Blog answered {status} to {method}; looked up next run")
        raise PublishError(f"Hatena Blog refused the {method} ({status}): {text}")

    def _credentials(self) -> dict[str, str]:
        if self._auth == "basic":
            token = base64.b64encode(f"{self._user}:{self._key}".encode()).decode()
            return {"Authorization": f"Basic {token}"}
        return {"X-WSSE": wsse(self._user, self._key)}


def wsse(user: str, key: str, *, nonce: bytes | None = None, created: str | None = None) -> str:
    """The ``X-WSSE`` UsernameToken header value."""
    nonce = nonce if nonce is not None else os.urandom(16)
    created = created or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hashlib.sha1(nonce + created.encode() + key.encode()).digest()
    return (
        f'UsernameToken Username="{user}", '
        f'PasswordDigest="{base64.b64encode(digest).decode()}", '
        f'Nonce="{base64.b64encode(nonce).decode()}", Created="{created}"'
    )


class _NotFound(PublishError):
    pass


class _Transient(PublishError):
    pass


def _seconds(value: str) -> float | None:
    return float(value) if value.strip().isdigit() else None
