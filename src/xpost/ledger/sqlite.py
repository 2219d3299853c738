"""The ledger: where every copy of every post went, and every attempt to put it there.

One SQLite file (standard library ``sqlite3``), readable by the user only. Per
(post, platform, account) a row in ``syndications`` says what the platform holds:

- ``pending``: a request is (or was, if xpost died) in flight; the outcome is unknown
  until the next run looks the copy up on the platform.
- ``published``: the copy exists; ``content_hash`` is what was sent.
- ``failed``: the last attempt failed cleanly; retried on the next run.
- ``unknown``: the request may have been applied but no answer came.
- ``awaiting``: an assisted target (connpass) waits for the user to paste the text.
- ``removed``: ``xpost unpublish`` took the copy down.

``attempts`` logs each call to a platform with its error text (already redacted by
the caller). Schema changes are small functions appended to ``MIGRATIONS``; the
file's ``PRAGMA user_version`` says how many have run. A file that is not an xpost
ledger, or is damaged, raises ``LedgerError`` and is never written to.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from xpost.adapters.base import Receipt
from xpost.errors import LedgerError
from xpost.ledger.opening import FILE_NAME
from xpost.ledger.records import (
    MAX_RETRY_WAIT,
    Attempt,
    LedgerBusy,
    Record,
    TargetKey,
    backoff,
    same_source,
    source_pattern,
)

#: ``PRAGMA application_id``: marks a SQLite file as an xpost ledger ("xpst").
APPLICATION_ID = 0x78707374
_BUSY_TIMEOUT_MS = 5000

Migration = Callable[[sqlite3.Connection], None]


def _m001_syndications(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE syndications (
            post_id TEXT NOT NULL,
            platform TEXT NOT NULL,
            account TEXT NOT NULL DEFAULT 'default',
            status TEXT NOT NULL,
            remote_id TEXT,
            url TEXT,
            content_hash TEXT,
            remote_updated_at TEXT,
            state TEXT NOT NULL DEFAULT '{}',
            source TEXT,
            first_published_at TEXT,
            last_published_at TEXT,
            updated_at TEXT NOT NULL,
            last_error TEXT,
            failures INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT,
            PRIMARY KEY (post_id, platform, account)
        )
        """
    )


