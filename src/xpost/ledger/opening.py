"""Which ledger a command uses, and opening it.

``[ledger] url`` (or ``XPOST_LEDGER_URL``) names a PostgreSQL database: the team's
shared ledger (``xpost.ledger.postgres``). Otherwise the ledger is the SQLite file of
``xpost.ledger.sqlite``. Each backend is imported only when it is opened: a SQLite user
never loads psycopg, and nothing here loads ``sqlite3`` until a ledger is opened.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from xpost import environment
from xpost.config import Config
from xpost.errors import ConfigError

if TYPE_CHECKING:
    from xpost.ledger.postgres import PostgresLedger
    from xpost.ledger.store import LedgerStore

LEDGER_URL_ENV = environment.LEDGER_URL
DATA_DIR_ENV = environment.DATA_DIR
FILE_NAME = "xpost.sqlite3"


def ledger_path(config: Config) -> Path:
    """``[ledger] path`` (relative to the config file's folder), else
    ``$XPOST_DATA_DIR/xpost.sqlite3``, else the user data dir."""
    if config.ledger.path:
        path = Path(config.ledger.path).expanduser()
        # Relative to the config file, like [site] content: the same ledger from any
        # folder (from another one, a new empty ledger would republish every post).
        if not path.is_absolute() and config.path is not None:
            path = config.path.parent / path
        return path
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser() / FILE_NAME
    from platformdirs import user_data_dir

    return Path(user_data_dir("xpost")) / FILE_NAME


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
        from xpost.ledger.sqlite import Ledger

        return Ledger.open(ledger_path(config), **extra)
    from xpost.ledger.password import with_password

    return _postgres().open(with_password(url), scope=_scope(config), **extra)


def open_existing_ledger(config: Config) -> LedgerStore | None:
    """The ledger for reading, or None when nothing was recorded yet; changes nothing."""
    url = ledger_url(config)
    if url is None:
        from xpost.ledger.sqlite import Ledger

        return Ledger.open_existing(ledger_path(config))
    from xpost.ledger.password import with_password

    return _postgres().open_existing(with_password(url), scope=_scope(config))


def _postgres() -> type[PostgresLedger]:
    """The PostgreSQL backend, or one clear line when its driver is not installed."""
    try:
        from xpost.ledger.postgres import PostgresLedger
    except ImportError:
        raise ConfigError(
            "a PostgreSQL ledger needs psycopg: install xpost with its 'postgres' extra "
            "(pip install 'xpost-posse[postgres]')"
        ) from None
    return PostgresLedger


def _scope(config: Config) -> str:
    """Runs of the same site share the run lock; other sites in the database do not."""
    return config.site.base_url or ""
