"""Issue 11: a request has a total deadline (item 5), and a redirect never carries a
credential anywhere (Qiita's token, connpass's API key) nor re-sends a request.

Against servers on 127.0.0.1 that misbehave at the socket level (``fakes.raw_http``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

import xpost.platforms.connpass.client as connpass_client
from fakes.raw_http import answering, dripping, redirecting, serving
from xpost.errors import OutcomeUnknown, PublishError
from xpost.platforms.connpass.client import ConnpassClient, Throttle
from xpost.platforms.qiita.client import QiitaClient

API_KEY = "connpass-secret-key-0123456789"
TOKEN = "0123456789abcdef0123456789abcdef01234567"


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(autouse=True)
def _no_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connpass_client, "SHARED_THROTTLE", Throttle(0.0))


def test_connpass_is_cut_at_the_total_deadline_by_a_server_dripping_bytes() -> None:
    """One byte every 2.5 s never trips a 3 s per-read timeout; the whole request is
    still cut at 3 s (it used to last as long as the server kept dripping: 70 bytes ×
    2.5 s here, and the run lock with it)."""
    with serving(dripping(2.5)) as server:
        client = ConnpassClient(API_KEY, api_base=server.url, timeout=3.0)
        started = time.monotonic()
        with pytest.raises(PublishError) as caught:
            client.event("251751")
        took = time.monotonic() - started
    assert str(caught.value) == "connpass: the API did not answer within 3 s; try again later"
    assert API_KEY not in str(caught.value)
    assert len(server.requests) == 1  # a GET, but not repeated past the deadline
    assert 2.9 <= took < 6, f"{took:.1f}s"


def test_connpass_answers_within_the_deadline_are_read() -> None:
    body = b'{"results_returned": 0, "results_available": 0, "results_start": 1, "events": []}'
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    with serving(answering(head.encode() + b"\r\n\r\n" + body)) as server:
        client = ConnpassClient(API_KEY, api_base=server.url, timeout=5.0)
        with pytest.raises(PublishError, match="event 251751 not found"):
            client.event("251751")
    assert b"X-API-Key: " + API_KEY.encode() in server.requests[0]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_connpass_never_follows_a_redirect_with_its_key(status: int) -> None:
    """requests strips only ``Authorization`` on a redirect to another host: a followed
    redirect would hand the ``X-API-Key`` header to whoever the Location names."""
    with (
        serving(answering()) as elsewhere,
        serving(redirecting(elsewhere.url + "/steal", status)) as server,
    ):
        client = ConnpassClient(API_KEY, api_base=server.url, timeout=5.0)
        with pytest.raises(PublishError) as caught:
            client.event("251751")
    assert str(caught.value) == (
        f"connpass: the API answered HTTP {status} to /api/v2/events/; check [connpass] api_base"
    )
    assert len(server.requests) == 1
    assert elsewhere.requests == []


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
def test_qiita_never_follows_a_redirect(method: str) -> None:
    """A followed redirect would re-send a create (a 307 keeps the method and body) or
    take the request somewhere else: none is followed, whatever the method."""
    with (
        serving(answering()) as elsewhere,
        serving(redirecting(elsewhere.url + "/api/v2/items", 307)) as server,
    ):
        client = QiitaClient(server.url, TOKEN, timeout=5.0, now=_now)
        payload = {"title": "t", "body": "b", "tags": [], "private": False}
        with pytest.raises(PublishError) as caught:
            if method == "GET":
                client.get_item("0123456789abcdef0123")
            elif method == "POST":
                client.create_item(payload)
            else:
                client.update_item("0123456789abcdef0123", payload)
    assert "unexpected redirect (307)" in str(caught.value)
    assert not isinstance(caught.value, OutcomeUnknown)
    assert len(server.requests) == 1
    assert elsewhere.requests == []


def test_qiita_is_cut_at_the_total_deadline_by_a_server_dripping_bytes() -> None:
    with serving(dripping(1.5)) as server:
        client = QiitaClient(server.url, TOKEN, timeout=2.0, now=_now)
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown) as caught:
            client.create_item({"title": "t", "body": "b", "tags": [], "private": False})
        took = time.monotonic() - started
    assert "no answer within 2 s (POST /api/v2/items)" in str(caught.value)
    assert 1.9 <= took < 5, f"{took:.1f}s"


def _json_answer(body: bytes) -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
    return head.encode() + b"\r\n\r\n" + body


def test_connpass_takes_the_event_asked_for_among_others() -> None:
    """Only the event whose id is the one asked for: never the first of the list, nor
    one whose id merely sorts after it."""
    body = (
        b'{"results_returned": 3, "results_available": 3, "results_start": 1, "events": ['
        b'{"id": 251752, "title": "later"}, {"id": 99, "title": "older"}, '
        b'{"id": 251751, "title": "this one"}]}'
    )
    with serving(answering(_json_answer(body))) as server:
        event = ConnpassClient(API_KEY, api_base=server.url, timeout=5.0).event("251751")
    assert event["title"] == "this one"


@pytest.mark.parametrize("events", [b"null", b'"none"', b"[1, 2]", b'[{"id": 1}, "x"]', b"{}"])
def test_connpass_answers_without_a_list_of_events_are_refused(events: bytes) -> None:
    body = b'{"results_returned": 1, "events": ' + events + b"}"
    with serving(answering(_json_answer(body))) as server:
        client = ConnpassClient(API_KEY, api_base=server.url, timeout=5.0)
        with pytest.raises(PublishError) as caught:
            client.event("251751")
    assert str(caught.value) == "connpass: the API answer has no 'events' list"
