"""``xpost run``'s retries, deadlines, progress and hand-offs: what it lists, when it asks
again, what it never overwrites (issue 11; the comment of each names the edit it catches).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import xpost
import xpost.cli.run
from fake_adapter import DeskAdapter, Site
from xpost import runner
from xpost.adapters.base import Draft, Receipt
from xpost.config import Config
from xpost.ledger import Ledger, Record, TargetKey
from xpost.ledger.records import backoff
from xpost.progress import Report

# ── publishing: --force where an unknown outcome or a hand-off is settled ──────


@pytest.fixture
def site(fake_site: Site) -> Site:
    return fake_site


def test_run_never_overwrites_an_edit_made_on_the_platform(site: Site) -> None:
    """``Syndicator.send(force=False)`` → ``True``: ``xpost run`` (which has no --force)
    would overwrite what was edited on the platform since xpost last wrote it."""
    with site.config.open("a", encoding="utf-8") as config:
        config.write('\n[schedule]\nmin_age = "0s"\n')
    post = str(site.write_post())
    assert site.xpost("publish", post, "--to", "blog").code == 0
    site.write_post(body="Changed here, edited there too.\n")
    blog = site.platforms["blog"]
    blog.script = ["conflict"]
    run = site.xpost("run", str(site.root / "content"), "--to", "blog")
    assert run.code == 1, run.out + run.err
    assert run.err.endswith(
        "index.md: Blog: the item was edited there since xpost last wrote it; --force overwrites\n"
    )
    assert blog.contexts[-1].force is False
    assert blog.items["Blog-1"]["body"] == "First version."


def test_nothing_new_starts_once_the_runs_deadline_has_passed(site: Site) -> None:
    """``deadline=self.started + …`` → ``*``: the deadline would lie hours away (or
    already be past), and a slow platform could hold a run for ever."""
    with site.config.open("a", encoding="utf-8") as config:
        config.write('deadline = "2s"\n')  # [publish] is the config's last table
    first = site.write_post()
    second = first.parent.parent / "second" / "index.md"
    second.parent.mkdir()
    second.write_text("---\ntitle: Second\nslug: second\n---\nBody.\n", encoding="utf-8")
    blog = site.platforms["blog"]
    blog.delay = 1.2  # a lookup and a create: longer than the whole run may take
    run = site.xpost("publish", str(first), str(second), "--to", "blog")
    assert run.code == 1
    assert (
        "Blog      failed     Blog: not started: the run's deadline ([publish] deadline) "
        "passed; the next run sends it"
    ) in run.out.splitlines()
    assert len(blog.sent("create")) <= 1


# ── runner (xpost run) ─────────────────────────────────────────────────────────

RUN_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _run(tmp_path: Path, ledger: Ledger, **options: Any) -> runner.RunReport:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    return runner.run(Config(), ledger, runner.RunOptions([content], **options), RUN_AT)


def _failed(post: str, failures: int, next_attempt_at: datetime | None) -> Record:
    return Record(
        TargetKey(post, "qiita"),
        "failed",
        source=f"{post}.md",
        last_error="Qiita: 500",
        failures=failures,
        next_attempt_at=next_attempt_at,
    )


def test_run_lists_only_the_retries_still_to_come(tmp_path: Path) -> None:
    """``failures >= retry_limit or next_attempt_at is None`` → ``and``: a target given
    up on would be shown as waiting for a retry that never comes."""
    later = RUN_AT + timedelta(hours=1)
    with Ledger.open(tmp_path / "xpost.sqlite3") as ledger:
        ledger.put_record(_failed("waits", 1, later))
        ledger.put_record(_failed("given-up", 5, later))  # retry_limit 5
        report = _run(tmp_path, ledger, dry_run=True)
    assert [(line.post_id, line.detail) for line in report.waiting] == [
        ("waits", "failed 1×; next retry at 2024-06-01T13:00:00+00:00")
    ]


def test_a_run_brings_a_retry_time_from_a_wrong_clock_back_and_a_dry_run_does_not(
    tmp_path: Path,
) -> None:
    """``if not options.dry_run: ledger.clamp_retries(now)`` → ``if options.dry_run``:
    a dry-run would write to the ledger, and a real run leave a target silent for a year."""
    far = RUN_AT + timedelta(days=365)
    with Ledger.open(tmp_path / "xpost.sqlite3") as ledger:
        ledger.put_record(_failed("post", 1, far))
        _run(tmp_path, ledger, dry_run=True)
        assert ledger.get(TargetKey("post", "qiita")).next_attempt_at == far  # type: ignore[union-attr]
        _run(tmp_path, ledger)
        clamped = ledger.get(TargetKey("post", "qiita"))
    assert clamped is not None and clamped.next_attempt_at == RUN_AT + backoff(1)


def test_run_reports_how_far_the_reading_has_gone_and_when_it_is_done(
    tmp_path: Path,
) -> None:
    """``% _REPORT_EVERY == 0`` → ``< 0`` and ``finished=True`` → ``False``: the status
    line would never count the files found or read, or never clear the walking or
    reading line. Under ``PARALLEL_FROM`` the files are read once the walk is over: the
    total is known from the first count of the reading on."""
    content = tmp_path / "content"
    content.mkdir()
    for n in range(101):
        (content / f"p{n:03}.md").write_text(
            f"---\ntitle: P{n}\ndraft: true\n---\nBody.\n", encoding="utf-8"
        )
    reports: list[Report] = []
    with Ledger.open(tmp_path / "xpost.sqlite3") as ledger:
        _run(tmp_path, ledger, dry_run=True, progress=reports.append)
    walking = [report for report in reports if report.subject == "walking"]
    assert walking == [
        Report("walking", "listing post files"),
        Report("walking", "listing post files", done=50),
        Report("walking", "listing post files", done=100),
        Report("walking", finished=True),
    ]
    reading = [report for report in reports if report.subject == "reading"]
    assert reading == [
        Report("reading", "post files", done=64, total=101),  # a chunk read
        Report("reading", "post files", done=101, total=101),
        Report("reading", finished=True),
    ]
    assert reports.index(walking[-1]) < reports.index(reading[0])


def test_run_asks_about_a_handed_off_copy_again_only_after_half_an_hour(site: Site) -> None:
    """``now - last < CONFIRM_EVERY`` (30 minutes) → ``is`` or 29 minutes: a run every
    few minutes would ask the platform about the same copy each time."""
    with site.config.open("a", encoding="utf-8") as config:
        config.write('\n[schedule]\nmin_age = "0s"\n')
    site.write_post()
    content = str(site.root / "content")
    desk = site.platforms["desk"]
    started = datetime.now(UTC)
    site.monkeypatch.setattr(xpost.cli.run, "_now", lambda: started)
    assert site.xpost("run", content, "--to", "desk").code == 0
    assert desk.sent("handoff") == [None]
    asked = len(desk.sent("lookup"))
    for minutes, more in ((29, 0), (29.9, 0), (30.5, 1)):
        moment = started + timedelta(minutes=minutes)
        site.monkeypatch.setattr(xpost.cli.run, "_now", lambda moment=moment: moment)
        run = site.xpost("run", content, "--to", "desk")
        assert run.code == 0, run.err
        assert len(desk.sent("lookup")) == asked + more, minutes


def test_a_hand_off_found_waiting_after_a_lost_answer_is_not_handed_off_again(
    site: Site,
) -> None:
    """``found.status == "awaiting"`` → ``<`` in ``_reconcile``: the copy the user has not
    put in place yet would be handed over a second time (or called reconciled)."""
    post = site.write_post()
    key = TargetKey("https://site.test/post/hello/", "desk")
    with Ledger.open(site.ledger_file) as ledger:  # the hand-off's answer was lost
        ledger.mark_pending(key, source=str(post), content_hash="0" * 64)
        ledger.record_checkpoint(key, Receipt("42", "https://desk.example/event/42/"))
        ledger.record_failed(key, "Desk: no answer within 30s", unknown=True)

    def waiting(self: DeskAdapter, draft: Draft, previous: Receipt | None, ctx: Any) -> Receipt:
        site.platforms["desk"].receive("lookup", None, ctx, None)
        return Receipt("42", "https://desk.example/event/42/", status="awaiting")

    site.monkeypatch.setattr(DeskAdapter, "lookup", waiting)
    run = site.xpost("publish", str(post), "--to", "desk")
    assert (run.code, run.out) == (0, "Desk      awaiting   https://desk.example/event/42/\n")
    assert site.platforms["desk"].requests == [("lookup", None)]
