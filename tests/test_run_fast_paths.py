"""The shortcuts ``xpost run`` takes on big sites give what the long way gives."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest

from xpost import runner
from xpost.config import Config
from xpost.content.model import Document
from xpost.post import load_post
from xpost.scan import (
    CachedFile,
    LeftInCache,
    ScheduleFields,
    load_cache,
    save_cache,
)

FIXTURES = Path(__file__).parent / "fixtures" / "posts"
POSTS = sorted(
    path
    for path in FIXTURES.rglob("*.md")
    if "broken" not in path.parts and path.name != "no-front-matter.md"
)


def write_posts(content: Path, count: int) -> None:
    """``count`` page bundles p0, p1… under ``content``, dated one day apart in 2020."""
    for n in range(count):
        (content / f"p{n}").mkdir(parents=True)
        (content / f"p{n}" / "index.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2020-01-0{n + 1}\n---\nBody.\n", encoding="utf-8"
        )


@pytest.mark.parametrize("path", POSTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_a_post_loaded_without_its_body_has_the_same_identity(path: Path) -> None:
    config = Config()
    full = load_post(path, config)
    light = load_post(path, config, parse=False)
    assert light.document == Document((), ())
    skipped = {"document", "cover_image", "cover_image_local"}
    for field in msgspec.structs.fields(full):
        if field.name not in skipped:
            assert getattr(light, field.name) == getattr(full, field.name), field.name


def test_cached_rows_decode_their_facts_when_asked_and_save_them_unchanged(
    tmp_path: Path,
) -> None:
    from xpost.ledger import Ledger

    ledger = Ledger.open(tmp_path / "ledger.sqlite3")
    jst = timezone(timedelta(hours=9))
    fields = ScheduleFields(
        draft=True,
        due_at=datetime(2024, 5, 1, 9, tzinfo=jst),
        targets=("qiita",),
        exclude=("zenn",),
    )
    rows = [
        CachedFile("a.md", 10, 1, "s" * 64, "key", fields, "id-a", "s" * 64),
        CachedFile("b.md", 20, 2, "t" * 64, "key", ScheduleFields(error="broken"), None, None),
    ]
    try:
        save_cache(ledger, rows)
        before = sorted(ledger.scan_cache_rows())
        loaded = load_cache(ledger)
        assert isinstance(loaded["a.md"].stored_fields, LeftInCache)  # done: not even read
        assert len(set(loaded.values())) == 2  # hashed without them
        assert isinstance(loaded["a.md"].stored_fields, LeftInCache)
        assert isinstance(loaded["b.md"].stored_fields, str)  # not decoded
        save_cache(ledger, list(loaded.values()))  # written back as stored, without decoding
        assert isinstance(loaded["a.md"].stored_fields, LeftInCache)
        assert sorted(ledger.scan_cache_rows()) == before
        assert loaded["a.md"].fields == fields
        assert loaded["b.md"].fields == ScheduleFields(error="broken")
        assert loaded["a.md"].is_done and not loaded["b.md"].is_done
        assert loaded["a.md"].config_key is loaded["b.md"].config_key  # one string for all
        assert loaded == {row.path: row for row in rows}  # equal, decoded or not
    finally:
        ledger.close()


def test_a_done_row_touched_keeps_its_facts_only_under_the_hash_they_were_read_with(
    tmp_path: Path,
) -> None:
    """A done row is written back without its facts (never read): the stored facts stay
    if the table still holds them under the row's hash and config key, and the new stat
    is not written otherwise, so a later run reads the file again rather than take old
    facts for new content."""
    from xpost.ledger import Ledger

    fields = ScheduleFields(due_at=datetime(2024, 5, 1, tzinfo=UTC), post_id="id-a")
    row = CachedFile("a.md", 10, 1, "s" * 64, "key", fields, "id-a", "s" * 64)
    with Ledger.open(tmp_path / "ledger.sqlite3") as ledger:
        save_cache(ledger, [row])
        [loaded] = load_cache(ledger).values()
        save_cache(ledger, [dataclasses.replace(loaded, size=11, mtime_ns=2)])  # touched
        [touched] = load_cache(ledger).values()
        assert (touched.size, touched.mtime_ns, touched.is_done) == (11, 2, True)
        assert touched.fields == fields  # brought from the table when asked for

        # The table's row changed under a run (another hash, another config key): the
        # facts of this run's row are not the stored ones, so nothing is written.
        for changed in ({"sha256": "u" * 64}, {"config_key": "other"}):
            [stale] = load_cache(ledger).values()
            save_cache(ledger, [dataclasses.replace(row, size=12, **changed)])
            save_cache(ledger, [dataclasses.replace(stale, size=13, mtime_ns=3)])
            [kept] = load_cache(ledger).values()
            assert kept.size == 12 and kept.fields == fields
            save_cache(ledger, [row])


def test_an_idle_run_reads_no_facts_of_done_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once every post is done, a run over the site asks the cache for no row's facts
    (and decodes none): they are most of a cache row's size."""
    from xpost.ledger import Ledger

    content = tmp_path / "content" / "post"
    write_posts(content, 3)
    options = runner.RunOptions(roots=[content], platforms=("qiita",), mark_existing=True)
    with Ledger.open(tmp_path / "ledger.sqlite3") as ledger:
        runner.run(Config(), ledger, dataclasses.replace(options, min_age=0), datetime.now(UTC))
        asked: list[str] = []
        monkeypatch.setattr(Ledger, "scan_cache_fields", lambda self, path: asked.append(path))
        idle = runner.RunOptions(roots=[content], platforms=("qiita",), min_age=0)
        report = runner.run(Config(), ledger, idle, datetime.now(UTC))
        assert (report.lines, report.parsed, asked) == ([], 0, [])


