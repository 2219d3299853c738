"""A read-only client of connpass API v2 (https://connpass.com/about/api/v2/).

The API only answers GETs, authenticated with an ``X-API-Key`` header, and allows
one request per second. Every request of the process goes through one shared
``Throttle`` so that concurrent publishes never exceed that. Imported only when
xpost talks to connpass: it pulls in ``requests``.

Fields this module relies on (API v2 reference, the "イベント一覧" and
"イベントに投稿された資料一覧" operations; response shapes as the reference shows them):

- ``GET /api/v2/events/?event_id=N`` → ``{"results_returned", "results_available",
  "results_start", "events": [{"id", "title", "description", "url", "updated_at",
  "group": {"subdomain", "url", ...}, ...}]}``
- ``GET /api/v2/events/{id}/presentations/`` → ``{"results_returned",
  "results_available", "results_start", "presentations": [{"url", "name",
  "presentation_type", "user", "presenter", "created_at"}]}``
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests

from xpost import __version__
from xpost.clients.deadline import within
from xpost.errors import AuthError, PublishError, RateLimited

DEFAULT_API_BASE = "https://connpass.com"
MIN_INTERVAL = 1.0  # seconds between two requests: connpass allows one per second
PAGE_SIZE = 100  # the largest ``count`` the API accepts
MAX_PAGES = 5  # a materials list longer than 500 entries is not worth more requests
AUTH_HINT = "run 'xpost auth set connpass' or set XPOST_CONNPASS_API_KEY"


class Throttle:
    """Spaces requests at least ``interval`` seconds apart, across threads.

    The interval is counted from the *end* of the previous request: its arrival at
    connpass is then certainly more than ``interval`` before the next one's, whatever
    the network's jitter. ``clock`` and ``sleep`` are injectable for tests.
    """

    def __init__(
        self,
        interval: float = MIN_INTERVAL,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None
        self._lock = threading.Lock()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Wait for the next free slot; the request runs inside the ``with`` block."""
        with self._lock:  # one request at a time: concurrent publishes queue here
            if self._last is not None:
                remaining = self._last + self.interval - self._clock()
                if remaining > 0:
                    self._sleep(remaining)
            try:
                yield
            finally:
                self._last = self._clock()


#: The one throttle of the process: connpass counts requests per key, not per client.
SHARED_THROTTLE = Throttle()


class ConnpassClient:
    """GETs against connpass API v2, with status codes turned into xpost errors."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        timeout: float = 30.0,
        throttle: Throttle | None = None,
    ) -> None:
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.throttle = throttle or SHARED_THROTTLE
        self.session = requests.Session()
        self.session.headers.update(
            {
                "X-API-Key": api_key,
                "Accept": "application/json",
                "User-Agent": f"xpost/{__version__}",
            }
        )

    def event(self, event_id: str) -> dict[str, Any]:
        """The event with this id; ``PublishError`` when connpass does not know it."""
        body = self._get("/api/v2/events/", {"event_id": event_id}, event_id=event_id)
        events = _list_field(body, "events")
        match = [event for event in events if str(event.get("id")) == str(event_id)]
        if not match:
            raise _not_found(event_id)
        return match[0]

    def presentations(self, event_id: str) -> list[dict[str, Any]]:
        """Every material (資料) listed on the event, page by page."""
        found: list[dict[str, Any]] = []
        start = 1
        for _ in range(MAX_PAGES):
            body = self._get(
                f"/api/v2/events/{event_id}/presentations/",
                {"start": start, "count": PAGE_SIZE},
                event_id=event_id,
            )
            page = _list_field(body, "presentations")
            found += page
            available = body.get("results_available")
            if not page or not isinstance(available, int) or len(found) >= available:
                break
            start += len(page)
        return found

    def check_key(self) -> None:
        """The cheapest authenticated request: one event of the search."""
        self._get("/api/v2/events/", {"count": 1})

    def _get(
        self, path: str, params: dict[str, Any], *, event_id: str | None = None
    ) -> dict[str, Any]:
        url = self.api_base + path
        try:
            with self.throttle.slot():
                # ``timeout`` bounds each socket read; ``within`` the whole request, so a
                # server trickling one byte at a time cannot hold the run for ever.
                # No redirects: requests keeps the X-API-Key header on a redirect to
                # another host (it strips only Authorization).
                response = within(
                    self.timeout,
                    lambda: self.session.get(
                        url, params=params, timeout=self.timeout, allow_redirects=False
                    ),
                )
        except requests.Timeout:
            # A GET changes nothing, so a lost answer is a plain failure, not an unknown outcome.
            raise PublishError(
                f"connpass: the API did not answer within {self.timeout:g} s; try again later"
            ) from None
        except requests.RequestException as error:
            raise PublishError(
                f"connpass: cannot reach {self.api_base} ({type(error).__name__}); "
                "check the network or [connpass] api_base"
            ) from None
        return _checked(response, path, event_id)


def _checked(response: requests.Response, path: str, event_id: str | None) -> dict[str, Any]:
    status = response.status_code
    if status in (401, 403):
        raise AuthError(f"connpass: the API key was refused (HTTP {status}); {AUTH_HINT}")
    if status == 429:
        wait = _retry_after(response)
        raise RateLimited(
            f"connpass: too many requests (one per second is allowed); try again in {wait:g} s",
            retry_after=wait,
        )
    if status == 404 and event_id is not None:
        raise _not_found(event_id)
    if status >= 500:
        raise PublishError(f"connpass: the API failed (HTTP {status}); try again later")
    if status != 200:
        raise PublishError(
            f"connpass: the API answered HTTP {status} to {path}; check [connpass] api_base"
        )
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PublishError("connpass: the API answered something that is not a JSON object")
    return body


def _list_field(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = body.get(name)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise PublishError(f"connpass: the API answer has no '{name}' list")
    return items


def _retry_after(response: requests.Response) -> float:
    """Seconds to wait: the ``Retry-After`` header when it is a number, else the 1 s window."""
    try:
        return max(float(response.headers.get("Retry-After", "")), MIN_INTERVAL)
    except ValueError:
        return MIN_INTERVAL


def _not_found(event_id: str) -> PublishError:
    return PublishError(
        f"connpass: event {event_id} not found; check xpost.connpass.event_url in the post"
    )
