"""Publishing through the real command against a fake Forem that checks every request."""

from __future__ import annotations

from conftest import Site


def _article(site: Site) -> dict:
    (article,) = site.forem.articles.values()
    return article


def test_create_once_then_nothing_then_update_in_place(site: Site) -> None:
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    article = _article(site)
    assert article["canonical_url"] == "https://blog.example.org/post/shipping-xpost/"
    assert article["tags"] == "python, cli, githubactions"

    again = site.xpost("publish", str(site.post))
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert len(site.forem.writes()) == 1

    site.write_post("First paragraph, with a typo fixed.\n\nSecond paragraph.\n")
    edited = site.xpost("publish", str(site.post))
    assert edited.returncode == 0, edited.stderr
    assert "updated" in edited.stdout
    writes = site.forem.writes()
    assert [w.method for w in writes] == ["POST", "PUT"]
    assert writes[1].path == f"/api/articles/{article['id']}"
    assert "typo fixed" in _article(site)["body_markdown"]


def test_a_lost_create_answer_is_reconciled_without_a_second_article(site: Site) -> None:
    site.forem.drop_next("POST")
    first = site.xpost("publish", str(site.post))
    assert first.returncode == 1
    assert len(site.forem.articles) == 1  # it did land

    second = site.xpost("publish", str(site.post))
    assert second.returncode == 0, second.stderr
    assert len(site.forem.articles) == 1
    assert [w.method for w in site.forem.writes()] == ["POST"]


def test_a_server_error_on_create_is_looked_up_not_retried_blindly(site: Site) -> None:
    site.forem.fail_next("POST", 502)
    assert site.xpost("publish", str(site.post)).returncode == 1
    assert site.forem.articles == {}
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stderr
    assert len(site.forem.articles) == 1


def test_a_lost_update_answer_is_not_a_conflict(site: Site) -> None:
    assert site.xpost("publish", str(site.post)).returncode == 0
    site.write_post("Second version.\n")
    site.forem.drop_next("PUT")
    assert site.xpost("publish", str(site.post)).returncode == 1
    assert "Second version." in _article(site)["body_markdown"]  # it landed

    site.write_post("Third version.\n")
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Third version." in _article(site)["body_markdown"]


def test_an_article_edited_on_dev_is_not_overwritten_without_force(site: Site) -> None:
    assert site.xpost("publish", str(site.post)).returncode == 0
    article = _article(site)
    site.forem.edit_on_dev(article["id"], "Edited by hand on DEV.")
    site.write_post("A new version.\n")

    refused = site.xpost("publish", str(site.post))
    assert refused.returncode == 1
    assert "edited on DEV" in refused.stdout + refused.stderr
    assert _article(site)["body_markdown"] == "Edited by hand on DEV."

    forced = site.xpost("publish", str(site.post), "--force", "--yes")
    assert forced.returncode == 0, forced.stderr
    assert "A new version." in _article(site)["body_markdown"]


def test_an_article_with_our_canonical_url_but_other_content_is_not_adopted(site: Site) -> None:
    # The author cross-posted by hand before using xpost.
    status = site.forem.create_by_hand(
        {
            "title": "Mine",
            "body_markdown": "by hand",
            "published": True,
            "canonical_url": "https://blog.example.org/post/shipping-xpost/",
        }
    )
    assert status == 201
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 1
    assert "xpost confirm" in done.stdout + done.stderr
    assert len(site.forem.articles) == 1


def test_wrong_key_fails_that_target_with_a_clear_line(site: Site) -> None:
    done = site.xpost("publish", str(site.post), api_key="wrong-key")
    assert done.returncode == 1
    assert "API key was rejected" in done.stdout + done.stderr
    assert "wrong-key" not in done.stdout + done.stderr
    assert site.forem.articles == {}


def test_a_short_rate_limit_is_waited_out(site: Site) -> None:
    site.forem.rate_limit_next("POST", 1)
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 0, done.stderr
    assert len(site.forem.articles) == 1


def test_a_long_rate_limit_fails_and_says_when(site: Site) -> None:
    site.forem.rate_limit_next("POST", 3600)
    done = site.xpost("publish", str(site.post))
    assert done.returncode == 1
    assert "rate limited" in (done.stdout + done.stderr).lower()
    assert site.forem.articles == {}


def test_unpublish_sets_published_false(site: Site) -> None:
    assert site.xpost("publish", str(site.post)).returncode == 0
    done = site.xpost("unpublish", str(site.post), "--from", "devto", "--yes")
    assert done.returncode == 0, done.stderr
    assert _article(site)["published"] is False
    assert site.forem.writes()[-1].body == {"article": {"published": False}}