def test_mark_existing_writes_while_the_scan_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The marks of the posts read so far are written while the scan reads on (in the one
    transaction), batch by batch; the listing is in id order all the same."""
    from xpost import scan as scanning
    from xpost.ledger import Ledger, TargetKey

    monkeypatch.setattr(scanning, "_CHUNK", 2)
    reading = scanning._read_chunks
    read: list[int] = []  # files read when each batch was written

    def counted(*args: Any) -> Any:
        for chunk, outcomes in reading(*args):
            read.append(len(chunk))
            yield chunk, outcomes

    monkeypatch.setattr(scanning, "_read_chunks", counted)
    content = tmp_path / "content" / "post"
    write_posts(content, 5)
    config = Config()
    ledger = Ledger.open(tmp_path / "ledger.sqlite3")
    batches: list[int] = []
    marking = ledger.marking

    @contextlib.contextmanager
    def watched() -> Iterator[Any]:
        with marking() as write:

            def written(targets: Any, *rows: Any) -> None:
                batches.append(sum(read))
                write(targets, *rows)

            yield written

    monkeypatch.setattr(ledger, "marking", watched)
    try:
        options = runner.RunOptions(
            roots=[content], platforms=("qiita", "zenn"), mark_existing=True, min_age=0
        )
        report = runner.run(config, ledger, options, datetime.now(UTC))
        assert batches == [2, 4, 5, 5]  # as each chunk came in (of two), then the rest
        assert len(report.lines) == 10
        ids = [line.post_id or "" for line in report.lines]
        assert ids == sorted(ids)
        assert {line.outcome for line in report.lines} == {"marked"}
        for line in report.lines:
            record = ledger.get(TargetKey(str(line.post_id), line.platform))
            assert record is not None and record.status == "skipped"
        again = runner.run(config, ledger, options, datetime.now(UTC))
        assert again.lines == [] and again.loaded == 0  # all done: nothing even loaded
    finally:
        ledger.close()


@pytest.mark.parametrize("with_records", [False, True])
def test_two_files_with_one_id_are_marked_the_same_whatever_order_they_are_read_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_records: bool
) -> None:
    """Forked readers hand rows back in the walk's order, not the paths': two files that
    give one id still record it under the first file in path order, both are counted,
    and the listing is the same, on an empty ledger and on one with records."""
    from xpost import scan as scanning
    from xpost.ledger import Ledger, TargetKey

    monkeypatch.setattr(scanning, "_CHUNK", 1)  # a batch of marks per file
    content = tmp_path / "content"
    for name in ("a", "b", "c"):
        (content / name).mkdir(parents=True)
        post_id = "other" if name == "c" else "same"
        (content / name / "index.md").write_text(
            f"---\ntitle: {name}\nid: {post_id}\ndate: 2020-01-01\n---\nBody.\n",
            encoding="utf-8",
        )
    real_scan = runner.scan

    def backwards(*args: Any, settled: Any, **kwargs: Any) -> Any:
        came: list[Any] = []
        result = real_scan(*args, settled=came.append, **kwargs)
        for rows in reversed(came):
            settled(list(reversed(rows)))
        return result

    options = runner.RunOptions(
        roots=[content], platforms=("qiita", "zenn"), mark_existing=True, min_age=0
    )
    outcomes = []
    for order in ("paths", "backwards"):
        if order == "backwards":
            monkeypatch.setattr(runner, "scan", backwards)
        with Ledger.open(tmp_path / f"{order}.sqlite3") as ledger:
            if with_records:
                ledger.record_skipped([(TargetKey("elsewhere", "zenn"), None)])
            report = runner.run(Config(), ledger, options, datetime.now(UTC))
            sources = {(r.key.post_id, r.key.platform): r.source for r in ledger.all_records()}
            outcomes.append((report.marked.posts, report.marked.targets, report.lines, sources))
    paths, backwards_run = outcomes
    assert paths == backwards_run
    assert paths[:2] == (3, 6)
    assert paths[3][("same", "qiita")] == paths[3][("same", "zenn")] == str(content / "a/index.md")


def test_mark_existing_after_a_refused_first_run_reads_the_ids_in_its_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run caches every post's facts without ids and refuses (first_run_limit),
    saying to run --mark-existing: that run reads the files again in its scan, with the
    ids (forked readers on a big site), instead of working out each id one by one
    afterwards; the ids and marks are those of a --mark-existing on a fresh ledger."""
    from xpost.errors import UsageError
    from xpost.ledger import Ledger

    content = tmp_path / "content" / "post"
    write_posts(content, 5)
    config = Config()
    options = runner.RunOptions(roots=[content], platforms=("qiita",), min_age=0)
    marking = dataclasses.replace(options, mark_existing=True)

    def records(ledger: Ledger) -> list[tuple[str, str, str]]:
        return sorted((r.key.post_id, r.key.platform, r.status) for r in ledger.all_records())

    with Ledger.open(tmp_path / "fresh.sqlite3") as ledger:
        fresh = runner.run(config, ledger, marking, datetime.now(UTC))
        fresh_records = records(ledger)
    with Ledger.open(tmp_path / "ledger.sqlite3") as ledger:
        with pytest.raises(UsageError, match="--mark-existing"):
            runner.run(config, ledger, options, datetime.now(UTC))
        assert all(row.post_id is None for row in load_cache(ledger).values())
        monkeypatch.setattr(runner, "_read_id", lambda *args: pytest.fail("read after the scan"))
        report = runner.run(config, ledger, marking, datetime.now(UTC))
        assert (report.parsed, report.marked.posts) == (5, 5) == (fresh.parsed, 5)
        assert records(ledger) == fresh_records
        assert all(row.is_done and row.post_id for row in load_cache(ledger).values())


