"""Both ledger backends, SQLite and PostgreSQL, record the same things the same way."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postgres_server import fresh_database, postgres_url
from xpost.adapters.base import Receipt
from xpost.errors import LedgerError, PostError
from xpost.ledger import Attempt, Ledger, LedgerBusy, Record, TargetKey, backoff
from xpost.ledger.store import LedgerStore

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
KEY = TargetKey("https://example.com/post/hello/", "qiita")


def clock() -> datetime:
    return NOW


def _write_posts(content: Path, count: int) -> None:
    """``count`` page bundles p0, p1… under ``content``, dated one day apart in 2020."""
    for n in range(count):
        (content / f"p{n}").mkdir(parents=True)
        (content / f"p{n}" / "index.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2020-01-0{n + 1}\n---\nBody.\n", encoding="utf-8"
        )


def _open(kind: str, tmp_path: Path, *, scope: str = "site") -> LedgerStore:
    if kind == "sqlite":
        return Ledger.open(tmp_path / "xpost.sqlite3", clock)
    from xpost.ledger.postgres import PostgresLedger

    return PostgresLedger.open(postgres_url(), scope=scope, clock=clock)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LedgerStore]:
    if request.param == "postgres":
        fresh_database(postgres_url())
    with _open(request.param, tmp_path) as ledger:
        yield ledger


def test_a_target_goes_pending_published_failed_removed(store: LedgerStore) -> None:
    assert store.is_empty()
    store.mark_pending(KEY, source="post.md", content_hash="h1")
    assert store.get(KEY) is not None and store.get(KEY).status == "pending"  # type: ignore[union-attr]
    receipt = Receipt("abc123", "https://qiita.com/u/items/abc123", state={"parts": ["1", "2"]})
    store.record_published(KEY, receipt, content_hash="h1", source="post.md")
    record = store.get(KEY)
    assert record is not None
    assert (record.status, record.remote_id, record.content_hash) == ("published", "abc123", "h1")
    assert record.state == {"parts": ["1", "2"]}
    assert record.first_published_at == NOW and record.receipt() == Receipt(
        "abc123", "https://qiita.com/u/items/abc123", state={"parts": ["1", "2"]}
    )
    assert not store.is_empty()

    store.mark_pending(KEY, source="post.md", content_hash="h2")
    assert store.get(KEY).content_hash == "h1"  # type: ignore[union-attr]  # kept until sent
    store.record_failed(KEY, "Qiita answered 500", unknown=True)
    store.record_failed(KEY, "Qiita answered 500", unknown=True)
    record = store.get(KEY)
    assert record is not None and record.status == "unknown" and record.failures == 2
    assert record.next_attempt_at == NOW + backoff(2)
    store.record_failed(KEY, "rate limited", retry_after=90)
    assert store.get(KEY).next_attempt_at == NOW + timedelta(seconds=90)  # type: ignore[union-attr]

    store.record_removed(KEY)
    record = store.get(KEY)
    assert record is not None and record.status == "removed" and record.remote_id is None
    assert record.first_published_at == NOW  # history is kept


def test_checkpoints_keep_partial_progress(store: LedgerStore) -> None:
    store.mark_pending(KEY, source=None, content_hash="h")
    store.record_checkpoint(KEY, Receipt("1", None, state={"parts": ["1"]}))
    record = store.get(KEY)
    assert record is not None and record.status == "pending" and record.state == {"parts": ["1"]}


def test_skipped_never_overwrites_a_copy(store: LedgerStore) -> None:
    store.record_published(KEY, Receipt("r1"), content_hash="h", source=None)
    other = TargetKey("https://example.com/post/other/", "qiita")
    store.record_skipped([(KEY, "a.md"), (other, "b.md")])
    assert store.get(KEY).status == "published"  # type: ignore[union-attr]
    assert store.get(other).status == "skipped"  # type: ignore[union-attr]
    assert [r.key for r in store.all_records()] == sorted([KEY, other], key=lambda k: k.post_id)


def test_marks_record_skipped_copies_and_the_caches_done_in_one_go(store: LedgerStore) -> None:
    """--mark-existing's batch: records where none exist (a copy sent before stays as it
    is), and the scan cache rows marked done with their hash, other columns kept."""
    store.record_published(KEY, Receipt("r1"), content_hash="h", source=None)
    row = ("content/a.md", 10, 20, "ab" * 32, "key", '{"draft": false}', None, None)
    other = ("content/b.md", 11, 21, "cd" * 32, "key", '{"draft": true}', "old-id", None)
    store.save_scan_cache_rows([row, other])
    new = ("content/c.md", 12, 22, "ef" * 32, "key", '{"draft": false}', "c-id", "ef" * 32)
    with store.marking() as write:
        write(
            [(KEY.post_id, "qiita", "content/a.md"), (KEY.post_id, "twitter", "content/a.md")],
            [new],  # a row the scan just read: written whole
            [(10, 20, KEY.post_id, "ab" * 32, "content/a.md", "ab" * 32, "key")],  # restamped
        )
    assert store.get(KEY).status == "published"  # type: ignore[union-attr]
    marked = store.get(TargetKey(KEY.post_id, "twitter"))
    assert marked is not None
    assert (marked.status, marked.source, marked.updated_at) == ("skipped", "content/a.md", NOW)
    rows = sorted(store.scan_cache_rows())
    assert rows == [(*row[:6], KEY.post_id, "ab" * 32), other, new]


def test_mark_existing_runs_on_either_backend(
    store: LedgerStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``xpost run --mark-existing`` over batches in one transaction, on a ledger that
    has a copy already: what each post has is looked up inside that transaction, the
    copy stays as it is, the rest is marked, and a second run has nothing to do."""
    from xpost import runner, scan
    from xpost.config import Config

    monkeypatch.setattr(scan, "_CHUNK", 2)  # the marks written in three batches
    content = tmp_path / "content"
    _write_posts(content, 5)
    options = runner.RunOptions(
        roots=[content], platforms=("qiita", "zenn"), mark_existing=True, min_age=0
    )
    now = datetime.now(UTC)  # the files were written now: not settling
    first = runner.run(Config(), store, options, now)
    sent = TargetKey(str(first.lines[0].post_id), "qiita")
    assert (first.marked.posts, first.marked.targets) == (5, 10)

    store.record_published(sent, Receipt("r1"), content_hash="h", source=None)
    for row in list(store.scan_cache_rows()):  # every post changed since: due again
        store.save_scan_cache_rows([(*row[:7], None)])
    again = runner.run(Config(), store, options, now)
    assert (again.marked.posts, again.marked.targets) == (0, 0)  # all recorded already
    assert store.get(sent).status == "published"  # type: ignore[union-attr]
    assert runner.run(Config(), store, options, now).parsed == 0


