"""Planning: from the draft and the ledger's record to the step each target needs."""

from __future__ import annotations

import hashlib

import pytest

from fake_adapter import BlogAdapter, MicroAdapter
from xpost.adapters.base import Draft, NoSettings
from xpost.config import SiteConfig
from xpost.ledger import Record, TargetKey
from xpost.plan import content_hash, plan_target
from xpost.prepare import Target

PAYLOAD = {"title": "Hello", "body": "こんにちは"}
HASH = content_hash(PAYLOAD)
BLOG = BlogAdapter(NoSettings(), SiteConfig())
MICRO = MicroAdapter(NoSettings(), SiteConfig())


def target(payload: dict[str, str] = PAYLOAD) -> Target:
    return Target("blog", "Blog", "create", Draft("blog", dict(payload)))


def record(status: str, content: str | None = HASH, remote_id: str | None = "42") -> Record:
    return Record(TargetKey("p", "blog"), status, remote_id=remote_id, content_hash=content)


def test_hash_is_canonical_json() -> None:
    assert content_hash({"body": "こんにちは", "title": "Hello"}) == HASH
    canonical = '{"body":"こんにちは","title":"Hello"}'.encode()
    assert hashlib.sha256(canonical).hexdigest() == HASH
    assert content_hash({**PAYLOAD, "body": "こんにちは!"}) != HASH
    assert content_hash({"n": 1}) != content_hash({"n": "1"})


@pytest.mark.parametrize(
    ("existing", "kind"),
    [
        (None, "create"),
        (record("removed", None, None), "create"),
        (record("skipped", None, None), "create"),
        (record("published"), "unchanged"),
        (record("published", "other"), "update"),
        (record("pending"), "reconcile"),
        (record("unknown", remote_id=None), "reconcile"),
        (record("failed"), "update"),
        (record("failed", remote_id=None), "create"),
        (record("awaiting"), "confirm"),
    ],
    ids=[
        "new",
        "removed",
        "marked-by-run",
        "same",
        "changed",
        "pending",
        "unknown",
        "failed-with-copy",
        "failed-without",
        "awaiting",
    ],
)
def test_step_per_ledger_state(existing: Record | None, kind: str) -> None:
    step = plan_target(target(), existing, BLOG)
    assert step.kind == kind
    assert step.content_hash == HASH
    assert step.sends == (kind != "unchanged")


def test_force_turns_unchanged_into_update() -> None:
    assert plan_target(target(), record("published"), BLOG, force=True).kind == "update"


def test_platform_that_cannot_edit_leaves_a_changed_post_alone_with_a_note() -> None:
    step = plan_target(target(), record("published", "other"), MICRO)
    assert (step.kind, step.action, step.sends) == ("unchanged", "unchanged", False)
    assert step.note == (
        "changed, but Micro posts cannot be edited; --repost deletes the copy and posts it again"
    )
    reposted = plan_target(target(), record("published", "other"), MICRO, repost=True)
    assert (reposted.kind, reposted.action) == ("repost", "create")
    assert plan_target(target(), record("published"), MICRO, repost=True).kind == "unchanged"


def test_skipped_target_stays_skipped() -> None:
    skipped = Target("blog", "Blog", "skip", None, reason="no event linked")
    step = plan_target(skipped, record("published"), BLOG, force=True)
    assert (step.kind, step.note, step.sends) == ("skip", "no event linked", False)


def test_dry_run_words() -> None:
    assert plan_target(target(), record("pending"), BLOG).action == "update"
    assert plan_target(target(), record("pending", remote_id=None), BLOG).action == "create"
    assert plan_target(target(), record("awaiting"), BLOG).action == "unchanged"
