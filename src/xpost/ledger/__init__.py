"""The ledger: where every copy of every post went, and every attempt to put it there.

- ``records``  what a ledger holds (``Record``, ``Attempt``, ``TargetKey``), the backoff
- ``status``   the statuses of a copy, one ``StrEnum``
- ``store``    ``LedgerStore``, the interface every backend implements
- ``opening``  which ledger a command uses (``open_ledger``/``open_existing_ledger``)
- ``sqlite``   the SQLite file (the default)   ``postgres``  a shared PostgreSQL database
- ``transfer`` ``xpost ledger export``/``import``   ``password``  the database password

The public names are loaded on first use: ``from xpost.ledger import TargetKey`` does not
import ``sqlite3`` or psycopg (an idle ``xpost run`` and a dry-run stay light).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xpost.ledger.opening import (
        describe,
        ledger_path,
        ledger_url,
        open_existing_ledger,
        open_ledger,
        outbox_dir,
    )
    from xpost.ledger.password import LedgerPassword
    from xpost.ledger.records import (
        DEFAULT_ACCOUNT,
        MAX_RETRY_WAIT,
        Attempt,
        LedgerBusy,
        Record,
        TargetKey,
        backoff,
    )
    from xpost.ledger.sqlite import Ledger
    from xpost.ledger.status import UNSETTLED, Status
    from xpost.ledger.store import LedgerStore

_WHERE = {
    "Attempt": "records",
    "DEFAULT_ACCOUNT": "records",
    "LedgerBusy": "records",
    "MAX_RETRY_WAIT": "records",
    "Record": "records",
    "TargetKey": "records",
    "backoff": "records",
    "Status": "status",
    "UNSETTLED": "status",
    "LedgerStore": "store",
    "describe": "opening",
    "ledger_path": "opening",
    "ledger_url": "opening",
    "open_existing_ledger": "opening",
    "open_ledger": "opening",
    "outbox_dir": "opening",
    "LedgerPassword": "password",
    "Ledger": "sqlite",
}

__all__ = [
    "DEFAULT_ACCOUNT",
    "MAX_RETRY_WAIT",
    "UNSETTLED",
    "Attempt",
    "Ledger",
    "LedgerBusy",
    "LedgerPassword",
    "LedgerStore",
    "Record",
    "Status",
    "TargetKey",
    "backoff",
    "describe",
    "ledger_path",
    "ledger_url",
    "open_existing_ledger",
    "open_ledger",
    "outbox_dir",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # looked up once
    return value
