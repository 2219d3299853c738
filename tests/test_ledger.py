"""The ledger file: where it lives, who can read it, what it refuses, what it records."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xpost.adapters.base import Receipt
from xpost.config import Config, LedgerConfig
from xpost.errors import ExitCode, LedgerError
from xpost.ledger import LedgerBusy, TargetKey, backoff, ledger_path
from xpost.ledger.sqlite import APPLICATION_ID, MIGRATIONS, Ledger

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
KEY = TargetKey("https://example.com/post/hello/", "blog")


def clock() -> datetime:
    return NOW


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    return Ledger.open(tmp_path / "data" / "xpost.sqlite3", clock)


# ── where and how the file is made ──────────────────────────────────────────


def test_path_from_config_then_env_then_user_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = Path(os.environ["HOME"])
    configured = Config(ledger=LedgerConfig(path="~/sites/ledger.db"))
    assert ledger_path(configured) == home / "sites" / "ledger.db"
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "d"))
    assert ledger_path(Config()) == tmp_path / "d" / "xpost.sqlite3"
    monkeypatch.delenv("XPOST_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert ledger_path(Config()) == tmp_path / "xdg" / "xpost" / "xpost.sqlite3"


def test_new_ledger_is_private_wal_and_fully_migrated(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "xpost.sqlite3"
    with Ledger.open(path) as ledger:
        db = ledger._db  # the settings of the ledger's own connection
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        ledger.mark_pending(KEY, source="post.md", content_hash="h1")
        for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            assert mode(extra) == 0o600, extra
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"syndications", "attempts"} <= tables
    raw.close()


def test_reading_a_missing_ledger_creates_nothing(tmp_path: Path) -> None:
    assert Ledger.open_existing(tmp_path / "none" / "xpost.sqlite3") is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("opener", [Ledger.open, Ledger.open_existing], ids=["rw", "ro"])
def test_garbage_file_is_refused_and_left_byte_for_byte(tmp_path: Path, opener) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "xpost.sqlite3"
    garbage = b"\x00\xffnot a database at all\n" * 300
    path.write_bytes(garbage)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(LedgerError) as caught:
        opener(path)
    assert str(caught.value).startswith(f"{path}: the ledger file is damaged or not a database")
    assert "left untouched" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_another_sqlite_database_is_not_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE photos (id INTEGER)")
    other.commit()
    other.close()
    data = path.read_bytes()
    with pytest.raises(LedgerError, match=r"photos\.db: not an xpost ledger"):
        Ledger.open(path)
    assert path.read_bytes() == data


def test_a_ledger_from_a_newer_xpost_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "xpost.sqlite3"
    Ledger.open(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    with pytest.raises(LedgerError, match="written by a newer xpost"):
        Ledger.open(path)


def test_an_appended_migration_runs_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "xpost.sqlite3"
    Ledger.open(path).close()
    calls = []

    def add_cache(db: sqlite3.Connection) -> None:
        calls.append(1)
        db.execute("CREATE TABLE file_cache (path TEXT PRIMARY KEY)")

    monkeypatch.setattr("xpost.ledger.sqlite.MIGRATIONS", [*MIGRATIONS, add_cache])
    Ledger.open(path).close()
    Ledger.open(path).close()
    assert calls == [1]
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) + 1
    raw.close()


# ── what it records ─────────────────────────────────────────────────────────


def test_a_create_from_pending_to_published(ledger: Ledger) -> None:
    ledger.mark_pending(KEY, source="post.md", content_hash="h1")
    pending = ledger.get(KEY)
    assert pending is not None
    assert (pending.status, pending.content_hash, pending.receipt()) == ("pending", "h1", None)
    ledger.record_checkpoint(KEY, Receipt("part-1", state={"parts": ["part-1"]}))
    partial = ledger.get(KEY)
    assert partial is not None and partial.status == "pending"
    assert partial.receipt() == Receipt("part-1", state={"parts": ["part-1"]})
    receipt = Receipt("42", "https://blog.example/42", remote_updated_at=NOW, state={"n": 1})
    ledger.record_published(KEY, receipt, content_hash="h1", source="post.md")
    done = ledger.get(KEY)
    assert done is not None
    assert (done.status, done.remote_id, done.url, done.content_hash) == (
        "published",
        "42",
        "https://blog.example/42",
        "h1",
    )
    assert done.first_published_at == done.last_published_at == NOW
    assert done.remote_updated_at == NOW and done.state == {"n": 1}
    assert ledger.records(KEY.post_id) == [done]


def test_pending_update_keeps_the_hash_of_what_was_published(ledger: Ledger) -> None:
    ledger.record_published(KEY, Receipt("42"), content_hash="old", source="p.md")
    ledger.mark_pending(KEY, source="p.md", content_hash="new")
    record = ledger.get(KEY)
    assert record is not None and (record.status, record.content_hash) == ("pending", "old")


def test_failures_count_and_back_off(ledger: Ledger) -> None:
    ledger.mark_pending(KEY, source="p.md", content_hash="h")
    ledger.record_failed(KEY, "Blog: 500")
    ledger.record_failed(KEY, "Blog: 500 again")
    record = ledger.get(KEY)
    assert record is not None
    assert (record.status, record.failures, record.last_error) == ("failed", 2, "Blog: 500 again")
    assert record.next_attempt_at == NOW + timedelta(minutes=2)
    ledger.record_failed(KEY, "Blog: 429", retry_after=900, unknown=True)
    record = ledger.get(KEY)
    assert record is not None and record.status == "unknown"
    assert record.next_attempt_at == NOW + timedelta(seconds=900)
    ledger.record_published(KEY, Receipt("1"), content_hash="h", source=None)
    record = ledger.get(KEY)
    assert record is not None
    assert (record.failures, record.last_error, record.next_attempt_at) == (0, None, None)
    assert record.source == "p.md"


def test_backoff_doubles_up_to_a_day() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert backoff(50) == timedelta(days=1)


def test_removed_copy_forgets_the_remote(ledger: Ledger) -> None:
    ledger.record_published(KEY, Receipt("42", "https://b/42"), content_hash="h", source="p")
    ledger.record_removed(KEY)
    record = ledger.get(KEY)
    assert record is not None
    assert (record.status, record.remote_id, record.url, record.receipt()) == (
        "removed",
        None,
        None,
        None,
    )
    assert record.first_published_at == NOW  # the history stays


def test_awaiting_receipt_is_not_published(ledger: Ledger) -> None:
    ledger.record_published(KEY, Receipt("7", status="awaiting"), content_hash="h", source="p")
    record = ledger.get(KEY)
    assert record is not None and record.status == "awaiting"
    assert record.first_published_at is None
    assert record.receipt() == Receipt("7", status="awaiting")


def test_history_newest_first_filtered_and_limited(ledger: Ledger) -> None:
    other = TargetKey("https://example.com/other/", "blog")
    for key in (KEY, other, KEY):
        ledger.mark_pending(key, source="p", content_hash="h")
        ledger.finish_attempt(ledger.start_attempt(key, "create"), "failed", "Blog: 500")
    attempts = ledger.history(limit=2)
    assert [a.id for a in attempts] == [3, 2]
    assert [a.key.post_id for a in ledger.history(post_id=KEY.post_id)] == [KEY.post_id] * 2
    first = ledger.history(post_id=KEY.post_id)[-1]
    assert (first.action, first.outcome, first.error) == ("create", "failed", "Blog: 500")
    assert first.started_at == first.finished_at == NOW


def test_concurrent_writers_share_one_ledger(ledger: Ledger) -> None:
    def write(n: int) -> None:
        key = TargetKey(f"post-{n}", "blog")
        for _ in range(4):
            ledger.mark_pending(key, source="p", content_hash=str(n))
            ledger.finish_attempt(ledger.start_attempt(key, "create"), "created")
            ledger.record_published(key, Receipt(str(n)), content_hash=str(n), source="p")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ledger.history(limit=1000)) == 32
    for n in range(8):
        record = ledger.get(TargetKey(f"post-{n}", "blog"))
        assert record is not None and record.status == "published"


# ── the run lock ────────────────────────────────────────────────────────────


def test_second_lock_fails_at_once(ledger: Ledger) -> None:
    other = Ledger.open(ledger.path)
    with ledger.lock(), pytest.raises(LedgerBusy) as caught, other.lock():
        pass
    assert str(caught.value) == (
        f"{ledger.path}: another xpost process is publishing with this ledger right now; "
        "nothing was done — try again when it has finished"
    )
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    lock_file = ledger.path.with_name("xpost.sqlite3.lock")
    assert mode(lock_file) == 0o600
    with other.lock():  # released: the next run goes ahead
        pass


def test_lock_is_held_against_other_processes(ledger: Ledger) -> None:
    probe = (
        "import sys; from pathlib import Path; from xpost.ledger import Ledger, LedgerBusy\n"
        "try:\n"
        "    with Ledger.open(Path(sys.argv[1])).lock(): print('got it')\n"
        "except LedgerBusy: print('busy')\n"
    )
    with ledger.lock():
        held = subprocess.run(
            [sys.executable, "-c", probe, str(ledger.path)], capture_output=True, text=True
        )
    free = subprocess.run(
        [sys.executable, "-c", probe, str(ledger.path)], capture_output=True, text=True
    )
    assert (held.stdout, free.stdout) == ("busy\n", "got it\n")
