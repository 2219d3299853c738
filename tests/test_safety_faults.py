"""Issue 11 items 4, 6, 7, 11, 12 through the real command, each against a fake that
injects the fault: a lost PATCH answer, a clock a year ahead, a full disk under the
ledger, a thread over the cap, an unreadable content folder.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from e2e_world import World
from fake_adapter import Site
from xpost.ledger import Ledger, TargetKey

# ── item 4: a lost answer is not a conflict ──────────────────────────────────────────


@pytest.mark.shared
def test_a_patch_that_landed_without_an_answer_is_not_taken_for_an_edit_on_qiita(
    site: World,
) -> None:
    post = site.write_post(1)
    assert site.xpost("publish", str(post), "--to", "qiita").returncode == 0
    site.write_post(1, body="二版。")
    site.qiita.drop_next("PATCH")  # applied, then the connection closes
    lost = site.xpost("publish", str(post), "--to", "qiita")
    assert lost.returncode == 1
    site.write_post(1, body="三版。")
    again = site.xpost("publish", str(post), "--to", "qiita")
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("Qiita     updated")
    [item] = site.qiita.items.values()
    assert "三版。" in item["body"]


@pytest.mark.shared
def test_an_edit_really_made_on_qiita_is_still_a_conflict(site: World) -> None:
    post = site.write_post(1)
    assert site.xpost("publish", str(post), "--to", "qiita").returncode == 0
    [item_id] = site.qiita.items
    site.qiita.edit_on_qiita(item_id, body="edited on Qiita")
    site.write_post(1, body="二版。")
    done = site.xpost("publish", str(post), "--to", "qiita")
    assert done.returncode == 1 and "edited on Qiita since xpost last wrote it" in done.stdout


# ── item 6: clocks ───────────────────────────────────────────────────────────────────


def _row(path: Path, platform: str) -> tuple[Any, ...]:
    with sqlite3.connect(path) as db:
        found = db.execute(
            "SELECT status, failures, next_attempt_at FROM syndications WHERE platform = ?",
            (platform,),
        ).fetchone()
        return tuple(found)


@pytest.mark.shared
def test_a_retry_time_stored_by_a_clock_a_year_ahead_is_clamped_and_shown(site: World) -> None:
    post = site.write_post(1)
    content = site.root / "site" / "content"
    site.config.write_text(
        site.config.read_text(encoding="utf-8").replace(
            "[publish]", f'content = ["{content}"]\n[schedule]\nmin_age = 0\n[publish]'
        ),
        encoding="utf-8",
    )
    site.qiita.fail_next("POST", 400)  # a plain failure: retried after the backoff
    assert site.xpost("publish", str(post), "--to", "qiita").returncode == 1
    ledger = site.root / "data" / "xpost.sqlite3"
    year_ahead = (datetime.now(UTC) + timedelta(days=365)).isoformat(timespec="seconds")
    with sqlite3.connect(ledger) as db:
        db.execute("UPDATE syndications SET next_attempt_at = ?", (year_ahead,))
    shown = site.xpost("run", "--dry-run", "--to", "qiita")
    [line] = [line for line in shown.stdout.splitlines() if line.startswith("waiting")]
    assert "qiita" in line and "next retry at" in line and year_ahead[:4] not in line
    site.xpost("run", "--to", "qiita")
    stored = datetime.fromisoformat(_row(ledger, "qiita")[2])
    assert stored <= datetime.now(UTC) + timedelta(days=1, minutes=1)


# ── item 7: ledger trouble named truly; copies already made are reported ──────────────


class _FullDisk:
    """The ledger's SQLite connection, refusing writes as a full disk does (SQLITE_FULL)
    once armed; everything else is passed through."""

    def __init__(self, db: sqlite3.Connection, code: int, message: str) -> None:
        self._db, self.code, self.message, self.armed = db, code, message, False

    def execute(self, sql: str, *args: Any) -> Any:
        if self.armed and sql.lstrip().startswith(("INSERT", "UPDATE")):
            error = sqlite3.OperationalError(self.message)
            error.sqlite_errorcode = self.code  # type: ignore[attr-defined]
            raise error
        return self._db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)


@pytest.mark.parametrize(
    ("code", "message", "said"),
    [
        (13, "database or disk is full", "the disk is full"),
        (8, "attempt to write a readonly database", "is not writable"),
    ],
)
def test_a_ledger_write_failing_after_the_copy_was_made_reports_it_and_exits_1(
    fake_site: Site, monkeypatch: pytest.MonkeyPatch, code: int, message: str, said: str
) -> None:
    from fake_adapter import BlogAdapter

    opened = Ledger.open
    disks: list[_FullDisk] = []

    def open_failing(path: Path, *args: Any, **kwargs: Any) -> Ledger:
        ledger = opened(path, *args, **kwargs)
        disks.append(_FullDisk(ledger._db, code, message))
        ledger._db = disks[-1]  # type: ignore[assignment]
        return ledger

    real_publish = BlogAdapter.publish

    def publish_then_fill_the_disk(self: Any, *args: Any) -> Any:
        receipt = real_publish(self, *args)
        disks[-1].armed = True
        return receipt

    monkeypatch.setattr(Ledger, "open", open_failing)
    monkeypatch.setattr(BlogAdapter, "publish", publish_then_fill_the_disk)
    post = str(fake_site.write_post())
    run = fake_site.xpost("publish", post, "--to", "blog")
    assert run.code == 1
    assert said in run.out and "damaged" not in run.out
    assert f"xpost confirm {post} blog https://blog.example/items/Blog-1" in run.out
    assert list(fake_site.platforms["blog"].items) == ["Blog-1"]
    monkeypatch.setattr(Ledger, "open", opened)
    monkeypatch.setattr(BlogAdapter, "publish", real_publish)
    assert fake_site.xpost("confirm", post, "blog", "https://blog.example/items/Blog-1").code == 0
    again = fake_site.xpost("publish", post, "--to", "blog")
    assert again.out.startswith("Blog      unchanged")
    assert list(fake_site.platforms["blog"].items) == ["Blog-1"]


# ── item 11: bounded threads ─────────────────────────────────────────────────────────


@pytest.mark.shared
def test_a_thread_over_max_thread_parts_is_refused_and_the_dry_run_warns(site: World) -> None:
    post = site.root / "site" / "content" / "post" / "long.md"
    paragraphs = "\n\n".join(f"段落 {n} です。" + "あ" * 100 for n in range(40))
    post.write_text(
        "---\ntitle: Long\nurl: https://chezo.uno/long/\nxpost:\n  twitter:\n    thread: true\n"
        f"---\n\n{paragraphs}\n",
        encoding="utf-8",
    )
    dry = site.xpost("publish", str(post), "--to", "twitter", "--dry-run")
    assert dry.returncode == 0
    assert "over [twitter] max_thread_parts (25)" in dry.stdout + dry.stderr
    done = site.xpost("publish", str(post), "--to", "twitter,qiita")
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "over [twitter] max_thread_parts (25)" in line
    assert site.x.requests == [] and site.qiita.requests == []


# ── item 12: an unreadable folder under content is reported ──────────────────────────


@pytest.mark.shared
def test_an_unreadable_content_folder_is_reported(site: World) -> None:
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    content = site.root / "site" / "content"
    locked = content / "post" / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        done = site.xpost("run", str(content), "--dry-run", "--json")
    finally:
        locked.chmod(0o700)
    assert f"{locked}: cannot read this folder" in done.stderr


def test_unpublish_waits_for_no_one_and_reads_the_record_under_the_lock(
    fake_site: Site,
) -> None:
    post = str(fake_site.write_post())
    assert fake_site.xpost("publish", post, "--to", "blog").code == 0
    with Ledger.open(fake_site.ledger_file) as ledger, ledger.lock():
        busy = fake_site.xpost("unpublish", post, "--from", "blog", "--yes")
    assert busy.code == 2 and "another xpost process is publishing" in busy.err
    assert list(fake_site.platforms["blog"].items) == ["Blog-1"]
    with Ledger.open(fake_site.ledger_file) as ledger:
        record = ledger.get(TargetKey("https://site.test/post/hello/", "blog"))
    assert record is not None and record.status == "published"
    done = fake_site.xpost("unpublish", post, "--from", "blog", "--yes")
    assert done.code == 0 and fake_site.platforms["blog"].items == {}
    assert json.loads(fake_site.xpost("status", post, "--json").out)["syndications"]


def test_a_folder_the_walk_cannot_open_is_reported_not_skipped_silently(
    fake_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import xpost.scan

    post = fake_site.write_post()
    content = post.parent.parent.parent
    locked = content / "post" / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(xpost.scan.os, "scandir", scandir)
    done = fake_site.xpost("run", str(content), "--dry-run")
    assert done.code == 0
    assert (
        f"xpost: warning: {locked}: cannot read this folder (Permission denied): "
        "its posts are not published"
    ) in done.err.splitlines()
