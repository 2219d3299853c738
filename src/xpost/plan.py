"""Planning: what each target needs this run, from the draft and the ledger's record.

Pure decisions, no I/O: ``plan_target`` compares what would be sent now with what
the ledger says was sent before, and names the step — never a second create where
the first one's outcome was never learned.

=================  ===========================================================
ledger record      step
=================  ===========================================================
none / removed     ``create``
published          same hash → ``unchanged``; changed (or ``--force``) →
                   ``update``, or for platforms that cannot edit (X)
                   ``unchanged`` with a note, ``repost`` with ``--repost``
pending / unknown  ``reconcile``: look the copy up first, create only if absent
failed             ``update`` the copy it names, else ``create``
awaiting           ``confirm``: ask the platform whether the user put it in place
=================  ===========================================================
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from msgspec import Struct

from xpost.adapters.base import Action, Adapter, Draft
from xpost.ledger.records import Record
from xpost.ledger.status import UNSETTLED, Status
from xpost.prepare import Target

StepKind = Literal["create", "update", "unchanged", "reconcile", "confirm", "repost", "skip"]
#: Steps that call the platform (and so need credentials).
SENDING: frozenset[StepKind] = frozenset({"create", "update", "reconcile", "confirm", "repost"})


class Step(Struct):
    """One target's plan for this run."""

    target: Target
    kind: StepKind
    record: Record | None = None
    content_hash: str | None = None
    note: str | None = None  # why nothing is sent, for the user

    @property
    def platform(self) -> str:
        return self.target.platform

    @property
    def draft(self) -> Draft | None:
        return self.target.draft

    @property
    def changed(self) -> bool:
        """The draft differs from what the ledger says was last sent."""
        return self.record is None or self.record.content_hash != self.content_hash

    @property
    def sends(self) -> bool:
        return self.kind in SENDING

    @property
    def action(self) -> Action:
        """The dry-run word for this step (DESIGN.md: create, update, unchanged, skip)."""
        if self.kind in ("create", "update", "unchanged", "skip"):
            return self.kind
        if self.kind == "reconcile":
            return "update" if self.record and self.record.remote_id else "create"
        if self.kind == "repost":
            return "create"
        return "unchanged"  # confirm: nothing new is sent unless the text changed


def content_hash(payload: dict[str, Any]) -> str:
    """sha256 of the payload as canonical JSON: the same draft always hashes the same."""
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_target(
    target: Target,
    record: Record | None,
    adapter: Adapter[Any, Any],
    *,
    force: bool = False,
    repost: bool = False,
) -> Step:
    """Decide what ``target`` needs, given the ledger's ``record`` of it (None: never sent)."""
    if target.action == "skip" or target.draft is None:
        return Step(target, "skip", record, note=target.reason)
    digest = content_hash(target.draft.payload)
    step = Step(target, "create", record, digest)
    if record is None or record.status in (Status.REMOVED, Status.SKIPPED):
        return step  # skipped: marked done by 'xpost run --mark-existing', never sent
    changed = force or record.content_hash != digest
    if record.status in UNSETTLED:
        step.kind = "reconcile"
    elif record.status == Status.AWAITING:
        step.kind = "confirm"
    elif record.status == "failed":
        step.kind = "update" if record.remote_id else "create"
    elif not changed:
        receipt = record.receipt()
        step.kind = "update" if receipt and adapter.unfinished(receipt) else "unchanged"
    elif adapter.can_update:
        step.kind = "update"
    elif repost:
        step.kind = "repost"
    else:
        step.kind = "unchanged"
        # Under --force alone the post may not have changed at all: say only what is so.
        differs = record.content_hash != digest
        step.note = (
            f"{'changed, but ' if differs else ''}{adapter.label} posts cannot be edited; "
            "--repost deletes the copy and posts it again"
        )
    return step
