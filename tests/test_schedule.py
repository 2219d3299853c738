"""The due rules, retries and the per-run selection, with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xpost.config import ScheduleConfig, load_config, parse_duration
from xpost.errors import ConfigError
from xpost.scan import CachedFile, ScheduleFields
from xpost.schedule import (
    Candidate,
    TargetRecord,
    due_order,
    first_run_refusal,
    retry_gate,
    select,
    timing,
    wants_attention,
)

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
MIN_AGE = 300.0


def file(
    path: str = "p.md", *, changed: timedelta = timedelta(hours=1), **fields: object
) -> CachedFile:
    mtime_ns = int((NOW - changed).timestamp() * 1e9)
    return CachedFile(path, 10, mtime_ns, "sha", "key", ScheduleFields(**fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cached", "state", "detail"),
    [
        (file(due_at=NOW - timedelta(days=1)), "due", ""),
        (file(), "due", ""),  # undated posts are due
        (file(due_at=NOW), "due", ""),
        (file(draft=True, due_at=NOW), "draft", "a draft"),
        (
            file(due_at=NOW + timedelta(seconds=1)),
            "scheduled",
            "scheduled for 2024-06-01T12:00:01+00:00",
        ),
        (file(expires_at=NOW), "expired", "expired at 2024-06-01T12:00:00+00:00"),
        (file(changed=timedelta(seconds=299)), "settling", "changed 299s ago (min_age 300s)"),
        (file(changed=timedelta(seconds=-5)), "settling", "changed 0s ago (min_age 300s)"),
        (file(error="p.md: the file is empty"), "broken", "p.md: the file is empty"),
    ],
)
def test_timing(cached: CachedFile, state: str, detail: str) -> None:
    verdict = timing(cached, NOW, MIN_AGE)
    assert (verdict.state, verdict.detail) == (state, detail)


def test_since_keeps_only_newer_dated_posts() -> None:
    since = NOW - timedelta(days=7)
    assert timing(file(due_at=since), NOW, MIN_AGE, since).is_due
    older = timing(file(due_at=since - timedelta(seconds=1)), NOW, MIN_AGE, since)
    assert (older.state, older.detail) == (
        "older",
        "dated before --since 2024-05-25T12:00:00+00:00",
    )
    assert timing(file(), NOW, MIN_AGE, since).state == "older"


def test_the_queue_is_oldest_first_and_undated_last() -> None:
    files = [
        file("c.md"),
        file("b.md", due_at=NOW - timedelta(days=1)),
        file("a.md", due_at=NOW - timedelta(days=1)),
        file("d.md", due_at=NOW - timedelta(days=9)),
    ]
    assert [f.path for f in due_order(files)] == ["d.md", "a.md", "b.md", "c.md"]


def test_retry_gate_waits_for_the_backoff_and_gives_up_at_the_limit() -> None:
    later = NOW + timedelta(minutes=2)
    assert retry_gate(None, NOW, 5) is None
    assert retry_gate(TargetRecord("published"), NOW, 5) is None
    assert retry_gate(TargetRecord("failed", 1, later), NOW, 5) == (
        "next retry at 2024-06-01T12:02:00+00:00"
    )
    assert retry_gate(TargetRecord("failed", 1, later), later, 5) is None
    assert retry_gate(TargetRecord("failed", 5, later), later, 5) == (
        "gave up after 5 failed attempts (retry_limit 5)"
    )


def test_wants_attention_for_interrupted_and_due_retries_only() -> None:
    later = NOW + timedelta(minutes=2)
    assert wants_attention([TargetRecord("pending")], NOW, 5)
    assert wants_attention([TargetRecord("unknown", 1, later)], NOW, 5)
    assert wants_attention([TargetRecord("failed", 1, NOW)], NOW, 5)
    assert not wants_attention([TargetRecord("failed", 1, later)], NOW, 5)
    assert not wants_attention([TargetRecord("failed", 5, NOW)], NOW, 5)
    assert not wants_attention([TargetRecord("published"), TargetRecord("awaiting")], NOW, 5)


def test_select_caps_posts_per_run() -> None:
    queue = [Candidate(f"p{n}", ["qiita", "zenn"]) for n in range(4)]
    chosen = select(queue, {}, NOW, max_posts=2, cooldown=0)
    assert chosen.send == {"p0": ["qiita", "zenn"], "p1": ["qiita", "zenn"]}
    assert chosen.waiting["p3"] == {
        "qiita": "max_posts (2) reached for this run",
        "zenn": "max_posts (2) reached for this run",
    }


def test_select_spaces_posts_to_one_platform_by_the_cooldown() -> None:
    queue = [Candidate("p0", ["qiita", "zenn"]), Candidate("p1", ["qiita", "zenn"])]
    last = {"zenn": NOW - timedelta(minutes=10)}
    chosen = select(queue, last, NOW, max_posts=5, cooldown=3600)
    assert chosen.send == {"p0": ["qiita"]}
    assert chosen.waiting == {
        "p0": {"zenn": "cooldown until 2024-06-01T12:50:00+00:00"},
        "p1": {
            "qiita": "cooldown until 2024-06-01T13:00:00+00:00",
            "zenn": "cooldown until 2024-06-01T12:50:00+00:00",
        },
    }
    later = select(queue, last, NOW + timedelta(hours=1), max_posts=5, cooldown=3600)
    assert later.send == {"p0": ["qiita", "zenn"]}


def test_first_run_refusal_only_on_an_empty_ledger_over_the_limit() -> None:
    assert first_run_refusal(3, ledger_is_empty=True, limit=3) is None
    assert first_run_refusal(50, ledger_is_empty=False, limit=3) is None
    message = first_run_refusal(4, ledger_is_empty=True, limit=3)
    assert message is not None and "'xpost run --mark-existing'" in message


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(0, 0), (300, 300), ("300", 300), ("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172800)],
)
def test_durations(value: int | str, seconds: float) -> None:
    assert parse_duration(value) == seconds


@pytest.mark.parametrize("value", ["5 minutes", "", "m5", "1.5h", -1])
def test_bad_durations(value: int | str) -> None:
    with pytest.raises(ValueError):
        parse_duration(value)


def test_schedule_defaults() -> None:
    schedule = ScheduleConfig()
    assert (schedule.seconds("min_age"), schedule.seconds("cooldown")) == (300, 0)
    assert (schedule.max_posts, schedule.retry_limit, schedule.first_run_limit) == (5, 5, 3)


def test_a_bad_schedule_value_in_the_config_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "xpost.toml"
    config.write_text('[schedule]\ncooldown = "soon"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config, ["connpass", "qiita", "twitter", "zenn"])
    assert str(caught.value) == (
        f"{config}: [schedule] cooldown: expected a duration like '30s', '5m', '2h' or '1d', "
        "got 'soon'"
    )
    config.write_text("[schedule]\nmax_posts = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config, ["connpass", "qiita", "twitter", "zenn"])
    assert str(caught.value) == f"{config}: [schedule] max_posts: expected `int` >= 1"
