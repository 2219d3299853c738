"""What the ledger keeps: a copy sent before is never overwritten by --mark-existing,
an update keeps the first publication time (issue 11).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xpost.adapters.base import Receipt
from xpost.ledger import Ledger, TargetKey
from xpost.plan import content_hash

PAYLOAD = {"title": "Hello", "body": "こんにちは"}

HASH = content_hash(PAYLOAD)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

KEY = TargetKey("post-1", "blog")


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
