"""Finding the posts under a site's content folders, cheaply enough to run every minute.

``find_post_files`` walks the folders the way the generators see them: a Hugo page
bundle is its ``index.md`` (the other Markdown files in it are resources), Hugo
section pages (``_index.md``) are not posts, Jekyll's ``_posts``/``_drafts`` and
Zenn's ``articles`` are plain files; hidden folders, ``node_modules`` and ``_site``
are never entered.

``scan`` then reads only what changed since the last run: the cache (a table in the
ledger) remembers each file's size, mtime and content hash with the few front-matter
fields that decide whether it is due. An unchanged file is not even opened; a
touched file whose bytes are the same is hashed but not parsed.

This module must stay light: an idle ``xpost run`` imports it, not the Markdown stack.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, Protocol

from xpost.errors import PostError, UsageError
from xpost.limits import MAX_POST_BYTES, LimitExceeded

POST_SUFFIXES = (".md", ".markdown", ".mdx")  # .mdx: Astro, Docusaurus
BUNDLE_INDEXES = ("index.md", "index.markdown", "index.mdx")
SECTION_PAGES = ("_index.md", "_index.markdown", "_index.mdx")
SKIPPED_DIRS = frozenset({"node_modules", "_site"})

# The front-matter keys ``xpost.post.load_post`` reads for these fields, in the same
# order (tests/test_scan.py checks both agree on the same files). Importing them
# from there would pull in the whole Markdown stack on every idle tick.
DATE_KEYS = ("date",)
PUBLISH_KEYS = ("publishDate", "publish_date", "pubDate", "published_at")
EXPIRY_KEYS = ("expiryDate", "expiry_date", "unpublishdate")
_DATED_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-(.+)")


@dataclass(frozen=True, slots=True)
class FileState:
    """What the file system says about one post file right now."""

    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class ScheduleFields:
    """The front-matter facts that decide whether a post is due, without its body."""

    draft: bool = False
    due_at: datetime | None = None  # publishDate, else date (else a Jekyll file name's date)
    expires_at: datetime | None = None
    targets: tuple[str, ...] | None = None  # the post's xpost.targets
    exclude: tuple[str, ...] = ()  # the post's xpost.exclude
    error: str | None = None  # the file cannot be read as a post: this line says why


@dataclass(frozen=True, slots=True, eq=False)
class CachedFile:
    """One row of the scan cache: a file's identity, its schedule facts, and progress.

    ``done_sha256`` is the content hash the last run finished with (every target
    published, unchanged or skipped) under the config ``config_key``; while it still
    matches, the post needs nothing and is never parsed.

    Rows read from the cache keep their schedule facts as stored (JSON) until they are
    asked for: a run over a big site that is all done decodes none of them.
    """

    path: str
    size: int
    mtime_ns: int
    sha256: str
    config_key: str
    stored_fields: ScheduleFields | str  # str: the cache's JSON, decoded on first use
    post_id: str | None = None
    done_sha256: str | None = None

    @property
    def fields(self) -> ScheduleFields:
        stored = self.stored_fields
        if isinstance(stored, str):
            stored = _fields_from_json(stored)
            object.__setattr__(self, "stored_fields", stored)  # a cache, not a change
        return stored

    @property
    def is_done(self) -> bool:
        return self.done_sha256 == self.sha256

    def __eq__(self, other: object) -> bool:
        """Equal rows hold equal facts, decoded or not."""
        if not isinstance(other, CachedFile):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key()[:5])

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
    found: dict[str, FileState] = {}
    for root in roots:
        if root.is_file():
            stat = root.stat()
            found[str(root)] = FileState(str(root), stat.st_size, stat.st_mtime_ns)
        elif root.is_dir():
            for state in _walk(str(root), unreadable):
                found[state.path] = state
        else:
            raise UsageError(f"{root}: no such content folder (check [site] content)")
    return [found[path] for path in sorted(found)]


def _walk(folder: str, unreadable: list[str] | None = None) -> Iterator[FileState]:
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        if unreadable is not None:  # said, not skipped silently: its posts never go out
            unreadable.append(f"{folder}: cannot read this folder ({exc.strerror})")
        return
    names = {entry.name for entry in entries}
    bundle_index = next((name for name in BUNDLE_INDEXES if name in names), None)
    for entry in entries:
        name = entry.name
        if name.startswith(".") or name in SKIPPED_DIRS:
            continue
        if entry.is_dir(follow_symlinks=False):
            if bundle_index is None:  # a leaf bundle's folders hold resources, not posts
                yield from _walk(entry.path, unreadable)
        elif (
            name.endswith(POST_SUFFIXES)
            and name not in SECTION_PAGES
            and (bundle_index is None or name == bundle_index)
            and entry.is_file()
        ):
            stat = entry.stat()
            yield FileState(entry.path, stat.st_size, stat.st_mtime_ns)


# --- reading the front matter only ---------------------------------------------------


def read_schedule_fields(path: Path, data: bytes, tz: tzinfo) -> ScheduleFields:
    """The schedule facts of one post file's bytes; a broken file gives ``error``."""
    from xpost.frontmatter import FrontMatter, dated_name_date, split_front_matter

    try:
        if b"\0" in data:
            raise PostError(f"{path}: not a text file (it holds NUL bytes: binary data?)")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise PostError(f"{path}: not a text file in UTF-8 (invalid byte)") from None
        metadata, _, _ = split_front_matter(text, path)
        reader = FrontMatter(metadata, path, tz)
        date = reader.date(DATE_KEYS)
        if date is None and _in_jekyll_dir(path):
            name = path.parent.name if path.name in BUNDLE_INDEXES else path.stem
            if dated := _DATED_NAME.fullmatch(name):
                date = dated_name_date(path, dated.group(1), tz)
        targets, exclude = _target_overrides(metadata.get("xpost"), path)
        return ScheduleFields(
            draft=_is_draft(metadata, path),
            due_at=reader.date(PUBLISH_KEYS) or date,
            expires_at=reader.date(EXPIRY_KEYS),
            targets=targets,
            exclude=exclude,
        )
    except PostError as exc:
        return ScheduleFields(error=str(exc))