def _m002_attempts(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            post_id TEXT NOT NULL,
            platform TEXT NOT NULL,
            account TEXT NOT NULL DEFAULT 'default',
            action TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT,
            error TEXT,
            FOREIGN KEY (post_id, platform, account)
                REFERENCES syndications (post_id, platform, account) ON DELETE CASCADE
        )
        """
    )
    db.execute("CREATE INDEX attempts_by_time ON attempts (started_at)")
    db.execute("CREATE INDEX attempts_by_target ON attempts (post_id, platform, account)")


def _m003_scan_cache(db: sqlite3.Connection) -> None:
    """``xpost run``'s file cache (``xpost.scan``): what each post file held last time."""
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS scan_cache (
            path TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            config_key TEXT NOT NULL,
            fields TEXT NOT NULL,
            post_id TEXT,
            done_sha256 TEXT
        )
        """
    )


#: Applied in order; append new ones at the end, never edit or reorder old ones.
MIGRATIONS: list[Migration] = [_m001_syndications, _m002_attempts, _m003_scan_cache]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


class Ledger:
    """An open ledger file. Safe to share between the fan-out threads: one connection,
    every statement behind one lock, each write its own transaction."""

    def __init__(
        self,
        path: Path,
        db: sqlite3.Connection,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = path
        self._db = db
        self._mutex = threading.RLock()
        self.clock = clock

    # ── opening ──────────────────────────────────────────────────────────────

    @classmethod
    def open(cls, path: Path, clock: Callable[[], datetime] = _utc_now) -> Ledger:
        """Open the ledger for writing, creating it (mode 0600, folder 0700) if needed."""
        if not ledger_exists(path):
            _create_private_file(path)
        elif not os.access(path, os.R_OK | os.W_OK):
            raise _permission_denied(path, read_only=False)
        db = _connect(path, read_only=False)
        with _closed_on_failure(db, path):
            # Before anything else: another xpost may be creating or migrating this very
            # file right now, and without a busy timeout its locks read as damage.
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            fresh = _check_is_ledger(db, path)
            _use_wal(db)
            db.execute("PRAGMA foreign_keys = ON")
            if fresh:
                _claim(db, path)
            _migrate(db, path)
        return cls(path, db, clock)

    @classmethod
    def open_existing(cls, path: Path, clock: Callable[[], datetime] = _utc_now) -> Ledger | None:
        """Open the ledger read-only (dry-runs, ``status``), or None if there is none yet.

        Never creates or changes anything on disk.
        """
        if not ledger_exists(path):
            return None
        db = _connect(path, read_only=True)
        with _closed_on_failure(db, path):
            db.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            empty = _check_is_ledger(db, path)
        if empty:
            db.close()
            return None  # an empty file: nothing recorded yet
        return cls(path, db, clock)

    def close(self) -> None:
        with self._mutex:
            self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the run lock (``<ledger>.lock``) or fail at once with ``LedgerBusy``.

        Two ``xpost publish``/``run`` processes never publish at the same time; the
        second one does not wait (a cron tick is better skipped than stacked up).
        """
        from xpost import runlock

        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            held = runlock.acquire(lock_path)
        except runlock.Busy:
            raise LedgerBusy(
                f"{self.path}: another xpost process is publishing with this ledger "
                "right now; nothing was done — try again when it has finished"
            ) from None
        try:
            yield
        finally:
            held.release()

    # ── reading ──────────────────────────────────────────────────────────────

    def get(self, key: TargetKey) -> Record | None:
        rows = self._query(
            "SELECT * FROM syndications WHERE post_id = ? AND platform = ? AND account = ?",
            (key.post_id, key.platform, key.account),
        )
        return _record(rows[0]) if rows else None

    def is_empty(self) -> bool:
        """Nothing recorded yet: a first run, or a ledger lost, moved or replaced."""
        return not self._query("SELECT 1 FROM syndications LIMIT 1", ())

    def records(self, post_id: str) -> list[Record]:
        """Every copy of one post, by platform name."""
        rows = self._query(
            "SELECT * FROM syndications WHERE post_id = ? ORDER BY platform, account", (post_id,)
        )
        return [_record(row) for row in rows]

    def records_of_file(self, source: Path, platform: str) -> list[Record]:
        """Copies on ``platform`` recorded from the file ``source``, under any post id."""
        resolved = source.resolve()
        rows = self._query(
            "SELECT * FROM syndications WHERE platform = ? AND (source = ? OR source LIKE ?"
            " ESCAPE '\\')",
            (platform, resolved.name, source_pattern(resolved)),
        )
        return [_record(row) for row in rows if same_source(row["source"], resolved)]

    def history(self, limit: int = 20, post_id: str | None = None) -> list[Attempt]:
        """The most recent attempts, newest first (optionally of one post only)."""
        where, args = ("WHERE post_id = ?", (post_id,)) if post_id else ("", ())
        rows = self._query(
            f"SELECT * FROM attempts {where} ORDER BY id DESC LIMIT ?", (*args, limit)
        )
        return [_attempt(row) for row in rows]

    # ── writing ──────────────────────────────────────────────────────────────

    def mark_pending(self, key: TargetKey, *, source: str | None, content_hash: str) -> None:
        """Before a request goes out. A target never published (or whose copy was
        removed) keeps ``content_hash`` (what is being sent) so that reconciling knows
        what the lost answer was for; a published one keeps the hash of its last
        successful publish."""
        now = _text(self.clock())
        self._write(
            """
            INSERT INTO syndications (post_id, platform, account, status, content_hash,
                                      source, updated_at)
            VALUES (?, ?, ?, 'pending', ?, ?, ?)
            ON CONFLICT (post_id, platform, account) DO UPDATE SET
                status = 'pending',
                content_hash = CASE WHEN syndications.first_published_at IS NULL
                                         OR syndications.status = 'removed'
                                    THEN excluded.content_hash
                                    ELSE syndications.content_hash END,
                source = excluded.source,
                updated_at = excluded.updated_at
            """,
            (key.post_id, key.platform, key.account, content_hash, source, now),
        )

    def record_checkpoint(self, key: TargetKey, receipt: Receipt) -> None:
        """Partial progress (a thread's first parts): saved at once, still ``pending``."""
        self._write(
            """
            UPDATE syndications SET remote_id = ?, url = ?, remote_updated_at = ?,
                                    state = ?, updated_at = ?
            WHERE post_id = ? AND platform = ? AND account = ?
            """,
            (
                receipt.remote_id,
                receipt.url,
                _text(receipt.remote_updated_at),
                json.dumps(receipt.state, ensure_ascii=False),
                _text(self.clock()),
                key.post_id,
                key.platform,
                key.account,
            ),
        )

    def record_published(
        self,
        key: TargetKey,
        receipt: Receipt,
        *,
        content_hash: str | None,
        source: str | None,
    ) -> None:
        """The copy exists (``published``) or was handed to the user (``awaiting``)."""
        now = _text(self.clock())
        published = receipt.status == "published"
        self._write(
            """
            INSERT INTO syndications (post_id, platform, account, status, remote_id, url,
                content_hash, remote_updated_at, state, source, first_published_at,
                last_published_at, updated_at, last_error, failures, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, NULL)
            ON CONFLICT (post_id, platform, account) DO UPDATE SET
                status = excluded.status,
                remote_id = excluded.remote_id,
                url = excluded.url,
                content_hash = excluded.content_hash,
                remote_updated_at = excluded.remote_updated_at,
                state = excluded.state,
                source = COALESCE(excluded.source, syndications.source),
                first_published_at = COALESCE(syndications.first_published_at,
                                              excluded.first_published_at),
                last_published_at = COALESCE(excluded.last_published_at,
                                             syndications.last_published_at),
                updated_at = excluded.updated_at,
                last_error = NULL,
                failures = 0,
                next_attempt_at = NULL
            """,
            (
                key.post_id,
                key.platform,
                key.account,
                receipt.status,
                receipt.remote_id,
                receipt.url,
                content_hash,
                _text(receipt.remote_updated_at),
                json.dumps(receipt.state, ensure_ascii=False),
                source,
                now if published else None,
                now if published else None,
                now,
            ),
        )

    def record_failed(
        self,
        key: TargetKey,
        error: str,
        *,
        unknown: bool = False,
        retry_after: float | None = None,
    ) -> None:
        """The attempt failed (``failed``), or its outcome was never learned (``unknown``).

        ``next_attempt_at`` is when a scheduled run should try again: the platform's
        ``retry_after`` when it said so, else an exponential backoff.
        """
        now = self.clock()
        with self._mutex:
            row = self.get(key)
            failures = (row.failures if row else 0) + 1
            wait = timedelta(seconds=retry_after) if retry_after else backoff(failures)
            wait = min(wait, MAX_RETRY_WAIT)  # no platform asks for longer; a bad value would
            # silence the target for as long as it says
            self._write(
                """
                UPDATE syndications SET status = ?, last_error = ?, failures = ?,
                                        next_attempt_at = ?, updated_at = ?
                WHERE post_id = ? AND platform = ? AND account = ?
                """,
                (
                    "unknown" if unknown else "failed",
                    error,
                    failures,
                    _text(now + wait),
                    _text(now),
                    key.post_id,
                    key.platform,
                    key.account,
                ),
            )

    def clamp_retries(self, now: datetime) -> int:
        """Bring every stored retry time back within the documented backoff from ``now``
        (at most a day): one stored by a run whose clock was far ahead would otherwise
        keep its target silent until that date. Returns how many were clamped."""
        latest = _text(now + MAX_RETRY_WAIT)
        with self._mutex:
            rows = self._query("SELECT * FROM syndications WHERE next_attempt_at > ?", (latest,))
            for row in rows:
                record = _record(row)
                self._write(
                    "UPDATE syndications SET next_attempt_at = ? "
                    "WHERE post_id = ? AND platform = ? AND account = ?",
                    (
                        _text(now + backoff(record.failures)),
                        record.key.post_id,
                        record.key.platform,
                        record.key.account,
                    ),
                )
        return len(rows)

    def waiting_retries(self, now: datetime) -> list[Record]:
        """Failed targets whose next retry is still ahead of ``now``."""
        rows = self._query(
            "SELECT * FROM syndications WHERE status = 'failed' AND next_attempt_at > ?"
            " ORDER BY next_attempt_at",
            (_text(now),),
        )
        return [_record(row) for row in rows]

    def record_removed(self, key: TargetKey) -> None:
        """The copy was taken down (``xpost unpublish``, ``--repost``): a later publish
        creates a new one, so nothing of the old copy is handed to the adapter again."""
        self._write(
            """
            UPDATE syndications SET status = 'removed', remote_id = NULL, url = NULL,
                                    content_hash = NULL, remote_updated_at = NULL, state = '{}',
                                    last_error = NULL, failures = 0, next_attempt_at = NULL,
                                    updated_at = ?
            WHERE post_id = ? AND platform = ? AND account = ?
            """,
            (_text(self.clock()), key.post_id, key.platform, key.account),
        )

    def record_skipped(self, targets: Sequence[tuple[TargetKey, str | None]]) -> None:
        """``xpost run --mark-existing``: take these copies as done without sending them.
        Only where no record exists (a copy sent before is never overwritten); ``xpost
        run`` leaves them alone, an explicit ``xpost publish`` creates them."""
        stamp = _text(self.clock())
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")  # one transaction: thousands of rows
                self._db.executemany(
                    "INSERT OR IGNORE INTO syndications (post_id, platform, account,"
                    " status, source, updated_at) VALUES (?, ?, ?, 'skipped', ?, ?)",
                    [(k.post_id, k.platform, k.account, src, stamp) for k, src in targets],
                )
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise _trouble(self.path, exc, writing=True) from None

    def start_attempt(self, key: TargetKey, action: str) -> int:
        """Log a call about to be made (the target's row must exist); returns its id."""
        with self._mutex:
            try:
                cursor = self._db.execute(
                    "INSERT INTO attempts (post_id, platform, account, action, started_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (key.post_id, key.platform, key.account, action, _text(self.clock())),
                )
            except sqlite3.DatabaseError as exc:
                raise _trouble(self.path, exc, writing=True) from None
            return int(cursor.lastrowid or 0)

    def finish_attempt(self, attempt_id: int, outcome: str, error: str | None = None) -> None:
        self._write(
            "UPDATE attempts SET finished_at = ?, outcome = ?, error = ? WHERE id = ?",
            (_text(self.clock()), outcome, error, attempt_id),
        )

    # ── the whole ledger (xpost ledger export/import) and run's file cache ──────

    def all_records(self) -> list[Record]:
        rows = self._query("SELECT * FROM syndications ORDER BY post_id, platform, account", ())
        return [_record(row) for row in rows]

    def all_attempts(self) -> list[Attempt]:
        return [_attempt(row) for row in self._query("SELECT * FROM attempts ORDER BY id", ())]

    def unsettled(self, statuses: Sequence[str]) -> list[tuple[str, str, int, datetime | None]]:
        """``(post_id, status, failures, next_attempt_at)`` of targets in ``statuses``."""
        marks = ",".join("?" * len(statuses))
        rows = self._query(
            "SELECT post_id, status, failures, next_attempt_at FROM syndications"
            f" WHERE status IN ({marks})",
            tuple(statuses),
        )
        return [(r[0], r[1], r[2], _moment(r[3])) for r in rows]

    def awaiting(self) -> list[tuple[str, str, datetime | None]]:
        """``(post_id, platform, last lookup)`` of the copies awaiting the user."""
        rows = self._query(
            "SELECT s.post_id, s.platform, MAX(a.started_at) FROM syndications s"
            " LEFT JOIN attempts a ON a.post_id = s.post_id AND a.platform = s.platform"
            " AND a.account = s.account AND a.action = 'lookup' WHERE s.status = 'awaiting'"
            " GROUP BY s.post_id, s.platform, s.account",
            (),
        )
        return [(r[0], r[1], _moment(r[2])) for r in rows]

    def last_published(self) -> dict[str, datetime]:
        """Per platform, when a copy was last published there."""
        rows = self._query(
            "SELECT platform, MAX(last_published_at) FROM syndications"
            " WHERE last_published_at IS NOT NULL GROUP BY platform",
            (),
        )
        return {r[0]: datetime.fromisoformat(r[1]) for r in rows}

    def put_record(self, record: Record) -> None:
        """Write ``record`` as it is (an imported one), replacing any row for its key."""
        columns = _record_columns(record)
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        self._write(
            f"INSERT OR REPLACE INTO syndications ({names}) VALUES ({marks})",
            tuple(columns.values()),
        )

    def put_attempt(self, attempt: Attempt) -> bool:
        """Add an imported attempt unless the log has it already; True if added."""
        key = attempt.key
        with self._mutex:
            found = self._query(
                "SELECT 1 FROM attempts WHERE post_id = ? AND platform = ? AND account = ?"
                " AND action = ? AND started_at = ?",
                (key.post_id, key.platform, key.account, attempt.action, _text(attempt.started_at)),
            )
            if found:
                return False
            self._write(
                "INSERT INTO attempts (post_id, platform, account, action, started_at,"
                " finished_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key.post_id,
                    key.platform,
                    key.account,
                    attempt.action,
                    _text(attempt.started_at),
                    _text(attempt.finished_at),
                    attempt.outcome,
                    attempt.error,
                ),
            )
        return True

    def scan_cache_rows(self) -> list[tuple[Any, ...]]:
        rows = self._query(
            "SELECT path, size, mtime_ns, sha256, config_key, fields, post_id, done_sha256"
            " FROM scan_cache",
            (),
        )
        return [tuple(row) for row in rows]

    def save_scan_cache_rows(
        self, rows: Sequence[tuple[Any, ...]], removed: Sequence[str] = ()
    ) -> None:
        """Changed rows and removed paths in one transaction (one sync, not one a row)."""
        with self._mutex:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT OR REPLACE INTO scan_cache (path, size, mtime_ns, sha256,"
                    " config_key, fields, post_id, done_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._db.executemany(
                    "DELETE FROM scan_cache WHERE path = ?", [(p,) for p in removed]
                )
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise LedgerError(f"{self.path}: cannot write to the ledger: {exc}") from None

    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version", ())[0][0])

    def check(self) -> list[str]:
        """Problems with access to the ledger (empty when all is well)."""
        return [] if os.access(self.path, os.R_OK | os.W_OK) else [f"{self.path} is not writable"]

    # ── plumbing ─────────────────────────────────────────────────────────────

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._mutex:
            try:
                return list(self._db.execute(sql, args))
            except sqlite3.DatabaseError as exc:
                raise _trouble(self.path, exc, writing=False) from None

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._mutex:
            try:
                self._db.execute(sql, args)
            except sqlite3.DatabaseError as exc:
                raise _trouble(self.path, exc, writing=True) from None


