"""The Qiita adapter publishing for real, against a fake Qiita API v2 that checks the contract."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

import xpost
from conftest import SHARED
from fakes.clock import JST, FakeClock
from fakes.qiita import SCHEMA_PATH, TOKEN, FakeQiita, running
from xpost.adapters.base import Draft, PublishContext, Receipt
from xpost.clients.errors import RemoteNotFound
from xpost.clients.retry import RetryPolicy
from xpost.config import Config, SiteConfig
from xpost.errors import (
    AuthError,
    ConfigError,
    CredentialsMissing,
    OutcomeUnknown,
    PublishError,
    RateLimited,
    RemoteConflict,
)
from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaOptions, QiitaSettings
from xpost.post import load_post

CANONICAL = "https://example.com/post/hello/"
BODY = f"この記事は {CANONICAL} からの転載です。\n\n# Hello\n\nQiita から、こんにちは。\n"
PAYLOAD: dict[str, Any] = {
    "title": "Hello from xpost",
    "body": BODY,
    "tags": [{"name": "Python", "versions": []}, {"name": "xpost", "versions": []}],
    "private": False,
}
ITEMS = "/api/v2/items"
HANG_TIMEOUT = 0.3  # seconds: the outcome-unknown tests wait this long, once
TIMEOUT = 10.0  # the others: never reached, even on a loaded machine (a GET retried skews counts)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeQiita]:
    with running(clock=clock) as server:
        yield server


@pytest.fixture
def adapter(fake: FakeQiita, clock: FakeClock) -> QiitaAdapter:
    return make_adapter(fake.url, clock)


def make_adapter(api_base: str, clock: FakeClock, **settings: Any) -> QiitaAdapter:
    policy = RetryPolicy(attempts=3, backoff=0.5, max_rate_wait=60, sleep=clock.sleep)
    return QiitaAdapter(QiitaSettings(api_base=api_base, **settings), SiteConfig(), retry=policy)


def make_ctx(
    clock: FakeClock, *, token: str = TOKEN, force: bool = False, timeout: float = TIMEOUT
) -> PublishContext:
    return PublishContext(credentials={"token": token}, force=force, timeout=timeout, now=clock.now)


def draft(**changes: Any) -> Draft:
    facts = {"origin_note": f"この記事は {CANONICAL} からの転載です。", "canonical_url": CANONICAL}
    return Draft(platform="qiita", payload={**PAYLOAD, **changes}, facts=facts)


def failure(call: Callable[[], object]) -> PublishError:
    """The PublishError ``call`` raises, checked to hold no secret anywhere."""
    with pytest.raises(PublishError) as info:
        call()
    exc = info.value
    assert TOKEN not in str(exc)
    assert TOKEN not in repr(exc.args)
    assert exc.__cause__ is None or TOKEN not in str(exc.__cause__)
    return exc


def published(adapter: QiitaAdapter, clock: FakeClock, fake: FakeQiita) -> Receipt:
    """An item created through the adapter, with the fake's record then cleared."""
    receipt = adapter.publish(draft(), None, make_ctx(clock))
    fake.requests.clear()
    return receipt


# -- create ---------------------------------------------------------------------------


