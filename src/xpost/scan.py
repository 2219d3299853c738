"""Finding the posts under a site's content folders, cheaply enough to run every minute.

``find_post_files`` walks the folders the way the generators see them: a Hugo page
bundle is its ``index.md`` (the other Markdown files in it are resources), Hugo
section pages (``_index.md``) are not posts, Jekyll's ``_posts``/``_drafts`` and
Zenn's ``articles`` are plain files; hidden folders, ``node_modules`` and ``_site``
are never entered.

``scan`` then reads only what changed since the last run: the cache (a table in the
ledger) remembers each file's size, mtime and content hash with the few front-matter
fields that decide whether it is due. An unchanged file is not even opened; a
touched file whose bytes are the same is hashed but not parsed. On a big site the
files are read by forked processes while the walk goes on (``walk_post_files``).

This module must stay light: an idle ``xpost run`` imports it, not the Markdown stack.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import marshal
import operator
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from xpost.config import Config
from xpost.errors import UsageError
from xpost.limits import MAX_POST_BYTES, LimitExceeded
from xpost.progress import Report, Reporter, silent

if TYPE_CHECKING:
    from xpost.forkpool import ForkPool

POST_SUFFIXES = (".md", ".markdown", ".mdx")  # .mdx: Astro, Docusaurus
BUNDLE_INDEXES = ("index.md", "index.markdown", "index.mdx")
SECTION_PAGES = ("_index.md", "_index.markdown", "_index.mdx")
SKIPPED_DIRS = frozenset({"node_modules", "_site"})


@dataclass(slots=True)  # made for every file of a site: not frozen, a third of the cost
class FileState:
    """What the file system says about one post file right now."""

    path: str
    size: int
    mtime_ns: int
    #: The walk listed the file's folder and saw that neither it nor the file is a
    #: symlink and that it holds no site config: reading the post needs no look at the
    #: folder of its own (``xpost.metadata.FileParts.walked``).
    walked: bool = False


@dataclass(slots=True, unsafe_hash=True)  # a value; not frozen: made for every file read
class ScheduleFields:
    """The front-matter facts that decide whether a post is due, without its body."""

    draft: bool = False
    due_at: datetime | None = None  # publishDate, else date (else a Jekyll file name's date)
    expires_at: datetime | None = None
    targets: tuple[str, ...] | None = None  # the post's xpost.targets
    exclude: tuple[str, ...] = ()  # the post's xpost.exclude
    error: str | None = None  # the file cannot be read as a post: this line says why
    #: The post's id as this read of the file worked it out, when it was asked for (by
    #: ``--mark-existing``); None too when it cannot be told (no title yet, say).
    post_id: str | None = None


@dataclass(slots=True, eq=False)  # a value; not frozen: made for every file of a site
class CachedFile:
    """One row of the scan cache: a file's identity, its schedule facts, and progress.

    ``done_sha256`` is the content hash the last run finished with (every target
    published, unchanged or skipped) under the config ``config_key``; while it still
    matches, the post needs nothing and is never parsed.

    Rows read from the cache keep their schedule facts as stored (JSON) until they are
    asked for, and a done row's stay in the cache table until then: a run over a big
    site that is all done reads and decodes none of them.
    """

    path: str
    size: int
    mtime_ns: int
    sha256: str
    config_key: str
    #: str: the cache's JSON, decoded on first use; ``LeftInCache``: not even read yet.
    stored_fields: ScheduleFields | str | LeftInCache
    post_id: str | None = None
    done_sha256: str | None = None

    @property
    def fields(self) -> ScheduleFields:
        stored = self.stored_fields
        if isinstance(stored, LeftInCache):
            stored = stored.json(self.path)
        if isinstance(stored, str):
            stored = _fields_from_json(stored)
            self.stored_fields = stored  # decoded once: a cache, not a change
        return stored

    @property
    def is_done(self) -> bool:
        return self.done_sha256 == self.sha256

    def __eq__(self, other: object) -> bool:
        """Equal rows hold equal facts, decoded or not."""
        if not isinstance(other, CachedFile):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:  # not from the facts: they may still be in the cache table
        return hash((self.path, self.size, self.mtime_ns, self.sha256, self.config_key))

    def _key(self) -> tuple[object, ...]:
        return (
            self.path,
            self.size,
            self.mtime_ns,
            self.sha256,
            self.config_key,
            self.post_id,
            self.done_sha256,
            self.fields,
        )


@dataclass
class ScanResult:
    files: list[CachedFile]  # every post file found, in path order
    updated: list[CachedFile]  # rows to write back to the cache
    removed: list[str]  # cached paths that no longer exist
    parsed: int = 0  # front matters read in this scan (0 when idle)


# --- walking -------------------------------------------------------------------------


def find_post_files(roots: Sequence[Path], unreadable: list[str] | None = None) -> list[FileState]:
    """Every post file under ``roots`` (files are taken as they are), sorted by path.
    Folders that cannot be read are added to ``unreadable`` (one line each)."""
    found = {state.path: state for state in walk_post_files(roots, unreadable)}
    return [found[path] for path in sorted(found)]


def walk_post_files(
    roots: Sequence[Path], unreadable: list[str] | None = None
) -> Iterator[FileState]:
    """Every post file under ``roots`` as the walk comes to it, for ``scan`` to read
    while the walk goes on: in no particular order, and a file under two of the roots
    comes twice (``scan`` takes it once; ``find_post_files`` sorts and dedupes). A
    root that does not exist is a ``UsageError`` at once, before anything is walked."""
    from xpost.sites import MARKERS

    for root in roots:
        if not root.is_file() and not root.is_dir():
            raise UsageError(f"{root}: no such content folder (check [site] content)")
    return _walk_roots(roots, MARKERS, unreadable)


def _walk_roots(
    roots: Sequence[Path], markers: frozenset[str], unreadable: list[str] | None
) -> Iterator[FileState]:
    for root in roots:
        if root.is_file():
            stat = root.stat()
            yield FileState(str(root), stat.st_size, stat.st_mtime_ns)
        else:
            # A root may be a symlink (content/ linked from elsewhere): its own posts are
            # then not "walked"; the folders the walk enters below it never are.
            yield from _walk(os.fspath(root), markers, not os.path.islink(root), unreadable)


def _walk(
    root: str,
    markers: frozenset[str],
    real: bool,
    unreadable: list[str] | None = None,
) -> Iterator[FileState]:
    """The posts under ``root`` (``real``: it is no symlink), folder by folder from a
    stack (in no particular order). Keeps only the paths of folders still to list, not
    their entries: a folder of 100,000 page bundles held as ``DirEntry`` objects was the
    largest thing an idle ``xpost run`` kept in memory."""
    todo = [root]
    join = os.path.join
    while todo:
        folder = todo.pop()
        no_link, real = real, True  # every folder after the root was entered as no link
        folders: list[str] = []  # names
        candidates: list[os.DirEntry[str]] = []
        bundle_index = None
        site_root = False  # holds a site's config: its posts' site is read from here
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    name = entry.name
                    if name in markers:
                        site_root = True
                    if name[0] == "." or name in SKIPPED_DIRS:
                        continue
                    if name in BUNDLE_INDEXES and (
                        bundle_index is None
                        or BUNDLE_INDEXES.index(name) < BUNDLE_INDEXES.index(bundle_index)
                    ):
                        bundle_index = name
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(name)
                    elif name.endswith(POST_SUFFIXES) and name not in SECTION_PAGES:
                        candidates.append(entry)
        except OSError as exc:
            if unreadable is not None:  # said, not skipped silently: its posts never go out
                unreadable.append(f"{folder}: cannot read this folder ({exc.strerror})")
            continue
        walked = no_link and not site_root
        for entry in candidates:
            if (bundle_index is None or entry.name == bundle_index) and entry.is_file():
                try:
                    stat = entry.stat()
                except FileNotFoundError:  # removed since the folder was listed
                    continue
                plain = walked and not entry.is_symlink()
                yield FileState(entry.path, stat.st_size, stat.st_mtime_ns, plain)
        if bundle_index is None:  # a leaf bundle's folders hold resources, not posts
            # Entered only when no symlink (``is_dir`` without following).
            todo.extend(join(folder, name) for name in folders)


# --- what else the facts depend on ------------------------------------------------

_DATA_SUFFIXES = ("toml", "yaml", "yml", "json")
#: The files a generator keeps its config in (what ``xpost.sites`` reads): a change to
#: one can change every post's URL, and so its id.
SITE_CONFIG_NAMES = frozenset(
    {
        *(
            f"{stem}.{ext}"
            for stem in ("hugo", "config")
            for ext in ("toml", "yaml", "yml", "json")
        ),
        "_config.yml",
        "_config.yaml",
        "_config.toml",
        *(f"astro.config.{ext}" for ext in ("mjs", "ts", "js", "mts", "cjs", "cts")),
        "qiita.config.json",
        "package.json",  # Zenn CLI
    }
)
_SITE_CONFIG_DIRS = ("config/_default", "config/production")  # Hugo's config folders


def site_config_stamp(roots: Sequence[Path]) -> str:
    """Size and mtime of every generator config file at or above ``roots``: part of the
    scan cache's key, so that a site config edit reads every post's facts again. Only
    stat'ed: an idle run reads none of them."""
    stamp: list[str] = []
    seen: set[str] = set()
    for root in roots:
        folder = os.path.abspath(root)
        while folder not in seen:
            seen.add(folder)
            for sub in ("", *_SITE_CONFIG_DIRS):
                stamp.extend(_config_entries(os.path.join(folder, sub), bool(sub)))
            folder = os.path.dirname(folder)
    return "\n".join(stamp)


