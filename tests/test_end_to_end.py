"""The seed post through the real command, to every platform at once, as a user runs it:
publish, rerun, fix a typo, look at the record. Fakes check every request against the
platforms' contracts; the Zenn remote is a real bare git repository."""

from __future__ import annotations

import json

import pytest

from e2e_world import World
from fakes.qiita import TOKEN
from fakes.x import CREDENTIALS

pytestmark = pytest.mark.shared

SLUG = "2022-07-15-mlse-infraop-wg"
CANONICAL = f"https://chezo.uno/post/{SLUG}/"
ZENN_SLUG = f"{SLUG}-8eb3d3"  # a derived Zenn slug has a suffix, stable for the post


def lines(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def assert_no_secret(*texts: str) -> None:
    for secret in (TOKEN, *CREDENTIALS.values()):
        for text in texts:
            assert secret not in text


def test_publish_rerun_edit_and_status(site: World) -> None:
    first = site.xpost("publish", str(site.post))
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # the seed loses nothing anywhere: no warning to give
    rows = lines(first.stdout)
    assert [row[:2] for row in rows] == [
        ["X", "created"],
        ["Qiita", "created"],
        ["Zenn", "created"],
        ["connpass", "skipped"],
    ]
    assert rows[0][2].startswith("https://x.com/chezou/status/")
    assert rows[1][2].startswith("https://qiita.com/")
    assert rows[2][2] == f"https://zenn.dev/chezo/articles/{ZENN_SLUG}"
    # What each platform received.
    assert site.x.created_texts() == [
        f"機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました\n{CANONICAL}"
    ]
    assert site.qiita.calls("POST") == [("POST", "/api/v2/items")]
    (item,) = site.qiita.items.values()
    assert item["body"].startswith(f"この記事は {CANONICAL} からの転載です。\n")
    assert item["body"].count('class="speakerdeck-embed"') == 2
    assert site.remote_log() == [
        'xpost: publish "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました" '
        f"({ZENN_SLUG})",
        "initial",
    ]
    article = site.remote_file(f"articles/{ZENN_SLUG}.md")
    assert "@[speakerdeck](d2b7118ec5eb461fbe8c79bb6343f6b8)" in article

    # A rerun sends nothing anywhere.
    again = site.xpost("publish", str(site.post))
    assert again.returncode == 0, again.stderr
    assert [row[:2] for row in lines(again.stdout)][:3] == [
        ["X", "unchanged"],
        ["Qiita", "unchanged"],
        ["Zenn", "unchanged"],
    ]
    assert len(site.x.created_texts()) == 1
    assert site.qiita.calls("POST") == [("POST", "/api/v2/items")]
    assert site.qiita.calls("PATCH") == []
    assert len(site.remote_log()) == 2

    # A typo fixed: Qiita patched in place, Zenn rewritten in one commit, X left alone.
    text = site.post.read_text(encoding="utf-8")
    site.post.write_text(
        text.replace("そちらにも期待です。", "そちらにも期待しています。"), encoding="utf-8"
    )
    edited = site.xpost("publish", str(site.post))
    assert edited.returncode == 0, edited.stderr
    rows = lines(edited.stdout)
    assert [row[:2] for row in rows][:3] == [
        ["X", "unchanged"],
        ["Qiita", "updated"],
        ["Zenn", "updated"],
    ]
    # The X post (title and link) did not change: nothing to say about it.
    assert edited.stdout.splitlines()[0].split() == rows[0]
    (item_id,) = site.qiita.items
    assert site.qiita.calls("PATCH") == [("PATCH", f"/api/v2/items/{item_id}")]
    assert len(site.x.created_texts()) == 1
    assert len(site.remote_log()) == 3
    assert "そちらにも期待しています。" in site.remote_file(f"articles/{ZENN_SLUG}.md")

    status = site.xpost("status", str(site.post), "--json")
    assert status.returncode == 0, status.stderr
    record = json.loads(status.stdout)
    assert record["id"] == CANONICAL
    by = {s["platform"]: s for s in record["syndications"]}
    assert by["qiita"]["status"] == "published"
    assert by["qiita"]["remote_id"] == item_id
    assert by["zenn"]["url"] == f"https://zenn.dev/chezo/articles/{ZENN_SLUG}"
    assert by["twitter"]["url"].startswith("https://x.com/chezou/status/")

    history = site.xpost("history", "--json")
    assert history.returncode == 0, history.stderr
    assert_no_secret(
        first.stdout, first.stderr, again.stdout, edited.stdout, status.stdout, history.stdout
    )
    ledger = (site.root / "data" / "xpost.sqlite3").read_bytes()
    assert TOKEN.encode() not in ledger


def test_a_platform_down_fails_only_itself_and_is_retried_next_run(site: World) -> None:
    site.qiita.fail_next("POST", 503)
    first = site.xpost("publish", str(site.post), "--to", "qiita,zenn")
    assert first.returncode == 1
    assert [row[:2] for row in lines(first.stdout)] == [["Qiita", "failed"], ["Zenn", "created"]]
    second = site.xpost("publish", str(site.post), "--to", "qiita,zenn")
    assert second.returncode == 0, second.stdout + second.stderr
    assert [row[:2] for row in lines(second.stdout)] == [
        ["Qiita", "created"],
        ["Zenn", "unchanged"],
    ]
    assert len(site.qiita.items) == 1


def test_what_a_platform_cannot_carry_is_said_when_publishing(site: World) -> None:
    text = site.post.read_text(encoding="utf-8")
    site.post.write_text(text + "\n<marquee>old school</marquee>\n", encoding="utf-8")
    published = site.xpost("publish", str(site.post), "--to", "zenn")
    assert published.returncode == 0, published.stderr
    assert published.stderr == (
        "xpost: Zenn shows raw HTML as text: <marquee> left out, its text kept\n"
    )


def test_a_create_whose_answer_never_came_is_never_made_twice(site: World) -> None:
    site.qiita.drop_next("POST")  # Qiita stores the item, the answer is lost
    first = site.xpost("publish", str(site.post), "--to", "qiita")
    assert first.returncode == 1
    assert lines(first.stdout)[0][:2] == ["Qiita", "failed"]
    assert len(site.qiita.items) == 1
    second = site.xpost("publish", str(site.post), "--to", "qiita")
    assert second.returncode == 0, second.stdout + second.stderr
    assert lines(second.stdout)[0][:2] == ["Qiita", "reconciled"]
    assert site.qiita.calls("POST") == [("POST", "/api/v2/items")]
    assert len(site.qiita.items) == 1


def test_a_zenn_commit_made_with_push_off_is_pushed_once_pushing_is_on(site: World) -> None:
    config = site.config.read_text(encoding="utf-8")
    site.config.write_text(config.replace('username = "chezo"', 'username = "chezo"\npush = false'))
    first = site.xpost("publish", str(site.post), "--to", "zenn")
    assert first.returncode == 0, first.stderr
    assert lines(first.stdout)[0][:2] == ["Zenn", "created"]
    assert site.remote_log() == ["initial"]  # committed, not pushed

    site.config.write_text(config)  # push = true (the default) again
    second = site.xpost("publish", str(site.post), "--to", "zenn")
    assert second.returncode == 0, second.stderr
    assert lines(second.stdout)[0][:2] == ["Zenn", "updated"]
    assert len(site.remote_log()) == 2
    third = site.xpost("publish", str(site.post), "--to", "zenn")
    assert lines(third.stdout)[0][:2] == ["Zenn", "unchanged"]


def test_a_zenn_article_unpublished_after_edits_can_be_published_again(site: World) -> None:
    def edit(old: str, new: str) -> None:
        site.post.write_text(site.post.read_text(encoding="utf-8").replace(old, new))

    assert site.xpost("publish", str(site.post), "--to", "zenn").returncode == 0
    edit("そちらにも期待です。", "そちらにも期待しています。")
    assert lines(site.xpost("publish", str(site.post), "--to", "zenn").stdout)[0][1] == "updated"
    edit("今後の活動が楽しみです。", "今後の活動がとても楽しみです。")
    down = site.xpost("unpublish", str(site.post), "--from", "zenn", "--yes")
    assert down.returncode == 0, down.stdout + down.stderr
    again = site.xpost("publish", str(site.post), "--to", "zenn")
    assert again.returncode == 0, again.stdout + again.stderr
    assert lines(again.stdout)[0][:2] == ["Zenn", "created"]
    article = site.remote_file(f"articles/{ZENN_SLUG}.md")
    assert "published: true" in article and "とても楽しみです。" in article