@pytest.mark.shared
def test_create_sends_exactly_the_draft_payload_and_returns_the_receipt(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    receipt = adapter.publish(draft(), None, make_ctx(clock))

    assert fake.calls() == [("POST", ITEMS)]
    sent = fake.requests[0]
    assert sent.body == PAYLOAD
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["user-agent"] == f"xpost/{xpost.__version__}"
    [item] = fake.items.values()
    assert receipt == Receipt(
        remote_id=item["id"],
        url=f"https://qiita.com/alice/items/{item['id']}",
        remote_updated_at=datetime(2024, 5, 1, 12, 0, 1, tzinfo=JST),
    )
    assert item["title"] == PAYLOAD["title"]
    assert item["body"] == BODY


@pytest.mark.shared
def test_the_seed_post_as_rendered_is_accepted_by_the_contract(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    post = load_post(
        SHARED / "examples/2022-07-15-mlse-infraop-wg.md",
        Config(site=SiteConfig(base_url="https://chezo.uno")),
    )
    rendered = adapter.render(post, QiitaOptions())

    receipt = adapter.publish(rendered, None, make_ctx(clock))

    assert fake.requests[0].body == rendered.payload
    assert fake.items[receipt.remote_id]["body"] == rendered.payload["body"]


@pytest.mark.shared
def test_a_skipped_draft_is_refused_before_anything_is_sent(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    skipped = replace(draft(private=True), skip_reason="draft: true")

    exc = failure(lambda: adapter.publish(skipped, None, make_ctx(clock)))

    assert str(exc) == "Qiita: refusing to publish a skipped draft (draft: true)"
    assert fake.requests == []


@pytest.mark.shared
def test_a_missing_token_is_reported_before_anything_is_sent(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    ctx = PublishContext(credentials={}, now=clock.now)
    assert adapter.missing_credentials({}) == ["token"]

    with pytest.raises(CredentialsMissing) as info:
        adapter.publish(draft(), None, ctx)

    assert str(info.value) == (
        "Qiita: no access token: run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN"
    )
    assert fake.requests == []


@pytest.mark.parametrize("api_base", ["qiita.com", "ftp://qiita.com", "https://", ""])
def test_an_api_base_that_is_not_an_http_url_is_a_config_error(api_base: str) -> None:
    with pytest.raises(ConfigError) as info:
        QiitaAdapter(QiitaSettings(api_base=api_base), SiteConfig())

    assert str(info.value) == (
        "[qiita] api_base: expected an http(s) URL like 'https://qiita.com' "
        f"(or your Qiita Team host), got {api_base!r}"
    )


@pytest.mark.shared
def test_a_qiita_team_host_with_a_trailing_slash_is_used_as_the_base(
    fake: FakeQiita, clock: FakeClock
) -> None:
    adapter = make_adapter(fake.url + "/", clock)

    assert adapter.whoami(make_ctx(clock)) == "@alice"
    assert fake.calls() == [("GET", "/api/v2/authenticated_user")]


# -- update ---------------------------------------------------------------------------


@pytest.mark.shared
def test_an_edit_gets_the_item_then_patches_the_same_id(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)
    edited = draft(body=BODY + "\n追記しました。\n", tags=[{"name": "Python", "versions": []}])

    receipt = adapter.publish(edited, first, make_ctx(clock))

    path = f"{ITEMS}/{first.remote_id}"
    assert fake.calls() == [("GET", path), ("PATCH", path)]
    assert fake.requests[1].body == edited.payload
    assert receipt.remote_id == first.remote_id
    assert receipt.url == first.url
    assert first.remote_updated_at is not None
    assert receipt.remote_updated_at == first.remote_updated_at + timedelta(seconds=1)
    assert fake.items[first.remote_id]["tags"] == [{"name": "Python", "versions": []}]
    assert len(fake.items) == 1


@pytest.mark.shared
def test_an_update_whose_content_is_already_on_qiita_sends_no_patch(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)

    receipt = adapter.publish(draft(), first, make_ctx(clock))

    assert fake.calls() == [("GET", f"{ITEMS}/{first.remote_id}")]
    assert receipt == first


@pytest.mark.shared
def test_an_item_edited_on_qiita_is_not_overwritten(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)
    fake.edit_on_qiita(first.remote_id, body=BODY + "\nQiita で直しました。\n")

    exc = failure(lambda: adapter.publish(draft(title="New title"), first, make_ctx(clock)))

    assert isinstance(exc, RemoteConflict)
    assert str(exc) == (
        "Qiita: the item was edited on Qiita since xpost last wrote it "
        "(updated there 2024-05-01T12:00:02+09:00, xpost wrote 2024-05-01T12:00:01+09:00); "
        "rerun with --force to overwrite"
    )
    assert fake.calls() == [("GET", f"{ITEMS}/{first.remote_id}")]
    assert fake.items[first.remote_id]["title"] == PAYLOAD["title"]


@pytest.mark.shared
def test_force_overwrites_an_item_edited_on_qiita(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)
    fake.edit_on_qiita(first.remote_id, body="Qiita で書き換えた本文")

    receipt = adapter.publish(draft(), first, make_ctx(clock, force=True))

    path = f"{ITEMS}/{first.remote_id}"
    assert fake.calls() == [("GET", path), ("PATCH", path)]
    assert fake.items[first.remote_id]["body"] == BODY
    assert receipt.remote_updated_at == datetime(2024, 5, 1, 12, 0, 3, tzinfo=JST)


@pytest.mark.shared
def test_updating_an_item_deleted_on_qiita_says_so(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    gone = Receipt(remote_id="0123456789abcdef0123", url=None)

    exc = failure(lambda: adapter.publish(draft(), gone, make_ctx(clock)))

    assert isinstance(exc, RemoteNotFound)
    assert str(exc) == (
        "Qiita: item 0123456789abcdef0123 no longer exists (deleted on Qiita?); to publish "
        "the post again, run 'xpost unpublish POST --from qiita' to forget it, then publish"
    )
    assert fake.calls() == [("GET", f"{ITEMS}/0123456789abcdef0123")]


@pytest.mark.shared
def test_a_recorded_id_that_is_not_a_qiita_id_never_reaches_a_url(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    damaged = Receipt(remote_id="../authenticated_user", url=None)

    exc = failure(lambda: adapter.publish(draft(), damaged, make_ctx(clock)))

    assert str(exc) == (
        "Qiita: '../authenticated_user' is not a Qiita item id (20 hex digits); "
        "the record of this post is damaged"
    )
    assert fake.requests == []


@pytest.mark.shared
def test_an_update_that_times_out_is_a_plain_failure(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)
    fake.hang_next("PATCH")

    exc = failure(
        lambda: adapter.publish(
            draft(title="Changed"), first, make_ctx(clock, timeout=HANG_TIMEOUT)
        )
    )

    assert type(exc) is PublishError  # the item exists either way: nothing to reconcile
    assert str(exc) == (
        f"Qiita: no answer within 0.3 s (PATCH {ITEMS}/{first.remote_id}); "
        "the update may or may not have been applied: rerun to send it again"
    )


# -- an unknown outcome, and the lookup that follows it --------------------------------


@pytest.mark.shared
def test_a_create_answered_too_late_is_unknown_and_lookup_finds_the_item(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    fake.hang_next("POST", ITEMS)

    exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock, timeout=HANG_TIMEOUT)))

    assert isinstance(exc, OutcomeUnknown)
    assert str(exc) == (
        f"Qiita: no answer within 0.3 s (POST {ITEMS}); the item may have been created: "
        "the next run looks it up before creating anything"
    )
    [item] = fake.items.values()  # Qiita did create it

    found = adapter.lookup(draft(), None, make_ctx(clock))

    assert found == Receipt(
        remote_id=item["id"],
        url=item["url"],
        remote_updated_at=datetime.fromisoformat(item["updated_at"]),
    )
    assert fake.calls() == [("POST", ITEMS), ("GET", "/api/v2/authenticated_user/items")]
    assert fake.requests[1].query == {"page": "1", "per_page": "100"}


@pytest.mark.shared
def test_a_create_whose_connection_drops_is_unknown(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    fake.drop_next("POST", ITEMS)

    exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock)))

    assert isinstance(exc, OutcomeUnknown)
    assert str(exc) == (
        f"Qiita: the connection broke before the answer came (POST {ITEMS}); the item may "
        "have been created: the next run looks it up before creating anything"
    )
    assert len(fake.items) == 1
    assert fake.calls("POST") == [("POST", ITEMS)]


@pytest.mark.shared
def test_a_500_on_create_is_unknown_and_never_retried(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    fake.fail_next("POST", 500)

    exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock)))

    assert isinstance(exc, OutcomeUnknown)
    assert str(exc) == (
        f"Qiita: server error (500) on POST {ITEMS}: Internal server error "
        "(internal_server_error); the item may have been created"
    )
    assert fake.calls() == [("POST", ITEMS)]
    assert clock.sleeps == []


