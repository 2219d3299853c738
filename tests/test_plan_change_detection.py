"""The plan's change detection: when a recorded copy is changed, unchanged or forced
(issue 11: each test fails when the code is wrong).
"""

from __future__ import annotations

import pytest

from fake_adapter import BlogAdapter, MicroAdapter
from xpost.adapters.base import Draft, NoSettings
from xpost.config import SiteConfig
from xpost.ledger import Record, TargetKey
from xpost.plan import Step, content_hash, plan_target
from xpost.prepare import Target

PAYLOAD = {"title": "Hello", "body": "こんにちは"}

HASH = content_hash(PAYLOAD)

KEY = TargetKey("post-1", "blog")


def target() -> Target:
    return Target("blog", "Blog", "create", Draft("blog", dict(PAYLOAD)))


# -- plan: ``Step.changed`` compares hashes (mutant: ``return self.record is None``) ----


def test_a_recorded_target_with_another_hash_is_changed() -> None:
    sent_before = Record(KEY, "published", remote_id="42", content_hash="0" * 64)
    assert Step(target(), "update", sent_before, HASH).changed is True
    same = Record(KEY, "published", remote_id="42", content_hash=HASH)
    assert Step(target(), "unchanged", same, HASH).changed is False
    assert Step(target(), "create", None, HASH).changed is True


def test_force_updates_what_did_not_change_and_nothing_else_does() -> None:
    adapter = BlogAdapter(NoSettings(), SiteConfig())
    same = Record(KEY, "published", remote_id="42", content_hash=HASH)
    assert plan_target(target(), same, adapter).kind == "unchanged"
    assert plan_target(target(), same, adapter, force=True).kind == "update"


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
