"""Publishing for real: plan against the ledger, check credentials, fan out, record.

The plain functions ``xpost publish`` (and ``xpost run``) call, in this order::

    plans = plan_posts(prepared, ledger, renderer, force=…, repost=…)
    credentials = preflight(plans, renderer, store)      # before anything is sent
    results = execute(plans, ledger, renderer, credentials, store, options)
    notes = write_back(results)                          # when enabled

Platforms run concurrently (one worker per platform; a platform's posts one after
another, which keeps each adapter single-threaded and gentle on rate limits). The
ledger says ``pending`` before each call and records the outcome the moment it is
known, so a crash halfway leaves nothing that the next run would send twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from msgspec import Struct

from xpost.adapters.base import Action, Adapter, PublishContext, Receipt
from xpost.errors import (
    ConfigError,
    CredentialsMissing,
    Interrupted,
    LedgerError,
    NotExactCopy,
    OutcomeUnknown,
    PostError,
    PublishError,
    UsageError,
    XpostError,
)
from xpost.ledger.records import Record, TargetKey
from xpost.ledger.store import LedgerStore as Ledger
from xpost.plan import Step, plan_target
from xpost.post import Post
from xpost.prepare import PreparedPost, Renderer, Target
from xpost.progress import Report, Reporter, silent, waiting

#: Outcomes after which the copy exists on the platform (write-back lists their URLs).
LIVE = frozenset({"created", "updated", "unchanged", "reconciled", "confirmed", "reposted"})


class SecretStore(Protocol):
    """What publishing needs from ``xpost.credentials.CredentialStore``."""

    hints: list[str]

    def get(self, platform: str, fields: Sequence[str]) -> dict[str, str]: ...

    def missing_message(self, platform: str, fields: Sequence[str]) -> str: ...

    def redact(self, text: str) -> str: ...


class PostPlan(Struct):
    post: Post
    steps: list[Step]


class Outcome(Struct):
    """What happened to one target: one line of output."""

    platform: str
    label: str
    action: Action  # what was planned, in dry-run words
    outcome: str  # created updated unchanged reconciled confirmed reposted awaiting skipped failed
    url: str | None = None
    error: str | None = None
    note: str | None = None
    #: A copy just handed to the user (connpass): show them where it is.
    handed_off: Receipt | None = None

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


class PostResult(Struct):
    post: Post
    outcomes: list[Outcome]


class RunOptions(Struct):
    force: bool = False  # overwrite edits made on the platforms
    timeout: float = 30.0  # seconds per request, in all
    #: ``time.monotonic()`` past which nothing new starts and requests are cut short.
    deadline: float | None = None
    outbox: Path | None = None  # files handed to the user (connpass)
    now: Callable[[], datetime] | None = None  # the adapters' clock (tests)
    #: Called once on Ctrl-C, while the calls already made finish and are recorded.
    on_interrupt: Callable[[], None] | None = None
    #: What the targets are doing (sending, thread parts, rate-limit waits).
    progress: Reporter = silent
    #: Called with (post index, step index, outcome) the moment a target is done, from
    #: the worker thread that ran it: ``publish`` prints each line as it comes.
    on_outcome: Callable[[int, int, Outcome], None] | None = None


def plan_posts(
    prepared: Sequence[PreparedPost],
    ledger: Ledger | None,
    renderer: Renderer,
    *,
    force: bool = False,
    repost: bool = False,
) -> list[PostPlan]:
    """Each target's step, from the ledger (None: nothing was ever recorded).

    A post given twice is planned once: planned twice, both would be creates, and the
    second would make a duplicate. Two files that are one post (the same canonical URL
    or ``id``) are a ``UsageError``: their copies would overwrite each other.
    """
    plans = []
    sources: dict[str, Path] = {}
    for item in prepared:
        post = item.post
        first = sources.setdefault(post.id, post.source)
        if first is not post.source:
            if _same_file(first, post.source):
                continue
            raise UsageError(
                f"{first} and {post.source} are the same post ({post.id}): their copies "
                "would overwrite each other; give one its own url, or an id in its front "
                "matter (xpost: {id: …})"
            )
        steps = []
        for target in item.targets:
            record = ledger.get(TargetKey(item.post.id, target.platform)) if ledger else None
            fresh = record is None or record.status == "skipped"  # both would be created
            earlier = _recorded_under_another_id(ledger, post, target) if fresh else None
            if earlier is not None:
                steps.append(Step(target, "skip", None, note=earlier))
                continue
            adapter = renderer.adapter(target.platform)
            steps.append(plan_target(target, record, adapter, force=force, repost=repost))
        plans.append(PostPlan(item.post, steps))
    return plans


#: How the note of a step held back by ``_recorded_under_another_id`` starts.
RECORDED_UNDER_ANOTHER_ID = "this file is recorded"


def _recorded_under_another_id(ledger: Ledger | None, post: Post, target: Target) -> str | None:
    """Why not to create a copy the ledger already has from this file under another id.

    A post's id is its canonical URL unless it sets one; when the URL changes (the
    site's permalinks, or xpost learning the site's real URLs), the same file must
    not be sent again as a new post. None when there is no such copy, or when the
    post sets its own id (then the author has said which post it is).
    """
    derived = (post.canonical_url, str(post.source.resolve()))
    if ledger is None or target.action == "skip" or post.id not in derived:
        return None
    for record in ledger.records_of_file(post.source, target.platform):
        if record.key.post_id != post.id and record.status != "removed":
            old = record.key.post_id
            return (
                f"{RECORDED_UNDER_ANOTHER_ID} ({record.status}) as {old} and its URL is now "
                f'{post.id}: to keep that copy, add xpost: {{id: "{old}"}} to its front '
                "matter; if it is another post, give it an id of its own"
            )
    return None


def first_publish_refusal(
    plans: Sequence[PostPlan], ledger_is_empty: bool, limit: int
) -> str | None:
    """What stops ``xpost publish`` from sending many posts on an empty ledger (a lost,
    moved or relative-path ledger makes every old post look new), or None."""
    count = sum(1 for plan in plans if any(step.sends for step in plan.steps))
    if not ledger_is_empty or count <= limit:
        return None
    return (
        f"{count} posts to publish and the ledger is empty (first_run_limit {limit}): if "
        "they went out before, check [ledger] path and XPOST_DATA_DIR point at the ledger "
        "that recorded them; else publish at most that many at a time, or raise "
        "[schedule] first_run_limit"
    )


def preflight(
    plans: Sequence[PostPlan], renderer: Renderer, store: SecretStore
) -> dict[str, dict[str, str]]:
    """Every sending platform's credentials, or ``CredentialsMissing`` (or the adapter's
    ``ConfigError``) before anything is sent: a half-configured run publishes nothing
    rather than half. Every platform's problem is named, in one line, so that one
    run shows all there is to fix."""
    for plan in plans:
        for step in plan.steps:
            if step.sends and step.draft is not None and step.draft.refusal:
                raise PostError(step.draft.refusal)
    found: dict[str, dict[str, str]] = {}
    problems: dict[str, str] = {}
    misconfigured = False
    for plan in plans:
        for step in plan.steps:
            if not step.sends or step.platform in found or step.platform in problems:
                continue
            adapter = renderer.adapter(step.platform)
            try:
                adapter.check_setup()
            except ConfigError as exc:
                where = renderer.config.path
                problems[step.platform] = f"{where}: {exc}" if where else str(exc)
                misconfigured = True
                continue
            fields = adapter.credential_fields
            credentials = store.get(step.platform, fields) if fields else {}
            missing = adapter.missing_credentials(credentials)
            if missing:
                problems[step.platform] = store.missing_message(step.platform, missing)
                continue
            found[step.platform] = credentials
    if problems:
        error = ConfigError if misconfigured else CredentialsMissing
        raise error("; ".join(problems.values()))
    return found


def execute(
    plans: Sequence[PostPlan],
    ledger: Ledger,
    renderer: Renderer,
    credentials: dict[str, dict[str, str]],
    store: SecretStore,
    options: RunOptions | None = None,
) -> list[PostResult]:
    """Run every step, platforms concurrently; each outcome recorded as it is known."""
    runner = _Runner(ledger, renderer, credentials, store, options or RunOptions())
    outcomes: list[list[Outcome | None]] = [[None] * len(plan.steps) for plan in plans]
    queues: dict[str, list[tuple[int, int]]] = {}
    for i, plan in enumerate(plans):
        for j, step in enumerate(plan.steps):
            queues.setdefault(step.platform, []).append((i, j))

    stop = threading.Event()

    options = runner.options

    def work(queue: list[tuple[int, int]]) -> None:
        for i, j in queue:
            if stop.is_set() or runner.ledger_failed.is_set():
                return  # interrupted: what was not started stays as it was
            step = plans[i].steps[j]
            if step.sends:
                options.progress(Report(step.target.label, "sending"))
            try:
                outcome = runner.run(plans[i].post, step)
            except LedgerError as exc:
                # Said before anything was sent for this target: report it, stop the rest.
                runner.ledger_failed.set()
                outcome = Outcome(
                    step.platform, step.target.label, step.action, "failed", error=str(exc)
                )
            outcomes[i][j] = outcome
            options.progress(Report(step.target.label, outcome.outcome, finished=True))
            if options.on_outcome is not None:
                options.on_outcome(i, j, outcome)

    if runner.options.outbox and any(step.sends for plan in plans for step in plan.steps):
        runner.options.outbox.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Imported here: a dry-run plans through this module but never starts a thread.
    from concurrent.futures import ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(max(1, len(queues)), thread_name_prefix="xpost")
    futures = [pool.submit(work, queue) for queue in queues.values()]
    try:
        wait(futures)
    except KeyboardInterrupt:
        # Ctrl-C: start nothing new, but let the targets already started finish and be
        # recorded while this process still holds the ledger and its lock: abandoned,
        # their requests would land unrecorded, and a run started right after could
        # send them again.
        stop.set()
        if runner.options.on_interrupt is not None:
            runner.options.on_interrupt()
        pool.shutdown(wait=True)
        raise Interrupted(_results(plans, outcomes)) from None
    finally:
        pool.shutdown(wait=True)
    for future in futures:
        future.result()  # an unexpected error is everyone's problem: re-raised here
    return _results(plans, outcomes)


def _results(plans: Sequence[PostPlan], outcomes: list[list[Outcome | None]]) -> list[PostResult]:
    return [
        PostResult(plan.post, [o for o in row if o is not None])
        for plan, row in zip(plans, outcomes, strict=True)
    ]


def unpublish(
    ledger: Ledger,
    adapter: Adapter[Any, Any],
    record: Record,
    ctx: PublishContext,
    store: SecretStore,
) -> Outcome:
    """Take down the copy ``record`` names (``xpost unpublish``); ``removed`` when done.

    On failure the record stays as it was: the copy is still there.
    """
    receipt = record.receipt()
    outcome = Outcome(record.key.platform, adapter.label, "unchanged", "removed", record.url)
    if receipt is None:
        return outcome
    attempt = ledger.start_attempt(record.key, "unpublish")
    try:
        adapter.unpublish(receipt, ctx)
    except Exception as exc:
        message = store.redact(_describe(exc, adapter.label))
        ledger.finish_attempt(attempt, "failed", message)
        outcome.outcome, outcome.error = "failed", message
        return outcome
    ledger.record_removed(record.key)
    ledger.finish_attempt(attempt, "removed")
    return outcome


def confirm_by_hand(
    ledger: Ledger, post: Post, step: Step, url: str | None, adapter: Adapter[Any, Any]
) -> Outcome:
    """``xpost confirm``: the copy at ``url`` is this post's (put in place by hand, or
    found by a lookup that would not adopt it on its own); record it published with the
    current draft's hash, so the next run finds it unchanged."""
    label = adapter.label
    record = step.record
    url = url or (record.url if record else None)
    if not url:
        raise UsageError(
            f"{post.source}: no URL recorded for {label}; give it: "
            f"xpost confirm {post.source} {step.platform} URL"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"expected an http(s) URL for {label}, got {url!r}")
    key = TargetKey(post.id, step.platform)
    previous = record.receipt() if record else None
    if previous is not None and previous.url == url:
        receipt = Receipt(remote_id=previous.remote_id, url=url, state=previous.state)
    else:
        named = adapter.receipt_for_url(url)
        if named is None:
            raise UsageError(f"{url} is not the address of a {label} copy")
        receipt = named
    ledger.record_published(key, receipt, content_hash=step.content_hash, source=str(post.source))
    ledger.finish_attempt(ledger.start_attempt(key, "confirm"), "confirmed")
    return Outcome(step.platform, label, step.action, "confirmed", receipt.url)


