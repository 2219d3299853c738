"""Which ledger a command uses, and the interface every ledger backend implements.

``[ledger] url`` (or ``XPOST_LEDGER_URL``) names a PostgreSQL database: the team's
shared ledger (``xpost.ledger_postgres``). Otherwise the ledger is the SQLite file of
``xpost.ledger``. Commands open it through ``open_ledger``/``open_existing_ledger``
and use only the methods of ``LedgerStore``; nothing outside a backend runs SQL.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

import msgspec

from xpost import environment
from xpost.adapters.base import Adapter, Draft, NoSettings, Receipt
from xpost.config import Config
from xpost.errors import AdapterError, ConfigError
from xpost.ledger import Attempt, Ledger, Record, TargetKey, ledger_path
from xpost.post import Post

if TYPE_CHECKING:
    from xpost.ledger_postgres import PostgresLedger

LEDGER_URL_ENV = environment.LEDGER_URL


class LedgerStore(Protocol):
    """What the engine, ``run`` and the commands need of a ledger."""

    path: Any  # what messages name: the file, or the database URL without its password
    clock: Callable[[], datetime]

    def close(self) -> None: ...
    def __enter__(self) -> LedgerStore: ...
    def __exit__(self, *exc: object) -> None: ...
    def lock(self) -> AbstractContextManager[None]: ...

    def get(self, key: TargetKey) -> Record | None: ...
    def records(self, post_id: str) -> list[Record]: ...
    def records_of_file(self, source: Path, platform: str) -> list[Record]: ...
    def all_records(self) -> list[Record]: ...
    def history(self, limit: int = 20, post_id: str | None = None) -> list[Attempt]: ...
    def all_attempts(self) -> list[Attempt]: ...
    def is_empty(self) -> bool: ...
    def clamp_retries(self, now: datetime) -> int: ...
    def waiting_retries(self, now: datetime) -> list[Record]: ...
    def unsettled(self, statuses: Sequence[str]) -> list[tuple[str, str, int, datetime | None]]: ...
    def awaiting(self) -> list[tuple[str, str, datetime | None]]: ...
    def last_published(self) -> dict[str, datetime]: ...

    def mark_pending(self, key: TargetKey, *, source: str | None, content_hash: str) -> None: ...
    def record_checkpoint(self, key: TargetKey, receipt: Receipt) -> None: ...
    def record_published(
        self, key: TargetKey, receipt: Receipt, *, content_hash: str | None, source: str | None
    ) -> None: ...
    def record_failed(
        self, key: TargetKey, error: str, *, unknown: bool = False, retry_after: float | None = None
    ) -> None: ...
    def record_removed(self, key: TargetKey) -> None: ...
    def record_skipped(self, targets: Sequence[tuple[TargetKey, str | None]]) -> None: ...
    def start_attempt(self, key: TargetKey, action: str) -> int: ...
    def finish_attempt(self, attempt_id: int, outcome: str, error: str | None = None) -> None: ...

    def put_record(self, record: Record) -> None: ...
    def put_attempt(self, attempt: Attempt) -> bool: ...
    def scan_cache_rows(self) -> list[tuple[Any, ...]]: ...
    def save_scan_cache_rows(
        self, rows: Sequence[tuple[Any, ...]], removed: Sequence[str] = ()
    ) -> None: ...
    def schema_version(self) -> int: ...
    def check(self) -> list[str]: ...


class LedgerPassword(Adapter[NoSettings, NoSettings]):
    """Not a platform: lets ``xpost auth set|remove ledger`` keep the PostgreSQL ledger's
    password in the OS keyring (``XPOST_LEDGER_PASSWORD`` in the environment)."""

    name: ClassVar[str] = "ledger"
    label: ClassVar[str] = "Ledger database"
    Settings: ClassVar[type[msgspec.Struct]] = NoSettings
    Options: ClassVar[type[msgspec.Struct]] = NoSettings
    credential_fields: ClassVar[tuple[str, ...]] = ("password",)

    def render(self, post: Post, options: NoSettings) -> Draft:
        raise AdapterError("the ledger is not a platform to publish to")


def ledger_url(config: Config) -> str | None:
    """The PostgreSQL ledger's URL: ``XPOST_LEDGER_URL`` wins over ``[ledger] url``
    (checked when loaded; the variable here, as it may hold a password)."""
    from_env = os.environ.get(LEDGER_URL_ENV)
    if from_env and urlsplit(from_env).scheme not in ("postgresql", "postgres"):
        raise ConfigError(
            f"{LEDGER_URL_ENV} must be a PostgreSQL URL such as 'postgresql://host/dbname'"
        )
    return from_env or config.ledger.url or None


def describe(config: Config) -> str:
    """Where the ledger is, for messages (never a password)."""
    url = ledger_url(config)
    return str(ledger_path(config)) if url is None else redacted(url)


def redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def outbox_dir(config: Config) -> Path:
    """Where hand-off files for the user go (connpass): beside the local ledger file, in
    the user's data folder, whichever backend keeps the records."""
    return ledger_path(config).parent / "outbox"


def open_ledger(config: Config, *, clock: Callable[[], datetime] | None = None) -> LedgerStore:
    """The ledger for writing, created (or migrated) as needed."""
    url = ledger_url(config)
    extra: dict[str, Any] = {"clock": clock} if clock else {}
    if url is None:
        return Ledger.open(ledger_path(config), **extra)
    return _postgres().open(_with_password(url), scope=_scope(config), **extra)


def open_existing_ledger(config: Config) -> LedgerStore | None:
    """The ledger for reading, or None when nothing was recorded yet; changes nothing."""
    url = ledger_url(config)
    if url is None:
        return Ledger.open_existing(ledger_path(config))
    return _postgres().open_existing(_with_password(url), scope=_scope(config))


def _postgres() -> type[PostgresLedger]:
    """The PostgreSQL backend, or one clear line when its driver is not installed."""
    try:
        from xpost.ledger_postgres import PostgresLedger
    except ImportError:
        raise ConfigError(
            "a PostgreSQL ledger needs psycopg: install xpost with its 'postgres' extra "
            "(pip install 'xpost-posse[postgres]')"
        ) from None
    return PostgresLedger


def _scope(config: Config) -> str:
    """Runs of the same site share the run lock; other sites in the database do not."""
    return config.site.base_url or ""


def _with_password(url: str) -> str:
    """The URL with the keyring's password (``xpost auth set ledger``) when neither the
    URL, PGPASSWORD nor ~/.pgpass gives one: libpq reads those two itself."""
    parts = urlsplit(url)
    if parts.password or os.environ.get("PGPASSWORD"):
        return url
    from xpost.credentials import CredentialStore

    password = CredentialStore().get("ledger", ["password"]).get("password")
    if not password:
        return url
    user = quote(parts.username or "", safe="")
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))
