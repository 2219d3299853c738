"""Issue 9's publishing cases through the real command, against the fake platforms:
a post dated in the future is not sent early; a Qiita CLI file updates its own item;
a public Qiita item is never turned into limited share."""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e_world import World

pytestmark = pytest.mark.shared

FUTURE = """---
title: "第10回 勉強会のお知らせ"
date: 2099-06-20T19:00:00+09:00
slug: meetup-10-announcement
tags: [MLOps]
---

第10回を開催します。
"""


def write(site: World, name: str, text: str) -> Path:
    path = site.root / "site" / "content" / "post" / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_future_post_is_refused_where_the_platform_cannot_schedule(site: World) -> None:
    post = write(site, "future.md", FUTURE)
    refused = site.xpost("publish", str(post))
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert refused.stderr == (
        f"xpost: error: {post}: dated 2099-06-20 19:00 +0900, in the future: X, Qiita "
        "cannot schedule a post, so nothing was sent; xpost run sends it when its "
        "date comes, or pass --now to send it now\n"
    )
    assert site.qiita.calls() == [] and site.x.created_texts() == []
    assert site.remote_log() == ["initial"]


def test_a_future_post_goes_to_zenn_with_published_at(site: World) -> None:
    post = write(site, "future.md", FUTURE)
    done = site.xpost("publish", str(post), "--to", "zenn")
    assert done.returncode == 0, done.stderr
    (article,) = [name for name in site.remote_files() if name.startswith("articles/")]
    assert 'published_at: "2099-06-20 19:00"' in site.remote_file(article)


def test_the_dry_run_says_until_when_and_now_sends_anyway(site: World) -> None:
    post = write(site, "future.md", FUTURE)
    preview = site.xpost("publish", str(post), "--dry-run")
    assert preview.returncode == 0
    assert preview.stdout.count("skipped: scheduled for 2099-06-20 19:00 +0900: ") == 2
    assert "── Zenn · create · " in preview.stdout
    sent = site.xpost("publish", str(post), "--to", "qiita", "--now")
    assert sent.returncode == 0, sent.stderr
    assert site.qiita.calls("POST") == [("POST", "/api/v2/items")]


QIITA_CLI = """---
title: Qiita CLI で管理している記事
tags:
  - Qiita
private: false
updated_at: '2024-03-10T12:00:00+09:00'
id: {id}
organization_url_name: null
slide: false
ignorePublish: false
---

新しい本文です。
"""


def test_a_qiita_cli_file_updates_its_own_item(site: World) -> None:
    item = site.qiita.seed_item(
        {"title": "Qiita CLI で管理している記事", "body": "古い本文", "tags": [{"name": "Qiita"}]}
    )
    post = write(site, "qiita-cli.md", QIITA_CLI.format(id=item["id"]))
    done = site.xpost("publish", str(post), "--to", "qiita")
    assert done.returncode == 0, done.stderr
    # The ledger had no record, so the line says "created"; Qiita saw one PATCH.
    assert done.stdout.split()[0] == "Qiita"
    assert done.stdout.split()[2].endswith(f"/items/{item['id']}")
    assert site.qiita.calls("POST") == []  # no second item
    assert [call[0] for call in site.qiita.calls("PATCH")] == ["PATCH"]
    body = site.qiita.items[item["id"]]["body"]
    assert body == "新しい本文です。\n"  # the item is the original: no "originally at" line


def test_a_public_qiita_item_is_never_made_limited_share(site: World) -> None:
    post = write(site, "share.md", FUTURE.replace("2099", "2020"))
    assert site.xpost("publish", str(post), "--to", "qiita").returncode == 0
    post.write_text(
        post.read_text(encoding="utf-8").replace(
            "tags: [MLOps]", "tags: [MLOps]\nxpost:\n  qiita: {private: true}"
        ),
        encoding="utf-8",
    )
    refused = site.xpost("publish", str(post), "--to", "qiita")
    assert refused.returncode == 1
    assert "is public and Qiita refuses to make a public item limited share" in refused.stdout + (
        refused.stderr
    )
    assert site.qiita.calls("PATCH") == []
    (item,) = site.qiita.items.values()
    assert item["private"] is False


def test_a_qiita_403_tells_a_rule_from_a_missing_scope(site: World) -> None:
    post = write(site, "share.md", FUTURE.replace("2099", "2020"))
    site.qiita.fail_next(
        "POST", 403, body={"message": "Tag name must not contain spaces", "type": "forbidden"}
    )
    rule = site.xpost("publish", str(post), "--to", "qiita")
    assert rule.returncode == 1
    said = rule.stdout + rule.stderr
    assert "Qiita refused the item (403) on POST /api/v2/items: Tag name must not contain" in said
    assert "one of Qiita's rules, not a token problem" in said and "scope" not in said
    site.qiita.fail_next("POST", 403)  # Qiita's bare answer to a token without write_qiita
    scope = site.xpost("publish", str(post), "--to", "qiita")
    assert "check that the token has the write_qiita scope" in scope.stdout + scope.stderr