def ledger_exists(path: Path) -> bool:
    """Whether the ledger file is there; ``LedgerError`` when that cannot be told (a
    folder xpost may not look into) or ``path`` is not a file (a folder, say)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise LedgerError(
            f"{path}: cannot reach the ledger ({exc.strerror}); check the permissions "
            "of its folder, or point [ledger] path or XPOST_DATA_DIR elsewhere"
        ) from None
    if stat.S_ISDIR(mode):
        raise LedgerError(
            f"{path}: is a folder, not a ledger file; set [ledger] path to a file "
            f"such as {path / FILE_NAME}"
        )
    if not stat.S_ISREG(mode):
        raise LedgerError(f"{path}: is not a regular file; point [ledger] path at a file")
    return True


def _permission_denied(path: Path, *, read_only: bool) -> LedgerError:
    access = "readable" if read_only else "readable and writable"
    return LedgerError(
        f"{path}: cannot open the ledger: permission denied; it must be {access} "
        f"by you (chmod 600 {path})"
    )


@contextmanager
def _closed_on_failure(db: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Close ``db`` if opening fails; SQLite's own errors mean the file is not usable."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        db.close()
        raise _trouble(path, exc, writing=True) from None
    except BaseException:
        db.close()
        raise


def _create_private_file(path: Path) -> None:
    """The folder (0700, if xpost makes it) and an empty file (0600) before SQLite opens
    it, so that the ledger is never readable by others, not even for a moment."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:
        raise LedgerError(f"{path}: cannot create the ledger: {exc.strerror}") from None


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    mode = "ro" if read_only else "rw"
    uri = f"file:{quote(str(path.resolve()))}?mode={mode}"
    try:
        db = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        if not os.access(path, os.R_OK if read_only else os.R_OK | os.W_OK):
            raise _permission_denied(path, read_only=read_only) from None
        raise LedgerError(f"{path}: cannot open the ledger: {exc}") from None
    db.row_factory = sqlite3.Row
    return db


