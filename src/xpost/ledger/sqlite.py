"""The ledger in one SQLite file: where every copy of every post went, and every attempt.

One file (standard library ``sqlite3``), readable by the user only. Per
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
ledger, or is damaged, raises ``LedgerError`` and is never written to. The statements
themselves are shared with the PostgreSQL ledger (``xpost.ledger.sql``).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from xpost.errors import LedgerError
from xpost.ledger.opening import FILE_NAME
from xpost.ledger.records import LedgerBusy
from xpost.ledger.sql import STREAM_BATCH, SqlLedger

#: ``PRAGMA application_id``: marks a SQLite file as an xpost ledger ("xpst").
APPLICATION_ID = 0x78707374
_BUSY_TIMEOUT_MS = 5000
#: A new ledger's page size: 16 KiB, not SQLite's 4 KiB. --mark-existing on 10,000
#: posts writes ~13 MB in one transaction, and its commit and checkpoint write each page
#: twice, with one call per page: at 4 KiB they took 43-59 ms, at 16 KiB 35-40 ms
#: (inserting the rows took ~10% less too). A small ledger grows by a few pages at most.
_PAGE_SIZE = 16384

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


class Ledger(SqlLedger):
    """An open ledger file: the statements of ``SqlLedger`` on one SQLite connection."""

    _db: sqlite3.Connection

    def __init__(
        self,
        path: Path,
        db: sqlite3.Connection,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(clock)
        self.path = path
        self._db = db

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
            if fresh:  # only before the first write: fixed from then on (WAL or not)
                db.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
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

    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version", ())[0][0])

    def check(self) -> list[str]:
        """Problems with access to the ledger (empty when all is well)."""
        return [] if os.access(self.path, os.R_OK | os.W_OK) else [f"{self.path} is not writable"]

    # ── how SQLite runs the shared statements (xpost.ledger.sql) ────────────────

    def _execute(self, sql: str, args: Sequence[Any], *, writing: bool) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise _trouble(self.path, exc, writing=writing) from None

    @contextmanager
    def _batch(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            yield self._db
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise _trouble(self.path, exc, writing=True) from None
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def _stream(self, sql: str, args: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        cursor = self._execute(sql, args, writing=False)
        try:
            while batch := cursor.fetchmany(STREAM_BATCH):
                yield from batch
        except sqlite3.DatabaseError as exc:
            raise _trouble(self.path, exc, writing=False) from None
        finally:
            cursor.close()

    def _insert_attempt(self, sql: str, args: Sequence[Any]) -> int:
        return int(self._execute(sql, args, writing=True).lastrowid or 0)

    @staticmethod
    def _stored(moment: datetime | None) -> str | None:
        """ISO text in UTC to the second: compared as text, it sorts as time."""
        return None if moment is None else moment.astimezone(UTC).isoformat(timespec="seconds")

    @staticmethod
    def _moment(value: Any) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


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
