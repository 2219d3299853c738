"""The ledger on PostgreSQL, for teams and CI runners that share one record.

The same data as the SQLite ledger (``xpost.ledger.sqlite``): per (post, platform, account)
a row in ``syndications``, a log of ``attempts``, ``xpost run``'s file cache, with the
same statuses and the same writes. Everything lives in the schema ``xpost`` so that a
database shared with other applications is never touched outside it; ``xpost.meta``
marks it as an xpost ledger and holds the schema version.

Several machines, exactly once: a run holds a session-level advisory lock
(``pg_try_advisory_lock``) for its site while it publishes, as the SQLite ledger holds a
file lock. A second runner does not wait: it says another run is going, as a second
cron tick does today. The lock is the database's own, so a runner that dies (SIGKILL,
lost network) releases it with its session: no stale lock file, and the ``pending``
row it left is looked up by the next runner before anything is created again. Row
locks were the alternative; they would hold a transaction open across each network
call to a platform, which the database would pay for in bloat and timeouts.

psycopg (3) is imported here only, and this module only when ``[ledger] url`` or
``XPOST_LEDGER_URL`` names a database: a dry-run or a SQLite user never loads it.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row

from xpost.adapters.base import Receipt
from xpost.errors import LedgerError
from xpost.ledger.opening import redacted
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

SCHEMA = "xpost"
#: Applied in order, each in its own transaction; append, never edit or reorder.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE xpost.syndications (
        post_id TEXT NOT NULL,
        platform TEXT NOT NULL,
        account TEXT NOT NULL DEFAULT 'default',
        status TEXT NOT NULL,
        remote_id TEXT,
        url TEXT,
        content_hash TEXT,
        remote_updated_at TIMESTAMPTZ,
        state JSONB NOT NULL DEFAULT '{}',
        source TEXT,
        first_published_at TIMESTAMPTZ,
        last_published_at TIMESTAMPTZ,
        updated_at TIMESTAMPTZ NOT NULL,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TIMESTAMPTZ,
        PRIMARY KEY (post_id, platform, account)
    )
    """,
    """
    CREATE TABLE xpost.attempts (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        post_id TEXT NOT NULL,
        platform TEXT NOT NULL,
        account TEXT NOT NULL DEFAULT 'default',
        action TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        finished_at TIMESTAMPTZ,
        outcome TEXT,
        error TEXT,
        FOREIGN KEY (post_id, platform, account)
            REFERENCES xpost.syndications (post_id, platform, account) ON DELETE CASCADE
    );
    CREATE INDEX attempts_by_time ON xpost.attempts (started_at);
    CREATE INDEX attempts_by_target ON xpost.attempts (post_id, platform, account)
    """,
    """
    CREATE TABLE xpost.scan_cache (
        path TEXT PRIMARY KEY,
        size BIGINT NOT NULL,
        mtime_ns BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        config_key TEXT NOT NULL,
        fields TEXT NOT NULL,
        post_id TEXT,
        done_sha256 TEXT
    )
    """,
]
#: Serialises schema changes between runners that start at the same moment.
_MIGRATION_LOCK = 0x78707374_00000001
_CONNECT_TIMEOUT = 10


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PostgresLedger:
    """An open connection to a ledger database. Safe to share between the fan-out
    threads: one connection in autocommit mode, every statement behind one lock."""

    def __init__(
        self,
        url: str,
        db: psycopg.Connection[dict[str, Any]],
        *,
        scope: str = "",
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.url = url
        self.path = redacted(url)  # what messages name, as the SQLite ledger names its file
        self._db = db
        self._mutex = threading.RLock()
        self._scope = scope
        self.clock = clock

    # ── opening ──────────────────────────────────────────────────────────────

    @classmethod
    def open(
        cls, url: str, *, scope: str = "", clock: Callable[[], datetime] = _utc_now
    ) -> PostgresLedger:
        """Connect, and create or migrate the ``xpost`` schema as needed."""
        db = _connect(url)
        try:
            _migrate(db, url)
        except BaseException:
            db.close()
            raise
        return cls(url, db, scope=scope, clock=clock)

    @classmethod
    def open_existing(
        cls, url: str, *, scope: str = "", clock: Callable[[], datetime] = _utc_now
    ) -> PostgresLedger | None:
        """Connect for reading; None when the database holds no ledger yet. Changes nothing."""
        db = _connect(url)
        try:
            version = _version(db, url)
        except BaseException:
            db.close()
            raise
        if version is None:
            db.close()
            return None
        if version > len(MIGRATIONS):
            db.close()
            raise _too_new(url, version)
        return cls(url, db, scope=scope, clock=clock)

    def close(self) -> None:
        with self._mutex:
            self._db.close()

    def __enter__(self) -> PostgresLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the site's run lock, or fail at once with ``LedgerBusy``."""
        key = _lock_key(self._scope)
        with self._mutex:
            held = self._db.execute("SELECT pg_try_advisory_lock(%s) AS held", (key,)).fetchone()
        if not held or not held["held"]:
            raise LedgerBusy(
                f"{self.path}: another xpost process is publishing with this ledger "
                "right now; nothing was done — try again when it has finished"
            )
        try:
            yield
        finally:
            with self._mutex:
                if not self._db.closed:
                    self._db.execute("SELECT pg_advisory_unlock(%s)", (key,))

    # ── reading ──────────────────────────────────────────────────────────────

    def get(self, key: TargetKey) -> Record | None:
        rows = self._query(
            "SELECT * FROM xpost.syndications"
            " WHERE post_id = %s AND platform = %s AND account = %s",
            (key.post_id, key.platform, key.account),
        )
        return _record(rows[0]) if rows else None

    def records(self, post_id: str) -> list[Record]:
        rows = self._query(
            "SELECT * FROM xpost.syndications WHERE post_id = %s ORDER BY platform, account",
            (post_id,),
        )
        return [_record(row) for row in rows]

    def records_of_file(self, source: Path, platform: str) -> list[Record]:
        """Copies on ``platform`` recorded from the file ``source``, under any post id."""
        resolved = source.resolve()
        rows = self._query(
            "SELECT * FROM xpost.syndications"
            " WHERE platform = %s AND (source = %s OR source LIKE %s ESCAPE '\\')",
            (platform, resolved.name, source_pattern(resolved)),
        )
        return [_record(row) for row in rows if same_source(row["source"], resolved)]

    def all_records(self) -> list[Record]:
        rows = self._query("SELECT * FROM xpost.syndications ORDER BY post_id, platform", ())
        return [_record(row) for row in rows]

    def history(self, limit: int = 20, post_id: str | None = None) -> list[Attempt]:
        where, args = ("WHERE post_id = %s", (post_id,)) if post_id else ("", ())
        rows = self._query(
            f"SELECT * FROM xpost.attempts {where} ORDER BY id DESC LIMIT %s", (*args, limit)
        )
        return [_attempt(row) for row in rows]

    def all_attempts(self) -> list[Attempt]:
        rows = self._query("SELECT * FROM xpost.attempts ORDER BY id", ())
        return [_attempt(row) for row in rows]

    def is_empty(self) -> bool:
        return not self._query("SELECT 1 FROM xpost.syndications LIMIT 1", ())

    def unsettled(self, statuses: Sequence[str]) -> list[tuple[str, str, int, datetime | None]]:
        rows = self._query(
            "SELECT post_id, status, failures, next_attempt_at FROM xpost.syndications"
            " WHERE status = ANY(%s)",
            (list(statuses),),
        )
        return [(r["post_id"], r["status"], r["failures"], r["next_attempt_at"]) for r in rows]

    def awaiting(self) -> list[tuple[str, str, datetime | None]]:
        rows = self._query(
            "SELECT s.post_id, s.platform, MAX(a.started_at) AS last FROM xpost.syndications s"
            " LEFT JOIN xpost.attempts a ON a.post_id = s.post_id AND a.platform = s.platform"
            " AND a.account = s.account AND a.action = 'lookup' WHERE s.status = 'awaiting'"
            " GROUP BY s.post_id, s.platform, s.account",
            (),
        )
        return [(r["post_id"], r["platform"], r["last"]) for r in rows]

    def last_published(self) -> dict[str, datetime]:
        rows = self._query(
            "SELECT platform, MAX(last_published_at) AS last FROM xpost.syndications"
            " WHERE last_published_at IS NOT NULL GROUP BY platform",
            (),
        )
        return {r["platform"]: r["last"] for r in rows}

    # ── writing ──────────────────────────────────────────────────────────────

    def mark_pending(self, key: TargetKey, *, source: str | None, content_hash: str) -> None:
        self._write(
            """
            INSERT INTO xpost.syndications (post_id, platform, account, status, content_hash,
                                            source, updated_at)
            VALUES (%s, %s, %s, 'pending', %s, %s, %s)
            ON CONFLICT (post_id, platform, account) DO UPDATE SET
                status = 'pending',
                content_hash = CASE WHEN syndications.first_published_at IS NULL
                                         OR syndications.status = 'removed'
                                    THEN excluded.content_hash
                                    ELSE syndications.content_hash END,
                source = excluded.source,
                updated_at = excluded.updated_at
            """,
            (key.post_id, key.platform, key.account, content_hash, source, self.clock()),
        )

    def record_checkpoint(self, key: TargetKey, receipt: Receipt) -> None:
        self._write(
            """
            UPDATE xpost.syndications SET remote_id = %s, url = %s, remote_updated_at = %s,
                                          state = %s, updated_at = %s
            WHERE post_id = %s AND platform = %s AND account = %s
            """,
            (
                receipt.remote_id,
                receipt.url,
                receipt.remote_updated_at,
                json.dumps(receipt.state, ensure_ascii=False),
                self.clock(),
                *_key(key),
            ),
        )

    def record_published(
        self, key: TargetKey, receipt: Receipt, *, content_hash: str | None, source: str | None
    ) -> None:
        now = self.clock()
        published = now if receipt.status == "published" else None
        self._write(
            """
            INSERT INTO xpost.syndications (post_id, platform, account, status, remote_id, url,
                content_hash, remote_updated_at, state, source, first_published_at,
                last_published_at, updated_at, last_error, failures, next_attempt_at)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, 0, NULL)
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
                receipt.remote_updated_at,
                json.dumps(receipt.state, ensure_ascii=False),
                source,
                published,
                published,
                now,
            ),
        )

    def record_failed(
        self, key: TargetKey, error: str, *, unknown: bool = False, retry_after: float | None = None
    ) -> None:
        now = self.clock()
        with self._mutex:
            row = self.get(key)
            failures = (row.failures if row else 0) + 1
            wait = timedelta(seconds=retry_after) if retry_after else backoff(failures)
            wait = min(wait, MAX_RETRY_WAIT)  # as the SQLite ledger: never beyond the cap
            self._write(
                """
                UPDATE xpost.syndications SET status = %s, last_error = %s, failures = %s,
                                              next_attempt_at = %s, updated_at = %s
                WHERE post_id = %s AND platform = %s AND account = %s
                """,
                ("unknown" if unknown else "failed", error, failures, now + wait, now, *_key(key)),
            )

    def clamp_retries(self, now: datetime) -> int:
        """As ``Ledger.clamp_retries``: retry times beyond the cap brought back."""
        with self._mutex:
            rows = self._query(
                "SELECT * FROM xpost.syndications WHERE next_attempt_at > %s",
                (now + MAX_RETRY_WAIT,),
            )
            for row in rows:
                record = _record(row)
                self._write(
                    "UPDATE xpost.syndications SET next_attempt_at = %s"
                    " WHERE post_id = %s AND platform = %s AND account = %s",
                    (now + backoff(record.failures), *_key(record.key)),
                )
        return len(rows)

    def waiting_retries(self, now: datetime) -> list[Record]:
        """Failed targets whose next retry is still ahead of ``now``."""
        rows = self._query(
            "SELECT * FROM xpost.syndications WHERE status = 'failed'"
            " AND next_attempt_at > %s ORDER BY next_attempt_at",
            (now,),
        )
        return [_record(row) for row in rows]

    def record_removed(self, key: TargetKey) -> None:
        self._write(
            """
            UPDATE xpost.syndications SET status = 'removed', remote_id = NULL, url = NULL,
                content_hash = NULL, remote_updated_at = NULL, state = '{}', last_error = NULL,
                failures = 0, next_attempt_at = NULL, updated_at = %s
            WHERE post_id = %s AND platform = %s AND account = %s
            """,
            (self.clock(), *_key(key)),
        )

    def record_skipped(self, targets: Sequence[tuple[TargetKey, str | None]]) -> None:
        stamp = self.clock()
        rows = [(*_key(k), src, stamp) for k, src in targets]
        with self._mutex, self._transaction() as cursor:
            cursor.executemany(
                "INSERT INTO xpost.syndications (post_id, platform, account, status, source,"
                " updated_at) VALUES (%s, %s, %s, 'skipped', %s, %s) ON CONFLICT DO NOTHING",
                rows,
            )

    def start_attempt(self, key: TargetKey, action: str) -> int:
        with self._mutex:
            row = self._execute(
                "INSERT INTO xpost.attempts (post_id, platform, account, action, started_at)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (*_key(key), action, self.clock()),
            ).fetchone()
        return int(row["id"]) if row else 0

    def finish_attempt(self, attempt_id: int, outcome: str, error: str | None = None) -> None:
        self._write(
            "UPDATE xpost.attempts SET finished_at = %s, outcome = %s, error = %s WHERE id = %s",
            (self.clock(), outcome, error, attempt_id),
        )

    # ── import (xpost ledger import) ──────────────────────────────────────────

    def put_record(self, record: Record) -> None:
        """Write ``record`` as it is (an imported one), replacing any row for its key."""
        columns = _record_columns(record)
        names = ", ".join(columns)
        marks = ", ".join(["%s"] * len(columns))
        updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name not in _PK)
        self._write(
            f"INSERT INTO xpost.syndications ({names}) VALUES ({marks})"
            f" ON CONFLICT (post_id, platform, account) DO UPDATE SET {updates}",
            tuple(columns.values()),
        )

    def put_attempt(self, attempt: Attempt) -> bool:
        """Add an imported attempt unless the log has it already; True if added."""
        with self._mutex:
            found = self._execute(
                "SELECT 1 FROM xpost.attempts WHERE post_id = %s AND platform = %s"
                " AND account = %s AND action = %s AND started_at = %s",
                (*_key(attempt.key), attempt.action, attempt.started_at),
            ).fetchone()
            if found:
                return False
            self._execute(
                "INSERT INTO xpost.attempts (post_id, platform, account, action, started_at,"
                " finished_at, outcome, error) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    *_key(attempt.key),
                    attempt.action,
                    attempt.started_at,
                    attempt.finished_at,
                    attempt.outcome,
                    attempt.error,
                ),
            )
        return True

    # ── xpost run's file cache ───────────────────────────────────────────────

    def scan_cache_rows(self) -> list[tuple[Any, ...]]:
        rows = self._query(
            "SELECT path, size, mtime_ns, sha256, config_key, fields, post_id, done_sha256"
            " FROM xpost.scan_cache",
            (),
        )
        return [tuple(row.values()) for row in rows]

    def save_scan_cache_rows(
        self, rows: Sequence[tuple[Any, ...]], removed: Sequence[str] = ()
    ) -> None:
        with self._mutex, self._transaction() as cursor:
            cursor.executemany(
                "INSERT INTO xpost.scan_cache (path, size, mtime_ns, sha256, config_key,"
                " fields, post_id, done_sha256) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (path) DO UPDATE SET size = excluded.size,"
                " mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,"
                " config_key = excluded.config_key, fields = excluded.fields,"
                " post_id = excluded.post_id, done_sha256 = excluded.done_sha256",
                list(rows),
            )
            cursor.executemany(
                "DELETE FROM xpost.scan_cache WHERE path = %s", [(p,) for p in removed]
            )

    # ── what xpost doctor checks ─────────────────────────────────────────────

    def check(self) -> list[str]:
        """Problems with the connection's rights (empty when it may do all it needs)."""
        problems = []
        for table in ("syndications", "attempts", "scan_cache"):
            for right in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                row = self._query(
                    "SELECT has_table_privilege(%s, %s) AS ok", (f"xpost.{table}", right)
                )
                if not row[0]["ok"]:
                    problems.append(f"no {right} on xpost.{table}")
        return problems

    def schema_version(self) -> int:
        return _version(self._db, self.url) or 0

    # ── plumbing ─────────────────────────────────────────────────────────────

    def _execute(self, sql: str, args: tuple[Any, ...]) -> psycopg.Cursor[dict[str, Any]]:
        try:
            return self._db.execute(sql, args)
        except psycopg.OperationalError as exc:
            raise LedgerError(f"{self.path}: lost the ledger database: {_reason(exc)}") from None
        except psycopg.Error as exc:
            raise LedgerError(f"{self.path}: the ledger database refused: {_reason(exc)}") from None

    def _query(self, sql: str, args: tuple[Any, ...]) -> list[dict[str, Any]]:
        with self._mutex:
            return self._execute(sql, args).fetchall()

    def _write(self, sql: str, args: tuple[Any, ...]) -> None:
        with self._mutex:
            self._execute(sql, args)

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[dict[str, Any]]]:
        try:
            with self._db.transaction(), self._db.cursor() as cursor:
                yield cursor
        except psycopg.Error as exc:
            raise LedgerError(f"{self.path}: cannot write to the ledger: {_reason(exc)}") from None


_PK = ("post_id", "platform", "account")


def _key(key: TargetKey) -> tuple[str, str, str]:
    return (key.post_id, key.platform, key.account)


def _lock_key(scope: str) -> int:
    """A signed 64-bit advisory-lock key for the site ``scope``."""
    digest = hashlib.sha256(f"xpost run lock {scope}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _connect(url: str) -> psycopg.Connection[dict[str, Any]]:
    try:
        return psycopg.connect(
            url, autocommit=True, row_factory=dict_row, connect_timeout=_CONNECT_TIMEOUT
        )
    except psycopg.Error as exc:
        raise LedgerError(
            f"{redacted(url)}: cannot connect to the ledger database: {_reason(exc)}"
        ) from None


def _version(db: psycopg.Connection[dict[str, Any]], url: str) -> int | None:
    """The schema version, or None when the database holds no ledger. Refuses a schema
    ``xpost`` that some other application made."""
    try:
        found = db.execute(
            "SELECT to_regclass('xpost.meta') AS meta,"
            " EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'xpost') AS schema"
        ).fetchone()
        if not found or not found["schema"]:
            return None
        if found["meta"] is None:
            raise LedgerError(
                f"{redacted(url)}: the database has a schema 'xpost' that is not an xpost "
                "ledger; left untouched — use another database"
            )
        row = db.execute("SELECT version FROM xpost.meta WHERE application = 'xpost'").fetchone()
    except psycopg.Error as exc:
        raise LedgerError(f"{redacted(url)}: cannot read the ledger: {_reason(exc)}") from None
    if row is None:
        raise LedgerError(f"{redacted(url)}: xpost.meta names no xpost ledger; left untouched")
    return int(row["version"])


def _migrate(db: psycopg.Connection[dict[str, Any]], url: str) -> None:
    """Create the schema and apply what is missing, serialised between runners."""
    try:
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            version = _version(db, url)
            if version is None:
                db.execute("CREATE SCHEMA xpost")
                db.execute(
                    "CREATE TABLE xpost.meta (application TEXT PRIMARY KEY, version INTEGER)"
                )
                db.execute("INSERT INTO xpost.meta VALUES ('xpost', 0)")
                version = 0
            if version > len(MIGRATIONS):
                raise _too_new(url, version)
            for step in MIGRATIONS[version:]:
                db.execute(step)
            db.execute("UPDATE xpost.meta SET version = %s", (len(MIGRATIONS),))
    except psycopg.errors.InsufficientPrivilege as exc:
        raise LedgerError(
            f"{redacted(url)}: not allowed to create the ledger's tables ({_reason(exc)}); "
            "grant CREATE on the database to this user"
        ) from None
    except psycopg.Error as exc:
        raise LedgerError(f"{redacted(url)}: cannot set up the ledger: {_reason(exc)}") from None


def _too_new(url: str, version: int) -> LedgerError:
    return LedgerError(
        f"{redacted(url)}: this ledger was written by a newer xpost (schema {version}, this "
        f"one knows {len(MIGRATIONS)}); upgrade xpost"
    )


def _reason(exc: psycopg.Error) -> str:
    text = " ".join(str(exc).split())
    return text[:300] or type(exc).__name__


def _record(row: dict[str, Any]) -> Record:
    state = row["state"]
    return Record(
        key=TargetKey(row["post_id"], row["platform"], row["account"]),
        status=row["status"],
        remote_id=row["remote_id"],
        url=row["url"],
        content_hash=row["content_hash"],
        remote_updated_at=row["remote_updated_at"],
        state=state if isinstance(state, dict) else json.loads(state or "{}"),
        source=row["source"],
        first_published_at=row["first_published_at"],
        last_published_at=row["last_published_at"],
        updated_at=row["updated_at"],
        last_error=row["last_error"],
        failures=row["failures"],
        next_attempt_at=row["next_attempt_at"],
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
        "remote_updated_at": record.remote_updated_at,
        "state": json.dumps(record.state, ensure_ascii=False),
        "source": record.source,
        "first_published_at": record.first_published_at,
        "last_published_at": record.last_published_at,
        "updated_at": record.updated_at or _utc_now(),
        "last_error": record.last_error,
        "failures": record.failures,
        "next_attempt_at": record.next_attempt_at,
    }


def _attempt(row: dict[str, Any]) -> Attempt:
    return Attempt(
        id=int(row["id"]),
        key=TargetKey(row["post_id"], row["platform"], row["account"]),
        action=row["action"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        outcome=row["outcome"],
        error=row["error"],
    )
