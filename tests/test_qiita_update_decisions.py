"""Qiita's publishing decisions and the answers it accepts: what counts as the same
content, as an edit made on Qiita, as this post's copy; what a create or lookup answer
must hold (issue 11: each test fails when the code is wrong).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from xpost.adapters.base import Draft, Receipt
from xpost.config import SiteConfig
from xpost.errors import AuthError, OutcomeUnknown, PublishError, RemoteConflict
from xpost.platforms.qiita.items import (
    fingerprint,
    is_copy,
    is_item_url,
    receipt_from,
    refuse_if_edited_there,
    same_content,
    sendable,
)

ITEM_ID = "0123456789abcdef0123"

NOTE = "この記事は https://example.com/p/1 からの転載です。"

PAYLOAD: dict[str, Any] = {
    "title": "Hello",
    "body": f"{NOTE}\n\n# Hello\n\nBody.\n",
    "tags": [{"name": "Python", "versions": []}, {"name": "xpost", "versions": []}],
    "private": False,
    "organization_url_name": None,
    "slide": False,
}


def item(**changes: Any) -> dict[str, Any]:
    """The item Qiita holds for ``PAYLOAD`` (tags as Qiita answers them)."""
    base = {
        "id": ITEM_ID,
        "url": f"https://qiita.com/alice/items/{ITEM_ID}",
        "title": PAYLOAD["title"],
        "body": PAYLOAD["body"],
        "tags": [{"name": "Python", "versions": []}, {"name": "xpost", "versions": []}],
        "private": False,
        "organization_url_name": None,
        "slide": False,
        "updated_at": "2024-05-01T12:00:00+09:00",
    }
    return {**base, **changes}


# -- same content: every field xpost sends is compared --------------------------------


def test_an_item_holding_the_payload_is_the_same_content() -> None:
    assert same_content(item(), PAYLOAD)
    # Line-end style and surrounding blank lines carry no meaning.
    assert same_content(item(body="\r\n" + PAYLOAD["body"].replace("\n", "\r\n") + "\n\n"), PAYLOAD)


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "Hello!"},
        {"body": PAYLOAD["body"] + "More.\n"},
        {"body": None},
        {"tags": [{"name": "Python", "versions": []}]},
        {"tags": [{"name": "xpost", "versions": []}, {"name": "Python", "versions": []}]},
        {"tags": None},
        {"private": True},  # limited share is compared when deciding an update
        {"slide": True},
        {"organization_url_name": "acme"},
    ],
)
def test_any_difference_is_an_update(changes: dict[str, Any]) -> None:
    assert not same_content(item(**changes), PAYLOAD)


def test_a_payload_made_private_is_an_update() -> None:
    assert not same_content(item(), {**PAYLOAD, "private": True})
    assert same_content(item(private=True), {**PAYLOAD, "private": True})
    assert not same_content(item(), {**PAYLOAD, "slide": True})
    assert not same_content(item(), {**PAYLOAD, "organization_url_name": "acme"})
    assert same_content(item(organization_url_name=""), PAYLOAD)  # "" is none


def test_the_fingerprint_changes_with_each_field_and_nothing_else() -> None:
    sent = fingerprint(PAYLOAD)
    assert fingerprint(item()) == sent  # id, url, updated_at are not content
    assert fingerprint(item(body="\n" + PAYLOAD["body"] + "\r\n")) == sent
    for changes in (
        {"title": "Other"},
        {"body": "Other"},
        {"tags": [{"name": "Python"}]},
        {"private": True},
    ):
        assert fingerprint(item(**changes)) != sent, changes
    assert fingerprint({"title": None, "body": None, "tags": "x"}) == fingerprint({})


# -- an edit made on Qiita, and an update whose answer was lost --------------------------


def previous(updated: datetime | None, sent: str | None = None) -> Receipt:
    state = {"sent": sent} if sent else {}
    return Receipt(remote_id=ITEM_ID, remote_updated_at=updated, state=state)


JST = timezone(timedelta(hours=9))

WROTE = datetime(2024, 5, 1, 12, 0, tzinfo=JST)


def test_a_newer_item_is_an_edit_made_there_and_the_same_time_is_not() -> None:
    refuse_if_edited_there(item(updated_at=WROTE.isoformat()), previous(WROTE))
    older = (WROTE - timedelta(seconds=1)).isoformat()
    refuse_if_edited_there(item(updated_at=older), previous(WROTE))
    newer = (WROTE + timedelta(seconds=1)).isoformat()
    with pytest.raises(RemoteConflict, match="edited on Qiita since xpost last wrote it"):
        refuse_if_edited_there(item(updated_at=newer), previous(WROTE))


def test_a_naive_recorded_time_is_taken_as_utc() -> None:
    naive = datetime(2024, 5, 1, 3, 0)  # 12:00 JST
    refuse_if_edited_there(item(updated_at=WROTE.isoformat()), previous(naive))
    with pytest.raises(RemoteConflict):
        refuse_if_edited_there(item(updated_at="2024-05-01T03:00:01Z"), previous(naive))


def test_what_xpost_sent_last_is_not_an_edit_made_there() -> None:
    """Item 4: a PATCH that landed but whose answer was lost leaves Qiita newer than the
    record, holding exactly what xpost sent: no conflict."""
    newer = item(updated_at=(WROTE + timedelta(minutes=5)).isoformat(), title="New")
    sent = fingerprint({**PAYLOAD, "title": "New"})
    refuse_if_edited_there(newer, previous(WROTE, sent=sent))
    with pytest.raises(RemoteConflict):
        refuse_if_edited_there(newer, previous(WROTE, sent=fingerprint(PAYLOAD)))


def test_without_times_to_compare_nothing_is_refused() -> None:
    refuse_if_edited_there(item(updated_at=None), previous(WROTE))
    refuse_if_edited_there(item(updated_at="not a time"), previous(WROTE))
    refuse_if_edited_there(item(), previous(None))


# -- this post's copy: the whole origin line -------------------------------------------


def test_the_origin_line_must_be_a_whole_line_of_the_body() -> None:
    assert is_copy(item(), PAYLOAD, NOTE)
    assert is_copy(item(body=f"# Edited title\n\n{NOTE}\n"), PAYLOAD, NOTE)
    other = NOTE.replace("/p/1", "/p/10")
    assert not is_copy(item(body=f"{other}\n\nBody."), PAYLOAD, NOTE)
    assert not is_copy(item(body=f"See: {NOTE}"), PAYLOAD, NOTE)
    assert not is_copy(item(body=f"{NOTE} and more"), PAYLOAD, NOTE)
    assert not is_copy(item(body=None), PAYLOAD, NOTE)


def test_without_a_note_the_title_and_body_must_both_match() -> None:
    assert is_copy(item(), PAYLOAD, None)
    assert not is_copy(item(title="Other"), PAYLOAD, None)
    assert not is_copy(item(body="Other"), PAYLOAD, None)


def test_a_note_of_several_lines_matches_whole_lines_at_any_place() -> None:
    def has(body: str, note: str) -> bool:
        return is_copy(item(body=body), PAYLOAD, note)

    body = "first\r\nsecond  \nthird\n"
    assert has(body, "first")
    assert has(body, "second\nthird")
    assert has(body, "third")
    assert not has(body, "first\nthird")
    assert not has(body, "secon")
    assert not has("", "x")
    assert has("x", "x")


# -- answers ------------------------------------------------------------------------------


def test_a_created_item_without_a_proper_id_is_unknown_an_update_is_a_failure() -> None:
    for answer in ({}, {"id": 12}, {"id": "A" * 20}, {"id": ITEM_ID + "0"}):
        with pytest.raises(OutcomeUnknown, match="may have been created"):
            receipt_from(answer, created=True)
        with pytest.raises(PublishError) as caught:
            receipt_from(answer)
        assert not isinstance(caught.value, OutcomeUnknown)


def test_a_receipt_keeps_the_id_the_page_and_the_time() -> None:
    receipt = receipt_from(item(updated_at="2024-05-01T03:00:00"))
    assert receipt == Receipt(
        remote_id=ITEM_ID,
        url=f"https://qiita.com/alice/items/{ITEM_ID}",
        remote_updated_at=datetime(2024, 5, 1, 3, 0, tzinfo=UTC),
    )
    assert receipt_from(item(url=None)).url is None


def test_only_a_qiita_draft_that_is_not_skipped_is_sent() -> None:
    assert sendable(Draft("qiita", PAYLOAD)) is PAYLOAD
    with pytest.raises(PublishError, match="rendered for 'zenn'"):
        sendable(Draft("zenn", PAYLOAD))
    with pytest.raises(PublishError, match="skipped draft"):
        sendable(Draft("qiita", PAYLOAD, skip_reason="draft: true"))


@pytest.mark.shared  # the fake checks requests against contracts/qiita
def test_a_create_answered_without_an_id_is_unknown_through_the_adapter() -> None:
    """The adapter passes ``created=True``: a 201 without a usable id leaves the outcome
    unknown (the item may be there), so the next run looks it up instead of failing."""
    from fakes.clock import FakeClock
    from fakes.qiita import TOKEN, running
    from xpost.adapters.base import PublishContext
    from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaSettings

    clock = FakeClock()
    with running(clock=clock) as fake:
        adapter = QiitaAdapter(QiitaSettings(api_base=fake.url), SiteConfig())
        fake.fail_next("POST", 201, body={"title": "Hello", "id": "javascript:alert(1)"})
        ctx = PublishContext(credentials={"token": TOKEN}, timeout=2.0, now=clock.now)
        with pytest.raises(OutcomeUnknown, match="the item may have been created"):
            adapter.publish(Draft("qiita", dict(PAYLOAD)), None, ctx)
        assert fake.calls() == [("POST", "/api/v2/items")]


# -- the adapter: the note lookups match, and limited share both ways ---------------------


def test_the_origin_note_a_lookup_matches_is_the_rendered_one() -> None:

    from xpost.config import SiteConfig
    from xpost.content.model import Document, Markdown
    from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaOptions, QiitaSettings
    from xpost.post import Post

    url = "https://example.com/p/1/"
    post = Post(
        source=Path("content/post/p1.md"),
        id=url,
        title="Hello",
        body="Body.",
        document=Document((Markdown("Body."),)),
        canonical_url=url,
        tags=("python",),
    )
    template = "Originally at {url}"
    draft = QiitaAdapter(
        QiitaSettings(origin_note=template, origin_note_en=template), SiteConfig()
    ).render(post, QiitaOptions())
    assert draft.facts["origin_note"] == f"Originally at {url}"
    assert is_copy({"body": draft.payload["body"]}, draft.payload, draft.facts["origin_note"])
    none = QiitaAdapter(QiitaSettings(origin_note="", origin_note_en=""), SiteConfig())
    assert none.render(post, QiitaOptions()).facts["origin_note"] is None


@pytest.fixture
def qiita() -> Any:
    from fakes.clock import FakeClock
    from fakes.qiita import TOKEN, running
    from xpost.adapters.base import PublishContext
    from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaSettings

    clock = FakeClock()
    with running(clock=clock) as fake:
        adapter = QiitaAdapter(QiitaSettings(api_base=fake.url), SiteConfig())
        ctx = PublishContext(credentials={"token": TOKEN}, timeout=2.0, now=clock.now)
        yield fake, adapter, ctx


def _sent(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k in ("title", "body", "tags", "private")}


@pytest.mark.shared  # the fake checks requests against contracts/qiita
def test_a_public_item_is_never_made_limited_share(qiita: Any) -> None:
    fake, adapter, ctx = qiita
    seeded = fake.seed_item(_sent(PAYLOAD))
    fake.requests.clear()
    receipt = Receipt(remote_id=seeded["id"])
    with pytest.raises(PublishError, match="is public and Qiita refuses to make a public item"):
        adapter.publish(Draft("qiita", {**PAYLOAD, "private": True}), receipt, ctx)
    assert fake.calls("PATCH") == []


@pytest.mark.shared  # the fake checks requests against contracts/qiita
def test_a_limited_share_item_is_updated_as_limited_share(qiita: Any) -> None:
    fake, adapter, ctx = qiita
    seeded = fake.seed_item({**_sent(PAYLOAD), "private": True})
    fake.requests.clear()
    receipt = Receipt(remote_id=seeded["id"])
    changed = {**PAYLOAD, "private": True, "title": "Hello again"}
    adapter.publish(Draft("qiita", changed), receipt, replace(ctx, force=True))
    assert len(fake.calls("PATCH")) == 1
    assert fake.items[seeded["id"]]["title"] == "Hello again"
    assert fake.items[seeded["id"]]["private"] is True


# -- 403: a rule of Qiita's (writes) or the token's scope --------------------------------


def _client(url: str) -> Any:
    from xpost.platforms.qiita.client import QiitaClient

    return QiitaClient(url, "t" * 40, timeout=5.0, now=lambda: datetime.now(UTC))


def _answer_403(body: bytes, content_type: str) -> bytes:
    head = f"HTTP/1.1 403 Forbidden\r\nContent-Type: {content_type}\r\n"
    return head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body


RULE = b'{"message": "A public item cannot be made private", "type": "forbidden"}'


@pytest.mark.parametrize(
    ("method", "body", "content_type", "error", "says"),
    [
        ("POST", RULE, "application/json", PublishError, "one of Qiita's rules"),
        ("PATCH", RULE, "application/json", PublishError, "one of Qiita's rules"),
        ("GET", RULE, "application/json", AuthError, "the read_qiita scope"),
        ("DELETE", RULE, "application/json", PublishError, "one of Qiita's rules"),
        ("PATCH", b"Forbidden", "text/plain", AuthError, "the write_qiita scope"),
        ("POST", b'{"message": " Forbidden "}', "application/json", AuthError, "write_qiita"),
    ],
)
def test_a_403_is_a_rule_only_for_a_write_that_names_it(
    method: str, body: bytes, content_type: str, error: type[PublishError], says: str
) -> None:
    from fakes.raw_http import answering, serving

    with serving(answering(_answer_403(body, content_type))) as server:
        client = _client(server.url)
        with pytest.raises(PublishError) as caught:
            if method == "POST":
                client.create_item(PAYLOAD)
            elif method == "PATCH":
                client.update_item(ITEM_ID, PAYLOAD)
            elif method == "GET":
                client.get_item(ITEM_ID)
            else:
                client.delete_item(ITEM_ID)
    assert type(caught.value) is error
    assert says in str(caught.value)


def test_an_items_page_gives_its_id() -> None:
    from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaSettings

    adapter = QiitaAdapter(QiitaSettings(), SiteConfig())
    url = f"https://qiita.com/alice/items/{ITEM_ID}"
    assert adapter.receipt_for_url(url) == Receipt(remote_id=ITEM_ID, url=url)
    assert adapter.receipt_for_url(f"https://qiita.com/alice/{ITEM_ID}") is None


@pytest.mark.parametrize(
    ("answer", "shown"),
    [
        (b'{"id": "alice"}', "@alice"),
        (b'{"id": "alice/../../x"}', None),
        (b'{"id": 42}', None),
        (b'{"name": "Alice"}', None),
    ],
)
def test_whoami_names_only_an_account_id_of_qiitas_shape(answer: bytes, shown: str | None) -> None:
    from fakes.raw_http import answering, serving
    from xpost.adapters.base import PublishContext
    from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaSettings

    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(answer)}"
    with serving(answering(head.encode() + b"\r\n\r\n" + answer)) as server:
        adapter = QiitaAdapter(QiitaSettings(api_base=server.url), SiteConfig())
        ctx = PublishContext(credentials={"token": "t" * 40}, timeout=5.0)
        if shown is not None:
            assert adapter.whoami(ctx) == shown
            return
        with pytest.raises(PublishError, match="the authenticated user has no id"):
            adapter.whoami(ctx)


@pytest.mark.parametrize(
    ("answer", "problem"),
    [(b"<html>oops</html>", "is not JSON"), (b"[1, 2]", "is not a JSON object")],
)
def test_a_create_answered_with_something_else_than_an_item_is_unknown(
    answer: bytes, problem: str
) -> None:
    from fakes.raw_http import answering, serving

    head = (
        f"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {len(answer)}"
    )
    with serving(answering(head.encode() + b"\r\n\r\n" + answer)) as server:
        with pytest.raises(OutcomeUnknown) as caught:
            _client(server.url).create_item(PAYLOAD)
        with pytest.raises(PublishError) as read:
            _client(server.url).get_item(ITEM_ID)
    assert str(caught.value) == (
        f"Qiita: the answer to POST /api/v2/items {problem}; is [qiita] api_base right? "
        "(the item may have been created)"
    )
    assert not isinstance(read.value, OutcomeUnknown)


# -- Qiita: what an answer may say --------------------------------------------------


def test_a_created_item_without_an_id_is_an_unknown_outcome_not_a_failure() -> None:
    with pytest.raises(OutcomeUnknown):
        receipt_from({"url": "https://qiita.com/u/items/0123456789abcdef0123"}, created=True)
    with pytest.raises(OutcomeUnknown):
        receipt_from({"id": "../../users/me"}, created=True)


def test_only_the_items_own_page_is_kept_as_its_url() -> None:
    item = "0123456789abcdef0123"
    assert is_item_url(f"https://qiita.com/chezou/items/{item}", item)
    assert is_item_url(f"https://team.qiita.com/chezou/items/{item}", item)
    for url in [
        "javascript:alert(1)",
        f"http://qiita.com/chezou/items/{item}",
        f"https://qiita.com.evil.example/chezou/items/{item}",
        f"https://qiita.com/chezou/items/{'f' * 20}",
        f"https://qiita.com/chezou/items/{item}/../x",
    ]:
        assert not is_item_url(url, item), url
    receipt = receipt_from({"id": item, "url": "javascript:alert(1)"}, created=True)
    assert (receipt.remote_id, receipt.url) == (item, None)
