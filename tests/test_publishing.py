"""Publishing for real against strict fake platforms: never twice, never lost, never leaked.

``xpost publish`` runs in-process through its real entry point; the fake adapters
(``fake_adapter.py``) log every request, so each test asserts exactly what was sent.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from fake_adapter import TOKEN, Site
from xpost.ledger import Ledger, TargetKey

POST_ID = "https://site.test/post/hello/"


@pytest.fixture
def site(fake_site: Site) -> Site:
    return fake_site


def rows(site: Site) -> dict[str, tuple[str, str | None]]:
    """platform → (status, remote_id), straight from the ledger."""
    with Ledger.open(site.ledger_file) as ledger:
        return {r.key.platform: (r.status, r.remote_id) for r in ledger.records(POST_ID)}


def test_first_run_creates_everywhere_and_a_rerun_sends_nothing(site: Site) -> None:
    post = site.write_post()
    first = site.xpost("publish", str(post), "--to", "blog,micro")
    assert (first.code, first.err) == (0, "")
    assert first.out == (
        "Blog      created    https://blog.example/items/Blog-1\n"
        "Micro     created    https://micro.example/items/Micro-1\n"
    )
    blog, micro = site.platforms["blog"], site.platforms["micro"]
    assert blog.requests == [("lookup", None), ("create", None)] and micro.requests == [
        ("lookup", None),
        ("create", None),
    ]
    assert blog.items["Blog-1"]["title"] == "Hello"
    assert micro.items["Micro-1"]["text"] == f"Hello {POST_ID}"
    assert rows(site) == {"blog": ("published", "Blog-1"), "micro": ("published", "Micro-1")}

    again = site.xpost("publish", str(post), "--to", "blog,micro")
    assert again.code == 0
    assert again.out == (
        "Blog      unchanged  https://blog.example/items/Blog-1\n"
        "Micro     unchanged  https://micro.example/items/Micro-1\n"
    )
    assert blog.requests == [("lookup", None), ("create", None)] and micro.requests == [
        ("lookup", None),
        ("create", None),
    ]


def test_an_edit_sends_exactly_one_update_to_the_same_copy(site: Site) -> None:
    post = site.xpost("publish", str(site.write_post()), "--to", "blog,micro")
    assert post.code == 0
    path = site.write_post(title="Hello, fixed", body="Second version, typo fixed.\n")
    run = site.xpost("publish", str(path), "--to", "blog,micro")
    assert run.code == 0
    assert run.out == (
        "Blog      updated    https://blog.example/items/Blog-1\n"
        "Micro     unchanged  https://micro.example/items/Micro-1  "
        "(changed, but Micro posts cannot be edited; "
        "--repost deletes the copy and posts it again)\n"
    )
    blog = site.platforms["blog"]
    assert blog.requests == [("lookup", None), ("create", None), ("update", "Blog-1")]
    assert blog.items["Blog-1"]["body"] == "Second version, typo fixed."
    assert site.platforms["micro"].requests == [("lookup", None), ("create", None)]


def test_create_whose_answer_never_came_is_looked_up_not_repeated(site: Site) -> None:
    post = str(site.write_post())
    blog = site.platforms["blog"]
    blog.script = ["timeout-after-apply"]
    lost = site.xpost("publish", post, "--to", "blog")
    assert lost.code == 1
    assert lost.out == "Blog      failed     Blog: no answer within 30s\n"
    assert rows(site) == {"blog": ("unknown", None)}

    retry = site.xpost("publish", post, "--to", "blog")
    assert retry.code == 0
    assert retry.out == "Blog      reconciled https://blog.example/items/Blog-1\n"
    assert blog.requests == [("lookup", None), ("create", None), ("lookup", None)]
    assert len(blog.items) == 1
    assert rows(site) == {"blog": ("published", "Blog-1")}
    assert site.xpost("publish", post, "--to", "blog").out.startswith("Blog      unchanged")


def test_pending_left_by_a_crash_is_looked_up_then_created_once(site: Site) -> None:
    post = site.write_post()
    with Ledger.open(site.ledger_file) as ledger:  # xpost died after saying "pending"
        ledger.mark_pending(TargetKey(POST_ID, "blog"), source=str(post), content_hash="x")
    run = site.xpost("publish", str(post), "--to", "blog")
    assert (run.code, run.out) == (0, "Blog      created    https://blog.example/items/Blog-1\n")
    assert site.platforms["blog"].requests == [("lookup", None), ("create", None)]


def test_reconciled_copy_of_an_older_text_is_then_updated(site: Site) -> None:
    post = str(site.write_post())
    blog = site.platforms["blog"]
    blog.script = ["timeout-after-apply"]
    site.xpost("publish", post, "--to", "blog")
    site.write_post(body="Edited while the answer was lost.\n")
    run = site.xpost("publish", post, "--to", "blog")
    assert (run.code, run.out) == (0, "Blog      updated    https://blog.example/items/Blog-1\n")
    assert blog.requests == [
        ("lookup", None),
        ("create", None),
        ("lookup", None),
        ("update", "Blog-1"),
    ]


def test_a_failed_lookup_never_falls_back_to_creating(site: Site) -> None:
    post = str(site.write_post())
    blog = site.platforms["blog"]
    blog.script = ["timeout-after-apply", "lookup:fail"]
    site.xpost("publish", post, "--to", "blog")
    run = site.xpost("publish", post, "--to", "blog")
    assert run.code == 1
    assert run.out == "Blog      failed     Blog: 500 internal server error; try again later\n"
    assert blog.requests == [("lookup", None), ("create", None), ("lookup", None)]
    assert rows(site) == {"blog": ("unknown", None)}


def test_partial_failure_records_the_others_and_retries_only_the_failed(site: Site) -> None:
    post = str(site.write_post())
    blog, micro = site.platforms["blog"], site.platforms["micro"]
    blog.script = ["fail"]
    run = site.xpost("publish", post, "--to", "blog,micro")
    assert run.code == 1
    assert run.out == (
        "Blog      failed     Blog: 500 internal server error; try again later\n"
        "Micro     created    https://micro.example/items/Micro-1\n"
    )
    assert rows(site) == {"blog": ("failed", None), "micro": ("published", "Micro-1")}
    again = site.xpost("publish", post, "--to", "blog,micro")
    assert again.code == 0
    assert blog.requests == [("lookup", None), ("create", None), ("create", None)]
    assert micro.requests == [("lookup", None), ("create", None)]
    assert again.out.splitlines()[0] == "Blog      created    https://blog.example/items/Blog-1"


def test_a_crashing_adapter_is_recorded_and_stops_nobody(site: Site) -> None:
    post = str(site.write_post())
    site.platforms["blog"].script = ["crash"]
    run = site.xpost("publish", post, "--to", "blog,micro")
    assert run.code == 1
    assert run.out.splitlines() == [
        "Blog      failed     Blog: the adapter failed unexpectedly: KeyError: 'id'",
        "Micro     created    https://micro.example/items/Micro-1",
    ]
    # It may have been created before the crash: looked up next time, not re-created.
    assert rows(site)["blog"] == ("unknown", None)
    site.xpost("publish", post, "--to", "blog")
    assert site.platforms["blog"].requests == [("lookup", None), ("create", None), ("lookup", None)]


def test_a_config_problem_found_while_sending_is_shown_as_is(site: Site) -> None:
    post = str(site.write_post())
    site.platforms["blog"].script = ["misconfigured"]
    run = site.xpost("publish", post, "--to", "blog")
    assert (run.code, run.out) == (
        1,
        "Blog      failed     xpost.toml: [blog] api_base: not an http(s) URL\n",
    )
    assert rows(site) == {"blog": ("failed", None)}  # refused before sending: not unknown


def test_rate_limit_sets_the_next_attempt(site: Site) -> None:
    post = str(site.write_post())
    site.platforms["blog"].script = ["rate-limited"]
    site.xpost("publish", post, "--to", "blog")
    with Ledger.open(site.ledger_file) as ledger:
        record = ledger.get(TargetKey(POST_ID, "blog"))
    assert record is not None and record.next_attempt_at and record.updated_at
    assert (record.next_attempt_at - record.updated_at).total_seconds() == 900
    assert record.last_error == "Blog: 429 rate limit reached"


def test_three_slow_platforms_take_as_long_as_one(site: Site) -> None:
    post = str(site.write_post())
    for platform in site.platforms.values():
        platform.delay = 0.3
    started = time.perf_counter()
    run = site.xpost("publish", post)
    elapsed = time.perf_counter() - started
    assert run.code == 0, run.out + run.err
    # Each platform: the lookup before a create the ledger has no record of, then it.
    assert [len(p.requests) for p in site.platforms.values()] == [2, 2, 2]
    assert elapsed < 1.2, f"{elapsed:.2f}s: the platforms did not run concurrently"


def test_conflict_needs_force_and_force_asks_first(site: Site) -> None:
    post = str(site.write_post())
    site.xpost("publish", post, "--to", "blog")
    blog = site.platforms["blog"]
    site.write_post(body="Changed here, edited there too.\n")
    blog.script = ["conflict"]
    run = site.xpost("publish", post, "--to", "blog")
    assert run.code == 1
    assert run.out == (
        "Blog      failed     Blog: the item was edited there since xpost last wrote it; "
        "--force overwrites\n"
    )
    refused = site.xpost("publish", post, "--to", "blog", "--force")
    assert refused.code == 2
    assert refused.err == (
        "xpost: error: --force asks for confirmation first: run it in a terminal or add --yes\n"
    )
    assert len(blog.requests) == 3
    blog.script = ["conflict"]
    forced = site.xpost("publish", post, "--to", "blog", "--force", "--yes")
    assert forced.code == 0 and forced.out.startswith("Blog      updated")
    assert blog.contexts[-1].force is True
    assert blog.items["Blog-1"]["body"] == "Changed here, edited there too."


def test_force_resends_an_unchanged_post_after_a_yes(site: Site) -> None:
    post = str(site.write_post())
    site.xpost("publish", post, "--to", "blog")
    site.monkeypatch.setattr("xpost.cli.prompts.interactive", lambda: True)
    no = site.xpost("publish", post, "--to", "blog", "--force", stdin="n\n")
    assert no.code == 2 and "Aborted." in no.err
    yes = site.xpost("publish", post, "--to", "blog", "--force", stdin="y\n")
    assert yes.code == 0 and "--force sends to Blog even if unchanged" in yes.err
    assert site.platforms["blog"].requests == [
        ("lookup", None),
        ("create", None),
        ("update", "Blog-1"),
    ]


def test_repost_deletes_then_creates_where_posts_cannot_be_edited(site: Site) -> None:
    post = str(site.write_post())
    site.xpost("publish", post, "--to", "micro")
    site.write_post(title="Hello again")
    run = site.xpost("publish", post, "--to", "micro", "--repost", "--yes")
    assert run.code == 0
    assert run.out == "Micro     reposted   https://micro.example/items/Micro-2\n"
    micro = site.platforms["micro"]
    assert micro.requests == [
        ("lookup", None),
        ("create", None),
        ("delete", "Micro-1"),
        ("create", None),
    ]
    assert list(micro.items) == ["Micro-2"]


def test_assisted_target_is_handed_off_then_confirmed(site: Site) -> None:
    post = str(site.write_post())
    desk = site.platforms["desk"]
    run = site.xpost("publish", post, "--to", "desk")
    assert run.code == 0
    assert run.out.splitlines()[0] == "Desk      awaiting   https://desk.example/event/42/"
    outbox = site.data / "outbox"
    assert (outbox.stat().st_mode & 0o777) == 0o700
    assert (outbox / "event-42-desk.md").read_text(encoding="utf-8") == "First version."
    assert rows(site) == {"desk": ("awaiting", "42")}

    waiting = site.xpost("publish", post, "--to", "desk")
    assert waiting.out == (
        "Desk      awaiting   https://desk.example/event/42/  "
        f"(not confirmed yet; once it is up: xpost confirm {post} desk)\n"
    )
    desk.confirmed = True
    done = site.xpost("publish", post, "--to", "desk")
    assert done.out == "Desk      confirmed  https://desk.example/event/42/\n"
    assert desk.requests == [
        ("lookup", None),
        ("handoff", None),
        ("lookup", None),
        ("lookup", None),
    ]
    assert rows(site) == {"desk": ("published", "42")}


def test_missing_credentials_stop_everything_before_sending(site: Site) -> None:
    site.monkeypatch.delenv("XPOST_MICRO_TOKEN")
    run = site.xpost("publish", str(site.write_post()), "--to", "blog,micro")
    assert run.code == 2
    assert run.out == ""
    assert run.err == (
        "xpost: error: Micro: no credentials (token): "
        "run 'xpost auth set micro' or set XPOST_MICRO_TOKEN\n"
    )
    assert site.platforms["blog"].requests == [] == site.platforms["micro"].requests


def test_a_revoked_token_fails_that_platform_cleanly(site: Site) -> None:
    site.monkeypatch.setenv("XPOST_BLOG_TOKEN", "revoked-token-0000")
    run = site.xpost("publish", str(site.write_post()), "--to", "blog,micro")
    assert run.code == 1
    assert run.out.splitlines()[0] == (
        "Blog      failed     Blog: 401 the token was refused; run 'xpost auth set'"
    )
    assert rows(site)["micro"] == ("published", "Micro-1")


def test_secrets_never_reach_the_ledger_or_the_output(site: Site) -> None:
    post = str(site.write_post())
    site.platforms["blog"].script = ["leak"]
    run = site.xpost("publish", post, "--to", "blog,micro", "--json")
    assert run.code == 1
    doc = json.loads(run.out)
    assert doc["posts"][0]["targets"][0]["error"] == (
        "Blog: 400 bad request (Authorization: Bearer ***)"
    )
    status = site.xpost("status", post, "--json")
    history = site.xpost("history", "--json")
    for text in (run.out, run.err, status.out, history.out):
        assert TOKEN not in text
    assert "Bearer ***" in history.out
    for path in site.data.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
    # The checkpointed SQLite pages too, not only what the WAL still holds.
    db = sqlite3.connect(site.ledger_file)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    assert TOKEN.encode() not in site.ledger_file.read_bytes()


def test_checkpointed_progress_is_resumed_not_restarted(site: Site) -> None:
    post = site.write_post()
    key = TargetKey(POST_ID, "blog")
    with Ledger.open(site.ledger_file) as ledger:
        from xpost.adapters.base import Receipt

        ledger.mark_pending(key, source=str(post), content_hash="x")
        ledger.record_checkpoint(key, Receipt("Blog-7", state={"parts": ["Blog-7"]}))
        ledger.record_failed(key, "Blog: 500")
    site.platforms["blog"].items["Blog-7"] = {"id": "Blog-7"}
    run = site.xpost("publish", str(post), "--to", "blog")
    assert run.out == "Blog      created    https://blog.example/items/Blog-7\n"
    assert site.platforms["blog"].requests == [("update", "Blog-7")]


def test_write_back_adds_the_live_urls(site: Site) -> None:
    post = site.write_post()
    run = site.xpost("publish", str(post), "--to", "blog,desk", "--write-back")
    assert run.code == 0, run.err
    text = post.read_text(encoding="utf-8")
    assert "https://blog.example/items/Blog-1" in text
    assert "desk.example" not in text  # awaiting: not live yet
    assert text.endswith("---\nFirst version.\n")


def test_an_adapter_that_cannot_look_up_is_never_sent_twice_after_an_unknown_outcome(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10: "not found" is never read into an adapter without a real lookup."""
    from fake_adapter import BlogAdapter

    monkeypatch.setattr(BlogAdapter, "can_lookup", False)
    post = str(site.write_post())
    blog = site.platforms["blog"]
    blog.script = ["crash"]  # applied, then the adapter raised: outcome unknown
    assert site.xpost("publish", post, "--to", "blog").code == 1
    again = site.xpost("publish", post, "--to", "blog")
    assert again.code == 1
    assert "cannot look the copy up" in again.out and f"xpost confirm {post} blog URL" in again.out
    assert blog.requests == [("create", None)]
    assert rows(site) == {"blog": ("unknown", None)}
    done = site.xpost("confirm", post, "blog", "https://blog.example/items/Blog-1")
    assert done.code == 0
    assert rows(site)["blog"][0] == "published"
    assert site.xpost("publish", post, "--to", "blog").out.startswith("Blog      unchanged")
    assert blog.requests == [("create", None)]
