"""Publishing through the real command against a fake Hatena Blog that checks every request."""

from __future__ import annotations

import pytest

from conftest import Site


def _entry(site: Site) -> dict:
    (entry,) = site.hatena.entries.values()
    return entry


def test_create_once_then_nothing_then_update_in_place(site: Site) -> None:
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    entry = _entry(site)
    assert entry["title"] == "xpost で Hatena Blog に配信する"
    assert entry["categories"] == ["Python", "CLI"]
    assert entry["updated"].startswith("2024-05-01T09:00:00")  # the post's own date
    assert "二つ目の段落 & <タグ>。" in entry["content"]  # escaped on the wire, intact here
    assert "最初の段落です。折り返した行。" in entry["content"]

    again = site.xpost("publish", str(site.post))
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert len(site.hatena.writes()) == 1

    site.write_post("誤字を直した段落。\n")
    edited = site.xpost("publish", str(site.post))
    assert edited.returncode == 0, edited.stderr
    assert "updated" in edited.stdout
    writes = site.hatena.writes()
    assert [w.method for w in writes] == ["POST", "PUT"]
    assert writes[1].path.endswith("/atom/entry/" + next(iter(site.hatena.entries)))
    assert "誤字を直した" in _entry(site)["content"]


@pytest.mark.parametrize("auth", ["wsse", "basic"])
def test_both_authentications_work(site: Site, auth: str) -> None:
    site.config.write_text(site.config.read_text() + f'auth = "{auth}"\n')
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stderr
    assert len(site.hatena.entries) == 1


def test_a_lost_create_answer_is_reconciled_without_a_second_entry(site: Site) -> None:
    site.hatena.drop_next("POST")
    assert site.xpost("publish", str(site.post)).returncode == 1
    assert len(site.hatena.entries) == 1
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stderr
    assert len(site.hatena.entries) == 1
    assert [w.method for w in site.hatena.writes()] == ["POST"]


def test_a_server_error_on_create_is_looked_up_not_retried_blindly(site: Site) -> None:
    site.hatena.fail_next("POST", 500)
    assert site.xpost("publish", str(site.post)).returncode == 1
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stderr
    assert len(site.hatena.entries) == 1


def test_a_lost_update_answer_is_not_a_conflict(site: Site) -> None:
    assert site.xpost("publish", str(site.post)).returncode == 0
    site.write_post("二版目。\n")
    site.hatena.drop_next("PUT")
    assert site.xpost("publish", str(site.post)).returncode == 1
    assert "二版目。" in _entry(site)["content"]
    site.write_post("三版目。\n")
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "三版目。" in _entry(site)["content"]


def test_an_entry_edited_on_hatena_is_not_overwritten_without_force(site: Site) -> None:
    assert site.xpost("publish", str(site.post)).returncode == 0
    entry_id = next(iter(site.hatena.entries))
    site.hatena.edit_on_hatena(entry_id, "はてなで手直しした本文")
    site.write_post("新しい版。\n")
    refused = site.xpost("publish", str(site.post))
    assert refused.returncode == 1
    assert "edited on Hatena" in refused.stdout + refused.stderr
    assert _entry(site)["content"] == "はてなで手直しした本文"
    forced = site.xpost("publish", str(site.post), "--force", "--yes")
    assert forced.returncode == 0, forced.stderr
    assert "新しい版。" in _entry(site)["content"]


def test_drafts_on_hatena_stay_drafts(site: Site) -> None:
    site.config.write_text(site.config.read_text() + "draft = true\n")
    assert site.xpost("publish", str(site.post)).returncode == 0
    assert _entry(site)["draft"] is True
    site.write_post("下書きのまま直す。\n")
    assert site.xpost("publish", str(site.post)).returncode == 0
    assert _entry(site)["draft"] is True


def test_wrong_key_fails_that_target_with_a_clear_line(site: Site) -> None:
    done = site.xpost("publish", str(site.post), api_key="wrong-key")
    assert done.returncode == 1
    assert "rejected" in done.stdout + done.stderr
    assert "wrong-key" not in done.stdout + done.stderr
    assert site.hatena.entries == {}


def test_missing_blog_id_is_bad_config_and_nothing_is_sent(site: Site) -> None:
    site.config.write_text(site.config.read_text().replace('blog_id = "', 'blog_idx = "'))
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert site.hatena.calls == []


def test_unpublish_deletes_the_entry(site: Site) -> None:
    assert site.xpost("publish", str(site.post)).returncode == 0
    done = site.xpost("unpublish", str(site.post), "--from", "hatenablog", "--yes")
    assert done.returncode == 0, done.stderr
    assert site.hatena.entries == {}
    assert site.hatena.writes()[-1].method == "DELETE"
