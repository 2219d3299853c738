"""What ``xpost run`` finds due: pure decisions over scanned posts, ledger facts and ``now``.

Nothing here reads files, the clock or the ledger: the caller passes the scan cache
rows, what the ledger says per target, the ``[schedule]`` settings and ``now``, so
every rule is tested with a controlled clock.

A post is due for a platform when it is not a draft, its ``publishDate`` (else
``date``) has come, its ``expiryDate`` has not, its file has been left alone for
``min_age`` (not half-written), and planning says it needs a create or an update
(``xpost.plan`` decides that; this module only gates *when*). A failed target waits
until the ledger's ``next_attempt_at`` (its backoff) and gives up after ``retry_limit``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final, Literal

from xpost.ledger.status import UNSETTLED, Status
from xpost.scan import CachedFile

TimingState = Literal["due", "draft", "scheduled", "expired", "settling", "older", "broken"]


@dataclass(frozen=True)
class Timing:
    """Whether a post file is ready to go out, judged from its cached facts only."""

    state: TimingState
    detail: str = ""

    @property
    def is_due(self) -> bool:
        return self.state == "due"


def timing(
    file: CachedFile,
    now: datetime,
    min_age: float,
    since: datetime | None = None,
    *,
    now_stamp: float | None = None,
) -> Timing:
    """The timing verdict for one file (the order of the checks is the order of the reasons).
    ``now_stamp``: ``now.timestamp()``, from a caller judging thousands of files."""
    facts = file.fields
    if facts.error is not None:
        return Timing("broken", facts.error)
    if facts.draft:
        return Timing("draft", "a draft")
    if facts.due_at is not None and facts.due_at > now:
        return Timing("scheduled", f"scheduled for {facts.due_at.isoformat()}")
    if facts.expires_at is not None and facts.expires_at <= now:
        return Timing("expired", f"expired at {facts.expires_at.isoformat()}")
    if since is not None and (facts.due_at is None or facts.due_at < since):
        return Timing("older", f"dated before --since {since.isoformat()}")
    age = (now.timestamp() if now_stamp is None else now_stamp) - file.mtime_ns / 1e9
    if age < min_age:
        return Timing("settling", f"changed {max(age, 0):.0f}s ago (min_age {min_age:.0f}s)")
    return _DUE


#: The commonest verdict, made once: a run over 100,000 due posts judges each.
_DUE: Final = Timing("due")


def due_order(files: Iterable[CachedFile]) -> list[CachedFile]:
    """Oldest publication date first (undated posts last), then by path: a stable queue."""
    return sorted(
        files,
        key=lambda f: (f.fields.due_at.timestamp() if f.fields.due_at else float("inf"), f.path),
    )


# --- retries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetRecord:
    """What the ledger says about one post on one platform, as far as timing goes."""

    status: str  # pending | published | failed | unknown | awaiting (the ledger's words)
    failures: int = 0
    next_attempt_at: datetime | None = None
    last_error: str | None = None


def retry_gate(record: TargetRecord | None, now: datetime, retry_limit: int) -> str | None:
    """Why this target must not be tried now, or None when it may be."""
    if record is None or record.status != "failed":
        return None
    if record.failures >= retry_limit:
        return f"gave up after {record.failures} failed attempts (retry_limit {retry_limit})"
    if record.next_attempt_at is not None and record.next_attempt_at > now:
        from xpost.ledger.records import MAX_RETRY_WAIT

        # A time beyond the backoff's cap came from a clock that was wrong; a real run
        # clamps it in the ledger (Ledger.clamp_retries), so show it clamped.
        return f"next retry at {min(record.next_attempt_at, now + MAX_RETRY_WAIT).isoformat()}"
    return None


def wants_attention(records: Iterable[TargetRecord], now: datetime, retry_limit: int) -> bool:
    """Whether a post the scan cache calls done still has work: a retry that is due, or a
    publish whose outcome was never recorded (a run killed halfway)."""
    for record in records:
        if record.status in UNSETTLED:
            return True
        if record.status == Status.FAILED and retry_gate(record, now, retry_limit) is None:
            return True
    return False


# --- choosing what this run sends ------------------------------------------------------


@dataclass
class Candidate:
    """A due post with the platforms planning wants to send it to, in queue order."""

    key: str  # the post's path (any stable id)
    platforms: list[str]


@dataclass
class Selection:
    send: dict[str, list[str]] = field(default_factory=dict)  # key → platforms, this run
    waiting: dict[str, dict[str, str]] = field(default_factory=dict)  # key → platform → why


def select(
    candidates: Sequence[Candidate],
    last_sent: dict[str, datetime],
    now: datetime,
    max_posts: int,
    cooldown: float,
) -> Selection:
    """Take posts in order until ``max_posts`` have something to send; a platform that got
    a post less than ``cooldown`` seconds ago (before or during this run) waits."""
    chosen = Selection()
    sent_at = dict(last_sent)
    for candidate in candidates:
        if len(chosen.send) >= max_posts:
            chosen.waiting[candidate.key] = dict.fromkeys(
                candidate.platforms, f"max_posts ({max_posts}) reached for this run"
            )
            continue
        going: list[str] = []
        for platform in candidate.platforms:
            last = sent_at.get(platform)
            if cooldown > 0 and last is not None and (now - last).total_seconds() < cooldown:
                ready = last + timedelta(seconds=cooldown)
                chosen.waiting.setdefault(candidate.key, {})[platform] = (
                    f"cooldown until {ready.isoformat()}"
                )
            else:
                going.append(platform)
                sent_at[platform] = now
        if going:
            chosen.send[candidate.key] = going
    return chosen


def first_run_refusal(due_count: int, ledger_is_empty: bool, limit: int) -> str | None:
    """The message that stops a first run from flooding every platform, or None."""
    if not ledger_is_empty or due_count <= limit:
        return None
    return (
        f"{due_count} posts are due and the ledger is empty (first_run_limit {limit}): "
        "this looks like a first run over an existing site. Run 'xpost run --mark-existing' "
        "to record them as already done, or 'xpost run --since DATE' to publish only newer "
        "posts, or raise [schedule] first_run_limit"
    )