def write_back(results: Sequence[PostResult]) -> list[str]:
    """Add each post's live URLs to its front matter ``syndication`` list.

    Returns notes for stderr; a write-back problem never turns a publish into a failure.
    """
    from xpost.writeback import add_syndication

    notes = []
    for result in results:
        urls = [o.url for o in result.outcomes if o.url and o.outcome in LIVE]
        if not urls:
            continue
        try:
            if add_syndication(result.post.source, urls):
                notes.append(f"{result.post.source}: syndication links written back")
        except XpostError as exc:
            notes.append(f"{result.post.source}: write-back skipped: {exc}")
    return notes


def _describe(exc: Exception, label: str) -> str:
    if isinstance(exc, XpostError):  # already one clear line for the user
        return str(exc)
    return f"{label}: the adapter failed unexpectedly: {type(exc).__name__}: {exc}"


class _Call(Struct, frozen=True):
    """What one call to an adapter's ``publish`` is for.

    ``previous`` is the copy to update (``updating``) or, without it, partial progress
    to resume (half a thread). ``found`` means ``previous`` was just found on the
    platform after a create whose answer was lost: if the adapter hands it back as it
    was, the copy was whole and nothing was sent, and it is recorded with
    ``sent_hash``, the hash of what that create sent.
    """

    previous: Receipt | None = None
    updating: bool = False
    found: bool = False
    sent_hash: str | None = None
    word: str | None = None  # the outcome's word, else "updated" or "created"

    @property
    def action(self) -> str:
        return "update" if self.updating else "create"

    @property
    def outcome(self) -> str:
        return self.word or ("updated" if self.updating else "created")


