"""What the SQLite and PostgreSQL ledgers share: every statement on the ledger's tables
and the mapping between rows and records, written once (``SqlLedger``).

The statements use ``?`` placeholders and the tables' bare names. A backend says how its
driver runs them and what differs in its storage, through a few hooks:

- ``_execute``: run one statement (psycopg takes ``%s`` placeholders; PostgreSQL finds
  the tables through the connection's ``search_path``), naming the trouble in its terms;
- ``_batch``: one transaction for many rows (``--mark-existing``, the scan cache);
- ``_stream``: rows as they come, not all at once (a site of 100,000 posts);
- ``_insert_attempt``: the new attempt's id (SQLite's ``lastrowid``, ``RETURNING id``);
- ``_stored``/``_moment``: a moment as the column holds it (ISO text in SQLite,
  ``timestamptz`` in PostgreSQL) and back; ``state`` is JSON text or ``jsonb``.

Connecting, creating and migrating the schema, the run lock and what ``doctor`` checks
stay in each backend.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from xpost.adapters.base import Receipt
from xpost.ledger.records import (
    DEFAULT_ACCOUNT,
    MAX_RETRY_WAIT,
    Attempt,
    Record,
    TargetKey,
    backoff,
    same_source,
    source_pattern,
)

if TYPE_CHECKING:
    from xpost.ledger.store import MarkWriter

#: The columns of ``syndications``, in the order ``_record`` reads them.
RECORD_COLUMNS = (
    "post_id",
    "platform",
    "account",
    "status",
    "remote_id",
    "url",
    "content_hash",
    "remote_updated_at",
    "state",
    "source",
    "first_published_at",
    "last_published_at",
    "updated_at",
    "last_error",
    "failures",
    "next_attempt_at",
)
_RECORD = ", ".join(RECORD_COLUMNS)
_ATTEMPT = "id, post_id, platform, account, action, started_at, finished_at, outcome, error"
#: ``xpost run``'s file cache (``xpost.scan``): one row per post file.
SCAN_COLUMNS = "path, size, mtime_ns, sha256, config_key, fields, post_id, done_sha256"
_KEY = "post_id = ? AND platform = ? AND account = ?"
_PRIMARY_KEY = ("post_id", "platform", "account")
#: Rows fetched at a time when streaming: few enough to stay small, enough to be quick.
STREAM_BATCH = 1000


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Connection(Protocol):
    def close(self) -> None: ...


class Cursor(Protocol):
    """What both drivers' cursors offer and the shared code uses."""

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Batch(Protocol):
    """Many rows in one transaction: ``sqlite3.Connection`` or a psycopg cursor."""

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any: ...


