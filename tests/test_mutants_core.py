"""Tests that fail when the core is wrong: plan, ledger, publishing, engine, schedule,
credentials, runner.

Each one was written for a mutant ``scripts/mutation`` found alive (issue 11, "Tests
that fail when the code is wrong") and checks behaviour through the public functions
or the real command; the comment above each names the edit it catches.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import keyring
import pytest

from credential_fakes import MemoryKeyring
from fake_adapter import BlogAdapter, MicroAdapter, Site
from xpost.adapters.base import Draft, NoSettings
from xpost.config import SiteConfig
from xpost.ledger import Record, TargetKey
from xpost.plan import content_hash, plan_target
from xpost.prepare import Target
from xpost.scan import CachedFile, ScheduleFields
from xpost.schedule import timing

KEY = TargetKey("post-1", "blog")


def _target(platform: str = "blog", payload: dict[str, str] | None = None) -> Target:
    payload = payload or {"title": "Hello", "body": "こんにちは"}
    return Target(platform, platform.title(), "create", Draft(platform, payload))


# ── plan ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("sent", ["0" * 64, "f" * 64])
def test_a_published_copy_of_another_text_is_updated_whichever_hash_sorts_first(
    sent: str,
) -> None:
    """``record.content_hash != digest`` → ``>`` / ``<``: half of all edits unseen."""
    adapter = BlogAdapter(NoSettings(), SiteConfig())
    record = Record(KEY, "published", remote_id="42", content_hash=sent)
    assert plan_target(_target(), record, adapter).kind == "update"


@pytest.mark.parametrize("sent", ["0" * 64, "f" * 64])
def test_an_uneditable_copy_says_changed_only_when_it_did(sent: str) -> None:
    """The note under ``--force`` compares hashes (``!=`` → ``>=``, ``is not``)."""
    adapter = MicroAdapter(NoSettings(), SiteConfig())
    target = _target("micro", {"text": "Hello"})
    same = Record(KEY, "published", remote_id="42", content_hash=content_hash({"text": "Hello"}))
    forced = plan_target(target, same, adapter, force=True)
    assert forced.kind == "unchanged"
    assert forced.note == (
        "Micro posts cannot be edited; --repost deletes the copy and posts it again"
    )
    other = Record(KEY, "published", remote_id="42", content_hash=sent)
    for force in (False, True):
        step = plan_target(target, other, adapter, force=force)
        assert step.kind == "unchanged"
        assert step.note is not None and step.note.startswith("changed, but Micro posts")


# ── publishing: --force where an unknown outcome or a hand-off is settled ──────


@pytest.fixture
def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Site]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield Site(tmp_path, monkeypatch, capsys)
    keyring.set_keyring(previous)


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


# ── schedule ───────────────────────────────────────────────────────────────────


def test_a_file_exactly_min_age_old_is_due_and_one_second_younger_is_not() -> None:
    """``age < min_age`` → ``<=``: a file that has settled for exactly min_age waits."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

    def changed(seconds: int) -> CachedFile:
        mtime_ns = int((now - timedelta(seconds=seconds)).timestamp()) * 1_000_000_000
        return CachedFile("p.md", 10, mtime_ns, "sha", "key", ScheduleFields())

    assert timing(changed(300), now, 300.0).state == "due"
    assert timing(changed(299), now, 300.0).state == "settling"
