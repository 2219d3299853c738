"""``xpost run``: publish every post under the content folders that is due, exactly once.

One run: take the ledger's run lock (a second run at the same time stops at once),
bring the scan cache up to date (``xpost.scan``), judge each file's timing from its
cached facts (``xpost.schedule``), and only for the posts that are due and not yet
done load, render and plan them (``xpost.prepare``, ``xpost.plan``). The posts that
need a create or an update are queued oldest first, capped by ``max_posts`` and spaced
by ``cooldown``, and handed to the same fan-out ``xpost publish`` uses
(``xpost.publishing``), which records every outcome as it happens.

A post whose every target is published, unchanged or deliberately left alone is
marked done in the scan cache with its file hash: until the file changes, no later
run parses it again. A target the ledger shows ``pending``/``unknown`` (a run killed
halfway) or ``failed`` with its retry due brings its post back into the queue; so
does a copy ``awaiting`` the user (connpass) when xpost can confirm it itself (its API
key is set), at most every ``CONFIRM_EVERY`` — an idle run without one calls nothing.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from collections.abc import Callable, Container, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xpost import __version__
from xpost.config import Config, parse_duration
from xpost.errors import InputError, UsageError
from xpost.ledger.status import UNSETTLED, Status
from xpost.progress import Report, Reporter, silent
from xpost.scan import (
    CachedFile,
    FileState,
    ScanResult,
    cache_values,
    done_row,
    load_cache,
    save_cache,
    scan,
    site_config_stamp,
    walk_post_files,
)
from xpost.schedule import (
    Candidate,
    TargetRecord,
    Timing,
    due_order,
    first_run_refusal,
    retry_gate,
    select,
    timing,
    wants_attention,
)

if TYPE_CHECKING:
    from xpost.ledger.store import LedgerStore as Ledger
    from xpost.ledger.store import MarkWriter

#: Ledger statuses ``xpost run`` never sends again: marked done by ``--mark-existing``,
#: or taken down by ``xpost unpublish`` (an explicit ``xpost publish`` still can).
_LEFT_ALONE = (Status.SKIPPED, Status.REMOVED)
#: Timing states worth explaining to someone asking why a post has not gone out.
_NOT_YET = ("draft", "scheduled", "settling", "expired")
#: Ledger statuses that bring a post back into the queue although its file is unchanged.
_UNSETTLED = (*UNSETTLED, Status.FAILED)
#: How often a run asks an assisted platform (connpass) whether the user put a handed-off
#: copy in place: often enough to notice within the hour, rarely enough to stay polite.
CONFIRM_EVERY = timedelta(minutes=30)


@dataclass(frozen=True)
class RunOptions:
    roots: Sequence[Path]
    platforms: Sequence[str] = ()  # --to; empty: [publish] targets
    dry_run: bool = False
    mark_existing: bool = False
    since: datetime | None = None
    min_age: float | None = None  # --min-age; None: [schedule] min_age
    #: Where the long parts report how far they are (walking, marking, sending).
    progress: Reporter = silent
    #: --mark-existing: keep one line per marked target in the report (for -v and
    #: --json). Off, only the counts are kept: 100,000 posts make 400,000 lines.
    list_marked: bool = True


@dataclass(slots=True)  # one per post and platform: --mark-existing makes 400,000
class TargetLine:
    """One line of output: what happened (or would happen) to one post on one platform."""

    source: str
    post_id: str | None
    platform: str
    outcome: str  # created | updated | reconciled | failed | … | would create | waiting | marked
    url: str | None = None
    detail: str | None = None  # the error, or why it waits
    handoff: str | None = None  # awaiting: the file with the text for the user to paste


@dataclass
class MarkCount:
    """What --mark-existing recorded (or would): targets, the posts they belong to, and
    the platforms they are on."""

    targets: int = 0
    posts: int = 0
    platforms: set[str] = field(default_factory=set)


@dataclass
class RunReport:
    lines: list[TargetLine] = field(default_factory=list)  # sent, or would be (dry-run)
    waiting: list[TargetLine] = field(default_factory=list)  # due, but not this run
    warnings: list[str] = field(default_factory=list)  # broken post files, once each
    write_back_notes: list[str] = field(default_factory=list)
    parsed: int = 0  # front matters read by the scan
    loaded: int = 0  # posts fully loaded and rendered
    marked: MarkCount = field(default_factory=MarkCount)  # --mark-existing

    @property
    def failed(self) -> bool:
        return any(line.outcome == "failed" for line in self.lines)


def config_key(config: Config, roots: Sequence[Path] = ()) -> str:
    """What the cached front-matter facts and post ids depend on besides the file (the
    time zone for naive dates, the URL rules of xpost's and the generator's config,
    xpost's own rules): a change re-reads them. It does not undo "done": a config edit
    never makes a run send updates of every old post."""
    digest = hashlib.sha256(__version__.encode())
    if config.path is not None and config.path.is_file():
        digest.update(config.path.read_bytes())
    digest.update(config.site.timezone.encode())
    digest.update(site_config_stamp(roots).encode())
    return digest.hexdigest()[:16]


def content_roots(dirs: Sequence[Path], config: Config) -> list[Path]:
    """The folders to walk: the arguments, else ``[site] content`` (relative to the
    config file's folder)."""
    if dirs:
        return list(dirs)
    if not config.site.content:
        raise UsageError(
            "no content folders: name them ('xpost run content/post') "
            "or set [site] content in the config"
        )
    base = config.path.parent if config.path is not None else Path()
    return [base / Path(folder).expanduser() for folder in config.site.content]


def run(config: Config, ledger: Ledger, options: RunOptions, now: datetime) -> RunReport:
    """One scheduled run at ``now``. The caller holds the run lock unless dry-running."""
    report = RunReport()
    cached = load_cache(ledger)
    unreadable: list[str] = []
    key = config_key(config, options.roots)
    # The walk goes on while the files it found are read (forked, on a big site).
    files = walk_post_files(options.roots, unreadable)
    schedule = config.schedule
    min_age = options.min_age if options.min_age is not None else schedule.seconds("min_age")
    if not options.dry_run:  # before --mark-existing fills the ledger: a look at every row
        ledger.clamp_retries(now)
    if options.mark_existing:
        # Nothing is retried or confirmed: what a post has in the ledger stays as it is.
        judge = _Judge(now, min_age, options.since, frozenset())
        scanned = _scan_and_mark(config, ledger, options, files, cached, key, judge, report)
    else:
        scanned = scan(files, cached, key, config, progress=options.progress)
    # The old cache rows by path: the scan's rows replace them, and on 100,000 posts
    # they are ~15 MB that the rest of the run would otherwise carry.
    del files, cached
    report.warnings[:0] = [f"{line}: its posts are not published" for line in unreadable]
    report.parsed = scanned.parsed
    if options.mark_existing:
        return report

    unsettled = _unsettled_posts(ledger, now, schedule.retry_limit)
    confirmable = _confirmable(ledger, now)
    unsettled |= {post_id for post_id, _ in confirmable}
    due, broken = _judged(scanned.files, _Judge(now, min_age, options.since, unsettled), report)
    if scanned.updated or scanned.removed:
        save_cache(ledger, scanned.updated, scanned.removed)
    if not options.dry_run:
        _save_done(ledger, broken)
    refusal = first_run_refusal(len(due), ledger.is_empty(), schedule.first_run_limit)
    if refusal is not None:
        raise UsageError(refusal)
    if due:
        _publish_due(config, ledger, options, due_order(due), now, report, confirmable)
    _report_waiting_retries(ledger, now, schedule.retry_limit, report)
    return report


@dataclass(slots=True)
class _Judge:
    """What a scanned post needs from this run, judged from its cache row alone."""

    now: datetime
    min_age: float
    since: datetime | None
    unsettled: Container[str]  # posts with a target to retry or to reconcile
    now_stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.now_stamp = self.now.timestamp()

    def __call__(self, file: CachedFile) -> Timing | None:
        """The file's timing; None when it is finished and nothing is to be retried:
        whatever its timing, nothing to do."""
        if file.is_done and file.post_id not in self.unsettled:
            return None
        return timing(file, self.now, self.min_age, self.since, now_stamp=self.now_stamp)

    def due(self, file: CachedFile, verdict: Timing) -> bool:
        return verdict.is_due and (not file.is_done or file.post_id in self.unsettled)


def _judged(
    files: Iterable[CachedFile], judge: _Judge, report: RunReport, skip: Container[str] = ()
) -> tuple[list[CachedFile], list[CachedFile]]:
    """The due files, and the broken ones (with their rows marked done: skipped until
    they change), said in ``report``'s warnings; why the others wait is in its
    ``waiting``. Files whose path is in ``skip`` are left out."""
    due: list[CachedFile] = []
    broken: list[CachedFile] = []
    for file in files:
        if file.path in skip:
            continue
        verdict = judge(file)
        if verdict is None:
            continue
        if verdict.state == "broken" and not file.is_done:
            report.warnings.append(f"{verdict.detail} (skipped until the file changes)")
            broken.append(replace(file, done_sha256=file.sha256))
        elif judge.due(file, verdict):
            due.append(file)
        elif verdict.state in _NOT_YET and not file.is_done:
            # Why a post is not going out (shown by --dry-run and --json).
            report.waiting.append(
                TargetLine(file.path, file.post_id, "all", "waiting", detail=verdict.detail)
            )
    return due, broken


def _report_waiting_retries(
    ledger: Ledger, now: datetime, retry_limit: int, report: RunReport
) -> None:
    """Failed targets waiting for their retry: shown, so a silent run is never a mystery
    (a retry time beyond the documented backoff is shown as it will be clamped)."""
    from xpost.ledger.records import MAX_RETRY_WAIT

    latest = now + MAX_RETRY_WAIT
    shown = {(line.post_id, line.platform) for line in report.waiting + report.lines}
    for record in ledger.waiting_retries(now):
        if record.failures >= retry_limit or record.next_attempt_at is None:
            continue
        if (record.key.post_id, record.key.platform) in shown:
            continue
        when = min(record.next_attempt_at, latest)
        report.waiting.append(
            TargetLine(
                record.source or record.key.post_id,
                record.key.post_id,
                record.key.platform,
                "waiting",
                detail=f"failed {record.failures}×; next retry at {when.isoformat()}",
            )
        )


#: Files between two progress reports: often enough for the eye, cheap for 100,000.
_REPORT_EVERY = 50


# --- deciding what the due posts need ---------------------------------------------------


def _publish_due(
    config: Config,
    ledger: Ledger,
    options: RunOptions,
    due: list[CachedFile],
    now: datetime,
    report: RunReport,
    confirmable: set[tuple[str, str]],
) -> None:
    from xpost.engine import Syndicator
    from xpost.publishing import RECORDED_UNDER_ANOTHER_ID, PostPlan

    platforms = _platforms(config, options.platforms)
    engine = Syndicator.from_config(config)
    schedule = config.schedule
    plans: dict[str, PostPlan] = {}
    candidates: list[Candidate] = []
    cache_rows: list[CachedFile] = []
    for file in due:
        try:
            [item] = engine.prepare([Path(file.path)], platforms)
        except InputError as exc:  # one bad post never holds back the others
            report.warnings.append(f"{exc} (skipped until the file changes)")
            cache_rows.append(replace(file, done_sha256=file.sha256))
            continue
        refusal = next((t.draft.refusal for t in item.targets if t.draft and t.draft.refusal), None)
        if refusal is not None:  # bad input found while rendering: the same, later
            report.warnings.append(f"{refusal} (skipped until the file changes)")
            cache_rows.append(replace(file, done_sha256=file.sha256))
            continue
        report.loaded += 1
        [plan] = engine.plan([item], ledger)
        plans[file.path] = plan
        wanted = []
        for step in plan.steps:
            gate = retry_gate(_timing_record(step.record), now, schedule.retry_limit)
            if step.kind == "confirm" and (plan.post.id, step.platform) in confirmable:
                wanted.append(step.platform)  # ask the platform: is the copy up yet?
            elif step.kind not in _RUN_SENDS or (step.record and step.record.status in _LEFT_ALONE):
                _hold(step, step.note)  # awaiting copies without an API key: 'xpost confirm'
                if (step.note or "").startswith(RECORDED_UNDER_ANOTHER_ID):
                    report.warnings.append(f"{file.path}: {step.platform}: {step.note}")
            elif gate is not None:
                _hold(step, gate)
                report.waiting.append(_line(file.path, plan, step.platform, "waiting", gate))
            else:
                wanted.append(step.platform)
        if wanted:
            candidates.append(Candidate(file.path, wanted))
            cache_rows.append(replace(file, post_id=plan.post.id))
        else:
            # Nothing to send; a retry that falls due brings it back (_unsettled_posts).
            cache_rows.append(replace(file, post_id=plan.post.id, done_sha256=file.sha256))
    if not options.dry_run:
        _save_done(ledger, cache_rows)

    cooldown = parse_duration(schedule.cooldown)
    chosen = select(candidates, ledger.last_published(), now, schedule.max_posts, cooldown)
    for key, reasons in chosen.waiting.items():
        for step in plans[key].steps:
            if step.platform in reasons:
                _hold(step, reasons[step.platform])
                report.waiting.append(
                    _line(key, plans[key], step.platform, "waiting", reasons[step.platform])
                )
    batch = [plans[key] for key in chosen.send]
    if not batch:
        return
    if options.dry_run:
        for plan in batch:
            for step in plan.steps:
                if step.sends:
                    word = "would confirm" if step.kind == "confirm" else f"would {step.action}"
                    report.lines.append(_line(str(plan.post.source), plan, step.platform, word))
        return
    results = engine.send(batch, ledger, now=lambda: now, progress=options.progress)
    failed_posts: set[str] = set()
    for result in results:
        for outcome in result.outcomes:
            if outcome.outcome in ("skipped", "unchanged"):
                continue
            if outcome.outcome == "awaiting" and outcome.handed_off is None:
                continue  # asked, and still not up: nothing new to say
            handed = outcome.handed_off.handoff if outcome.handed_off else None
            handoff = str(handed.file) if handed else None
            if outcome.failed:
                failed_posts.add(str(result.post.source))
            report.lines.append(
                TargetLine(
                    str(result.post.source),
                    result.post.id,
                    outcome.platform,
                    outcome.outcome,
                    outcome.url,
                    outcome.error,
                    handoff=handoff,
                )
            )
    report.write_back_notes = engine.write_back(results)
    # Done: every target sent and nothing left waiting. A failure comes back with its
    # retry (_unsettled_posts), so it is done as far as the file is concerned.
    finished = [
        replace(row, done_sha256=row.sha256)
        for row in cache_rows
        if row.path in chosen.send and row.path not in chosen.waiting
    ]
    _save_done(ledger, finished)


#: The steps ``xpost run`` sends on its own; confirming an assisted (connpass) copy is
#: added only where ``_confirmable`` says it can be asked now.
_RUN_SENDS = frozenset({"create", "update", "reconcile"})


def _hold(step: Any, why: str | None) -> None:
    """Keep a step out of this run: it is planned, but sends nothing."""
    step.kind = "skip"
    step.note = why


def _line(
    source: str, plan: Any, platform: str, outcome: str, detail: str | None = None
) -> TargetLine:
    return TargetLine(source, plan.post.id, platform, outcome, detail=detail)


# --- --mark-existing ------------------------------------------------------------------


def _scan_and_mark(
    config: Config,
    ledger: Ledger,
    options: RunOptions,
    files: Iterable[FileState],
    cached: dict[str, CachedFile],
    key: str,
    judge: _Judge,
    report: RunReport,
) -> ScanResult:
    """The scan of ``--mark-existing``, every due post recorded as done for each of its
    targets as soon as the scan has its row, sending nothing; the other rows of the
    scan cache written too.

    The post id and targets come from the scan's single read of the front matter; a
    post whose id the scan could not work out is read once more, and loaded when that
    cannot tell it either, to say why. The marks are written while the scan reads on
    (on two cores, that takes their writing off the run's end), in the one transaction
    of ``LedgerStore.marking``: a scan that fails or is interrupted records nothing.
    """
    platforms = tuple(_platforms(config, options.platforms))
    wanted = functools.cache(functools.partial(_wanted, platforms=platforms))
    outcome = "would mark" if options.dry_run else "marked"
    count = report.marked
    listing = options.list_marked
    lines: list[TargetLine] = []
    paths: set[str] = set()
    recorded = _recorded_platforms(ledger)
    # On a ledger with records, what this run marked, by post id: a second file with
    # the same id is judged by what the ledger held before the run, as the first was.
    ours: dict[str, list[str]] = {}
    writing: AbstractContextManager[MarkWriter | None]
    writing = contextlib.nullcontext() if options.dry_run else ledger.marking()

    def take(rows: list[CachedFile]) -> None:
        marks: list[tuple[str, str, str]] = []  # post id, platform, source: as written
        done: list[tuple[Any, ...]] = []  # the posts' scan-cache rows, marked done
        for file in rows:
            verdict = judge(file)
            if verdict is None or not judge.due(file, verdict):
                continue
            path = file.path
            paths.add(path)
            fields = file.fields
            post_id = fields.post_id or _read_id(file, config, report)
            known: Container[str] = ()
            if recorded is not None:
                known = recorded(post_id).difference(ours.get(post_id, ()))
            before = len(marks)
            for platform in wanted(fields.targets, fields.exclude):
                if platform not in known:
                    marks.append((post_id, platform, path))
                    if listing:
                        lines.append(TargetLine(path, post_id, platform, outcome))
            added = len(marks) - before
            count.targets += added
            count.posts += added > 0
            if recorded is not None and added:
                ours.setdefault(post_id, []).extend(p for _, p, _ in marks[before:])
            done.append(done_row(file, post_id))
        count.platforms.update(platform for _, platform, _ in marks)
        if write is not None and done:
            marks.sort()  # in key order: fewer pages of the ledger's index touched
            done.sort()  # by path, the rows' first value
            write(marks, done)
        if done:
            options.progress(Report("marking", "posts", done=len(paths)))

    with writing as write:
        scanned = scan(
            files, cached, key, config, with_ids=True, progress=options.progress, settled=take
        )
        # What is left is not due (a draft, say), or broken: its row is written as read
        # (the broken one's marked done) in the same transaction, and nothing is due.
        _, broken = _judged(scanned.files, judge, report, skip=paths)
        if write is not None:
            skip = paths | {row.path for row in broken}
            rest = [row for row in scanned.updated if row.path not in skip]
            write((), *cache_values(rest + broken), scanned.removed)
    if write is None:  # a dry run: no marks, the cache rows all the same
        save_cache(ledger, scanned.updated, scanned.removed)
    options.progress(Report("marking", finished=True))
    # In id order, whatever order the scan read them in.
    lines.sort(key=lambda line: (line.post_id or "", line.source))
    report.lines.extend(lines)
    return scanned


def _recorded_platforms(ledger: Ledger) -> Callable[[str], set[str]] | None:
    """The platforms a post has a record for (any status) in the ledger; None when the
    ledger is empty, the usual case of --mark-existing (no look-up then)."""
    if ledger.is_empty():
        return None
    from xpost.ledger.records import DEFAULT_ACCOUNT

    def platforms(post_id: str) -> set[str]:
        records = ledger.records(post_id)
        return {r.key.platform for r in records if r.key.account == DEFAULT_ACCOUNT}

    return platforms


def _read_id(file: CachedFile, config: Config, report: RunReport) -> str:
    """The id of a post the scan did not identify: its front matter read again, or,
    when that cannot tell it, the post loaded (which raises the reason)."""
    from xpost.post import load_post
    from xpost.scan import read_file_facts

    path = Path(file.path)
    try:
        post_id = read_file_facts(path, path.read_bytes(), config, with_id=True).post_id
    except OSError:
        post_id = None
    if post_id is not None:
        return post_id
    report.loaded += 1
    return load_post(path, config, parse=False).id


def _platforms(config: Config, requested: Sequence[str]) -> list[str]:
    from xpost.adapters.registry import parse_platform_list

    if requested:
        return list(requested)
    where = f"{config.path or 'config'}: [publish] targets"
    return parse_platform_list(config.targets(), where=where)


def _wanted(
    targets: Sequence[str] | None, exclude: Sequence[str], platforms: Sequence[str]
) -> list[str]:
    """``platforms`` narrowed by a post's ``xpost.targets`` and ``xpost.exclude``."""
    return [p for p in platforms if (targets is None or p in targets) and p not in exclude]


# --- ledger queries -------------------------------------------------------------------


def _unsettled_posts(ledger: Ledger, now: datetime, retry_limit: int) -> set[str]:
    """Posts with a target to reconcile (a run killed halfway) or a retry that is due."""
    return {
        post_id
        for post_id, status, failures, next_at in ledger.unsettled(_UNSETTLED)
        if wants_attention([TargetRecord(status, failures, next_at)], now, retry_limit)
    }


def _confirmable(ledger: Ledger, now: datetime) -> set[tuple[str, str]]:
    """``(post_id, platform)`` of the copies awaiting the user that this run may ask the
    platform about: the platform has its credentials (an API key: environment or
    keyring) and was not asked about that copy (looked up) in the last ``CONFIRM_EVERY``."""
    rows = ledger.awaiting()
    if not rows:
        return set()
    from xpost.adapters import registry
    from xpost.credentials import CredentialStore

    store = CredentialStore()
    can_ask: dict[str, bool] = {}
    found: set[tuple[str, str]] = set()
    for post_id, platform, last in rows:
        if last is not None and now - last < CONFIRM_EVERY:
            continue
        if platform not in can_ask:
            try:
                fields = registry.load(platform).credential_fields
            except Exception:  # an adapter no longer installed: nothing to ask
                fields = ()
            can_ask[platform] = bool(fields) and bool(store.get(platform, fields))
        if can_ask[platform]:
            found.add((post_id, platform))
    return found


def _save_done(ledger: Ledger, rows: list[CachedFile]) -> None:
    if rows:
        save_cache(ledger, rows)


def _timing_record(record: Any) -> TargetRecord | None:
    if record is None:
        return None
    return TargetRecord(record.status, record.failures, record.next_attempt_at, record.last_error)