@pytest.mark.parametrize("dry_run", [False, True])
def test_mark_existing_counts_what_its_lines_would_list(tmp_path: Path, dry_run: bool) -> None:
    """Without ``list_marked`` (the one-line summary) the report keeps counts, not one line
    per target, and they are the counts of the lines -v / --json would get; the ledger
    ends up the same either way."""
    from xpost.ledger import Ledger, TargetKey

    content = tmp_path / "content" / "post"
    write_posts(content, 4)
    config = Config()
    first = load_post(content / "p0" / "index.md", config, parse=False)
    second = load_post(content / "p1" / "index.md", config, parse=False)
    reports, records = [], []
    for listed in (True, False):
        ledger = Ledger.open(tmp_path / f"ledger-{listed}.sqlite3")
        try:
            # p0 is already on both platforms, p1 on one: 2 posts on 2 and 1 on 1 are left.
            ledger.record_skipped(
                [
                    (TargetKey(first.id, "qiita"), str(first.source)),
                    (TargetKey(first.id, "zenn"), str(first.source)),
                    (TargetKey(second.id, "qiita"), str(second.source)),
                ]
            )
            options = runner.RunOptions(
                roots=[content],
                platforms=("qiita", "zenn"),
                mark_existing=True,
                min_age=0,
                dry_run=dry_run,
                list_marked=listed,
            )
            reports.append(runner.run(config, ledger, options, datetime.now(UTC)))
            records.append(
                sorted((r.key.post_id, r.key.platform, r.status) for r in ledger.all_records())
            )
        finally:
            ledger.close()
    listed_report, counted = reports
    lines = listed_report.lines
    assert len(lines) == 5 and counted.lines == []
    for report in reports:
        assert report.marked.targets == len(lines)
        assert report.marked.posts == len({line.source for line in lines}) == 3
        assert report.marked.platforms == {line.platform for line in lines} == {"qiita", "zenn"}
    assert records[0] == records[1]
    assert len(records[0]) == (3 if dry_run else 8)