def _check_is_ledger(db: sqlite3.Connection, path: Path) -> bool:
    """True for an empty file (a new ledger); raises unless it is an xpost ledger.

    Only reads: a file that turns out not to be ours is left byte for byte as it was.
    """
    # One read transaction: a consistent view of a file another xpost may be creating
    # (marked as a ledger first, then migrated: never tables without the mark).
    db.execute("BEGIN")
    try:
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    finally:
        db.execute("COMMIT")
    if app_id == 0 and version == 0 and tables == 0:
        return True
    if app_id != APPLICATION_ID:
        raise LedgerError(
            f"{path}: not an xpost ledger (a different SQLite database); "
            "left untouched — point [ledger] path or XPOST_DATA_DIR elsewhere"
        )
    if version > len(MIGRATIONS):
        raise LedgerError(
            f"{path}: this ledger was written by a newer xpost (schema {version}, "
            f"this one knows {len(MIGRATIONS)}); upgrade xpost"
        )
    return False


def _use_wal(db: sqlite3.Connection) -> None:
    """``PRAGMA journal_mode = WAL``, waiting for a concurrent xpost that is switching the
    same new file: SQLite answers "database is locked" at once there, busy timeout or not."""
    import time

    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.02)


def _claim(db: sqlite3.Connection, path: Path) -> None:
    """Mark a new, empty file as an xpost ledger — unless another xpost got there first,
    or something else wrote to it since it was found empty (then it is not ours)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        if db.execute("PRAGMA application_id").fetchone()[0] == 0:
            if db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise LedgerError(
                    f"{path}: not an xpost ledger (a different SQLite database); "
                    "left untouched — point [ledger] path or XPOST_DATA_DIR elsewhere"
                )
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations not applied yet, each in its own write transaction.

    The version is read again inside each transaction: two processes opening a new (or
    older) ledger at the same moment both see it behind, and the one that waited for the
    write lock must not apply a migration the other has just committed (that failed with
    "table … already exists", reported as a damaged ledger).
    """
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version >= len(MIGRATIONS):
                db.execute("COMMIT")
                return
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")