def test_a_refused_connection_on_create_is_a_plain_failure(clock: FakeClock) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = make_adapter(f"http://127.0.0.1:{port}", clock)

    exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock)))

    assert type(exc) is PublishError  # nothing was sent: the next run simply creates
    assert str(exc) == (
        f"Qiita: cannot connect to http://127.0.0.1:{port} (POST {ITEMS}); "
        "check the network and [qiita] api_base"
    )


@pytest.mark.shared
def test_lookup_finds_the_copy_by_title_and_canonical_url_on_a_later_page(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    # The body was edited on Qiita since; the origin line still names the post.
    target = fake.seed_item({**PAYLOAD, "body": BODY.replace("\n", "\r\n") + "\n編集済み\n"})
    for n in range(120):
        fake.seed_item({**PAYLOAD, "title": f"Another post {n}", "body": f"post {n}"})

    found = adapter.lookup(draft(), None, make_ctx(clock))

    assert found is not None
    assert found.remote_id == target["id"]
    assert [r.query for r in fake.requests] == [
        {"page": "1", "per_page": "100"},
        {"page": "2", "per_page": "100"},
    ]


@pytest.mark.shared
def test_lookup_finds_the_copy_after_the_title_was_edited_in_the_post(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    target = fake.seed_item(PAYLOAD)

    found = adapter.lookup(draft(title="A better title"), None, make_ctx(clock))

    assert found is not None
    assert found.remote_id == target["id"]


@pytest.mark.shared
def test_lookup_finds_a_copy_without_origin_line_by_title_and_body(
    fake: FakeQiita, clock: FakeClock
) -> None:
    adapter = make_adapter(fake.url, clock, origin_note="")
    plain = draft(body="# Hello\n\n本文だけ。\n")
    plain.facts["origin_note"] = None  # what render gives with origin_note = ""
    target = fake.seed_item({**plain.payload, "body": "# Hello\r\n\r\n本文だけ。"})
    fake.seed_item({**plain.payload, "title": "Other"})

    found = adapter.lookup(plain, None, make_ctx(clock))

    assert found is not None
    assert found.remote_id == target["id"]


@pytest.mark.shared
def test_lookup_returns_none_when_no_item_matches(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    # Same title but another post; a post that merely links to this one; another title.
    fake.seed_item({**PAYLOAD, "body": BODY.replace("/hello/", "/other/")})
    fake.seed_item({**PAYLOAD, "body": f"前回の記事: {CANONICAL}\n"})
    fake.seed_item({**PAYLOAD, "title": "Different title", "body": "# Hello\n"})

    assert adapter.lookup(draft(), None, make_ctx(clock)) is None
    assert fake.calls() == [("GET", "/api/v2/authenticated_user/items")]


@pytest.mark.shared
def test_lookup_with_a_recorded_item_gets_that_item(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)
    fake.edit_on_qiita(first.remote_id, body="Qiita で全部書き換えた")

    found = adapter.lookup(draft(), first, make_ctx(clock))

    assert found is not None
    assert found.remote_id == first.remote_id
    assert fake.calls() == [("GET", f"{ITEMS}/{first.remote_id}")]


@pytest.mark.shared
def test_lookup_with_a_recorded_item_deleted_on_qiita_searches_the_list(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    gone = Receipt(remote_id="0123456789abcdef0123", url=None)

    assert adapter.lookup(draft(), gone, make_ctx(clock)) is None
    assert fake.calls() == [
        ("GET", f"{ITEMS}/0123456789abcdef0123"),
        ("GET", "/api/v2/authenticated_user/items"),
    ]


@pytest.mark.shared
def test_lookup_reads_at_most_three_pages(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    for n in range(301):
        fake.seed_item({**PAYLOAD, "title": f"Another post {n}", "body": f"post {n}"})

    assert adapter.lookup(draft(), None, make_ctx(clock)) is None
    assert [r.query["page"] for r in fake.requests] == ["1", "2", "3"]


# -- credentials and refusals ----------------------------------------------------------


@pytest.mark.shared
def test_a_wrong_or_revoked_token_says_so(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock, token="revoked")))

    assert isinstance(exc, AuthError)
    assert str(exc) == (
        "Qiita: the token was rejected (401): it is wrong or revoked; run 'xpost auth set qiita'"
    )
    assert fake.items == {}


@pytest.mark.shared
def test_a_token_without_write_scope_is_forbidden(clock: FakeClock) -> None:
    with running(clock=clock, scopes=frozenset({"read_qiita"})) as fake:
        adapter = make_adapter(fake.url, clock)

        exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock)))

        assert isinstance(exc, AuthError)
        assert str(exc) == (
            f"Qiita: forbidden (403) on POST {ITEMS}: Forbidden (forbidden); "
            "check that the token has the write_qiita scope"
        )
        assert adapter.whoami(make_ctx(clock)) == "@alice"  # reading still works


