"""The statuses of a copy in the ledger, defined once (``xpost.ledger.sqlite`` tells
each one's story). No imports: ``xpost run``'s idle path and the planner read them
cheaply."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What the ledger says of one copy.
    A ``StrEnum``: stored as its text, equal to it when read back."""

    PENDING = "pending"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    AWAITING = "awaiting"
    REMOVED = "removed"
    #: ``xpost run --mark-existing``: never sent, and ``xpost run`` leaves it alone.
    SKIPPED = "skipped"


#: The copy's fate was never learned: look it up before anything is created again.
UNSETTLED = frozenset({Status.PENDING, Status.UNKNOWN})

__all__ = ["UNSETTLED", "Status"]