def _config_entries(folder: str, every: bool) -> Iterator[str]:
    """The config files of ``folder`` (``every``: all its files), in name order. The
    known names are stat'ed one by one, not looked for in a listing: every folder up to
    the root is looked at, and one of them (``/tmp``, a home folder) may hold hundreds
    of entries (listing ``/tmp`` was most of an idle run's config key)."""
    if every:
        try:
            names: Sequence[str] = sorted(os.listdir(folder))
        except OSError:
            return
    else:
        names = _SORTED_CONFIG_NAMES
    for name in names:
        path = os.path.join(folder, name)
        try:
            stat = os.stat(path)
        except OSError:
            continue
        yield f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}"


_SORTED_CONFIG_NAMES = tuple(sorted(SITE_CONFIG_NAMES))


# --- reading the front matter only ---------------------------------------------------


def read_file_facts(
    path: Path | str, data: bytes, config: Config, *, with_id: bool = False, walked: bool = False
) -> ScheduleFields:
    """The schedule facts (and with ``with_id`` the post id) of one post file's bytes,
    read as ``xpost.post.load_post`` reads them (``xpost.metadata``). A file that cannot
    be read gives ``error``; a post whose id cannot be worked out (no title yet, say)
    gives no id: loading it says why, when it is due."""
    from xpost.errors import PostError
    from xpost.metadata import decode_post, path_text, post_id, read_schedule, split_post

    path = path_text(path)  # no Path of it: most posts need none
    try:
        parts = split_post(path, decode_post(path, data), config, walked=walked)
        schedule = read_schedule(parts)
    except PostError as exc:
        return ScheduleFields(error=str(exc))
    # The id (title, the site's URL rules) costs half as much again: on request.
    the_id = None
    if with_id:
        try:
            the_id = post_id(parts, config, schedule)
        except PostError:  # no title yet, say: loading the post says why, when it is due
            the_id = None
    return ScheduleFields(
        draft=schedule.draft,
        due_at=schedule.due_at,
        expires_at=schedule.expiry_date,
        targets=schedule.overrides.targets,
        exclude=schedule.overrides.exclude,
        post_id=the_id,
    )


