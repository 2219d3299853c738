"""The schedule at its boundaries: min_age, cooldown and retry times, each exactly at the
limit and one step either side (issue 11).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from xpost.scan import CachedFile, ScheduleFields
from xpost.schedule import Candidate, select, timing

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


# -- schedule: a retry is due exactly when its time has come --------------------------


def test_a_failed_target_is_retried_once_its_time_has_passed_and_not_before() -> None:
    from xpost.schedule import TargetRecord, retry_gate

    later = TargetRecord("failed", failures=1, next_attempt_at=NOW + timedelta(minutes=5))
    assert retry_gate(later, NOW, retry_limit=5) is not None
    passed = TargetRecord("failed", failures=1, next_attempt_at=NOW - timedelta(minutes=5))
    assert retry_gate(passed, NOW, retry_limit=5) is None
    now_exactly = TargetRecord("failed", failures=1, next_attempt_at=NOW)
    assert retry_gate(now_exactly, NOW, retry_limit=5) is None
    for status in ("awaiting", "published", "pending", "unknown"):  # only 'failed' waits
        assert retry_gate(TargetRecord(status, failures=9, next_attempt_at=NOW), NOW, 5) is None
    assert retry_gate(TargetRecord("failed", failures=5), NOW, retry_limit=5) is not None


# ── schedule ───────────────────────────────────────────────────────────────────


def test_a_file_exactly_min_age_old_is_due_and_one_second_younger_is_not() -> None:
    """``age < min_age`` → ``<=``: a file that has settled for exactly min_age waits."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

    def changed(seconds: int) -> CachedFile:
        mtime_ns = int((now - timedelta(seconds=seconds)).timestamp()) * 1_000_000_000
        return CachedFile("p.md", 10, mtime_ns, "sha", "key", ScheduleFields())

    assert timing(changed(300), now, 300.0).state == "due"
    assert timing(changed(299), now, 300.0).state == "settling"


def test_a_one_second_cooldown_holds_back_a_second_post_in_the_same_run() -> None:
    """``cooldown > 0`` → ``cooldown > 1``: the shortest cooldown would be ignored."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    posts = [Candidate("a.md", ["x"]), Candidate("b.md", ["x"])]
    chosen = select(posts, {}, now, max_posts=5, cooldown=1.0)
    assert chosen.send == {"a.md": ["x"]}
    assert chosen.waiting == {"b.md": {"x": "cooldown until 2024-06-01T12:00:01+00:00"}}


def test_no_cooldown_sends_even_after_a_post_stamped_in_the_future() -> None:
    """``cooldown > 0`` → ``cooldown > -1``: with no cooldown, a ledger time ahead of this
    machine's clock (another runner's) would hold the platform back."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    ahead = {"x": now + timedelta(minutes=5)}
    chosen = select([Candidate("a.md", ["x"])], ahead, now, max_posts=5, cooldown=0.0)
    assert (chosen.send, chosen.waiting) == ({"a.md": ["x"]}, {})
