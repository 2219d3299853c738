"""Progress of long work, reported to whoever shows it.

The engine and the adapters report what they are doing as ``Report``s through a plain
callable; they never touch the terminal. The command line decides whether and how to
show them (a status line on stderr when stderr is a terminal, nothing otherwise).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from msgspec import Struct


class Report(Struct, frozen=True):
    """One thing worth telling: ``X: part 3/8``, ``walking: 1,204 files``."""

    subject: str  # who is working: a platform's label, or a phase ("walking")
    message: str = ""
    done: int | None = None  # with ``total``: a count ("3/8")
    total: int | None = None
    #: ``time.monotonic()`` at which a wait ends: shown as a countdown.
    until: float | None = None
    #: The subject has finished: its line can go.
    finished: bool = False


Reporter = Callable[[Report], None]


def silent(report: Report) -> None:
    """The reporter of work nobody watches (cron, scripts, tests)."""


def waiting(reporter: Reporter, subject: str, seconds: float, why: str) -> None:
    """Report that ``subject`` now waits ``seconds`` (a rate limit): a countdown."""
    reporter(Report(subject, why, until=time.monotonic() + seconds))