#: SQLite's primary result codes for trouble that is not damage to the file.
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def _trouble(path: Path, exc: sqlite3.DatabaseError, *, writing: bool) -> LedgerError:
    """The ledger's trouble named truly: a full disk or a folder xpost may not write to
    is not a damaged file, and the advice for one ("move it away") would make the next
    run publish everything again."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == _SQLITE_FULL:
        return LedgerError(
            f"{path}: cannot write to the ledger: the disk is full; free some space and run "
            "again (the ledger itself is fine: keep it)"
        )
    if code in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
        return LedgerError(
            f"{path}: cannot write to the ledger: it or its folder is not writable ({exc}); "
            "fix the permissions and run again (keep the file: it records what was sent)"
        )
    if code == _SQLITE_IOERR:
        return LedgerError(
            f"{path}: cannot {'write to' if writing else 'read'} the ledger: input/output "
            f"error ({exc}); check the disk and run again (keep the file)"
        )
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return _damaged(path, exc)
    action = "write to" if writing else "read"
    return LedgerError(f"{path}: cannot {action} the ledger: {exc}; keep the file")


def _damaged(path: Path, exc: sqlite3.DatabaseError) -> LedgerError:
    return LedgerError(
        f"{path}: the ledger file is damaged or not a database ({exc}); "
        "left untouched — restore it from a backup or move it away"
    )


def _record_columns(record: Record) -> dict[str, Any]:
    return {
        "post_id": record.key.post_id,
        "platform": record.key.platform,
        "account": record.key.account,
        "status": record.status,
        "remote_id": record.remote_id,
        "url": record.url,
        "content_hash": record.content_hash,
        "remote_updated_at": _text(record.remote_updated_at),
        "state": json.dumps(record.state, ensure_ascii=False),
        "source": record.source,
        "first_published_at": _text(record.first_published_at),
        "last_published_at": _text(record.last_published_at),
        "updated_at": _text(record.updated_at or _utc_now()),
        "last_error": record.last_error,
        "failures": record.failures,
        "next_attempt_at": _text(record.next_attempt_at),
    }


def _attempt(row: sqlite3.Row) -> Attempt:
    return Attempt(
        id=row["id"],
        key=TargetKey(row["post_id"], row["platform"], row["account"]),
        action=row["action"],
        started_at=datetime.fromisoformat(row["started_at"]),
        finished_at=_moment(row["finished_at"]),
        outcome=row["outcome"],
        error=row["error"],
    )


def _record(row: sqlite3.Row) -> Record:
    return Record(
        key=TargetKey(row["post_id"], row["platform"], row["account"]),
        status=row["status"],
        remote_id=row["remote_id"],
        url=row["url"],
        content_hash=row["content_hash"],
        remote_updated_at=_moment(row["remote_updated_at"]),
        state=json.loads(row["state"] or "{}"),
        source=row["source"],
        first_published_at=_moment(row["first_published_at"]),
        last_published_at=_moment(row["last_published_at"]),
        updated_at=_moment(row["updated_at"]),
        last_error=row["last_error"],
        failures=row["failures"],
        next_attempt_at=_moment(row["next_attempt_at"]),
    )