#: A plain create: nothing on the platform yet.
_CREATE = _Call()


def _resume(previous: Receipt | None) -> _Call:
    """Create, carrying on from ``previous`` (progress of a create) where there is any."""
    return _Call(previous)


def _update(previous: Receipt | None) -> _Call:
    return _Call(previous, updating=True)


def _adopt(found: Receipt, sent_hash: str | None, *, updating: bool = False) -> _Call:
    """``found`` after a lost answer: handed back to finish (or, ``updating``, update)."""
    return _Call(found, updating=updating, found=True, sent_hash=sent_hash)


class _Runner:
    """Carries one run's shared state into the worker threads."""

    def __init__(
        self,
        ledger: Ledger,
        renderer: Renderer,
        credentials: dict[str, dict[str, str]],
        store: SecretStore,
        options: RunOptions,
    ) -> None:
        self.ledger = ledger
        self.renderer = renderer
        self.credentials = credentials
        self.store = store
        self.options = options
        #: Set when the ledger refused a write: nothing more is started.
        self.ledger_failed = threading.Event()

    def run(self, post: Post, step: Step) -> Outcome:
        key = TargetKey(post.id, step.platform)
        previous = step.record.receipt() if step.record else None
        deadline = self.options.deadline
        if step.sends and deadline is not None and time.monotonic() >= deadline:
            return self._outcome(
                step,
                "failed",
                url=_url(step.record),
                error=(
                    f"{step.target.label}: not started: the run's deadline ([publish] "
                    "deadline) passed; the next run sends it"
                ),
            )
        if step.kind == "skip":
            return self._outcome(step, "skipped", note=step.note)
        if step.kind == "unchanged":
            return self._outcome(step, "unchanged", url=_url(step.record), note=step.note)
        if step.kind == "confirm":
            return self._confirm(post, step, key, previous)
        if step.kind == "reconcile":
            return self._reconcile(post, step, key, previous)
        if step.kind == "repost":
            assert step.record is not None
            adapter = self.renderer.adapter(step.platform)
            removed = unpublish(self.ledger, adapter, step.record, self._context(key), self.store)
            if removed.failed:
                removed.action = step.action
                return removed
            return self._send(post, step, key, _Call(word="reposted"))
        if step.kind == "update":
            # A failed copy that was never published is a partial one (half a thread):
            # handing it back resumes it.
            updating = bool(step.record and step.record.first_published_at)
            return self._send(post, step, key, _Call(previous, updating=updating))
        if self._unrecorded(step):
            return self._look_then_create(post, step, key)
        return self._send(post, step, key, _CREATE)

    def _unrecorded(self, step: Step) -> bool:
        """A create the ledger knows nothing about (no record, or one marked done without
        sending): the ledger may be new, restored from an old backup or another file, so
        the platform is asked first where it can be."""
        record = step.record
        fresh = record is None or record.status == "skipped"
        return fresh and self.renderer.adapter(step.platform).can_lookup

    def _look_then_create(self, post: Post, step: Step, key: TargetKey) -> Outcome:
        """The ledger is a cache, not the only guard: one lookup before a create."""
        assert step.content_hash is not None
        # Pending first: the attempt log needs the row, and a crash from here on leaves a
        # target the next run reconciles instead of creating blindly.
        self.ledger.mark_pending(key, source=str(post.source), content_hash=step.content_hash)
        found, error = self._lookup(step, key, None)
        if error is not None and not error.startswith(_NOT_EXACT):
            self.ledger.record_failed(key, error)  # nothing was sent: a plain failure
            return self._outcome(step, "failed", error=error)
        if found is None or found.status != "published":
            return self._send(post, step, key, _CREATE)
        # Already there (the ledger had lost it): adopt it, and bring it up to date
        # where the platform can edit; an adapter that hands it back as it was sent
        # nothing.
        self.ledger.record_published(key, found, content_hash=None, source=str(post.source))
        adapter = self.renderer.adapter(step.platform)
        call = _adopt(found, step.content_hash, updating=adapter.can_update)
        return self._send(post, step, key, call)

    # ── the three kinds of call ──────────────────────────────────────────────

    def _send(self, post: Post, step: Step, key: TargetKey, call: _Call) -> Outcome:
        """One call to ``publish`` (``call`` says what for): ``pending`` first, then the
        outcome, recorded."""
        assert step.draft is not None and step.content_hash is not None
        adapter = self.renderer.adapter(step.platform)
        self.ledger.mark_pending(key, source=str(post.source), content_hash=step.content_hash)
        attempt = self.ledger.start_attempt(key, call.action)
        try:
            receipt = adapter.publish(step.draft, call.previous, self._context(key))
            if not isinstance(receipt, Receipt):
                raise TypeError(f"publish() returned {type(receipt).__name__}, not a Receipt")
        except Exception as exc:
            # Only a clean refusal is "failed": a crash may come after the request went
            # out, and a create whose outcome is unknown is looked up before it is retried.
            unknown = isinstance(exc, OutcomeUnknown) or (
                not isinstance(exc, XpostError) and not call.updating
            )
            message = self.store.redact(_describe(exc, adapter.label))
            retry = exc.retry_after if isinstance(exc, PublishError) else None
            self.ledger.record_failed(key, message, unknown=unknown, retry_after=retry)
            self.ledger.finish_attempt(attempt, "unknown" if unknown else "failed", message)
            url = call.previous.url if call.previous else None
            return self._outcome(step, "failed", url=url, error=message)
        try:
            return self._recorded(post, step, key, attempt, receipt, call)
        except LedgerError as exc:
            # The copy exists but the ledger cannot say so: report it with its URL and
            # the command that records it, and start nothing more (exit 1, not 2).
            self.ledger_failed.set()
            url = receipt.url or receipt.remote_id
            return self._outcome(
                step,
                "failed",
                url=receipt.url,
                error=(
                    f"{adapter.label} has the copy ({url}) but the ledger could not record it: "
                    f"{exc}; once that is fixed: xpost confirm {post.source} {step.platform} "
                    f"{url}"
                ),
            )

    def _recorded(
        self, post: Post, step: Step, key: TargetKey, attempt: int, receipt: Receipt, call: _Call
    ) -> Outcome:
        """Record a copy the platform just confirmed; the outcome line for it."""
        adapter = self.renderer.adapter(step.platform)
        if call.found and receipt == call.previous:
            self.ledger.record_published(
                key, receipt, content_hash=call.sent_hash, source=str(post.source)
            )
            self.ledger.finish_attempt(attempt, "reconciled")
            note = None
            if call.sent_hash != step.content_hash:
                note = (
                    f"changed, but {adapter.label} posts cannot be edited; --repost posts it again"
                )
            return self._outcome(step, "reconciled", url=receipt.url, note=note)
        self.ledger.record_published(
            key, receipt, content_hash=step.content_hash, source=str(post.source)
        )
        if receipt.status == "awaiting":
            self.ledger.finish_attempt(attempt, "awaiting")
            return self._outcome(step, "awaiting", url=receipt.url, handed_off=receipt)
        self.ledger.finish_attempt(attempt, call.outcome)
        return self._outcome(step, call.outcome, url=receipt.url)

    def _lookup(
        self, step: Step, key: TargetKey, previous: Receipt | None
    ) -> tuple[Receipt | None, str | None]:
        """The copy as the platform has it (None: not there), or an error message."""
        assert step.draft is not None
        adapter = self.renderer.adapter(step.platform)
        attempt = self.ledger.start_attempt(key, "lookup")
        try:
            found = adapter.lookup(step.draft, previous, self._context(key))
        except Exception as exc:
            message = self.store.redact(_describe(exc, adapter.label))
            if isinstance(exc, NotExactCopy):
                message = _NOT_EXACT + message
            self.ledger.finish_attempt(attempt, "failed", message)
            return None, message
        self.ledger.finish_attempt(attempt, "found" if found else "not found")
        return found, None

    def _reconcile(
        self, post: Post, step: Step, key: TargetKey, previous: Receipt | None
    ) -> Outcome:
        """The last attempt's outcome is unknown: look before creating anything."""
        assert step.record is not None
        adapter = self.renderer.adapter(step.platform)
        if self.options.force and (
            not adapter.can_lookup or (step.record.last_error or "").startswith(_NOT_EXACT)
        ):
            # The user looked and says the copy is not there: send.
            return self._send(post, step, key, _resume(previous))
        if not adapter.can_lookup:
            # "Not found" cannot be told from "cannot ask": creating now could post twice.
            why = (
                f"{adapter.label}: the outcome of the last attempt is unknown and this adapter "
                f"cannot look the copy up: if it is there, run 'xpost confirm {post.source} "
                f"{step.platform} URL'; if not, rerun with --force to send it"
            )
            self.ledger.record_failed(key, why, unknown=True)
            return self._outcome(step, "failed", url=_url(step.record), error=why)
        found, error = self._lookup(step, key, previous)
        if error is not None:
            # Still unknown: creating now could make a duplicate. Try again next run.
            self.ledger.record_failed(key, error, unknown=True)
            return self._outcome(step, "failed", url=_url(step.record), error=error)
        if found is None:
            # Not there. A checkpointed partial copy (half a thread) is resumed.
            return self._send(post, step, key, _resume(previous))
        sent_hash = step.record.content_hash
        if found.status == "published" and not adapter.can_update:
            # A copy that cannot be edited is only ever handed back to ``publish`` as
            # progress to resume: what was found may be half a thread. The adapter
            # carries on from its last part, and sends nothing when the copy is whole.
            self.ledger.record_checkpoint(key, found)
            return self._send(post, step, key, _adopt(found, sent_hash))
        self.ledger.record_published(key, found, content_hash=sent_hash, source=str(post.source))
        changed = self.options.force or sent_hash != step.content_hash
        if found.status == "awaiting":
            return self._outcome(step, "awaiting", url=found.url)
        if changed:
            return self._send(post, step, key, _update(found))
        return self._outcome(step, "reconciled", url=found.url)

    def _confirm(self, post: Post, step: Step, key: TargetKey, previous: Receipt | None) -> Outcome:
        """An assisted copy (connpass): did the user put it in place yet?"""
        assert step.record is not None
        found, error = self._lookup(step, key, previous)
        if error is not None:
            return self._outcome(step, "failed", url=_url(step.record), error=error)
        if found is not None and found.status == "published":
            self.ledger.record_published(
                key, found, content_hash=step.record.content_hash, source=str(post.source)
            )
            return self._outcome(step, "confirmed", url=found.url)
        if self.options.force or step.changed:
            return self._send(post, step, key, _resume(previous))  # the new text, again
        return self._outcome(
            step,
            "awaiting",
            url=_url(step.record),
            note=f"not confirmed yet; once it is up: xpost confirm {post.source} {step.platform}",
        )

    # ── helpers ──────────────────────────────────────────────────────────────

    def _context(self, key: TargetKey) -> PublishContext:
        timeout = self.options.timeout
        if self.options.deadline is not None:
            # A request never outlives the run's deadline: cut, it is an unknown outcome.
            timeout = max(0.5, min(timeout, self.options.deadline - time.monotonic()))
        ctx = PublishContext(
            credentials=self.credentials.get(key.platform, {}),
            checkpoint=lambda receipt: self.ledger.record_checkpoint(key, receipt),
            outbox=self.options.outbox,
            force=self.options.force,
            timeout=timeout,
        )
        label = self.renderer.adapter(key.platform).label
        report = self.options.progress
        ctx.progress = lambda message: report(Report(label, message))
        ctx.waiting = lambda seconds: waiting(report, label, seconds, "waiting")
        if self.options.now is not None:
            ctx.now = self.options.now
        return ctx

    @staticmethod
    def _outcome(step: Step, word: str, **extra: Any) -> Outcome:
        return Outcome(step.platform, step.target.label, step.action, word, **extra)


#: How a lookup that found only a look-alike starts its message (kept in the ledger, so
#: that ``--force`` knows the user is overriding exactly that).
_NOT_EXACT = "not adopted: "


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def _url(record: Record | None) -> str | None:
    return record.url if record else None
