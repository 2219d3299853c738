"""The ledger on PostgreSQL, for teams and CI runners that share one record.

The same data as the SQLite ledger (``xpost.ledger.sqlite``): per (post, platform,
account) a row in ``syndications``, a log of ``attempts``, ``xpost run``'s file cache,
with the same statuses and the same statements (``xpost.ledger.sql``). Everything lives
in the schema ``xpost`` so that a database shared with other applications is never
touched outside it (the connection's ``search_path`` is that schema alone);
``xpost.meta`` marks it as an xpost ledger and holds the schema version.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

import psycopg

from xpost.errors import LedgerError
from xpost.ledger.opening import redacted
from xpost.ledger.records import LedgerBusy
from xpost.ledger.sql import STREAM_BATCH, SqlLedger

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


class PostgresLedger(SqlLedger):
    """An open connection to a ledger database: the statements of ``SqlLedger`` on one
    connection in autocommit mode."""

    _db: psycopg.Connection[tuple[Any, ...]]

    def __init__(
        self,
        url: str,
        db: psycopg.Connection[tuple[Any, ...]],
        *,
        scope: str = "",
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(clock)
        self.url = url
        self.path = redacted(url)  # what messages name, as the SQLite ledger names its file
        self._db = db
        self._scope = scope

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

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the site's run lock, or fail at once with ``LedgerBusy``."""
        key = _lock_key(self._scope)
        with self._mutex:
            held = self._db.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
        if not held or not held[0]:
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

    # ── what xpost doctor checks ─────────────────────────────────────────────

    def check(self) -> list[str]:
        """Problems with the connection's rights (empty when it may do all it needs)."""
        problems = []
        for table in ("syndications", "attempts", "scan_cache"):
            for right in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                row = self._query("SELECT has_table_privilege(?, ?)", (f"xpost.{table}", right))
                if not row[0][0]:
                    problems.append(f"no {right} on xpost.{table}")
        return problems

    def schema_version(self) -> int:
        return _version(self._db, self.url) or 0

    # ── how psycopg runs the shared statements (xpost.ledger.sql) ───────────────

    def _execute(
        self, sql: str, args: Sequence[Any], *, writing: bool = False
    ) -> psycopg.Cursor[tuple[Any, ...]]:
        try:
            return self._db.execute(_placeholders(sql), args)
        except psycopg.OperationalError as exc:
            raise LedgerError(f"{self.path}: lost the ledger database: {_reason(exc)}") from None
        except psycopg.Error as exc:
            raise LedgerError(f"{self.path}: the ledger database refused: {_reason(exc)}") from None

    @contextmanager
    def _batch(self) -> Iterator[_Batch]:
        try:
            with self._db.transaction(), self._db.cursor() as cursor:
                yield _Batch(cursor)
        except psycopg.Error as exc:
            raise LedgerError(f"{self.path}: cannot write to the ledger: {_reason(exc)}") from None

    def _stream(self, sql: str, args: Sequence[Any]) -> Iterator[tuple[Any, ...]]:
        """Through a server-side cursor: a plain one would bring every row at once."""
        try:
            with self._db.transaction(), self._db.cursor(name="xpost_stream") as cursor:
                cursor.execute(_placeholders(sql), args)
                while batch := cursor.fetchmany(STREAM_BATCH):
                    yield from batch
        except psycopg.Error as exc:
            raise LedgerError(f"{self.path}: cannot read the ledger: {_reason(exc)}") from None

    def _insert_attempt(self, sql: str, args: Sequence[Any]) -> int:
        row = self._execute(sql + " RETURNING id", args, writing=True).fetchone()
        return int(row[0]) if row else 0

    @staticmethod
    def _stored(moment: datetime | None) -> datetime | None:
        return moment  # timestamptz

    @staticmethod
    def _moment(value: Any) -> datetime | None:
        return cast("datetime | None", value)


class _Batch:
    """A psycopg cursor taking the shared statements' ``?`` placeholders."""

    def __init__(self, cursor: psycopg.Cursor[tuple[Any, ...]]) -> None:
        self._cursor = cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> None:
        self._cursor.executemany(_placeholders(sql), rows)


@cache
def _placeholders(sql: str) -> str:
    """psycopg's ``%s`` for the shared statements' ``?`` (none holds a literal ``?``/``%``)."""
    return sql.replace("?", "%s")


def _lock_key(scope: str) -> int:
    """A signed 64-bit advisory-lock key for the site ``scope``."""
    digest = hashlib.sha256(f"xpost run lock {scope}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _connect(url: str) -> psycopg.Connection[tuple[Any, ...]]:
    """A connection that finds the ledger's tables by their bare names (the statements
    shared with SQLite) in the schema ``xpost`` only, never in another schema."""
    try:
        db = psycopg.connect(url, autocommit=True, connect_timeout=_CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        raise LedgerError(
            f"{redacted(url)}: cannot connect to the ledger database: {_reason(exc)}"
        ) from None
    try:
        db.execute(f"SET search_path TO {SCHEMA}")
    except psycopg.Error as exc:
        db.close()
        raise LedgerError(
            f"{redacted(url)}: cannot use the ledger database: {_reason(exc)}"
        ) from None
    return db


def _version(db: psycopg.Connection[tuple[Any, ...]], url: str) -> int | None:
    """The schema version, or None when the database holds no ledger. Refuses a schema
    ``xpost`` that some other application made."""
    try:
        found = db.execute(
            "SELECT to_regclass('xpost.meta'),"
            " EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'xpost')"
        ).fetchone()
        if not found or not found[1]:
            return None
        if found[0] is None:
            raise LedgerError(
                f"{redacted(url)}: the database has a schema 'xpost' that is not an xpost "
                "ledger; left untouched — use another database"
            )
        row = db.execute("SELECT version FROM xpost.meta WHERE application = 'xpost'").fetchone()
    except psycopg.Error as exc:
        raise LedgerError(f"{redacted(url)}: cannot read the ledger: {_reason(exc)}") from None
    if row is None:
        raise LedgerError(f"{redacted(url)}: xpost.meta names no xpost ledger; left untouched")
    return int(row[0])


def _migrate(db: psycopg.Connection[tuple[Any, ...]], url: str) -> None:
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