# --- the scan ------------------------------------------------------------------------


def scan(
    files: Iterable[FileState],
    cached: dict[str, CachedFile],
    config_key: str,
    config: Config,
    *,
    with_ids: bool = False,
    progress: Reporter = silent,
    settled: Callable[[list[CachedFile]], None] | None = None,
) -> ScanResult:
    """Bring the cache up to date with ``files``: stat-equal rows are reused as they are,
    other files are hashed, and only those whose hash changed are parsed; ``with_ids``
    works out each parsed post's id too, and keeps it with its facts. ``settled`` hears
    every file's row once, as soon as it is final (the cache's own as the walk finds
    them, the others as they are read), in no particular order: work on the rows goes
    on while the rest are read (``xpost run --mark-existing`` records them meanwhile).

    ``files`` may come lazily, in any order, a path more than once (taken once): the
    walk (``walk_post_files``) goes on while forked processes read the files it found
    so far, once there are enough of them (``_read_chunks``). The rows are the same, in
    path order, either way, and so is the exception raised: the first in path order.
    ``progress`` hears how many files the walk found, and how many of those to read are
    read."""
    result = ScanResult(files=[], updated=[], removed=[])
    seen: set[str] = set()
    tally = _Tally(progress)
    answered: list[CachedFile] | None = [] if settled is not None else None
    chunks = _misses(files, cached, config_key, with_ids, seen, result.files, tally, answered)
    reading = _read_chunks(chunks, config, config_key, with_ids)
    # Closed however the loop ends (Ctrl-C in it too): its forked readers go with it,
    # not when the interrupted frame is collected, if ever.
    with contextlib.closing(reading):
        for chunk, outcomes in reading:
            start = len(result.updated)
            for (index, state, row), (sha, fields) in zip(chunk, outcomes, strict=True):
                if fields is not None and sha:
                    result.parsed += 1
                new = _new_row(state, row, config_key, sha, fields)
                result.files[index] = new
                result.updated.append(new)
            tally.read(len(chunk))
            if settled is not None and answered is not None:
                settled(result.updated[start:] + answered)
                answered.clear()
    progress(Report("reading", finished=True))
    if settled is not None and answered:
        settled(answered)
    by_path = operator.attrgetter("path")
    result.files.sort(key=by_path)  # came in the walk's order (a no-op on sorted files)
    result.updated.sort(key=by_path)
    result.removed = sorted(set(cached) - seen)
    return result