@pytest.mark.shared
def test_qiitas_own_error_is_shown_plainly(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    exc = failure(lambda: adapter.publish(draft(tags=[]), None, make_ctx(clock)))

    assert (
        str(exc) == f"Qiita refused POST {ITEMS} (400): tags: [] should be non-empty (bad_request)"
    )
    assert fake.items == {}


@pytest.mark.shared
def test_a_netrc_entry_for_the_host_does_not_replace_the_token(
    adapter: QiitaAdapter,
    fake: FakeQiita,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login someone password other\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))

    assert adapter.whoami(make_ctx(clock)) == "@alice"
    assert fake.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.shared
def test_a_token_echoed_by_the_server_is_scrubbed(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    fake.fail_next("POST", 400, body={"message": f"bad token {TOKEN}", "type": "bad_request"})

    exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock)))

    assert str(exc) == f"Qiita refused POST {ITEMS} (400): bad token *** (bad_request)"


# -- rate limits and retries -----------------------------------------------------------


@pytest.mark.shared
def test_a_429_within_the_bound_is_waited_out(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    fake.set_quota(remaining=0, reset=int(clock.time()) + 5)

    receipt = adapter.publish(draft(), None, make_ctx(clock))

    assert clock.sleeps == [5.0]
    assert fake.calls() == [("POST", ITEMS), ("POST", ITEMS)]  # refused, then applied
    assert list(fake.items) == [receipt.remote_id]


@pytest.mark.shared
def test_a_spent_quota_is_waited_out_before_the_next_request(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)
    fake.set_quota(remaining=1, reset=int(clock.time()) + 7)

    adapter.publish(draft(title="Changed"), first, make_ctx(clock))

    assert clock.sleeps == [7.0]  # after the GET said Rate-Remaining: 0, before the PATCH
    path = f"{ITEMS}/{first.remote_id}"
    assert fake.calls() == [("GET", path), ("PATCH", path)]


@pytest.mark.shared
def test_a_429_beyond_the_bound_is_rate_limited_with_the_reset_time(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    fake.set_quota(remaining=0, reset=int(clock.time()) + 3600)

    exc = failure(lambda: adapter.publish(draft(), None, make_ctx(clock)))

    assert isinstance(exc, RateLimited)
    assert str(exc) == (
        "Qiita: rate limit reached (1000 requests/hour); it resets at "
        "2024-05-01T13:00:00+09:00: try again after that"
    )
    assert exc.retry_after == 3600
    assert clock.sleeps == []
    assert fake.items == {}


@pytest.mark.shared
def test_a_5xx_on_a_read_is_retried_with_backoff(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    fake.fail_next("GET", 503)
    fake.fail_next("GET", 500)

    assert adapter.whoami(make_ctx(clock)) == "@alice"
    assert clock.sleeps == [0.5, 1.0]
    assert len(fake.calls("GET")) == 3


@pytest.mark.shared
def test_a_read_failing_every_time_gives_up_after_the_bound(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    for _ in range(3):
        fake.fail_next("GET", 503)

    exc = failure(lambda: adapter.whoami(make_ctx(clock)))

    assert type(exc) is PublishError
    assert str(exc) == (
        "Qiita: server error (503) on GET /api/v2/authenticated_user: Service unavailable "
        "(service_unavailable); try again later"
    )
    assert clock.sleeps == [0.5, 1.0]


# -- unpublish and whoami ----------------------------------------------------------------


@pytest.mark.shared
def test_unpublish_deletes_the_item_and_a_second_time_is_harmless(
    adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock
) -> None:
    first = published(adapter, clock, fake)

    adapter.unpublish(first, make_ctx(clock))
    adapter.unpublish(first, make_ctx(clock))

    path = f"{ITEMS}/{first.remote_id}"
    assert fake.calls() == [("DELETE", path), ("DELETE", path)]
    assert fake.items == {}


@pytest.mark.shared
def test_whoami_names_the_account(adapter: QiitaAdapter, fake: FakeQiita, clock: FakeClock) -> None:
    assert adapter.whoami(make_ctx(clock)) == "@alice"
    assert fake.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


# -- the fake itself refuses what Qiita refuses ----------------------------------------


@pytest.mark.shared
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**PAYLOAD, "canonical_url": CANONICAL}, "Additional properties are not allowed"),
        ({**PAYLOAD, "title": ""}, "title: '' should be non-empty"),
        ({**PAYLOAD, "tags": [{"name": f"t{n}"} for n in range(6)]}, "tags: "),
        ({**PAYLOAD, "private": "no"}, "private: 'no' is not of type 'boolean'"),
        ({"title": "t", "body": "b"}, "'tags' is a required property"),
    ],
)
def test_the_fake_rejects_bodies_qiita_rejects(fake: FakeQiita, body: Any, message: str) -> None:
    answer = requests.post(
        fake.url + ITEMS, json=body, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
    )

    assert answer.status_code == 400
    assert answer.json()["type"] == "bad_request"
    assert message in answer.json()["message"]
    assert fake.items == {}


