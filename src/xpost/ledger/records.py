"""What a ledger holds, whatever its backend: one copy (``Record``), one call to a
platform (``Attempt``), the key both are filed under, and the retry backoff.

No database driver here: the planner, ``xpost run`` and the export read these cheaply.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from msgspec import Struct, field

from xpost.adapters.base import Receipt
from xpost.errors import LedgerError

DEFAULT_ACCOUNT = "default"
#: Failed targets wait 1 min, 2, 4 … at most a day before a scheduled retry.
_BACKOFF_BASE = timedelta(minutes=1)
#: The longest a failed target ever waits for its retry (the backoff's cap).
MAX_RETRY_WAIT = timedelta(days=1)


class LedgerBusy(LedgerError):
    """Another xpost process holds the run lock (two cron ticks at once)."""


class TargetKey(Struct, frozen=True):
    post_id: str
    platform: str
    account: str = DEFAULT_ACCOUNT


class Record(Struct):
    """One row of ``syndications``: what xpost knows about one copy."""

    key: TargetKey
    status: str
    remote_id: str | None = None
    url: str | None = None
    content_hash: str | None = None
    remote_updated_at: datetime | None = None
    state: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    first_published_at: datetime | None = None
    last_published_at: datetime | None = None
    updated_at: datetime | None = None
    last_error: str | None = None
    failures: int = 0
    next_attempt_at: datetime | None = None

    def receipt(self) -> Receipt | None:
        """The adapter's view of this copy, or None when nothing exists remotely yet."""
        if not self.remote_id:
            return None
        return Receipt(
            remote_id=self.remote_id,
            url=self.url,
            status="awaiting" if self.status == "awaiting" else "published",
            remote_updated_at=self.remote_updated_at,
            state=dict(self.state),
        )


class Attempt(Struct):
    """One row of ``attempts``: one call to a platform."""

    id: int
    key: TargetKey
    action: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str | None
    error: str | None


def backoff(failures: int) -> timedelta:
    """How long a target that failed ``failures`` times in a row waits before a retry."""
    doubled: timedelta = _BACKOFF_BASE * 2 ** min(max(failures - 1, 0), 20)
    return min(doubled, MAX_RETRY_WAIT)


def source_pattern(resolved: Path) -> str:
    """A SQL ``LIKE`` pattern (escape ``\\``) for sources ending in ``resolved``'s name."""
    name = resolved.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%/" + name


def same_source(recorded: str, resolved: Path) -> bool:
    """Whether a recorded source names the file ``resolved``: sources are stored as
    they were given (absolute, or relative to where xpost ran), so a relative one
    matches when it is a trailing part of the absolute path."""
    path = Path(os.path.normpath(recorded))
    if path.is_absolute():
        return Path(os.path.realpath(path)) == resolved
    return ".." not in path.parts and resolved.parts[-len(path.parts) :] == path.parts
