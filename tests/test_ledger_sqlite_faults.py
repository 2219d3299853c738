"""The SQLite ledger under real faults: a full database, a lock held by another writer,
a file claimed by another xpost meanwhile, each through ``Ledger.open`` and the
ledger's own methods (issue 11; the comment of each names the edit it catches).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from xpost.errors import LedgerError
from xpost.ledger import Ledger, TargetKey
from xpost.ledger.sqlite import APPLICATION_ID

KEY = TargetKey("post-1", "blog")


def test_a_full_disk_is_named_as_such_and_the_records_stay(tmp_path: Path) -> None:
    """``_SQLITE_FULL = 13`` → ``12``: a full disk would be reported as some other
    trouble. SQLite itself says SQLITE_FULL here: the file may not grow past its pages."""
    path = tmp_path / "xpost.sqlite3"
    ledger = Ledger.open(path)
    kept = TargetKey("kept", "blog")
    ledger.mark_pending(kept, source="kept.md", content_hash="0" * 64)
    pages = ledger._db.execute("PRAGMA page_count").fetchone()[0]
    ledger._db.execute(f"PRAGMA max_page_count = {pages}")  # the disk holds no more
    with pytest.raises(LedgerError) as raised:
        for n in range(100):
            ledger.mark_pending(TargetKey(f"p{n}", "blog"), source="s" * 4000, content_hash="1")
    assert str(raised.value) == (
        f"{path}: cannot write to the ledger: the disk is full; free some space and run "
        "again (the ledger itself is fine: keep it)"
    )
    ledger.close()
    with Ledger.open(path) as reopened:
        record = reopened.get(kept)
        assert record is not None and record.status == "pending"


def _opening_in_the_background(path: Path) -> tuple[threading.Thread, list[object]]:
    """``Ledger.open(path)`` in a thread: its ledger or its error, once it is done."""
    done: list[object] = []

    def run() -> None:
        try:
            done.append(Ledger.open(path))
        except LedgerError as exc:
            done.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_a_new_ledger_held_by_another_writer_is_given_up_on_in_bounded_time(
    tmp_path: Path,
) -> None:
    """``time.monotonic() + _BUSY_TIMEOUT_MS / 1000`` → ``* 1000`` or ``+ 1000``: waiting
    to switch a new file to WAL would last 83 minutes instead of 5 seconds."""
    path = tmp_path / "xpost.sqlite3"
    path.touch()
    other = sqlite3.connect(path, isolation_level=None)  # another program, mid-write
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE notes (text)")
    try:
        thread, done = _opening_in_the_background(path)
        thread.join(timeout=60)
        assert not thread.is_alive(), "still waiting for the lock after 60 s"
    finally:
        other.execute("ROLLBACK")
        other.close()
    [error] = done
    assert str(error) == f"{path}: cannot write to the ledger: database is locked; keep the file"


def test_a_new_ledger_claimed_by_another_xpost_meanwhile_is_opened_not_refused(
    tmp_path: Path,
) -> None:
    """``PRAGMA application_id == 0`` → ``>= 0`` in ``_claim``: a file another xpost
    marked as a ledger while this one waited for the lock would be called foreign."""
    path = tmp_path / "xpost.sqlite3"
    path.touch()
    other = sqlite3.connect(path, isolation_level=None)  # the other xpost, creating it
    other.execute("BEGIN IMMEDIATE")
    thread, done = _opening_in_the_background(path)
    time.sleep(1.0)  # this one found the file empty and waits to switch it to WAL
    other.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    other.execute("CREATE TABLE other_xpost_was_here (x)")
    other.execute("COMMIT")
    other.close()
    thread.join(timeout=60)
    [ledger] = done
    assert isinstance(ledger, Ledger), ledger
    with ledger:
        ledger.mark_pending(KEY, source="a.md", content_hash="0" * 64)
        assert ledger.get(KEY) is not None