def _new_row(
    state: FileState,
    row: CachedFile | None,
    config_key: str,
    sha: str,
    fields: ScheduleFields | None,
) -> CachedFile:
    """The cache row of a file read again (``_Outcome``: ``sha``, ``fields``)."""
    if fields is None:  # the bytes the cache knows: touched only
        assert row is not None
        return replace(row, size=state.size, mtime_ns=state.mtime_ns)
    if not sha:  # unreadable: ``fields`` says why
        return CachedFile(state.path, state.size, state.mtime_ns, "", config_key, fields)
    done = row.done_sha256 if row is not None else None
    post_id = fields.post_id or (row.post_id if row is not None else None)
    return CachedFile(
        state.path, state.size, state.mtime_ns, sha, config_key, fields, post_id, done
    )


#: A file to read: its place in ``ScanResult.files``, its state, its old cache row.
_Miss = tuple[int, FileState, "CachedFile | None"]
#: What reading a file gave: its sha256 ('' when unreadable, ``fields`` then says why)
#: and its facts (None: the same bytes as the cache's row, only touched).
_Outcome = tuple[str, "ScheduleFields | None"]

#: Files a chunk reads: enough that sending a chunk costs little next to its reading.
_CHUNK = 64
#: Files the forked scan reads itself before it forks.
_WARM_UP = 4
#: Files the walk finds between two progress reports: often enough for the eye, cheap
#: for 100,000.
_REPORT_EVERY = 50


class _Tally:
    """How far the scan is, for ``progress``: the files the walk found, and of those to
    read, how many are read, out of how many once the walk is over."""

    __slots__ = ("done", "over", "progress", "to_read")

    def __init__(self, progress: Reporter) -> None:
        self.progress = progress
        self.to_read = 0  # files to read the walk found so far
        self.over = False  # the walk is over: ``to_read`` is the total
        self.done = 0

    def read(self, count: int) -> None:
        self.done += count
        total = self.to_read if self.over else None  # unknown while the walk goes on
        self.progress(Report("reading", "post files", done=self.done, total=total))


