"""The X adapter publishing against a local fake X API that checks every request
against ``contracts/x-api/openapi.json`` (see ``tests/fakes/x.py``)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from conftest import make_post
from fakes.x import CREDENTIALS, DUPLICATE, OAUTH2_TOKEN, PIN, REQUEST_TOKEN, USER, FakeX
from xpost.adapters.base import Draft, PublishContext, Receipt
from xpost.clients.retry import RetryPolicy
from xpost.config import SiteConfig
from xpost.errors import (
    AuthError,
    NotExactCopy,
    OutcomeUnknown,
    PostError,
    PublishError,
    RateLimited,
    UsageError,
)
from xpost.platforms.twitter.adapter import TwitterAdapter, TwitterOptions, TwitterSettings
from xpost.render.twitter_text import weighted_length

JST = timezone(timedelta(hours=9))
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=JST)
URL = "https://chezo.uno/post/hello-xpost/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
GIF = b"GIF89a" + b"\x01" * 2494


@pytest.fixture(scope="module")
def server() -> Iterator[HTTPServer]:
    # One server per module: stopping one takes half a second (werkzeug's poll).
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake(server: HTTPServer) -> Iterator[FakeX]:
    fake = FakeX()
    server.clear()
    server.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    fake.url = server.url_for("/").rstrip("/")
    yield fake
    fake.release.set()
    server.check_handler_errors()
    assert fake.rejections == [], "the client sent what X would refuse"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def adapter(fake: FakeX, sleeps: list[float]) -> TwitterAdapter:
    adapter = TwitterAdapter(TwitterSettings(api_base=fake.url), SiteConfig())
    adapter.retry_policy = RetryPolicy(
        attempts=3, backoff=0.0, max_rate_wait=60, sleep=sleeps.append
    )
    return adapter


class Checkpoints(list[Receipt]):
    def __call__(self, receipt: Receipt) -> None:
        self.append(receipt)


@pytest.fixture
def checkpoints() -> Checkpoints:
    return Checkpoints()


def context(
    checkpoints: Checkpoints, credentials: dict[str, str] | None = None, **kw: Any
) -> PublishContext:
    return PublishContext(
        credentials=CREDENTIALS if credentials is None else credentials,
        checkpoint=checkpoints,
        timeout=kw.pop("timeout", 2.0),
        now=lambda: NOW,
        **kw,
    )


def draft(*texts: str, media: list[dict[str, str]] | None = None) -> Draft:
    posts = [
        {
            "text": text,
            "weighted_length": weighted_length(text),
            "media": media or [] if i == 0 else [],
        }
        for i, text in enumerate(texts)
    ]
    return Draft(platform="twitter", payload={"posts": posts})


def status_url(post_id: str) -> str:
    return f"https://x.com/chezou/status/{post_id}"


def receipt_for(*parts: str) -> Receipt:
    return Receipt(
        remote_id=parts[0],
        url=status_url(parts[0]),
        state={"parts": list(parts), "user_id": USER["id"], "username": USER["username"]},
    )


def route(fake: FakeX) -> list[str]:
    return [f"{r.method} {r.path}" for r in fake.requests]


ONE = f"Hello xpost & friends\n{URL} #python"
THREAD = (f"Hello xpost\n{URL} 1/3", "The second part 2/3", "The third part 3/3")


# -- posts and threads -----------------------------------------------------------------


@pytest.mark.shared
def test_single_post(adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints) -> None:
    receipt = adapter.publish(draft(ONE), None, context(checkpoints))

    [post_id] = fake.posts
    assert receipt == receipt_for(post_id)
    assert checkpoints == [receipt]
    # One post, nothing to upload: the account is asked for while posting (one round trip).
    assert sorted(route(fake)) == ["GET /2/users/me", "POST /2/tweets"]
    assert fake.calls("POST", "/2/tweets")[0].json == {"text": ONE}
    assert {r.auth for r in fake.requests} == {"oauth1"}


@pytest.mark.shared
def test_thread_is_a_chain_of_replies(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    receipt = adapter.publish(draft(*THREAD), None, context(checkpoints))

    first, second, third = fake.posts
    bodies = [r.json for r in fake.calls("POST", "/2/tweets")]
    assert bodies == [
        {"text": THREAD[0]},
        {"text": THREAD[1], "reply": {"in_reply_to_tweet_id": first}},
        {"text": THREAD[2], "reply": {"in_reply_to_tweet_id": second}},
    ]
    assert [c.state["parts"] for c in checkpoints] == [
        [first],
        [first, second],
        [first, second, third],
    ]
    assert receipt == receipt_for(first, second, third)
    assert {p["conversation_id"] for p in fake.posts.values()} == {first}


@pytest.mark.shared
def test_a_thread_reports_each_part_as_it_goes(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    said: list[str] = []
    adapter.publish(draft(*THREAD), None, context(checkpoints, progress=said.append))
    assert said == ["part 1/3", "part 2/3", "part 3/3"]


@pytest.mark.shared
def test_failure_mid_thread_resumes_from_the_last_posted_part(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    fake.script("POST", "/2/tweets", nth=2, status=503)
    with pytest.raises(OutcomeUnknown) as failed:
        adapter.publish(draft(*THREAD), None, context(checkpoints))
    assert str(failed.value) == (
        "X answered 503 to 'post part 2 of 3'; the post may exist: the next run looks it up "
        "before posting again"
    )
    [first] = fake.posts
    assert checkpoints == [receipt_for(first)]
    assert len(fake.calls("POST", "/2/tweets")) == 2  # a create is never repeated blindly

    # The next run reconciles (part 2 is not on X), then continues the thread.
    found = adapter.lookup(draft(*THREAD), checkpoints[-1], context(checkpoints))
    assert found == receipt_for(first)
    receipt = adapter.publish(draft(*THREAD), found, context(checkpoints))

    _, second, third = fake.posts
    assert receipt == receipt_for(first, second, third)
    assert fake.created_texts() == [THREAD[0], THREAD[1], THREAD[1], THREAD[2]]
    resumed = [r.json for r in fake.calls("POST", "/2/tweets")][2:]
    assert resumed[0]["reply"] == {"in_reply_to_tweet_id": first}
    assert resumed[1]["reply"] == {"in_reply_to_tweet_id": second}


def test_rerun_of_a_published_thread_sends_nothing(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    done = receipt_for("1", "2", "3")
    assert adapter.publish(draft(*THREAD), done, context(checkpoints)) is done
    assert fake.requests == []
    assert checkpoints == []


@pytest.mark.shared
def test_rendered_thread_posts_without_live_mentions(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, tmp_path: Path
) -> None:
    body = (
        "共同幹事は土橋さん ([@masaru_dobashi](https://twitter.com/masaru_dobashi)) と"
        "[@chezou](https://github.com/chezou) でした。"
    )
    post = make_post(
        body,
        source=tmp_path / "index.md",
        id=URL,
        title="MLSE WG を終了しました",
        canonical_url=URL,
    )
    rendered = adapter.render(post, TwitterOptions(thread=True))
    adapter.publish(rendered, None, context(checkpoints))

    sent = fake.created_texts()
    assert sent[1] == (
        "共同幹事は土橋さん (https://twitter.com/masaru_dobashi) と"
        "chezou https://github.com/chezou でした。 2/2"
    )
    assert not any("@" in text for text in sent)


# -- images ---------------------------------------------------------------------------


@pytest.mark.shared
def test_image_is_uploaded_described_then_attached(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, tmp_path: Path
) -> None:
    image = tmp_path / "cover.png"
    image.write_bytes(PNG)
    media = [{"path": str(image), "alt": "合宿の集合写真"}]
    adapter.publish(draft(*THREAD, media=media), None, context(checkpoints))

    assert route(fake) == [
        "GET /2/users/me",
        "POST /2/media/upload",
        "POST /2/media/metadata",
        "POST /2/tweets",
        "POST /2/tweets",
        "POST /2/tweets",
    ]
    [media_id] = fake.media
    assert fake.calls("POST", "/2/media/upload")[0].form == {
        "media_category": "tweet_image",
        "media": f"<{len(PNG)} bytes>",
    }
    assert fake.calls("POST", "/2/media/metadata")[0].json == {
        "id": media_id,
        "metadata": {"alt_text": {"text": "合宿の集合写真"}},
    }
    bodies = [r.json for r in fake.calls("POST", "/2/tweets")]
    assert bodies[0] == {"text": THREAD[0], "media": {"media_ids": [media_id]}}
    assert all("media" not in body for body in bodies[1:])
    assert fake.media[media_id]["alt"] == "合宿の集合写真"


@pytest.mark.shared
def test_gif_goes_through_the_chunked_upload(
    adapter: TwitterAdapter,
    fake: FakeX,
    checkpoints: Checkpoints,
    sleeps: list[float],
    tmp_path: Path,
) -> None:
    image = tmp_path / "demo.gif"
    image.write_bytes(GIF)
    adapter.upload_chunk_size = 1000
    adapter.publish(draft(ONE, media=[{"path": str(image), "alt": ""}]), None, context(checkpoints))

    [media_id] = fake.media
    assert route(fake) == [
        "GET /2/users/me",
        "POST /2/media/upload/initialize",
        *[f"POST /2/media/upload/{media_id}/append"] * 3,
        f"POST /2/media/upload/{media_id}/finalize",
        "GET /2/media/upload",  # X processes a GIF before it can be attached
        "POST /2/tweets",
    ]
    assert fake.calls("POST", "/2/media/upload/initialize")[0].json == {
        "media_type": "image/gif",
        "total_bytes": 2500,
        "media_category": "tweet_gif",
    }
    appends = fake.calls("POST", f"/2/media/upload/{media_id}/append")
    assert [a.form for a in appends] == [
        {"segment_index": "0", "media": "<1000 bytes>"},
        {"segment_index": "1", "media": "<1000 bytes>"},
        {"segment_index": "2", "media": "<500 bytes>"},
    ]
    assert fake.calls("GET", "/2/media/upload")[0].query == {
        "command": "STATUS",
        "media_id": media_id,
    }
    assert sleeps == [1.0]  # check_after_secs
    assert fake.calls("POST", "/2/tweets")[0].json == {
        "text": ONE,
        "media": {"media_ids": [media_id]},
    }


@pytest.mark.parametrize(
    ("name", "content", "alt", "message"),
    [
        ("missing.png", None, "", "X: image {path}: no such file"),
        (
            "notes.png",
            b"just text",
            "",
            "X: image {path}: not a JPEG, PNG, GIF or WebP image (by its contents)",
        ),
        (
            "huge.png",
            b"\x89PNG\r\n\x1a\n" + bytes(5 * 1024 * 1024),
            "",
            "X: image {path}: 5.0 MB is over X's 5 MB limit for PNG images",
        ),
        (
            "huge.gif",
            b"GIF89a" + bytes(15 * 1024 * 1024),
            "",
            "X: image {path}: larger than X's limit of 15 MB per image",
        ),
        ("ok.png", PNG, "x" * 1001, "X: image {path}: alt text is 1001 characters, X allows 1000"),
    ],
)
def test_unusable_image_fails_before_any_request(
    adapter: TwitterAdapter,
    fake: FakeX,
    checkpoints: Checkpoints,
    tmp_path: Path,
    name: str,
    content: bytes | None,
    alt: str,
    message: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PostError) as failed:
        adapter.publish(
            draft(ONE, media=[{"path": str(path), "alt": alt}]), None, context(checkpoints)
        )
    assert str(failed.value) == message.format(path=path)
    assert failed.value.exit_code == 2
    assert fake.requests == []


def test_remote_image_fails_before_any_request(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    media = [{"path": "https://chezo.uno/featured.png", "alt": ""}]
    with pytest.raises(PostError) as failed:
        adapter.publish(draft(ONE, media=media), None, context(checkpoints))
    assert str(failed.value) == (
        "X: image https://chezo.uno/featured.png: xpost cannot upload a remote image yet; "
        "set xpost.twitter.image to a local file"
    )
    assert fake.requests == []


# -- duplicates, unknown outcomes and lookups -----------------------------------------


@pytest.mark.shared
def test_duplicate_means_the_post_exists(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    existing = fake.add_post(ONE)
    fake.add_post("something posted later by hand")

    receipt = adapter.publish(draft(ONE), None, context(checkpoints))

    assert receipt == receipt_for(existing)
    assert fake.created_texts() == [ONE]  # refused once, never sent again
    assert fake.calls("GET", f"/2/users/{USER['id']}/tweets")[0].query == {
        "max_results": "100",
        "exclude": "retweets",
        "tweet.fields": "entities,created_at,conversation_id",
    }


@pytest.mark.shared
@pytest.mark.parametrize("status", [400, 403])
def test_a_refused_post_is_a_failure_not_a_credentials_problem(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, status: int
) -> None:
    fake.script("POST", "/2/tweets", nth=1, status=status, detail="The text is not allowed.")
    with pytest.raises(PublishError) as failed:
        adapter.publish(draft(ONE), None, context(checkpoints))
    assert type(failed.value) is PublishError
    assert str(failed.value) == f"X refused to post ({status}): The text is not allowed."
    assert len(fake.calls("POST", "/2/tweets")) == 1
    assert checkpoints == []


@pytest.mark.shared
def test_duplicate_that_cannot_be_found_fails_without_looping(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    fake.script("POST", "/2/tweets", nth=1, status=403, detail=DUPLICATE)
    with pytest.raises(PublishError) as failed:
        adapter.publish(draft(ONE), None, context(checkpoints))
    assert str(failed.value) == (
        "X says 'post' duplicates an existing post, but it is not among the account's 100 "
        "latest posts: check https://x.com/chezou and delete the old post or change the text"
    )
    assert len(fake.calls("POST", "/2/tweets")) == 1
    assert checkpoints == []


@pytest.mark.shared
def test_no_answer_is_an_unknown_outcome_that_lookup_resolves(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, tmp_path: Path
) -> None:
    image = tmp_path / "cover.png"
    image.write_bytes(PNG)
    fake.script("POST", "/2/tweets", nth=1, hang=True)
    ctx = context(checkpoints, timeout=0.3)
    with pytest.raises(OutcomeUnknown) as failed:
        adapter.publish(draft(ONE, media=[{"path": str(image), "alt": "a"}]), None, ctx)
    assert str(failed.value) == (
        "X: no answer to 'post' in 0.3s; the post may exist: the next run looks it up "
        "before posting again"
    )
    assert len(fake.calls("POST", "/2/tweets")) == 1
    assert checkpoints == []

    # X stored it: its text comes back with t.co links, &amp; and a media link.
    [post_id] = fake.posts
    assert "https://t.co/" in fake.posts[post_id]["shown"]
    found = adapter.lookup(draft(ONE), None, context(checkpoints))
    assert found == receipt_for(post_id)
    assert len(fake.calls("POST", "/2/tweets")) == 1


@pytest.mark.shared
def test_lookup_finds_a_thread_by_its_conversation(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    first = fake.add_post(THREAD[0])
    fake.add_post("an unrelated reply 2/3", reply_to=first)
    second = fake.add_post(THREAD[1], reply_to=first)
    found = adapter.lookup(draft(*THREAD), None, context(checkpoints))
    assert found == receipt_for(first, second)  # part 3 was never posted
    assert route(fake) == ["GET /2/users/me", f"GET /2/users/{USER['id']}/tweets"]


@pytest.mark.shared
def test_a_lookup_before_each_new_copy_costs_one_get(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    """Issue 11 item 3: the account is asked for once per adapter (a run), so each new
    copy's lookup is the one timeline request, and the create after it asks nothing more."""
    timeline = f"GET /2/users/{USER['id']}/tweets"
    others = [f"Another post {n}\n{URL}{n}/" for n in range(3)]
    for text in others:
        assert adapter.lookup(draft(text), None, context(checkpoints)) is None
    assert route(fake) == ["GET /2/users/me", timeline, timeline, timeline]
    fake.requests.clear()
    receipt = adapter.publish(draft(others[0]), None, context(checkpoints))
    assert route(fake) == ["POST /2/tweets"]
    assert receipt == receipt_for(receipt.remote_id)
    # Other credentials may be another account: asked for again.
    fake.requests.clear()
    other = {"oauth2_access_token": OAUTH2_TOKEN}
    assert adapter.lookup(draft(others[1]), None, context(checkpoints, credentials=other)) is None
    assert route(fake) == ["GET /2/users/me", timeline]