@pytest.mark.shared
def test_the_fake_rejects_a_form_body_and_a_missing_token(fake: FakeQiita) -> None:
    form = requests.post(
        fake.url + ITEMS, data={"title": "t"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    anonymous = requests.post(fake.url + ITEMS, json=PAYLOAD, timeout=5)

    assert form.status_code == 400
    assert anonymous.status_code == 401
    assert anonymous.json() == {"message": "Unauthorized", "type": "unauthorized"}
    assert anonymous.headers["Rate-Limit"] == "1000"


@pytest.mark.shared
def test_the_fakes_items_have_qiitas_shape(fake: FakeQiita) -> None:
    item = fake.seed_item(PAYLOAD)
    spec = json.loads(Path(SCHEMA_PATH).read_text(encoding="utf-8"))
    schema = spec["properties"]["item"]
    schema["properties"]["group"]["type"] = ["object", "null"]  # qiita.com sends null

    jsonschema.validate(item, schema)
    assert datetime.fromisoformat(item["updated_at"]).utcoffset() == timedelta(hours=9)


# -- speed and secrecy of the offline half -------------------------------------------


def test_rendering_a_qiita_draft_imports_no_network_library() -> None:
    code = (
        "import sys\n"
        "from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaSettings\n"
        "from xpost.config import SiteConfig\n"
        "QiitaAdapter(QiitaSettings(), SiteConfig())\n"
        "heavy = ('requests', 'urllib3', 'xpost.platforms.qiita.client')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
