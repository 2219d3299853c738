"""Fault matrix (issue 11): one case per row — platform × fault × where it strikes.

Each row publishes a post through the real command (a fresh ``python -m xpost``
process) against the contract-checking fakes and a Zenn repository with a bare
``origin``, injects its fault, runs again as a user or cron would, and asserts that the
platform holds exactly one copy and the ledger says ``published``.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from e2e_world import World, world
from fakes.qiita import TOKEN
from fakes.x import CREDENTIALS

pytestmark = pytest.mark.shared

SECRETS = (TOKEN, *CREDENTIALS.values())

HEAD = "---\ntitle: Matrix\ntags: [python]\nurl: https://chezo.uno/p/matrix/\n---\n\n{body}\n"


@dataclass(frozen=True)
class Row:
    platform: str
    fault: str
    where: str
    inject: Callable[[World], None]  # before the first publish
    between: Callable[[World], None] = lambda w: None  # before the second one
    first_code: int = 1
    second_code: int = 0
    extra: tuple[str, ...] = ()  # options of the third publish


def _copies(w: World, platform: str) -> int:
    if platform == "qiita":
        return len(w.qiita.items)
    if platform == "twitter":
        return sum(1 for post in w.x.posts.values() if post["text"].startswith("Matrix"))
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", "main", "articles/"],
        cwd=w.bare,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return len(listing)


def _status(w: World, platform: str) -> str | None:
    path = w.root / "data" / "xpost.sqlite3"
    if not path.exists():
        return None
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT status FROM syndications WHERE platform = ?", (platform,)
        ).fetchone()
        return row[0] if row else None


def _lose_ledger(w: World) -> None:
    for name in ("xpost.sqlite3", "xpost.sqlite3-wal", "xpost.sqlite3-shm"):
        (w.root / "data" / name).unlink(missing_ok=True)


def _edit(w: World) -> None:
    w.post.write_text(HEAD.format(body="二版です。"), encoding="utf-8")


def _reject_pushes(w: World) -> None:
    hook = w.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'remote: busy' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)


def _accept_pushes(w: World) -> None:
    (w.bare / "hooks" / "pre-receive").unlink()


def _manual_share(w: World) -> None:
    w.x.add_post("My own words on https://chezo.uno/p/matrix/")
    w.x.script("POST", "/2/tweets", nth=1, status=503)


ROWS = [
    Row(
        "qiita",
        "500",
        "POST create (unapplied, reads unknown)",
        lambda w: w.qiita.fail_next("POST", 500),
    ),
    Row(
        "qiita",
        "connection dropped",
        "POST create (applied, answer lost)",
        lambda w: w.qiita.drop_next("POST"),
    ),
    Row(
        "qiita",
        "500",
        "GET items (lookup before create)",
        lambda w: (
            w.qiita.fail_next("GET", 500, path="/api/v2/authenticated_user/items")
            or w.qiita.fail_next("GET", 500, path="/api/v2/authenticated_user/items")
            or w.qiita.fail_next("GET", 500, path="/api/v2/authenticated_user/items")
        ),
    ),
    Row(
        "qiita",
        "ledger deleted",
        "after the create",
        lambda w: None,
        between=_lose_ledger,
        first_code=0,
    ),
    Row(
        "qiita",
        "connection dropped",
        "PATCH update (applied, answer lost)",
        lambda w: None,
        between=lambda w: (_edit(w), w.qiita.drop_next("PATCH")),
        first_code=0,
        second_code=1,
    ),
    Row(
        "twitter",
        "503",
        "POST /2/tweets (unapplied, reads unknown)",
        lambda w: w.x.script("POST", "/2/tweets", nth=1, status=503),
    ),
    Row(
        "twitter",
        "503",
        "GET timeline (lookup before create)",
        lambda w: (
            [w.x.script("GET", "/2/users/1000/tweets", nth=n, status=503) for n in (1, 2, 3)]
            and None
        ),
    ),
    Row(
        "twitter",
        "ledger deleted",
        "after the post",
        lambda w: None,
        between=_lose_ledger,
        first_code=0,
    ),
    Row(
        "twitter",
        "author's own share + 503",
        "POST /2/tweets, then lookup",
        _manual_share,
        second_code=1,
        extra=("--force", "--yes"),
    ),
    Row(
        "zenn",
        "push rejected",
        "git push (pre-receive hook)",
        _reject_pushes,
        between=_accept_pushes,
    ),
    Row(
        "zenn",
        "ledger deleted",
        "after the push",
        lambda w: None,
        between=_lose_ledger,
        first_code=0,
    ),
]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[World]:
    with world(tmp_path) as w:
        w.post.write_text(HEAD.format(body="本文です。"), encoding="utf-8")
        yield w


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.platform}-{r.fault}-{r.where}" for r in ROWS])
def test_fault_leaves_exactly_one_copy(site: World, row: Row) -> None:
    row.inject(site)
    first = site.xpost("publish", str(site.post), "--to", row.platform)
    assert first.returncode == row.first_code, first.stdout + first.stderr
    row.between(site)
    second = site.xpost("publish", str(site.post), "--to", row.platform)
    assert second.returncode == row.second_code, second.stdout + second.stderr
    third = site.xpost("publish", str(site.post), "--to", row.platform, *row.extra)
    assert third.returncode == 0, third.stdout + third.stderr
    last = site.xpost("publish", str(site.post), "--to", row.platform)
    assert last.returncode == 0, last.stdout + last.stderr
    assert "unchanged" in last.stdout
    assert _copies(site, row.platform) == 1
    assert _status(site, row.platform) == "published"
    # No secret in anything this row printed or wrote (ledger, WAL, Zenn commits).
    said = "".join(r.stdout + r.stderr for r in (first, second, third, last))
    written = b"".join(p.read_bytes() for p in (site.root / "data").glob("xpost.sqlite3*"))
    history = subprocess.run(
        ["git", "log", "-p", "--all"], cwd=site.bare, capture_output=True, check=True
    ).stdout
    for secret in SECRETS:
        assert secret not in said
        assert secret.encode() not in written and secret.encode() not in history