def _misses(
    files: Iterable[FileState],
    cached: dict[str, CachedFile],
    config_key: str,
    with_ids: bool,
    seen: set[str],
    rows: list[CachedFile],
    tally: _Tally,
    answered: list[CachedFile] | None = None,
) -> Iterator[list[_Miss]]:
    """The files the cache cannot answer, in chunks, as the walk finds them. ``rows``
    gets every file's row in the walk's order: the cache's own where it answers (and
    ``answered`` too, if given), a placeholder to fill in where not."""
    progress = tally.progress
    progress(Report("walking", "listing post files"))
    chunk: list[_Miss] = []
    for state in files:
        path = state.path
        if path in seen:  # under two of the roots
            continue
        seen.add(path)
        if len(seen) % _REPORT_EVERY == 0:
            progress(Report("walking", "listing post files", done=len(seen)))
        row = cached.get(path)
        if (
            row is not None
            and _answers(row, config_key, with_ids)
            and (row.size, row.mtime_ns) == (state.size, state.mtime_ns)
        ):
            rows.append(row)
            if answered is not None:
                answered.append(row)
            continue
        chunk.append((len(rows), state, row))
        rows.append(row)  # type: ignore[arg-type]  # a placeholder, replaced
        if len(chunk) == _CHUNK:
            tally.to_read += _CHUNK
            yield chunk
            chunk = []
    tally.to_read += len(chunk)
    tally.over = True
    progress(Report("walking", finished=True))
    if chunk:
        yield chunk


def _answers(row: CachedFile, config_key: str, with_ids: bool) -> bool:
    """Whether ``row``'s facts hold for the bytes it hashed: read under this config and,
    when ids are wanted, with the post's id. A row from a run that needed none (the
    first ``xpost run``, which refuses and says to run ``--mark-existing``) has none: its
    file is read again, in parallel, rather than each id worked out after the scan."""
    return row.config_key == config_key and (not with_ids or row.post_id is not None or row.is_done)


#: Files to read before forked processes pay for themselves: below it (every idle run,
#: most edits) the scan stays in this process and imports nothing more. Measured on
#: 2 cores: forking two children and the pipes cost 12-20 ms of CPU, the reading of
#: ~100 front matters; half the rest is saved in wall time, so a few hundred files
#: break even on an idle machine. 512 keeps a margin for a busy one.
PARALLEL_FROM = 512


def _read_chunks(
    chunks: Iterator[list[_Miss]], config: Config, config_key: str, with_ids: bool
) -> Generator[tuple[list[_Miss], list[_Outcome]]]:
    """Each chunk with its files' outcomes. Fewer than ``PARALLEL_FROM`` files to read
    (or a single core): read here once the walk is over, in path order, so that the
    first exception is the first in path order. Else by forked processes, as soon as
    the walk has found ``PARALLEL_FROM`` of them, while it goes on (``_read_forked``)."""
    buffered: list[list[_Miss]] = []
    count = 0
    for chunk in chunks:
        buffered.append(chunk)
        count += len(chunk)
        if count >= PARALLEL_FROM:
            break
    processes = _processes() if count >= PARALLEL_FROM else 1
    if processes < 2:
        misses = sorted(
            itertools.chain.from_iterable(itertools.chain(buffered, chunks)), key=_miss_path
        )
        del buffered
        for start in range(0, len(misses), _CHUNK):
            chunk = misses[start : start + _CHUNK]
            yield chunk, _read_task(_task(chunk, config_key, with_ids), config, with_ids)
        return
    first_error = _FirstError()
    # A few files read here first: what reading a post imports and caches (the metadata
    # modules, the site's config, its time zone) is then done once, not per child. Only
    # a few: meanwhile nothing else runs (a first chunk of 64 files was 5 ms of that).
    first = buffered[0][:_WARM_UP]
    del buffered[0][:_WARM_UP]
    if not buffered[0]:
        del buffered[0]
    outcomes = _read_here(_task(first, config_key, with_ids), config, with_ids, first_error)
    if outcomes is not None:
        yield first, outcomes
    from xpost.forkpool import ForkPool

    work = functools.partial(_read_in_child, config=config, with_ids=with_ids)
    pool = ForkPool(work, processes, window=4 * processes)
    yield from _read_forked(pool, buffered, chunks, config, config_key, with_ids, first_error)
    if first_error.error is not None:
        raise first_error.error