class SqlLedger(ABC):
    """An open ledger. Safe to share between the fan-out threads: one connection, every
    statement behind one lock, each write its own transaction."""

    path: Any  # what messages name: the file, or the database URL without its password
    clock: Callable[[], datetime]
    _db: Connection

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._mutex = threading.RLock()
        self.clock = clock

    def close(self) -> None:
        with self._mutex:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ── what each backend does its own way ───────────────────────────────────

    @abstractmethod
    def _execute(self, sql: str, args: Sequence[Any], *, writing: bool) -> Cursor:
        """Run one statement (the caller holds the mutex); ``writing`` for messages."""

    @abstractmethod
    def _batch(self) -> AbstractContextManager[Batch]:
        """One write transaction for many rows (the caller holds the mutex)."""

    @abstractmethod
    def _stream(self, sql: str, args: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """The rows of a query a batch at a time (the caller holds the mutex)."""

    @abstractmethod
    def _insert_attempt(self, sql: str, args: Sequence[Any]) -> int:
        """Run the attempt's ``INSERT`` and return the new row's id."""

    @staticmethod
    @abstractmethod
    def _stored(moment: datetime | None) -> Any:
        """A moment as its column holds it."""

    @staticmethod
    @abstractmethod
    def _moment(value: Any) -> datetime | None:
        """A moment as read from its column."""

    # ── reading ──────────────────────────────────────────────────────────────

    def get(self, key: TargetKey) -> Record | None:
        rows = self._query(f"SELECT {_RECORD} FROM syndications WHERE {_KEY}", _key(key))
        return self._record(rows[0]) if rows else None

    def is_empty(self) -> bool:
        """Nothing recorded yet: a first run, or a ledger lost, moved or replaced."""
        return not self._query("SELECT 1 FROM syndications LIMIT 1", ())

    def records(self, post_id: str) -> list[Record]:
        """Every copy of one post, by platform name."""
        rows = self._query(
            f"SELECT {_RECORD} FROM syndications WHERE post_id = ? ORDER BY platform, account",
            (post_id,),
        )
        return [self._record(row) for row in rows]

    def records_of_file(self, source: Path, platform: str) -> list[Record]:
        """Copies on ``platform`` recorded from the file ``source``, under any post id."""
        resolved = source.resolve()
        rows = self._query(
            f"SELECT {_RECORD} FROM syndications"
            " WHERE platform = ? AND (source = ? OR source LIKE ? ESCAPE '\\')",
            (platform, resolved.name, source_pattern(resolved)),
        )
        records = (self._record(row) for row in rows)
        return [r for r in records if r.source is not None and same_source(r.source, resolved)]

    def history(self, limit: int = 20, post_id: str | None = None) -> list[Attempt]:
        """The most recent attempts, newest first (optionally of one post only)."""
        where, args = ("WHERE post_id = ?", (post_id,)) if post_id else ("", ())
        rows = self._query(
            f"SELECT {_ATTEMPT} FROM attempts {where} ORDER BY id DESC LIMIT ?", (*args, limit)
        )
        return [self._attempt(row) for row in rows]

    def all_records(self) -> list[Record]:
        """Every copy, by key (``xpost ledger export``)."""
        rows = self._query(
            f"SELECT {_RECORD} FROM syndications ORDER BY post_id, platform, account", ()
        )
        return [self._record(row) for row in rows]

    def all_attempts(self) -> list[Attempt]:
        """Every attempt, oldest first."""
        rows = self._query(f"SELECT {_ATTEMPT} FROM attempts ORDER BY id", ())
        return [self._attempt(row) for row in rows]

    def waiting_retries(self, now: datetime) -> list[Record]:
        """Failed targets whose next retry is still ahead of ``now``."""
        rows = self._query(
            f"SELECT {_RECORD} FROM syndications WHERE status = 'failed'"
            " AND next_attempt_at > ? ORDER BY next_attempt_at",
            (self._stored(now),),
        )
        return [self._record(row) for row in rows]

    def unsettled(self, statuses: Sequence[str]) -> list[tuple[str, str, int, datetime | None]]:
        """``(post_id, status, failures, next_attempt_at)`` of targets in ``statuses``."""
        marks = ", ".join("?" * len(statuses))
        rows = self._query(
            "SELECT post_id, status, failures, next_attempt_at FROM syndications"
            f" WHERE status IN ({marks})",
            tuple(statuses),
        )
        return [(r[0], r[1], r[2], self._moment(r[3])) for r in rows]

    def awaiting(self) -> list[tuple[str, str, datetime | None]]:
        """``(post_id, platform, last lookup)`` of the copies awaiting the user."""
        rows = self._query(
            "SELECT s.post_id, s.platform, MAX(a.started_at) FROM syndications s"
            " LEFT JOIN attempts a ON a.post_id = s.post_id AND a.platform = s.platform"
            " AND a.account = s.account AND a.action = 'lookup' WHERE s.status = 'awaiting'"
            " GROUP BY s.post_id, s.platform, s.account",
            (),
        )
        return [(r[0], r[1], self._moment(r[2])) for r in rows]

    def last_published(self) -> dict[str, datetime]:
        """Per platform, when a copy was last published there."""
        rows = self._query(
            "SELECT platform, MAX(last_published_at) FROM syndications"
            " WHERE last_published_at IS NOT NULL GROUP BY platform",
            (),
        )
        return {r[0]: moment for r in rows if (moment := self._moment(r[1])) is not None}

    # ── writing ──────────────────────────────────────────────────────────────

    def mark_pending(self, key: TargetKey, *, source: str | None, content_hash: str) -> None:
        """Before a request goes out. A target never published (or whose copy was
        removed) keeps ``content_hash`` (what is being sent) so that reconciling knows
        what the lost answer was for; a published one keeps the hash of its last
        successful publish."""
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
            (*_key(key), content_hash, source, self._stored(self.clock())),
        )

    def record_checkpoint(self, key: TargetKey, receipt: Receipt) -> None:
        """Partial progress (a thread's first parts): saved at once, still ``pending``."""
        self._write(
            "UPDATE syndications SET remote_id = ?, url = ?, remote_updated_at = ?, state = ?,"
            f" updated_at = ? WHERE {_KEY}",
            (
                receipt.remote_id,
                receipt.url,
                self._stored(receipt.remote_updated_at),
                _json(receipt.state),
                self._stored(self.clock()),
                *_key(key),
            ),
        )

    def record_published(
        self, key: TargetKey, receipt: Receipt, *, content_hash: str | None, source: str | None
    ) -> None:
        """The copy exists (``published``) or was handed to the user (``awaiting``)."""
        now = self._stored(self.clock())
        published = now if receipt.status == "published" else None
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
                *_key(key),
                receipt.status,
                receipt.remote_id,
                receipt.url,
                content_hash,
                self._stored(receipt.remote_updated_at),
                _json(receipt.state),
                source,
                published,
                published,
                now,
            ),
        )

    def record_failed(
        self, key: TargetKey, error: str, *, unknown: bool = False, retry_after: float | None = None
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
            # No platform asks for longer; a bad value would silence the target for as
            # long as it says.
            wait = min(wait, MAX_RETRY_WAIT)
            self._write(
                "UPDATE syndications SET status = ?, last_error = ?, failures = ?,"
                f" next_attempt_at = ?, updated_at = ? WHERE {_KEY}",
                (
                    "unknown" if unknown else "failed",
                    error,
                    failures,
                    self._stored(now + wait),
                    self._stored(now),
                    *_key(key),
                ),
            )

    def clamp_retries(self, now: datetime) -> int:
        """Bring every stored retry time back within the documented backoff from ``now``
        (at most a day): one stored by a run whose clock was far ahead would otherwise
        keep its target silent until that date. Returns how many were clamped."""
        with self._mutex:
            rows = self._query(
                "SELECT post_id, platform, account, failures FROM syndications"
                " WHERE next_attempt_at > ?",
                (self._stored(now + MAX_RETRY_WAIT),),
            )
            for post_id, platform, account, failures in rows:
                self._write(
                    f"UPDATE syndications SET next_attempt_at = ? WHERE {_KEY}",
                    (self._stored(now + backoff(failures)), post_id, platform, account),
                )
        return len(rows)

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
            (self._stored(self.clock()), *_key(key)),
        )

    def record_skipped(self, targets: Sequence[tuple[TargetKey, str | None]]) -> None:
        """``xpost run --mark-existing``: take these copies as done without sending them.
        Only where no record exists (a copy sent before is never overwritten); ``xpost
        run`` leaves them alone, an explicit ``xpost publish`` creates them."""
        stamp = self._stored(self.clock())
        with self._mutex, self._batch() as batch:  # one transaction: thousands of rows
            batch.executemany(
                "INSERT INTO syndications (post_id, platform, account, status, source,"
                " updated_at) VALUES (?, ?, ?, 'skipped', ?, ?) ON CONFLICT DO NOTHING",
                [(*_key(key), source, stamp) for key, source in targets],
            )

    @contextmanager
    def marking(self) -> Iterator[MarkWriter]:
        """``xpost run --mark-existing``'s one transaction, with a writer for its batches:
        their targets taken as done as ``record_skipped`` takes them, and the scan-cache
        rows of their posts, marked done. Committed when the block ends, all of it, or
        nothing when it raises: the records and the cache's "done" go together. Batches
        are written as they come (while the scan still reads the rest), none of them
        kept: a big site's rows are never all in memory.

        Two post files may give one id: whatever order their batches come in, the first
        file in path order is the copy's source (a conflict only ever changes a row this
        very transaction wrote)."""
        stamp = self._stored(self.clock())
        with self._mutex, self._batch() as batch:

            def write(
                targets: Iterable[tuple[str, str, str]],
                rows: Iterable[tuple[Any, ...]],
                restamped: Iterable[tuple[Any, ...]] = (),
                removed: Iterable[str] = (),
            ) -> None:
                batch.executemany(
                    "INSERT INTO syndications (post_id, platform, account, status, source,"
                    " updated_at) VALUES (?, ?, ?, 'skipped', ?, ?)"
                    " ON CONFLICT (post_id, platform, account) DO UPDATE"
                    " SET source = excluded.source WHERE excluded.source < syndications.source"
                    " AND syndications.status = 'skipped'"
                    " AND syndications.updated_at = excluded.updated_at",
                    [
                        (post_id, platform, DEFAULT_ACCOUNT, source, stamp)
                        for post_id, platform, source in targets
                    ],
                )
                _write_scan_cache(batch, rows, removed, restamped)

            yield write

    def start_attempt(self, key: TargetKey, action: str) -> int:
        """Log a call about to be made (the target's row must exist); returns its id."""
        with self._mutex:
            return self._insert_attempt(
                "INSERT INTO attempts (post_id, platform, account, action, started_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (*_key(key), action, self._stored(self.clock())),
            )

    def finish_attempt(self, attempt_id: int, outcome: str, error: str | None = None) -> None:
        self._write(
            "UPDATE attempts SET finished_at = ?, outcome = ?, error = ? WHERE id = ?",
            (self._stored(self.clock()), outcome, error, attempt_id),
        )

    # ── import (xpost ledger import) ─────────────────────────────────────────

    def put_record(self, record: Record) -> None:
        """Write ``record`` as it is (an imported one) over any row for its key. An
        update, not a delete and insert: the copy's attempts stay in the log."""
        values = self._record_values(record)
        updates = ", ".join(
            f"{name} = excluded.{name}" for name in RECORD_COLUMNS if name not in _PRIMARY_KEY
        )
        self._write(
            f"INSERT INTO syndications ({_RECORD}) VALUES ({', '.join('?' * len(values))})"
            f" ON CONFLICT (post_id, platform, account) DO UPDATE SET {updates}",
            values,
        )

    def put_attempt(self, attempt: Attempt) -> bool:
        """Add an imported attempt unless the log has it already; True if added."""
        started = self._stored(attempt.started_at)
        with self._mutex:
            if self._query(
                f"SELECT 1 FROM attempts WHERE {_KEY} AND action = ? AND started_at = ?",
                (*_key(attempt.key), attempt.action, started),
            ):
                return False
            self._write(
                "INSERT INTO attempts (post_id, platform, account, action, started_at,"
                " finished_at, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    *_key(attempt.key),
                    attempt.action,
                    started,
                    self._stored(attempt.finished_at),
                    attempt.outcome,
                    attempt.error,
                ),
            )
        return True

    # ── xpost run's file cache ───────────────────────────────────────────────

    def scan_cache_rows(self) -> Iterator[tuple[Any, ...]]:
        """Every cached file's row, as the rows come: a site of 100,000 posts is never
        held twice (once as rows, once as the caller's cache)."""
        with self._mutex:
            yield from self._stream(f"SELECT {SCAN_COLUMNS} FROM scan_cache", ())

    def scan_cache_lean_rows(self) -> Iterator[tuple[Any, ...]]:
        """``scan_cache_rows`` without what a finished row does not need: where
        ``done_sha256`` equals ``sha256`` its ``fields`` and ``done_sha256`` come as
        NULL (``fields`` is never NULL otherwise). An idle run over 100,000 finished
        posts reads no facts: ``scan_cache_fields`` brings one row's when asked."""
        with self._mutex:
            yield from self._stream(
                "SELECT path, size, mtime_ns, sha256, config_key,"
                " CASE WHEN done_sha256 = sha256 THEN NULL ELSE fields END, post_id,"
                " CASE WHEN done_sha256 = sha256 THEN NULL ELSE done_sha256 END"
                " FROM scan_cache",
                (),
            )

    def scan_cache_fields(self, path: str) -> str | None:
        """One cached row's ``fields`` (None: no such row)."""
        rows = self._query("SELECT fields FROM scan_cache WHERE path = ?", (path,))
        return str(rows[0][0]) if rows else None

    def save_scan_cache_rows(
        self,
        rows: Iterable[tuple[Any, ...]],
        removed: Iterable[str] = (),
        restamped: Iterable[tuple[Any, ...]] = (),
    ) -> None:
        """Changed rows and removed paths in one transaction (one sync, not one a row).
        ``rows`` may be a generator: a first run's 100,000 rows are never all built.
        ``restamped`` are rows whose stored ``fields`` stay as they are: (size, mtime_ns,
        post_id, done_sha256, path, sha256, config_key), written only where the stored
        row still has that hash and config key (the facts were read under them)."""
        with self._mutex, self._batch() as batch:
            _write_scan_cache(batch, rows, removed, restamped)

    # ── rows and records ─────────────────────────────────────────────────────

    def _query(self, sql: str, args: Sequence[Any]) -> list[Any]:
        with self._mutex:
            return self._execute(sql, args, writing=False).fetchall()

    def _write(self, sql: str, args: Sequence[Any]) -> None:
        with self._mutex:
            self._execute(sql, args, writing=True)

    def _record(self, row: Sequence[Any]) -> Record:
        """A ``syndications`` row, its columns in ``RECORD_COLUMNS`` order."""
        moment = self._moment
        state = row[8]
        return Record(
            key=TargetKey(row[0], row[1], row[2]),
            status=row[3],
            remote_id=row[4],
            url=row[5],
            content_hash=row[6],
            remote_updated_at=moment(row[7]),
            state=state if isinstance(state, dict) else json.loads(state or "{}"),
            source=row[9],
            first_published_at=moment(row[10]),
            last_published_at=moment(row[11]),
            updated_at=moment(row[12]),
            last_error=row[13],
            failures=row[14],
            next_attempt_at=moment(row[15]),
        )

    def _record_values(self, record: Record) -> tuple[Any, ...]:
        """``record`` as a ``syndications`` row, in ``RECORD_COLUMNS`` order."""
        stored = self._stored
        return (
            *_key(record.key),
            record.status,
            record.remote_id,
            record.url,
            record.content_hash,
            stored(record.remote_updated_at),
            _json(record.state),
            record.source,
            stored(record.first_published_at),
            stored(record.last_published_at),
            stored(record.updated_at or _utc_now()),
            record.last_error,
            record.failures,
            stored(record.next_attempt_at),
        )

    def _attempt(self, row: Sequence[Any]) -> Attempt:
        started = self._moment(row[5])
        assert started is not None  # NOT NULL
        return Attempt(
            id=int(row[0]),
            key=TargetKey(row[1], row[2], row[3]),
            action=row[4],
            started_at=started,
            finished_at=self._moment(row[6]),
            outcome=row[7],
            error=row[8],
        )


def _key(key: TargetKey) -> tuple[str, str, str]:
    return (key.post_id, key.platform, key.account)


def _json(state: dict[str, Any]) -> str:
    return json.dumps(state, ensure_ascii=False)


def _write_scan_cache(
    batch: Batch,
    rows: Iterable[tuple[Any, ...]],
    removed: Iterable[str],
    restamped: Iterable[tuple[Any, ...]],
) -> None:
    """The statements of ``SqlLedger.save_scan_cache_rows``, in the caller's transaction."""
    batch.executemany(
        f"INSERT INTO scan_cache ({SCAN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
        " mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,"
        " config_key = excluded.config_key, fields = excluded.fields,"
        " post_id = excluded.post_id, done_sha256 = excluded.done_sha256",
        rows,
    )
    batch.executemany(
        "UPDATE scan_cache SET size = ?, mtime_ns = ?, post_id = ?, done_sha256 = ?"
        " WHERE path = ? AND sha256 = ? AND config_key = ?",
        restamped,
    )
    batch.executemany("DELETE FROM scan_cache WHERE path = ?", ((p,) for p in removed))