def _in_jekyll_dir(path: Path) -> bool:
    return any(part in ("_posts", "_drafts") for part in path.parts)


def _is_draft(metadata: dict[str, Any], path: Path) -> bool:
    draft = metadata.get("draft", False)
    if not isinstance(draft, bool):
        raise PostError(f"{path}: draft: expected true or false, got {draft!r}")
    return draft or metadata.get("published") is False or "_drafts" in path.parts


def _target_overrides(raw: object, path: Path) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    if not isinstance(raw, dict):
        return None, ()  # a wrong type is reported in full when the post is loaded
    targets = raw.get("targets")
    return (
        None if targets is None else _names(targets),
        _names(raw.get("exclude", ())),
    )


def _names(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(str(item).strip() for item in value if str(item).strip())
    return ()


# --- the scan ------------------------------------------------------------------------


def scan(
    files: Iterable[FileState],
    cached: dict[str, CachedFile],
    config_key: str,
    tz: tzinfo,
) -> ScanResult:
    """Bring the cache up to date with ``files``: stat-equal rows are reused as they are,
    other files are hashed, and only those whose hash changed are parsed."""
    result = ScanResult(files=[], updated=[], removed=[])
    seen: set[str] = set()
    for state in files:
        seen.add(state.path)
        row = cached.get(state.path)
        if (
            row is not None
            and row.config_key == config_key
            and (row.size, row.mtime_ns) == (state.size, state.mtime_ns)
        ):
            result.files.append(row)
            continue
        try:
            if state.size > MAX_POST_BYTES:  # load_post refuses it too: not read at all
                raise LimitExceeded(f"too large ({state.size:,} bytes)")
            data = Path(state.path).read_bytes()
        except (OSError, LimitExceeded) as exc:
            why = exc.strerror if isinstance(exc, OSError) else str(exc)
            fields = ScheduleFields(error=f"{state.path}: cannot read: {why}")
            row = CachedFile(state.path, state.size, state.mtime_ns, "", config_key, fields)
        else:
            sha = hashlib.sha256(data).hexdigest()
            if row is not None and row.sha256 == sha and row.config_key == config_key:
                row = replace(row, size=state.size, mtime_ns=state.mtime_ns)  # touched only
            else:
                result.parsed += 1
                fields = read_schedule_fields(Path(state.path), data, tz)
                done = row.done_sha256 if row is not None else None
                post_id = row.post_id if row is not None else None
                row = CachedFile(
                    state.path, state.size, state.mtime_ns, sha, config_key, fields, post_id, done
                )
        result.files.append(row)
        result.updated.append(row)
    result.removed = sorted(set(cached) - seen)
    return result


# --- the cache (kept in the ledger, whatever its backend) ----------------------------


class CacheStore(Protocol):
    """The part of a ledger that keeps this cache (``xpost.ledger.store.LedgerStore``)."""

    def scan_cache_rows(self) -> list[tuple[Any, ...]]: ...
    def save_scan_cache_rows(
        self, rows: Sequence[tuple[Any, ...]], removed: Sequence[str] = ()
    ) -> None: ...


def load_cache(store: CacheStore) -> dict[str, CachedFile]:
    """Every cached row by path. Kept small for sites of 100,000 posts: the facts stay
    JSON until used, and equal strings (config key, a done hash) are one object."""
    keys: dict[str, str] = {}
    cache: dict[str, CachedFile] = {}
    for path, size, mtime, sha, key, fields, post_id, done in store.scan_cache_rows():
        key = keys.setdefault(key, key)
        cache[path] = CachedFile(
            path, size, mtime, sha, key, fields, post_id, sha if done == sha else done
        )
    return cache


def save_cache(store: CacheStore, rows: Iterable[CachedFile], removed: Iterable[str] = ()) -> None:
    """Write changed rows and drop removed paths, in one transaction."""
    store.save_scan_cache_rows(
        [
            (
                r.path,
                r.size,
                r.mtime_ns,
                r.sha256,
                r.config_key,
                r.stored_fields
                if isinstance(r.stored_fields, str)
                else _fields_to_json(r.stored_fields),
                r.post_id,
                r.done_sha256,
            )
            for r in rows
        ],
        list(removed),
    )


def _fields_to_json(fields: ScheduleFields) -> str:
    return json.dumps(
        {
            "draft": fields.draft,
            "due_at": fields.due_at.isoformat() if fields.due_at else None,
            "expires_at": fields.expires_at.isoformat() if fields.expires_at else None,
            "targets": list(fields.targets) if fields.targets is not None else None,
            "exclude": list(fields.exclude),
            "error": fields.error,
        },
        ensure_ascii=False,
    )


def _fields_from_json(text: str) -> ScheduleFields:
    raw = json.loads(text)
    return ScheduleFields(
        draft=raw["draft"],
        due_at=datetime.fromisoformat(raw["due_at"]) if raw["due_at"] else None,
        expires_at=datetime.fromisoformat(raw["expires_at"]) if raw["expires_at"] else None,
        targets=tuple(raw["targets"]) if raw["targets"] is not None else None,
        exclude=tuple(raw["exclude"]),
        error=raw["error"],
    )
