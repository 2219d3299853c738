"""Posts dated in the future are not sent early.

Zenn publishes an article at its ``published_at`` itself, so a future post goes to
Zenn at once; X, Qiita and connpass cannot schedule, so ``xpost publish`` refuses to
send a future post there unless told ``--now``, and ``xpost run`` sends it when its
date comes. A dry-run says which targets wait, and until when.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from xpost.errors import PostError
from xpost.post import Post
from xpost.prepare import PreparedPost, Renderer, Target


def scheduled_time(post: Post, now: datetime) -> datetime | None:
    """The post's date (``publishDate``, else ``date``) when it is still to come."""
    when = post.publish_date or post.date
    if when is None:
        return None
    if when.tzinfo is None:  # the loader makes dates aware; be safe all the same
        when = when.replace(tzinfo=UTC)
    return when if when > now else None


def waiting_targets(
    prepared: Sequence[PreparedPost], renderer: Renderer, now: datetime
) -> list[tuple[PreparedPost, Target, datetime]]:
    """The targets that would be sent early: future posts, on platforms that cannot
    schedule (an adapter with ``can_schedule = False``)."""
    waiting = []
    for item in prepared:
        when = scheduled_time(item.post, now)
        if when is None:
            continue
        for target in item.targets:
            if target.action != "skip" and not renderer.adapter(target.platform).can_schedule:
                waiting.append((item, target, when))
    return waiting


def describe(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M %z").strip()


def mark_scheduled(prepared: Sequence[PreparedPost], renderer: Renderer, now: datetime) -> None:
    """For a dry-run: each target that waits is a skip saying until when."""
    for _, target, when in waiting_targets(prepared, renderer, now):
        target.action = "skip"
        target.reason = (
            f"scheduled for {describe(when)}: {target.label} cannot schedule a post; "
            "xpost run sends it then (xpost publish --now sends it now)"
        )


def refuse_early(prepared: Sequence[PreparedPost], renderer: Renderer, now: datetime) -> None:
    """``PostError`` (nothing is sent) naming the first future post and its platforms."""
    waiting = waiting_targets(prepared, renderer, now)
    if not waiting:
        return
    item, _, when = waiting[0]
    labels = [t.label for i, t, _ in waiting if i is item]
    raise PostError(
        f"{item.post.source}: dated {describe(when)}, in the future: {', '.join(labels)} "
        "cannot schedule a post, so nothing was sent; xpost run sends it when its date "
        "comes, or pass --now to send it now"
    )