@pytest.mark.shared
def test_lookup_never_adopts_the_authors_own_share_of_the_link(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    fake.add_post(f"an older post linking {URL}", reply_to=fake.add_post("a root"))
    shared = fake.add_post(f"New post! {URL}")
    with pytest.raises(NotExactCopy) as caught:
        adapter.lookup(draft(ONE), None, context(checkpoints))
    assert f"https://x.com/chezou/status/{shared} links this post but its text" in str(caught.value)


@pytest.mark.shared
def test_lookup_of_a_thread_never_adopts_the_authors_own_share_of_its_link(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    """The look-alike check reads the first part (the one with the link), not the last."""
    shared = fake.add_post(f"New post! {URL}")
    with pytest.raises(NotExactCopy) as caught:
        adapter.lookup(draft(*THREAD), None, context(checkpoints))
    assert f"https://x.com/chezou/status/{shared} links this post but its text" in str(caught.value)


def test_a_reply_is_found_whatever_the_length_of_its_id() -> None:
    """Ids are numbers, not strings to order: a reply's id may have one digit more than
    the first part's."""
    from xpost.platforms.twitter.posting import find_reply

    posts = [
        {"id": "1000", "conversation_id": "999", "text": "The second part 2/3"},
        {"id": "999", "conversation_id": "999", "text": "The second part 2/3"},
    ]
    assert find_reply(posts, "999", "The second part 2/3") == "1000"
    assert find_reply(posts[1:], "999", "The second part 2/3") is None


@pytest.mark.shared
def test_lookup_of_a_post_that_is_not_there(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    fake.add_post("something else entirely")
    assert adapter.lookup(draft(ONE), None, context(checkpoints)) is None


# -- rate limits, auth, server errors ---------------------------------------------------


@pytest.mark.shared
def test_rate_limit_resetting_soon_is_waited_for(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, sleeps: list[float]
) -> None:
    reset = str(int(NOW.timestamp()) + 3)
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
    fake.script("POST", "/2/tweets", nth=1, status=429, headers=headers)
    announced: list[float] = []
    receipt = adapter.publish(draft(ONE), None, context(checkpoints, waiting=announced.append))
    assert sleeps == [4.0]
    assert announced == [4.0]  # told first, so a terminal can count it down
    assert fake.created_texts() == [ONE, ONE]  # a 429 created nothing: sent again
    assert receipt == receipt_for(*fake.posts)


@pytest.mark.shared
def test_rate_limit_resetting_later_fails_with_the_reset_time(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, sleeps: list[float]
) -> None:
    headers = {
        "x-rate-limit-remaining": "40",
        "x-rate-limit-reset": str(int(NOW.timestamp()) + 300),
        "x-user-limit-24hour-limit": "17",
        "x-user-limit-24hour-remaining": "0",
        "x-user-limit-24hour-reset": str(int(NOW.timestamp()) + 3 * 3600),
    }
    fake.script("POST", "/2/tweets", nth=1, status=429, headers=headers)
    with pytest.raises(RateLimited) as failed:
        adapter.publish(draft(ONE), None, context(checkpoints))
    assert str(failed.value) == (
        "X: the 24-hour post limit is reached (post); it resets at 2024-05-01 15:00 +0900 "
        "(in 3 h 0 min): try again then"
    )
    assert failed.value.retry_after == 3 * 3600 + 1
    assert sleeps == []
    assert len(fake.calls("POST", "/2/tweets")) == 1


@pytest.mark.shared
def test_a_limit_resetting_in_seconds_is_named_as_one_minute(
    fake: FakeX, checkpoints: Checkpoints, sleeps: list[float]
) -> None:
    adapter = TwitterAdapter(TwitterSettings(api_base=fake.url), SiteConfig())
    adapter.retry_policy = RetryPolicy(
        attempts=3, backoff=0.0, max_rate_wait=0, sleep=sleeps.append
    )
    headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(NOW.timestamp()) + 9)}
    fake.script("POST", "/2/tweets", nth=1, status=429, headers=headers)
    with pytest.raises(RateLimited) as failed:
        adapter.publish(draft(ONE), None, context(checkpoints))
    assert str(failed.value) == (
        "X: the rate limit is reached (post); it resets at 2024-05-01 12:00 +0900 "
        "(in 1 min): try again then"
    )
    assert sleeps == []


@pytest.mark.shared
@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_to_a_create_is_an_unknown_outcome(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, status: int
) -> None:
    fake.script("POST", "/2/tweets", nth=1, status=status)
    with pytest.raises(OutcomeUnknown) as failed:
        adapter.publish(draft(ONE), None, context(checkpoints))
    assert str(failed.value).startswith(f"X answered {status} to 'post'; the post may exist")
    assert len(fake.calls("POST", "/2/tweets")) == 1  # never repeated blindly


def test_revoked_credentials(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    fake.revoked = True
    with pytest.raises(AuthError) as failed:  # a thread checks the account first
        adapter.publish(draft(*THREAD), None, context(checkpoints))
    assert str(failed.value) == (
        "X rejected the credentials (401) to check the account: run 'xpost auth login "
        "twitter', or set XPOST_TWITTER_API_KEY, XPOST_TWITTER_API_SECRET, "
        "XPOST_TWITTER_ACCESS_TOKEN, XPOST_TWITTER_ACCESS_TOKEN_SECRET (or "
        "XPOST_TWITTER_OAUTH2_ACCESS_TOKEN, which expires after 2 hours)"
    )
    assert route(fake) == ["GET /2/users/me"]  # nothing uploaded, nothing posted
    assert CREDENTIALS["api_secret"] not in str(failed.value)


def test_revoked_credentials_on_a_single_post(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    fake.revoked = True
    with pytest.raises(AuthError) as failed:
        adapter.publish(draft(ONE), None, context(checkpoints))
    assert str(failed.value).startswith("X rejected the credentials (401) to post: ")
    assert fake.posts == {}
    assert checkpoints == []


@pytest.mark.shared
def test_single_post_counts_even_if_asking_for_the_account_fails(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, sleeps: list[float]
) -> None:
    fake.script("GET", "/2/users/me", nth=1, status=503)
    fake.script("GET", "/2/users/me", nth=2, status=503)
    fake.script("GET", "/2/users/me", nth=3, status=503)
    receipt = adapter.publish(draft(ONE), None, context(checkpoints))
    [post_id] = fake.posts
    assert receipt.url == f"https://x.com/i/web/status/{post_id}"
    assert receipt.state == {"parts": [post_id]}
    assert checkpoints == [receipt]


@pytest.mark.shared
def test_server_error_on_a_read_is_retried(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, sleeps: list[float]
) -> None:
    fake.script("GET", "/2/users/me", nth=1, status=503)
    assert adapter.whoami(context(checkpoints)) == "@chezou"
    assert route(fake) == ["GET /2/users/me", "GET /2/users/me"]
    assert sleeps == [0.0]


def test_unreachable_host(checkpoints: Checkpoints, sleeps: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = TwitterAdapter(TwitterSettings(api_base=f"http://127.0.0.1:{port}"), SiteConfig())
    adapter.retry_policy = RetryPolicy(attempts=2, backoff=0.0, sleep=sleeps.append)
    with pytest.raises(PublishError) as failed:
        adapter.publish(draft(ONE), None, context(checkpoints))
    assert str(failed.value) == (
        f"X: cannot connect to http://127.0.0.1:{port} to post: check the "
        "network or [twitter] api_base"
    )
    assert type(failed.value) is PublishError


@pytest.mark.shared
def test_oauth2_user_token(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints, tmp_path: Path
) -> None:
    image = tmp_path / "cover.png"
    image.write_bytes(PNG)
    credentials = {"oauth2_access_token": OAUTH2_TOKEN}
    assert adapter.missing_credentials(credentials) == []
    media = [{"path": str(image), "alt": "alt"}]
    receipt = adapter.publish(draft(ONE, media=media), None, context(checkpoints, credentials))
    assert receipt == receipt_for(*fake.posts)
    assert {r.auth for r in fake.requests} == {"bearer"}


def test_missing_credentials() -> None:
    adapter = TwitterAdapter(TwitterSettings(), SiteConfig())
    assert adapter.missing_credentials({}) == [
        "api_key",
        "api_secret",
        "access_token",
        "access_token_secret",
    ]
    assert adapter.missing_credentials({"api_key": "k", "api_secret": "s"}) == [
        "access_token",
        "access_token_secret",
    ]
    assert adapter.missing_credentials(CREDENTIALS) == []
    assert adapter.can_update is False


# -- unpublish, whoami, login ----------------------------------------------------------


@pytest.mark.shared
def test_unpublish_deletes_every_part_last_first(
    adapter: TwitterAdapter, fake: FakeX, checkpoints: Checkpoints
) -> None:
    receipt = adapter.publish(draft(*THREAD), None, context(checkpoints))
    first, second, third = fake.posts
    adapter.unpublish(receipt, context(checkpoints))
    assert [r.path for r in fake.calls("DELETE")] == [
        f"/2/tweets/{third}",
        f"/2/tweets/{second}",
        f"/2/tweets/{first}",
    ]
    assert all(post["deleted"] for post in fake.posts.values())
    adapter.unpublish(receipt, context(checkpoints))  # already gone: nothing to do


def test_login_runs_the_pin_flow(adapter: TwitterAdapter, fake: FakeX) -> None:
    told: list[str] = []
    answers = {
        "X API key": CREDENTIALS["api_key"],
        "X API key secret": CREDENTIALS["api_secret"],
        "PIN": PIN,
    }
    asked: list[str] = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return answers[prompt]

    stored = adapter.login({}, ask, told.append)

    assert stored == CREDENTIALS
    assert asked == ["X API key", "X API key secret", "PIN"]
    assert told == [
        "Open this URL, authorize the app, then enter the PIN X shows: "
        f"{fake.url}/oauth/authorize?oauth_token={REQUEST_TOKEN[0]}"
    ]
    assert route(fake) == ["POST /oauth/request_token", "POST /oauth/access_token"]


def test_login_with_a_wrong_pin(adapter: TwitterAdapter, fake: FakeX) -> None:
    keys = {"api_key": CREDENTIALS["api_key"], "api_secret": CREDENTIALS["api_secret"]}
    with pytest.raises(AuthError) as failed:
        adapter.login(keys, lambda prompt: "1111111", lambda line: None)
    assert (
        str(failed.value)
        == "X refused the PIN (wrong or expired): run 'xpost auth login twitter' again"
    )


def test_login_needs_an_api_key(adapter: TwitterAdapter, fake: FakeX) -> None:
    with pytest.raises(UsageError) as failed:
        adapter.login({}, lambda prompt: " ", lambda line: None)
    assert str(failed.value) == "X sign-in: the X API key is required"
    assert fake.requests == []


def test_importing_the_adapter_loads_no_network_stack() -> None:
    probe = (
        "import sys, xpost.platforms.twitter.adapter\n"
        "print(sorted(m for m in ('requests', 'tweepy', 'requests_oauthlib', 'urllib3')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.shared
def test_the_fake_refuses_what_x_refuses(fake: FakeX) -> None:
    import requests
    from requests_oauthlib import OAuth1

    def signed(secret: str = CREDENTIALS["api_secret"]) -> OAuth1:
        return OAuth1(
            CREDENTIALS["api_key"],
            client_secret=secret,
            resource_owner_key=CREDENTIALS["access_token"],
            resource_owner_secret=CREDENTIALS["access_token_secret"],
        )

    def post(body: dict[str, Any], auth: OAuth1 | None = None) -> int:
        answer = requests.post(f"{fake.url}/2/tweets", json=body, auth=auth or signed(), timeout=5)
        return answer.status_code

    assert post({"text": "hi", "visibility": "public"}) == 400
    assert post({"text": "hi", "reply": {"in_reply_to_tweet_id": "123"}}) == 400
    assert post({"text": "hi", "reply": {"in_reply_to_tweet_id": "abc"}}) == 400
    assert post({"text": "hi", "media": {"media_ids": ["999"]}}) == 400
    assert post({"text": "hi"}, signed("wrong secret")) == 401
    assert requests.get(f"{fake.url}/2/users/me", timeout=5).status_code == 401
    assert fake.posts == {}
    assert fake.rejections == [
        "POST /2/tweets: Additional properties are not allowed ('visibility' was unexpected)",
        "POST /2/tweets: in_reply_to_tweet_id 123 does not exist",
        "POST /2/tweets: 'abc' does not match '^[0-9]{1,19}$'",
        "POST /2/tweets: media 999 was not uploaded",
        "OAuth header: the HMAC-SHA1 signature does not verify",
        "GET /2/users/me: not signed",
    ]
    fake.rejections.clear()