def _miss_path(miss: _Miss) -> str:
    return miss[1].path


class _FirstError:
    """The exception of the first file in path order that raised, of those read so far.

    The forked scan reads the files in the walk's order, so it goes on past an
    exception, reading only the files before it in path order, and raises the first
    once all are read: the exception the serial scan, which reads in path order and
    stops at the first, raises."""

    __slots__ = ("error", "path")

    def __init__(self) -> None:
        self.path: str | None = None
        self.error: Exception | None = None

    def before(self, path: str) -> bool:
        """Whether ``path`` comes before the first file that raised (if any did)."""
        return self.path is None or path < self.path

    def note(self, path: str, error: Exception) -> None:
        if self.before(path):
            self.path, self.error = path, error


def _read_forked(
    pool: ForkPool,
    found: list[list[_Miss]],
    walk: Iterator[list[_Miss]],
    config: Config,
    config_key: str,
    with_ids: bool,
    first_error: _FirstError,
) -> Iterator[tuple[list[_Miss], list[_Outcome]]]:
    """The chunks ``found`` and those the walk finds, read by ``pool``'s children while
    this process walks on whenever they do not need it (``ForkPool.map``'s ``idle``)."""
    from xpost.forkpool import LOST

    # Found, not yet given to the pool: the walk is faster than the reading, so on a
    # first run this holds most of the site's files for a while, as the walk's sorted
    # list did before the reading began.
    ahead = deque(found)
    out: deque[list[_Miss]] = deque()  # the chunks given to the pool, in order

    def walk_on() -> bool:
        chunk = next(walk, None)
        if chunk is not None:
            ahead.append(chunk)
        return chunk is not None

    def tasks() -> Iterator[list[_Task]]:
        while ahead or walk_on():
            chunk = ahead.popleft()
            if first_error.path is not None:  # only a file before it can change the end
                chunk = [miss for miss in chunk if first_error.before(miss[1].path)]
                if not chunk:
                    continue
            out.append(chunk)
            yield _task(chunk, config_key, with_ids)

    mapped = pool.map(tasks(), idle=walk_on)
    with contextlib.closing(mapped):  # an error raised here ends the children first
        for task, sent in mapped:
            chunk = out.popleft()
            # LOST: its child died (killed?), or could not send its result.
            outcomes = (
                [] if sent is LOST else [(sha, _unpacked(f)) for sha, f in marshal.loads(sent)]
            )
            if len(outcomes) < len(task):
                # The child stopped at an error (or died): the rest is read here, where
                # an exception is the serial scan's own, traceback and all.
                rest = _read_here(task[len(outcomes) :], config, with_ids, first_error)
                if rest is None:
                    continue
                outcomes += rest
            if first_error.path is None:
                yield chunk, outcomes


def _read_here(
    task: list[_Task], config: Config, with_ids: bool, first_error: _FirstError
) -> list[_Outcome] | None:
    """The outcomes of reading ``task``'s files here, beside the forked readers; None
    once a file has raised (``first_error`` keeps the first in path order)."""
    outcomes: list[_Outcome] = []
    for path, size, walked, known_sha in task:
        if first_error.before(path):
            try:
                outcomes.append(_read_file(path, size, walked, known_sha, config, with_ids))
            except Exception as error:
                first_error.note(path, error)
    return outcomes if first_error.path is None else None


#: What a child needs to read a file: path, size, walked, the cache's sha256 for it.
_Task = tuple[str, int, bool, "str | None"]


def _task(chunk: list[_Miss], config_key: str, with_ids: bool) -> list[_Task]:
    return [
        (
            state.path,
            state.size,
            state.walked,
            row.sha256 if row is not None and _answers(row, config_key, with_ids) else None,
        )
        for _, state, row in chunk
    ]


def _read_in_child(task: list[_Task], config: Config, with_ids: bool) -> bytes:
    """``_read_task`` in a forked child: stops at an exception, and sends the facts as
    plain tuples, dates as ISO text, in ``marshal``'s format (made and read in under
    half of what ``pickle`` of the same rows took: ~2 us a file instead of ~5)."""
    outcomes = _read_task(task, config, with_ids, True)
    return marshal.dumps([(sha, _packed(facts)) for sha, facts in outcomes])


