"""Tests that fail when the code is wrong: one per mutant an earlier audit found alive.

Each test names the edit it catches (issue 11, "Tests that fail when the code is
wrong"); ``scripts/mutation`` looks for more.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fake_adapter import BlogAdapter
from xpost.adapters.base import Draft, NoSettings, Receipt
from xpost.config import SiteConfig
from xpost.credentials import scrub
from xpost.errors import OutcomeUnknown
from xpost.ledger import Ledger, Record, TargetKey
from xpost.plan import Step, content_hash, plan_target
from xpost.platforms.qiita.items import is_item_url, receipt_from
from xpost.platforms.twitter.compose import split_thread
from xpost.prepare import Target
from xpost.render.twitter_text import weighted_length

PAYLOAD = {"title": "Hello", "body": "こんにちは"}
HASH = content_hash(PAYLOAD)
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
KEY = TargetKey("post-1", "blog")


def target() -> Target:
    return Target("blog", "Blog", "create", Draft("blog", dict(PAYLOAD)))


# -- plan: ``Step.changed`` compares hashes (mutant: ``return self.record is None``) ----


def test_a_recorded_target_with_another_hash_is_changed() -> None:
    sent_before = Record(KEY, "published", remote_id="42", content_hash="0" * 64)
    assert Step(target(), "update", sent_before, HASH).changed is True
    same = Record(KEY, "published", remote_id="42", content_hash=HASH)
    assert Step(target(), "unchanged", same, HASH).changed is False
    assert Step(target(), "create", None, HASH).changed is True


def test_force_updates_what_did_not_change_and_nothing_else_does() -> None:
    adapter = BlogAdapter(NoSettings(), SiteConfig())
    same = Record(KEY, "published", remote_id="42", content_hash=HASH)
    assert plan_target(target(), same, adapter).kind == "unchanged"
    assert plan_target(target(), same, adapter, force=True).kind == "update"


# -- ledger: never overwrite a copy's record, keep when it was first published ---------


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    clock = iter(NOW + timedelta(minutes=n) for n in range(1000))
    return Ledger.open(tmp_path / "xpost.sqlite3", lambda: next(clock))


def test_mark_existing_never_overwrites_a_copy_sent_before(ledger: Ledger) -> None:
    """``INSERT OR IGNORE`` → ``INSERT OR REPLACE`` would turn a published copy into
    'skipped' with no remote id: the next edit would create a second copy."""
    ledger.record_published(
        KEY, Receipt("42", "https://e.example/42"), content_hash=HASH, source="a.md"
    )
    ledger.record_skipped([(KEY, "a.md")])
    record = ledger.get(KEY)
    assert record is not None
    assert (record.status, record.remote_id, record.content_hash) == ("published", "42", HASH)


def test_an_update_keeps_the_first_publication_time(ledger: Ledger) -> None:
    ledger.record_published(KEY, Receipt("42"), content_hash=HASH, source="a.md")
    first = ledger.get(KEY)
    ledger.record_published(KEY, Receipt("42"), content_hash="1" * 64, source="a.md")
    later = ledger.get(KEY)
    assert first is not None and later is not None
    assert later.first_published_at == first.first_published_at
    assert later.last_published_at is not None
    assert first.first_published_at is not None
    assert later.last_published_at > first.first_published_at


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


# -- secrets: every form of a secret is scrubbed -------------------------------------


def test_scrub_removes_the_secret_and_its_repr_form() -> None:
    secret = "s3cr3t-'token'-value"
    text = f"failed with {secret} and {secret!r}"
    scrubbed = scrub(text, [secret])
    assert secret not in scrubbed
    assert repr(secret) not in scrubbed
    assert "'token'" not in scrubbed


# -- boundaries ---------------------------------------------------------------------


def test_exactly_280_is_one_post_and_281_is_a_thread() -> None:
    assert split_thread([], "a" * 280) == ["a" * 280]
    over = split_thread(["b " * 10], "a" * 281)
    assert len(over) > 1 or weighted_length(over[0]) <= 280


def test_a_thread_counter_of_two_digits_is_reserved_before_packing() -> None:
    paragraphs = [f"paragraph {n} " + "x" * 200 for n in range(12)]
    posts = split_thread(paragraphs, "first")
    assert len(posts) >= 10
    assert all(weighted_length(post) <= 280 for post in posts)
    assert posts[-1].endswith(f" {len(posts)}/{len(posts)}")


# -- schedule: a retry is due exactly when its time has come --------------------------


def test_a_failed_target_is_retried_once_its_time_has_passed_and_not_before() -> None:
    from xpost.schedule import TargetRecord, retry_gate

    later = TargetRecord("failed", failures=1, next_attempt_at=NOW + timedelta(minutes=5))
    assert retry_gate(later, NOW, retry_limit=5) is not None
    passed = TargetRecord("failed", failures=1, next_attempt_at=NOW - timedelta(minutes=5))
    assert retry_gate(passed, NOW, retry_limit=5) is None
    now_exactly = TargetRecord("failed", failures=1, next_attempt_at=NOW)
    assert retry_gate(now_exactly, NOW, retry_limit=5) is None
    for status in ("awaiting", "published", "pending", "unknown"):  # only 'failed' waits
        assert retry_gate(TargetRecord(status, failures=9, next_attempt_at=NOW), NOW, 5) is None
    assert retry_gate(TargetRecord("failed", failures=5), NOW, retry_limit=5) is not None


# -- Zenn: a slug of 12 to 50 characters ----------------------------------------------


@pytest.mark.parametrize(
    ("slug", "valid"),
    [("a" * 11, False), ("a" * 12, True), ("a" * 50, True), ("a" * 51, False)],
)
def test_zenn_slug_length_bounds(slug: str, valid: bool) -> None:
    from xpost.platforms.zenn.adapter import SLUG_PATTERN

    assert bool(SLUG_PATTERN.match(slug)) is valid