@pytest.mark.filterwarnings(  # see test_scan_parallel: other tests' threads, overlooked
    "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
)
def test_marks_written_beside_forked_readers_all_land_and_the_ledger_goes_on(
    store: LedgerStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The readers are forked while the marking's transaction is open, its connection
    (a PostgreSQL socket) copied into them: they never touch it, so every mark is there
    after the commit, and the ledger takes the next write as usual."""
    from xpost import forkpool, runner, scan
    from xpost.config import Config
    from xpost.environment import SCAN_PROCESSES

    monkeypatch.setattr(scan, "PARALLEL_FROM", 8)
    monkeypatch.setattr(scan, "_CHUNK", 4)
    monkeypatch.setenv(SCAN_PROCESSES, "2")
    monkeypatch.setattr(forkpool, "can_fork", lambda: True)
    forks: list[int] = []
    start = forkpool.ForkPool._start

    def counted(pool: forkpool.ForkPool) -> None:
        forks.append(1)
        start(pool)

    monkeypatch.setattr(forkpool.ForkPool, "_start", counted)
    content = tmp_path / "content"
    for n in range(40):
        (content / f"p{n:02d}").mkdir(parents=True)
        (content / f"p{n:02d}" / "index.md").write_text(
            f"---\ntitle: Post {n}\ndate: 2020-01-01\n---\nBody.\n", encoding="utf-8"
        )
    options = runner.RunOptions(
        roots=[content], platforms=("qiita", "zenn"), mark_existing=True, min_age=0
    )
    report = runner.run(Config(), store, options, datetime.now(UTC))
    assert forks == [1]
    assert (report.marked.posts, report.marked.targets) == (40, 80)
    assert {r.status for r in store.all_records()} == {"skipped"}
    assert len(store.all_records()) == 80
    store.record_skipped([(TargetKey("afterwards", "qiita"), None)])
    assert store.get(TargetKey("afterwards", "qiita")) is not None


def test_two_files_with_one_id_mark_it_once_as_the_first_in_path_order(
    store: LedgerStore,
) -> None:
    """The marks come in the order the scan read the files: whatever that was, a copy that
    two files give one id names the first of them in path order; a copy recorded before
    the run is never touched."""
    store.record_published(KEY, Receipt("r1"), content_hash="h", source="content/z.md")
    with store.marking() as write:
        write([("dup", "zenn", "content/b.md")], [])
        write([("dup", "zenn", "content/a.md"), (KEY.post_id, KEY.platform, "content/a.md")], [])
        write([("dup", "zenn", "content/c.md")], [])
    marked = store.get(TargetKey("dup", "zenn"))
    assert marked is not None and (marked.status, marked.source) == ("skipped", "content/a.md")
    kept = store.get(KEY)
    assert kept is not None and (kept.status, kept.source) == ("published", "content/z.md")


def test_marks_are_written_with_their_cache_rows_or_not_at_all(store: LedgerStore) -> None:
    """Batches that fail halfway (here: the second has a cache row that breaks a
    constraint) leave no records and no cache rows behind, the first batch's neither;
    nor does an error while the batches are made (a post that cannot be read)."""
    row = ("content/a.md", 10, 20, "ab" * 32, "key", '{"draft": false}', "a-id", "ab" * 32)
    broken = ("content/b.md", 11, 21, None, "key", "{}", "b-id", None)  # sha256 NOT NULL
    first = ([("a-id", "zenn", "content/a.md")], [row])
    with pytest.raises(LedgerError), store.marking() as write:
        write(*first)
        write([("b-id", "zenn", "content/b.md")], [broken])
    with pytest.raises(PostError), store.marking() as write:
        write(*first)
        raise PostError("content/b.md: no title")
    assert store.get(TargetKey("a-id", "zenn")) is None
    assert store.get(TargetKey("b-id", "zenn")) is None
    assert list(store.scan_cache_rows()) == []


def test_records_of_file_match_the_path_however_it_was_recorded(
    store: LedgerStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post = tmp_path / "site" / "_posts" / "2022-07-15-a_b%.md"
    post.parent.mkdir(parents=True)
    post.write_text("# A\n")
    monkeypatch.chdir(tmp_path / "site")
    recorded = {
        "https://old/1": str(post),  # absolute
        "https://old/2": "_posts/2022-07-15-a_b%.md",  # relative to where xpost ran
        "https://old/3": "../site/_posts/2022-07-15-a_b%.md",  # above where it ran: unknown
        "https://old/4": "other/_posts/2022-07-15-a_b%.md",  # another file of that name
        "https://old/5": "_posts/2022-07-15-aXbX.md",  # '_' and '%' are not wildcards
    }
    for post_id, source in recorded.items():
        store.record_published(
            TargetKey(post_id, "zenn"), Receipt("r"), content_hash="h", source=source
        )
    store.record_published(
        TargetKey("https://old/6", "qiita"), Receipt("r"), content_hash="h", source=str(post)
    )
    found = store.records_of_file(Path("_posts/2022-07-15-a_b%.md"), "zenn")
    assert sorted(record.key.post_id for record in found) == ["https://old/1", "https://old/2"]


def test_attempts_are_logged_newest_first(store: LedgerStore) -> None:
    store.mark_pending(KEY, source=None, content_hash="h")
    first = store.start_attempt(KEY, "create")
    store.finish_attempt(first, "failed", "boom")
    second = store.start_attempt(KEY, "lookup")
    store.finish_attempt(second, "found")
    history = store.history()
    assert [(a.action, a.outcome, a.error) for a in history] == [
        ("lookup", "found", None),
        ("create", "failed", "boom"),
    ]
    assert store.history(limit=1, post_id="nope") == []
    assert len(store.all_attempts()) == 2


def test_put_record_and_attempt_round_trip(store: LedgerStore) -> None:
    record = Record(
        key=KEY,
        status="published",
        remote_id="r",
        url="https://x/r",
        content_hash="h",
        state={"k": "v"},
        first_published_at=NOW,
        last_published_at=NOW,
        updated_at=NOW,
    )
    store.put_record(record)
    assert store.get(KEY) == record
    attempt = Attempt(0, KEY, "create", NOW, NOW, "created", None)
    assert store.put_attempt(attempt) is True
    assert store.put_attempt(attempt) is False  # the same attempt is not logged twice


def test_scan_cache_rows_round_trip(store: LedgerStore) -> None:
    row = ("content/a.md", 10, 123, "sha", "key", "{}", "post-a", None)
    store.save_scan_cache_rows([row])
    assert list(store.scan_cache_rows()) == [row]
    store.save_scan_cache_rows([], removed=["content/a.md"])
    assert list(store.scan_cache_rows()) == []


def test_the_lean_scan_cache_leaves_out_the_facts_of_done_rows(store: LedgerStore) -> None:
    done = ("content/a.md", 10, 123, "sha-a", "key", '{"draft": true}', "post-a", "sha-a")
    edited = ("content/b.md", 11, 124, "sha-b", "key", '{"draft": false}', "post-b", "sha-old")
    new = ("content/c.md", 12, 125, "sha-c", "key", "{}", None, None)
    store.save_scan_cache_rows([done, edited, new])
    assert sorted(store.scan_cache_lean_rows()) == [
        (*done[:5], None, "post-a", None),
        edited,
        new,
    ]
    assert store.scan_cache_fields("content/a.md") == '{"draft": true}'
    assert store.scan_cache_fields("content/nope.md") is None
    # Restamped: new stat, same facts, only while the hash and config key still match.
    store.save_scan_cache_rows(
        [],
        restamped=[
            (20, 223, "post-a", "sha-a", "content/a.md", "sha-a", "key"),
            (21, 224, "post-b", "sha-b", "content/b.md", "sha-x", "key"),
            (22, 225, None, None, "content/c.md", "sha-c", "other-key"),
        ],
    )
    assert sorted(store.scan_cache_rows()) == [
        ("content/a.md", 20, 223, "sha-a", "key", '{"draft": true}', "post-a", "sha-a"),
        edited,
        new,
    ]


def test_the_scan_cache_streams_every_row_of_a_big_site_and_rows_are_updated(
    store: LedgerStore,
) -> None:
    from xpost.ledger.sql import STREAM_BATCH

    count = STREAM_BATCH * 2 + 7  # more than one batch, and a partial last one
    rows = [(f"content/{n:05}.md", n, n, f"sha{n}", "key", "{}", None, None) for n in range(count)]
    store.save_scan_cache_rows(rows)
    changed = ("content/00003.md", 30, 31, "sha-new", "key", '{"draft": true}', "p3", "sha-new")
    store.save_scan_cache_rows([changed], removed=["content/00004.md"])
    streamed = store.scan_cache_rows()
    assert not isinstance(streamed, list)  # rows as they come, not all at once
    expected = {row[0]: row for row in rows if row[0] != "content/00004.md"}
    expected[changed[0]] = changed
    assert sorted(streamed) == sorted(expected.values())
    assert not store.is_empty() or store.get(KEY) is None  # the ledger is usable afterwards


def test_an_imported_record_over_an_existing_one_keeps_its_attempts(store: LedgerStore) -> None:
    """``xpost ledger import --force`` replaces a copy's record, never its log: SQLite's
    ``INSERT OR REPLACE`` deleted the row and so, by cascade, its attempts."""
    store.mark_pending(KEY, source="post.md", content_hash="h1")
    attempt_id = store.start_attempt(KEY, "create")
    store.finish_attempt(attempt_id, "published")
    store.put_record(Record(KEY, "published", remote_id="r1", content_hash="h2", updated_at=NOW))
    record = store.get(KEY)
    assert record is not None and (record.status, record.remote_id) == ("published", "r1")
    assert [(a.key, a.action, a.outcome) for a in store.history()] == [(KEY, "create", "published")]


def test_a_second_runner_on_the_same_site_is_refused(
    store: LedgerStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    kind = request.node.callspec.params["store"]
    with store.lock():
        other = _open(kind, tmp_path)
        try:
            with pytest.raises(LedgerBusy), other.lock():
                pass
        finally:
            other.close()
    with store.lock():  # released
        pass


def test_the_run_lock_is_per_site_on_postgres(tmp_path: Path) -> None:
    fresh_database(postgres_url())
    with (
        _open("postgres", tmp_path, scope="a") as one,
        _open("postgres", tmp_path, scope="b") as two,
        one.lock(),
        two.lock(),
    ):
        pass


def test_concurrent_writers_lose_nothing(store: LedgerStore) -> None:
    keys = [TargetKey(f"https://example.com/p/{i}/", "qiita") for i in range(40)]

    def write(chunk: list[TargetKey]) -> None:
        for key in chunk:
            store.mark_pending(key, source=None, content_hash="h")
            store.record_published(key, Receipt(key.post_id), content_hash="h", source=None)

    threads = [threading.Thread(target=write, args=(keys[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.key for r in store.all_records() if r.status == "published"} == set(keys)


def test_postgres_refuses_a_foreign_xpost_schema() -> None:
    import psycopg

    from xpost.ledger.postgres import PostgresLedger

    url = postgres_url()
    fresh_database(url)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE SCHEMA xpost")
        db.execute("CREATE TABLE xpost.things (id int)")
    with pytest.raises(LedgerError, match="not an xpost ledger"):
        PostgresLedger.open(url)
    with psycopg.connect(url, autocommit=True) as db:
        assert db.execute("SELECT count(*) FROM xpost.things").fetchone() == (0,)


def test_postgres_never_touches_same_named_tables_outside_its_schema() -> None:
    """The statements name the tables bare (as SQLite's do); the connection looks for
    them in the schema ``xpost`` only."""
    import psycopg

    from xpost.ledger.postgres import PostgresLedger

    url = postgres_url()
    fresh_database(url)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS public.syndications")
        db.execute("CREATE TABLE public.syndications (post_id TEXT, note TEXT)")
        db.execute("INSERT INTO public.syndications VALUES ('theirs', 'keep me')")
    try:
        with PostgresLedger.open(url, clock=clock) as ledger:
            ledger.mark_pending(KEY, source="post.md", content_hash="h1")
            assert ledger.get(KEY) is not None
        with psycopg.connect(url, autocommit=True) as db:
            assert db.execute("SELECT * FROM public.syndications").fetchall() == [
                ("theirs", "keep me")
            ]
            assert db.execute("SELECT count(*) FROM xpost.syndications").fetchone() == (1,)
    finally:
        with psycopg.connect(url, autocommit=True) as db:
            db.execute("DROP TABLE public.syndications")


def test_postgres_open_existing_creates_nothing() -> None:
    import psycopg

    from xpost.ledger.postgres import PostgresLedger

    url = postgres_url()
    fresh_database(url)
    assert PostgresLedger.open_existing(url) is None
    with psycopg.connect(url, autocommit=True) as db:
        assert db.execute("SELECT to_regnamespace('xpost')").fetchone() == (None,)


def test_postgres_wrong_password_is_one_clear_line_without_the_password() -> None:
    from urllib.parse import urlsplit, urlunsplit

    from xpost.ledger.postgres import PostgresLedger

    url = postgres_url()
    parts = urlsplit(url)
    bad = urlunsplit(parts._replace(netloc=f"xpost:wrong-secret@{parts.hostname}:{parts.port}"))
    with pytest.raises(LedgerError) as caught:
        PostgresLedger.open(bad)
    message = str(caught.value)
    assert "cannot connect" in message and "wrong-secret" not in message
    assert "\n" not in message


def test_the_password_can_live_in_the_keyring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring

    from xpost.config import Config, LedgerConfig
    from xpost.ledger.opening import open_ledger

    url = postgres_url()
    fresh_database(url)
    password = os.environ["PGPASSWORD"]
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    config = Config(ledger=LedgerConfig(url=url))
    with pytest.raises(LedgerError, match="cannot connect"):
        open_ledger(config).close()
    keyring.set_password("xpost", "ledger:password", password)  # what `xpost auth set ledger` does
    with open_ledger(config) as ledger:
        assert ledger.is_empty()


def test_a_password_in_the_config_file_is_refused(tmp_path: Path) -> None:
    from xpost.config import load_config
    from xpost.errors import ConfigError

    path = tmp_path / "xpost.toml"
    path.write_text('[ledger]\nurl = "postgresql://xpost:hunter2@db.example.com/xpost"\n')
    with pytest.raises(ConfigError, match="holds a password") as caught:
        load_config(path, ("twitter", "qiita", "zenn", "connpass"))
    assert "hunter2" not in str(caught.value)


def test_a_ledger_url_variable_of_another_kind_is_one_config_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from xpost.config import Config
    from xpost.errors import ConfigError
    from xpost.ledger.opening import open_existing_ledger

    monkeypatch.setenv("XPOST_LEDGER_URL", "mysql://user:hunter2@db/x")
    with pytest.raises(ConfigError, match="XPOST_LEDGER_URL must be a PostgreSQL URL") as caught:
        open_existing_ledger(Config())
    assert "hunter2" not in str(caught.value)


def test_mark_existing_then_an_idle_run_on_each_backend(
    store: LedgerStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--mark-existing records each post once per platform and marks the cache done; the
    next run finds nothing to do without asking the cache for any row's facts."""
    from xpost import runner
    from xpost.config import Config
    from xpost.scan import load_cache

    content = tmp_path / "content" / "post"
    _write_posts(content, 3)
    marking = runner.RunOptions(
        roots=[content], platforms=("qiita", "zenn"), mark_existing=True, min_age=0
    )
    report = runner.run(Config(), store, marking, datetime.now(UTC))
    assert (report.marked.targets, report.marked.posts) == (6, 3)
    assert {r.status for r in store.all_records()} == {"skipped"}
    assert len(store.all_records()) == 6
    assert all(row.is_done and row.post_id for row in load_cache(store).values())

    asked: list[str] = []
    monkeypatch.setattr(type(store), "scan_cache_fields", lambda self, path: asked.append(path))
    idle = runner.RunOptions(roots=[content], platforms=("qiita", "zenn"), min_age=0)
    again = runner.run(Config(), store, idle, datetime.now(UTC))
    assert (again.lines, again.parsed, asked) == ([], 0, [])