def _packed(facts: ScheduleFields | None) -> tuple[Any, ...] | None:
    if facts is None:
        return None
    return (
        facts.draft,
        facts.due_at.isoformat() if facts.due_at else None,
        facts.expires_at.isoformat() if facts.expires_at else None,
        facts.targets,
        facts.exclude,
        facts.error,
        facts.post_id,
    )


def _unpacked(packed: tuple[Any, ...] | None) -> ScheduleFields | None:
    if packed is None:
        return None
    draft, due_at, expires_at, *rest = packed
    return ScheduleFields(
        draft,
        datetime.fromisoformat(due_at) if due_at else None,
        datetime.fromisoformat(expires_at) if expires_at else None,
        *rest,
    )


def _read_task(
    task: list[_Task], config: Config, with_ids: bool, stop: bool = False
) -> list[_Outcome]:
    """The outcomes of reading ``task``'s files. ``stop``: an exception ends the list
    early instead of going up (in a child: the parent reads that file again itself)."""
    outcomes: list[_Outcome] = []
    for path, size, walked, known_sha in task:
        try:
            outcomes.append(_read_file(path, size, walked, known_sha, config, with_ids))
        except Exception:
            if not stop:
                raise
            break
    return outcomes


def _read_file(
    path: str, size: int, walked: bool, known_sha: str | None, config: Config, with_ids: bool
) -> _Outcome:
    try:
        if size > MAX_POST_BYTES:  # load_post refuses it too: not read at all
            raise LimitExceeded(f"too large ({size:,} bytes)")
        data = _bytes_of(path, size)
    except (OSError, LimitExceeded) as exc:
        why = exc.strerror if isinstance(exc, OSError) else str(exc)
        return "", ScheduleFields(error=f"{path}: cannot read: {why}")
    sha = hashlib.sha256(data).hexdigest()
    if sha == known_sha:
        return sha, None
    return sha, read_file_facts(path, data, config, with_id=with_ids, walked=walked)


