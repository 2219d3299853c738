"""Issue 11 items 2 and 3, issue 10's lookup contract: a lookup adopts only xpost's own
copy, exactly; the ledger is a cache, not the only guard.

Through the real command (a fresh process) against the contract-checking fakes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from e2e_world import World

pytestmark = pytest.mark.shared


def _status(site: World, platform: str) -> list[tuple[str, str | None]]:
    with sqlite3.connect(site.root / "data" / "xpost.sqlite3") as db:
        rows = db.execute(
            "SELECT status, remote_id FROM syndications WHERE platform = ? ORDER BY post_id",
            (platform,),
        )
        return list(rows)


# ── item 2: Qiita, /p/1 is not /p/10 ─────────────────────────────────────────────────


def test_qiita_lookup_never_adopts_another_posts_item_whose_url_extends_this_one(
    site: World,
) -> None:
    p10, p1 = site.write_post(10), site.write_post(1)
    assert site.xpost("publish", str(p10), "--to", "qiita").returncode == 0
    site.qiita.fail_next("POST", 500)  # refused unapplied, but a 5xx on POST reads as unknown
    lost = site.xpost("publish", str(p1), "--to", "qiita")
    assert lost.returncode == 1
    assert _status(site, "qiita")[0][0] == "unknown"
    retried = site.xpost("publish", str(p1), "--to", "qiita")
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.startswith("Qiita     created")
    bodies = sorted(item["body"] for item in site.qiita.items.values())
    assert len(bodies) == 2
    assert any("https://chezo.uno/p/1/ " in b for b in bodies)
    # Editing /p/1 afterwards touches its own item, never /p/10's.
    ten = next(i for i in site.qiita.items.values() if "/p/10/" in i["body"])
    before = dict(ten)
    site.write_post(1, body="書き直しました。")
    assert site.xpost("publish", str(p1), "--to", "qiita").returncode == 0
    assert site.qiita.items[ten["id"]]["body"] == before["body"]


# ── item 2: X, the author's own share of the link is not xpost's post ────────────────


def test_x_lookup_leaves_a_manual_share_alone_and_stays_unknown_until_settled(
    site: World,
) -> None:
    p1 = site.write_post(1)
    manual = site.x.add_post("Wrote something new: https://chezo.uno/p/1/")
    site.x.script("POST", "/2/tweets", nth=1, status=503)
    assert site.xpost("publish", str(p1), "--to", "twitter").returncode == 1
    again = site.xpost("publish", str(p1), "--to", "twitter")
    assert again.returncode == 1
    assert f"status/{manual} links this post but its text is not what xpost sends" in again.stdout
    assert "outcome stays unknown" in again.stdout
    assert _status(site, "twitter") == [("unknown", None)]
    assert len(site.x.created_texts()) == 1  # only the 503'd attempt
    forced = site.xpost("publish", str(p1), "--to", "twitter", "--force", "--yes")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert len(site.x.posts) == 2  # the manual share and exactly one xpost post
    assert _status(site, "twitter")[0][0] == "published"
    assert site.xpost("publish", str(p1), "--to", "twitter").stdout.startswith(
        "X         unchanged"
    )


def test_confirm_settles_an_unknown_x_outcome_with_the_posts_url(site: World) -> None:
    p1 = site.write_post(1)
    site.x.script("POST", "/2/tweets", nth=1, status=503)
    site.xpost("publish", str(p1), "--to", "twitter")
    manual = site.x.add_post("Post 1 https://chezo.uno/p/1/ (by hand)")
    url = f"https://x.com/chezou/status/{manual}"
    bad = site.xpost("confirm", str(p1), "twitter", "https://qiita.com/x/items/1")
    assert bad.returncode == 2
    done = site.xpost("confirm", str(p1), "twitter", url)
    assert done.returncode == 0, done.stderr
    assert _status(site, "twitter") == [("published", manual)]
    again = site.xpost("publish", str(p1), "--to", "twitter")
    assert again.stdout.startswith("X         unchanged")
    assert len(site.x.created_texts()) == 1


# ── item 3: the ledger is a cache, not the only guard ────────────────────────────────


def test_a_lost_ledger_republishes_nothing(site: World) -> None:
    posts = [site.write_post(n) for n in (1, 2)]
    for post in posts:
        done = site.xpost("publish", str(post), "--to", "qiita,twitter,zenn")
        assert done.returncode == 0, done.stderr
    remote = site.remote_log()
    for name in ("xpost.sqlite3", "xpost.sqlite3-wal", "xpost.sqlite3-shm"):
        (site.root / "data" / name).unlink(missing_ok=True)
    again = site.xpost("publish", *map(str, posts), "--to", "qiita,twitter,zenn")
    assert again.returncode == 0, again.stderr
    assert len(site.qiita.items) == 2
    assert len(site.x.posts) == 2
    assert site.remote_log() == remote
    assert "created" not in again.stdout
    assert [s for s, _ in _status(site, "qiita")] == ["published", "published"]
    # One GET per new copy on Qiita (the account's items), no write.
    gets = [r for r in site.qiita.requests if r.method != "GET"]
    assert len(gets) == 2  # the two original creates only


def test_publish_refuses_many_posts_on_an_empty_ledger(site: World) -> None:
    posts = [str(site.write_post(n)) for n in range(1, 6)]
    done = site.xpost("publish", *posts, "--to", "qiita")
    assert done.returncode == 2
    assert "the ledger is empty" in done.stderr and "first_run_limit 3" in done.stderr
    assert site.qiita.requests == []
    assert site.xpost("publish", *posts[:3], "--to", "qiita").returncode == 0


def test_relative_ledger_and_zenn_paths_resolve_from_the_config_folder(
    site: World, tmp_path: Path
) -> None:
    text = site.config.read_text(encoding="utf-8")
    text = text.replace(f'repo = "{site.root / "zenn"}"', 'repo = "zenn"')
    site.config.write_text(text + '[ledger]\npath = "state/ledger.sqlite3"\n', encoding="utf-8")
    p1 = site.write_post(1)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    import subprocess
    import sys

    def xpost(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "xpost", *args, "--config", str(site.config)]
        return subprocess.run(
            command, capture_output=True, text=True, env=site.env, cwd=elsewhere, timeout=120
        )

    first = xpost("publish", str(p1), "--to", "qiita,zenn")
    assert first.returncode == 0, first.stderr
    assert (site.root / "state" / "ledger.sqlite3").is_file()
    assert not (elsewhere / "state").exists() and not (elsewhere / "zenn").exists()
    assert xpost("publish", str(p1), "--to", "qiita,zenn").stdout.count("unchanged") == 2
    assert len(site.qiita.items) == 1
