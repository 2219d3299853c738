"""What ``publish`` decides for a target: --force on lost answers and unchanged text,
--mark-existing, warnings said once, a dry run's reasons (issue 11; the comment of each
names the edit it catches).
"""

from __future__ import annotations

from typing import Any

import pytest

import xpost
import xpost.cli.run
from fake_adapter import BlogAdapter, Site
from xpost.adapters.base import Draft, Receipt
from xpost.ledger import Ledger, TargetKey
from xpost.post import Post

# ── publishing: --force where an unknown outcome or a hand-off is settled ──────


@pytest.fixture
def site(fake_site: Site) -> Site:
    return fake_site


def test_force_updates_a_copy_found_after_a_lost_answer(site: Site) -> None:
    """``changed = self.options.force or …`` in ``_reconcile`` → without ``force``: the
    copy found is only reconciled, and --force does not overwrite an edit made there."""
    post = str(site.write_post())
    blog = site.platforms["blog"]
    blog.script = ["timeout-after-apply"]
    assert site.xpost("publish", post, "--to", "blog").code == 1
    blog.items["Blog-1"]["body"] = "Edited on the platform."
    forced = site.xpost("publish", post, "--to", "blog", "--force", "--yes")
    assert (forced.code, forced.out) == (
        0,
        "Blog      updated    https://blog.example/items/Blog-1\n",
    )
    assert blog.requests[-2:] == [("lookup", None), ("update", "Blog-1")]
    assert blog.items["Blog-1"]["body"] == "First version."


def test_force_hands_an_unchanged_text_over_again(site: Site) -> None:
    """``if self.options.force or step.changed`` in ``_confirm`` → ``step.changed``."""
    post = str(site.write_post())
    desk = site.platforms["desk"]
    assert site.xpost("publish", post, "--to", "desk").code == 0
    (site.data / "outbox" / "event-42-desk.md").unlink()  # the user lost the file
    forced = site.xpost("publish", post, "--to", "desk", "--force", "--yes")
    assert forced.code == 0
    assert forced.out.splitlines()[0] == "Desk      awaiting   https://desk.example/event/42/"
    assert desk.sent("handoff") == [None, None]
    outbox = site.data / "outbox" / "event-42-desk.md"
    assert outbox.read_text(encoding="utf-8") == "First version."


# ── publishing: planning from the ledger ───────────────────────────────────────


def test_publish_creates_a_post_marked_existing_without_sending(site: Site) -> None:
    """``post_id != post.id and status != "removed"`` → ``or``: the post's own 'skipped'
    record would read as a copy under another id, and publish would never send it."""
    post = site.write_post()
    with Ledger.open(site.ledger_file) as ledger:  # what 'xpost run --mark-existing' does
        ledger.record_skipped([(TargetKey("https://site.test/post/hello/", "blog"), str(post))])
    run = site.xpost("publish", str(post), "--to", "blog")
    assert (run.code, run.out) == (0, "Blog      created    https://blog.example/items/Blog-1\n")


# ── engine ─────────────────────────────────────────────────────────────────────


def test_publish_says_each_warning_of_what_it_sends_once_under_its_platform(
    site: Site,
) -> None:
    """``Syndicator.send``: the warnings of sending steps only (``step.sends and …``),
    each prefixed with the platform's label unless it already starts with it."""
    render = BlogAdapter.render

    def with_warnings(self: BlogAdapter, post: Post, options: Any) -> Draft:
        draft = render(self, post, options)
        if self.name == "blog":
            draft.warnings = ["Blog: the image has no alt text", "a footnote became text"]
        return draft

    site.monkeypatch.setattr(BlogAdapter, "render", with_warnings)
    post = str(site.write_post())
    first = site.xpost("publish", post, "--to", "blog")
    assert (first.code, first.err) == (
        0,
        "xpost: Blog: the image has no alt text\nxpost: Blog: a footnote became text\n",
    )
    again = site.xpost("publish", post, "--to", "blog")  # unchanged: nothing sent, no word
    assert (again.code, again.err) == (0, "")
    quiet = site.xpost("publish", post, "--to", "blog", "--force", "--yes", "-q")
    assert (quiet.code, quiet.err) == (0, "")


def test_a_dry_run_gives_the_ledgers_reason_for_a_skip_and_only_for_a_skip(
    site: Site,
) -> None:
    """``step.kind == "skip"`` in ``Syndicator.preview`` → ``<``/``>``: the reason a
    file recorded under its old URL is held back would be lost, or a note that is no
    reason would be shown as one."""
    post = site.write_post()
    with Ledger.open(site.ledger_file) as ledger:
        old = TargetKey("https://site.test/old/hello/", "blog")
        ledger.record_published(old, Receipt("Blog-1"), content_hash="0" * 64, source=str(post))
        micro = TargetKey("https://site.test/post/hello/", "micro")
        ledger.record_published(micro, Receipt("Micro-1"), content_hash="0" * 64, source=None)
    [prepared] = xpost.dry_run([post], to=["blog", "micro"])
    blog_target, micro_target = prepared.targets
    assert blog_target.action == "skip"
    assert blog_target.reason is not None
    assert blog_target.reason.startswith(
        "this file is recorded (published) as https://site.test/old/hello/ and its URL is now"
    )
    assert (micro_target.action, micro_target.reason) == ("unchanged", None)
    assert site.platforms["blog"].requests == [] == site.platforms["micro"].requests