def _bytes_of(path: str, size: int) -> bytes:
    """``Path(path).read_bytes()`` without a file object (a tenth of a small post's
    reading cost): the same bytes, the same ``OSError``s. ``size`` is the walk's: when
    the file still holds exactly that, the read asked for one byte more ends it, with
    no second read to find the end (three calls to the system a file, not four)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks = [os.read(fd, size + 1)]
        if len(chunks[0]) != size:  # grown or shrunk since: read on to the end
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _processes() -> int:
    """How many processes may read post files: ``XPOST_SCAN_PROCESSES``, else the cores
    this process may use; 1 where forking is not cheap and safe (``forkpool.can_fork``)."""
    from xpost.environment import SCAN_PROCESSES
    from xpost.forkpool import can_fork, usable_cores

    wanted = os.environ.get(SCAN_PROCESSES, "").strip()
    if wanted:
        try:
            count = int(wanted)
        except ValueError:
            count = 0
        if count < 1:
            raise UsageError(
                f"{SCAN_PROCESSES}={wanted!r}: expected a whole number of processes, 1 or more"
            )
    else:
        count = usable_cores()
    return count if count > 1 and can_fork() else 1


# --- the cache (kept in the ledger, whatever its backend) ----------------------------


class CacheStore(Protocol):
    """The part of a ledger that keeps this cache (``xpost.ledger.store.LedgerStore``)."""

    def scan_cache_lean_rows(self) -> Iterable[tuple[Any, ...]]: ...
    def scan_cache_fields(self, path: str) -> str | None: ...
    def save_scan_cache_rows(
        self,
        rows: Iterable[tuple[Any, ...]],
        removed: Iterable[str] = (),
        restamped: Iterable[tuple[Any, ...]] = (),
    ) -> None: ...


class LeftInCache:
    """Where a done row's facts are while nobody asked for them: in the cache table.
    One object for every such row of a run (it only knows the store)."""

    __slots__ = ("store",)

    def __init__(self, store: CacheStore) -> None:
        self.store = store

    def json(self, path: str) -> str:
        from xpost.errors import LedgerError

        text = self.store.scan_cache_fields(path)
        if text is None:  # only another process could have removed it meanwhile
            raise LedgerError(f"{path}: its row left the scan cache during this run: run again")
        return text


def load_cache(store: CacheStore) -> dict[str, CachedFile]:
    """Every cached row by path. Kept small for sites of 100,000 posts: a done row's
    facts are not read (``LeftInCache``), the others' stay JSON until used, and equal
    strings (config key, a done hash) are one object."""
    keys: dict[str, str] = {}
    cache: dict[str, CachedFile] = {}
    left = LeftInCache(store)
    for path, size, mtime, sha, key, fields, post_id, done in store.scan_cache_lean_rows():
        key = keys.setdefault(key, key)
        if fields is None:  # done with this very hash: the query left both out
            cache[path] = CachedFile(path, size, mtime, sha, key, left, post_id, sha)
        else:
            cache[path] = CachedFile(path, size, mtime, sha, key, fields, post_id, done)
    return cache


def save_cache(store: CacheStore, rows: Sequence[CachedFile], removed: Iterable[str] = ()) -> None:
    """Write changed rows and drop removed paths, in one transaction (the rows made
    one at a time as they are written: never 100,000 of them at once)."""
    whole, restamped = cache_values(rows)
    store.save_scan_cache_rows(whole, list(removed), restamped)


def cache_values(
    rows: Sequence[CachedFile],
) -> tuple[Iterator[tuple[Any, ...]], Iterator[tuple[Any, ...]]]:
    """``rows`` as a store writes them (``save_scan_cache_rows``): whole rows, and the
    rows whose facts were never read from the table, written without them (they stay,
    and only while the table still holds them under the row's hash and config key)."""
    whole = (
        (
            r.path,
            r.size,
            r.mtime_ns,
            r.sha256,
            r.config_key,
            r.stored_fields if isinstance(r.stored_fields, str) else _fields_to_json(r.fields),
            r.post_id,
            r.done_sha256,
        )
        for r in rows
        if not isinstance(r.stored_fields, LeftInCache)
    )
    restamped = (
        (r.size, r.mtime_ns, r.post_id, r.done_sha256, r.path, r.sha256, r.config_key)
        for r in rows
        if isinstance(r.stored_fields, LeftInCache)
    )
    return whole, restamped


def done_row(row: CachedFile, post_id: str) -> tuple[Any, ...]:
    """``row`` as ``cache_values`` writes it whole, with ``post_id``, and marked done
    with its own hash (``xpost run --mark-existing``): a tuple, no new row object."""
    stored = row.stored_fields
    return (
        row.path,
        row.size,
        row.mtime_ns,
        row.sha256,
        row.config_key,
        stored if isinstance(stored, str) else _fields_to_json(row.fields),
        post_id,
        row.sha256,
    )


# msgspec's JSON: 10x faster than the json module both ways (a first run writes every
# row, ~3 us each saved), the same document (compact separators, UTF-8 kept as text),
# and rows written by json.dumps read the same.
_encode_json = msgspec.json.Encoder().encode
_decode_json = msgspec.json.Decoder().decode


def _fields_to_json(fields: ScheduleFields) -> str:
    return _encode_json(
        {
            "draft": fields.draft,
            "due_at": fields.due_at.isoformat() if fields.due_at else None,
            "expires_at": fields.expires_at.isoformat() if fields.expires_at else None,
            "targets": list(fields.targets) if fields.targets is not None else None,
            "exclude": list(fields.exclude),
            "error": fields.error,
            "post_id": fields.post_id,
        }
    ).decode()


def _fields_from_json(text: str) -> ScheduleFields:
    raw = _decode_json(text)
    return ScheduleFields(
        draft=raw["draft"],
        due_at=datetime.fromisoformat(raw["due_at"]) if raw["due_at"] else None,
        expires_at=datetime.fromisoformat(raw["expires_at"]) if raw["expires_at"] else None,
        targets=tuple(raw["targets"]) if raw["targets"] is not None else None,
        exclude=tuple(raw["exclude"]),
        error=raw["error"],
        post_id=raw.get("post_id"),  # rows from before ids were kept have none
    )
