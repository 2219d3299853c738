"""The scan's reading spread over forked processes: the same rows as reading in-process.

Each test forces the fan-out on a small site (``PARALLEL_FROM`` and ``_CHUNK`` lowered,
``XPOST_SCAN_PROCESSES=2``) and checks it against the serial scan of the same files:
rows and their order, errors (the first in path order wins, as in-process), a child
killed mid-scan, Ctrl-C, and that small scans never fork.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import xpost.forkpool
import xpost.scan
from dry_run_cli import write
from xpost.config import Config, SiteConfig
from xpost.environment import SCAN_PROCESSES
from xpost.errors import ConfigError, UsageError
from xpost.forkpool import LOST, ForkPool
from xpost.progress import Report
from xpost.scan import (
    CachedFile,
    FileState,
    ScanResult,
    ScheduleFields,
    find_post_files,
    scan,
    walk_post_files,
)

CAN_FORK = xpost.forkpool.can_fork
# Other tests of the suite leave daemon threads behind, so the pool forks beside them
# here and Python 3.12+ warns about that; production forks only where ``can_fork``
# says no thread runs (``test_no_fork_while_a_thread_runs...``).
pytestmark = pytest.mark.filterwarnings(
    "ignore:This process .* is multi-threaded, use of fork:DeprecationWarning"
)
CONFIG = Config(site=SiteConfig(timezone="Asia/Tokyo", base_url="https://example.com/"))
KEY = "key"


def post(n: int, extra: str = "") -> str:
    return f"---\ntitle: Post {n}\ndate: 2024-01-{n % 28 + 1:02d}T09:00:00\n{extra}---\nbody {n}\n"


def mixed_site(root: Path) -> Path:
    """Hugo bundles and plain files, Jekyll posts and drafts, a site inside a site,
    posts outside any site, symlinked files and folders, and broken files."""
    content = root / "hugo" / "content"
    write(root / "hugo" / "hugo.toml", 'baseURL = "https://hugo.example/"\ntimeZone = "UTC"\n')
    for n in range(40):
        draft = "draft: true\n" if n % 7 == 0 else ""
        write(content / "post" / f"b{n:03d}" / "index.md", post(n, draft))
        write(content / "post" / f"b{n:03d}" / "notes.md", "a resource, not a post")
    for n in range(10):
        write(content / "notes" / f"n{n}.md", post(n, "xpost:\n  targets: [qiita]\n"))
    write(content / "post" / "bad-yaml" / "index.md", "---\ntitle: [unclosed\n---\nx\n")
    write(content / "post" / "binary" / "index.md", b"---\ntitle: x\n---\n\0\1")
    write(content / "post" / "latin1" / "index.md", b"---\ntitle: caf\xe9\n---\n")
    write(content / "post" / "empty" / "index.md", "")
    write(content / "post" / "no-title" / "index.md", "---\ndate: 2024-01-01\n---\nbody\n")
    write(content / "post" / "bad-draft" / "index.md", "---\ntitle: t\ndraft: maybe\n---\n")
    # A site inside the site: its own config decides its posts' URLs and time zone.
    inner = content / "post" / "inner"
    write(inner / "config.toml", 'baseURL = "https://inner.example/"\ntimeZone = "Europe/Paris"\n')
    for n in range(5):
        write(inner / "content" / "post" / f"i{n}" / "index.md", post(n))
    # Jekyll: dated names, drafts, a config that makes tags space-separated.
    jekyll = root / "jekyll"
    write(jekyll / "_config.yml", "url: https://jekyll.example\npermalink: pretty\n")
    for n in range(20):
        write(jekyll / "_posts" / f"2023-02-{n % 28 + 1:02d}-p{n}.md", f"---\ntitle: J{n}\n---\n")
    write(jekyll / "_drafts" / "idea.md", "---\ntitle: Idea\ntags: a b\n---\n")
    # No site at all.
    for n in range(10):
        write(root / "loose" / f"l{n}.md", post(n))
    # Symlinks: a post file, a bundle folder (not entered by the walk), a content root.
    elsewhere = root / "elsewhere"
    write(elsewhere / "linked.md", post(99))
    write(elsewhere / "bundle" / "index.md", post(98))
    (content / "post" / "linked.md").symlink_to(elsewhere / "linked.md")
    (content / "post" / "linked-bundle").symlink_to(elsewhere / "bundle")
    (root / "linked-loose").symlink_to(root / "loose")
    return root


def roots(root: Path) -> list[Path]:
    return [root / "hugo" / "content", root / "jekyll", root / "loose", root / "linked-loose"]


def serial(files: list[FileState], cached: dict[str, CachedFile], **kw: Any) -> ScanResult:
    before = os.environ.get(SCAN_PROCESSES)
    os.environ[SCAN_PROCESSES] = "1"
    try:
        return scan(files, cached, KEY, CONFIG, **kw)
    finally:
        if before is None:
            del os.environ[SCAN_PROCESSES]
        else:
            os.environ[SCAN_PROCESSES] = before


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fan-out from the first file, 3 files a chunk, 2 processes; counts the pools made.

    Other tests of the suite leave daemon threads behind (HTTP servers' request threads
    on kept-alive connections), which ``can_fork`` rightly refuses to fork beside; here
    they are overlooked (the children only read files; ``pytestmark`` silences Python
    3.12's warning). ``test_no_fork_while_a_thread_runs...`` checks the refusal itself.
    """
    monkeypatch.setattr(xpost.scan, "PARALLEL_FROM", 1)
    monkeypatch.setattr(xpost.scan, "_CHUNK", 3)
    monkeypatch.setenv(SCAN_PROCESSES, "2")
    monkeypatch.setattr(xpost.forkpool, "can_fork", lambda: True)
    pools: list[int] = []
    start = ForkPool._start

    def counted(self: ForkPool) -> None:
        pools.append(len(pools))
        start(self)

    monkeypatch.setattr(ForkPool, "_start", counted)
    return pools


def same(a: ScanResult, b: ScanResult) -> None:
    assert a.files == b.files
    assert a.updated == b.updated
    assert a.removed == b.removed
    assert a.parsed == b.parsed
    # Equal and alike: the same types, the same dates as the cache keeps them (ISO text,
    # offset and all: a forked reader's come as such, as a cached row's do).
    assert [alike(row.fields) for row in a.files] == [alike(row.fields) for row in b.files]


def alike(fields: ScheduleFields) -> str:
    dates = [date and date.isoformat() for date in (fields.due_at, fields.expires_at)]
    return repr((dataclasses.replace(fields, due_at=None, expires_at=None), dates))


@pytest.mark.parametrize("with_ids", [False, True])
def test_forked_scan_gives_the_serial_rows_in_order(
    tmp_path: Path, forked: list[int], with_ids: bool
) -> None:
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    assert len(files) > 100
    expected = serial(files, {}, with_ids=with_ids)
    got = scan(files, {}, KEY, CONFIG, with_ids=with_ids)
    assert forked == [0]
    same(got, expected)
    errors = [row.fields.error for row in got.files if row.fields.error]
    assert len(errors) == 5  # bad YAML, binary, Latin-1, empty, a draft of "maybe"
    if with_ids:
        assert sum(row.post_id is not None for row in got.files) == len(files) - 6


def test_forked_scan_of_a_changed_cache_is_the_serial_one(
    tmp_path: Path, forked: list[int]
) -> None:
    """Touched files (same bytes: hashed, not parsed), edited files, removed files,
    rows made under another config key: all as in-process."""
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    cached = {row.path: row for row in serial(files, {}).files}
    for index, state in enumerate(files):
        path = Path(state.path)
        if index % 3 == 0 and not path.is_symlink():
            os.utime(path, ns=(state.mtime_ns + 10**9, state.mtime_ns + 10**9))  # touched
        elif index % 5 == 0 and "bad" not in state.path and not path.is_symlink():
            path.write_text(post(index, "draft: true\n"), encoding="utf-8")  # edited
    gone = Path(files[1].path)
    gone.unlink()
    for key in list(cached)[:7]:
        row = cached[key]
        cached[key] = CachedFile(
            row.path, row.size, row.mtime_ns, row.sha256, "old", row.fields, row.post_id
        )
    files = find_post_files(roots(site))
    expected = serial(files, cached)
    got = scan(files, cached, KEY, CONFIG)
    assert forked == [0]
    same(got, expected)
    assert got.removed == [str(gone)]
    assert 0 < got.parsed < len(files)


def test_the_walk_tells_which_posts_need_no_look_at_their_folder(tmp_path: Path) -> None:
    site = mixed_site(tmp_path)
    walked = {str(Path(f.path).relative_to(site)): f.walked for f in find_post_files(roots(site))}
    assert walked["hugo/content/post/b001/index.md"]
    assert walked["hugo/content/notes/n1.md"]
    assert walked["hugo/content/post/inner/content/post/i0/index.md"]
    assert walked["loose/l1.md"]  # a real root folder, no site config in it
    assert walked["jekyll/_posts/2023-02-01-p0.md"]
    assert not walked["hugo/content/post/linked.md"]  # the file is a symlink
    assert not walked["linked-loose/l1.md"]  # the root is a symlink
    assert "hugo/content/post/linked-bundle/index.md" not in walked  # not entered
    # A folder holding a site's config (the site in the site's top folder): looked at.
    write(site / "hugo" / "content" / "post" / "b001" / "config.toml", "")
    again = {str(Path(f.path).relative_to(site)): f.walked for f in find_post_files(roots(site))}
    assert not again["hugo/content/post/b001/index.md"]
    # The walk's markers cover what the metadata reader looks for a site's root by.
    from xpost import metadata, sites

    assert metadata._SITE_ROOT_MARKERS <= sites.MARKERS


@pytest.mark.parametrize("with_ids", [False, True])
def test_walked_posts_read_as_unwalked_ones_with_no_look_at_their_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, with_ids: bool
) -> None:
    """The walk's word replaces a listing and an lstat per post, and changes nothing."""
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    assert sum(f.walked for f in files) > 80
    unwalked = [FileState(f.path, f.size, f.mtime_ns) for f in files]
    expected = serial(unwalked, {}, with_ids=with_ids)
    serial(files, {}, with_ids=with_ids)  # the folders above the posts: cached once
    looked: list[str] = []
    for module, name in ((os, "listdir"), (os.path, "islink"), (os, "lstat")):
        monkeypatch.setattr(module, name, _noting(getattr(module, name), looked))
    bundles = [f for f in files if f.walked and f.path.endswith("index.md")]
    got = serial(bundles, {}, with_ids=with_ids)
    assert looked == []
    same(
        got,
        ScanResult(
            [r for r in expected.files if r.path in {b.path for b in bundles}],
            [r for r in expected.updated if r.path in {b.path for b in bundles}],
            [],
            len(bundles),
        ),
    )
    monkeypatch.undo()
    same(serial(files, {}, with_ids=with_ids), expected)


def _noting(function: Any, looked: list[str]) -> Any:
    def noted(path: Any = ".", *args: Any, **kwargs: Any) -> Any:
        looked.append(str(path))
        return function(path, *args, **kwargs)

    return noted


def test_a_user_error_is_the_one_the_serial_scan_names_first(
    tmp_path: Path, forked: list[int]
) -> None:
    """Two sites with a broken config each: the first in path order is named, by the
    forked scan as by the serial one, with nothing but that exception."""
    _broken_sites(tmp_path)
    files = find_post_files([tmp_path])
    with pytest.raises(ConfigError) as in_process:
        serial(files, {})
    with pytest.raises(ConfigError) as fanned_out:
        scan(files, {}, KEY, CONFIG)
    assert forked == [0]
    assert str(fanned_out.value) == str(in_process.value)
    assert (
        str(fanned_out.value) == f"{tmp_path}/b-site/hugo.toml: baseurl: expected a string, got int"
    )


def test_a_child_killed_mid_scan_costs_nothing_but_time(
    tmp_path: Path, forked: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OOM killer takes a child: what it had not handed back is read in-process."""
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    expected = serial(files, {})
    parent = os.getpid()
    read = xpost.scan.read_file_facts

    def dying(path: Path, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent and path.name == "index.md" and path.parent.name == "b020":
            os.kill(os.getpid(), signal.SIGKILL)
        return read(path, *args, **kwargs)

    monkeypatch.setattr(xpost.scan, "read_file_facts", dying)
    same(scan(files, {}, KEY, CONFIG), expected)
    assert forked == [0]


def test_no_fork_while_a_thread_runs_nor_for_a_small_scan(
    tmp_path: Path, forked: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    expected = serial(files, {})
    monkeypatch.setattr(xpost.forkpool, "can_fork", CAN_FORK)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not CAN_FORK()
        same(scan(files, {}, KEY, CONFIG), expected)
    finally:
        stop.set()
        thread.join()
    assert forked == []
    monkeypatch.setattr(xpost.scan, "PARALLEL_FROM", len(files) + 1)
    same(scan(files, {}, KEY, CONFIG), expected)
    assert forked == []
    monkeypatch.setenv(SCAN_PROCESSES, "1")
    monkeypatch.setattr(xpost.scan, "PARALLEL_FROM", 1)
    same(scan(files, {}, KEY, CONFIG), expected)
    assert forked == []
    monkeypatch.setenv(SCAN_PROCESSES, "two")
    with pytest.raises(UsageError, match="XPOST_SCAN_PROCESSES='two': expected a whole"):
        scan(files, {}, KEY, CONFIG)


def test_an_idle_or_small_run_imports_no_pool(tmp_path: Path) -> None:
    for n in range(20):
        write(tmp_path / f"p{n}.md", post(n))
    code = (
        "import sys; from pathlib import Path; from xpost.config import Config\n"
        "from xpost.scan import find_post_files, scan\n"
        "r = scan(find_post_files([Path(sys.argv[1])]), {}, 'k', Config())\n"
        "print(r.parsed, 'xpost.forkpool' in sys.modules, 'pickle' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["20", "False", "False"]


# --- the walk, read while it goes on ------------------------------------------------------


def walk_in(order: list[FileState], events: list[str]) -> Iterator[FileState]:
    """A walk that finds ``order`` lazily and notes when it is over."""
    yield from order
    events.append("walk over")


@pytest.fixture
def events(forked: list[int], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The forks of the readers and the end of the walk, in order."""
    noted: list[str] = []
    start = ForkPool._start

    def logged(self: ForkPool) -> None:
        noted.append("fork")
        start(self)

    monkeypatch.setattr(ForkPool, "_start", logged)
    return noted


@pytest.mark.parametrize("with_ids", [False, True])
def test_files_found_in_another_order_are_read_while_the_walk_goes_on_rows_in_path_order(
    tmp_path: Path, events: list[str], forked: list[int], with_ids: bool
) -> None:
    """The walk's order is not the rows' order (here the reverse of it): the forked
    scan starts reading before the walk is over and gives the serial scan's rows, in
    path order."""
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    expected = serial(files, {}, with_ids=with_ids)
    got = scan(walk_in(files[::-1], events), {}, KEY, CONFIG, with_ids=with_ids)
    same(got, expected)
    assert forked == [0]
    assert events == ["fork", "walk over"]
    # Serial (fewer than PARALLEL_FROM to read): read once the walk is over, in path order.
    same(serial(files[::-1], {}, with_ids=with_ids), expected)


def test_a_file_under_two_roots_is_one_row_forked_or_not(tmp_path: Path, forked: list[int]) -> None:
    site = mixed_site(tmp_path)
    content = site / "hugo" / "content"
    bundle = content / "post" / "b003" / "index.md"
    overlapping = [content, *roots(site), content / "post", bundle]
    walked = [state.path for state in walk_post_files(overlapping)]
    files = find_post_files(roots(site))
    assert len(walked) > len(files)  # the walk finds the overlap twice (or thrice)
    assert sorted(set(walked)) == [state.path for state in files]
    assert [state.path for state in find_post_files(overlapping)] == [f.path for f in files]
    expected = serial(files, {})
    same(scan(walk_post_files(overlapping), {}, KEY, CONFIG), expected)
    assert forked == [0]
    same(serial(list(walk_post_files(overlapping)), {}), expected)


def test_a_folder_that_cannot_be_read_mid_walk_is_reported_and_the_rest_read(
    tmp_path: Path, events: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first bundle folder the walk lists after the readers were forked cannot be
    opened: it is reported, and every other post is read as the serial scan reads it."""
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    locked: list[str] = []
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if events and not locked and Path(path).name[0] == "b":
            locked.append(str(path))
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(xpost.scan.os, "scandir", scandir)
    unreadable: list[str] = []
    got = scan(walk_post_files(roots(site), unreadable), {}, KEY, CONFIG)
    assert events == ["fork"] and len(locked) == 1
    assert unreadable == [f"{locked[0]}: cannot read this folder (Permission denied)"]
    monkeypatch.undo()
    rest = [state for state in files if not state.path.startswith(locked[0] + os.sep)]
    assert len(rest) == len(files) - 1
    same(got, serial(rest, {}))


def _broken_sites(root: Path) -> None:
    """Good posts, then two sites whose config is broken: b-site's error comes first
    in path order."""
    for n in range(30):
        write(root / "a-good" / f"p{n:02d}.md", post(n))
    for name in ("b-site", "c-site"):
        write(root / name / "hugo.toml", "baseURL = 5\n")
        for n in range(10):
            write(root / name / "content" / f"p{n}.md", post(n))


@pytest.mark.parametrize("walk_order", ["c-site first", "good first, then c-site"])
def test_the_error_raised_is_the_first_in_path_order_not_in_walk_order(
    tmp_path: Path, forked: list[int], monkeypatch: pytest.MonkeyPatch, walk_order: str
) -> None:
    """c-site's posts are found (and raise, in a child or in the parent) before
    b-site's: b-site's error is still the one raised, as by the serial scan of the
    same walk, which reads in path order."""
    _broken_sites(tmp_path)
    files = find_post_files([tmp_path])
    if walk_order == "c-site first":
        order = files[::-1]
    else:
        order = [f for f in files if "-site" not in f.path] + [
            f for f in files[::-1] if "-site" in f.path
        ]
    raised_in = tmp_path / "raised-in"
    parent = os.getpid()
    read = xpost.scan.read_file_facts

    def noting(path: Path, *args: Any, **kwargs: Any) -> Any:
        try:
            return read(path, *args, **kwargs)
        except ConfigError:
            with raised_in.open("a", encoding="utf-8") as log:  # children write here too
                log.write(f"{'parent' if os.getpid() == parent else 'child'} {path}\n")
            raise

    monkeypatch.setattr(xpost.scan, "read_file_facts", noting)
    with pytest.raises(ConfigError) as in_process:
        serial(order, {})
    with pytest.raises(ConfigError) as fanned_out:
        scan(iter(order), {}, KEY, CONFIG)
    assert forked == [0]
    named = f"{tmp_path}/b-site/hugo.toml: baseurl: expected a string, got int"
    assert str(in_process.value) == str(fanned_out.value) == named
    raised = raised_in.read_text(encoding="utf-8").splitlines()
    assert raised[0] == f"parent {tmp_path}/b-site/content/p0.md"  # serial: stops there
    forked_raised = raised[1:]
    first_c_site = next(line for line in forked_raised if "/c-site/" in line)
    # c-site's first posts: read by the parent before it forked, or by a child.
    assert first_c_site.startswith("parent " if walk_order == "c-site first" else "child ")
    assert any(line.startswith("child ") for line in forked_raised)
    assert forked_raised[-1] == f"parent {tmp_path}/b-site/content/p0.md"


def test_progress_counts_the_walk_and_the_reading_whose_total_is_known_once_walked(
    tmp_path: Path, forked: list[int]
) -> None:
    site = mixed_site(tmp_path)
    files = find_post_files(roots(site))
    reports: list[Report] = []
    events: list[str] = []
    scan(walk_in(files, events), {}, KEY, CONFIG, progress=reports.append)
    walking = [r for r in reports if r.subject == "walking"]
    assert walking == [
        Report("walking", "listing post files"),
        *(Report("walking", "listing post files", done=n) for n in range(50, len(files) + 1, 50)),
        Report("walking", finished=True),
    ]
    over = reports.index(walking[-1])
    reading = [(n, r) for n, r in enumerate(reports) if r.subject == "reading"]
    assert reading[-1][1] == Report("reading", finished=True)
    counts = [r for _, r in reading[:-1]]
    assert [r.done for r in counts] == [*range(3, len(files), 3), len(files)]
    assert any(n < over for n, _ in reading)  # read while the walk goes on
    assert [r.total for n, r in reading[:-1]] == [
        None if n < over else len(files) for n, _ in reading[:-1]
    ]


# --- the pool itself -------------------------------------------------------------------


def _square_or_die(task: int) -> int:
    if task == 13:
        os.kill(os.getpid(), signal.SIGKILL)
    if task == 7:
        raise ValueError("seven")
    return task * task


def test_pool_results_come_in_order_and_a_failed_task_or_dead_child_comes_back_lost() -> None:
    got = list(ForkPool(_square_or_die, 2, window=4).map(range(1, 30)))
    assert [task for task, _ in got] == list(range(1, 30))
    # Before 13 was sent (at most 4 tasks ahead of those handed back), 1-8 were done.
    assert got[:8] == [(n, LOST if n == 7 else n * n) for n in range(1, 9)]  # 7 raised
    assert got[12] == (13, LOST)  # its child died
    # The pool stops there: what the other child had finished still counts, what it
    # was doing and the rest are the caller's to do.
    assert all(result in (LOST, task * task) for task, result in got)
    assert all(result is LOST for _, result in got[12 + 4 :])  # beyond the window


def test_pool_takes_at_most_its_window_of_tasks_ahead() -> None:
    taken: list[int] = []

    def tasks() -> Iterator[int]:
        for n in range(1, 40):
            taken.append(n)
            yield n

    for task, _ in ForkPool(abs, 2, window=5).map(tasks()):
        assert len(taken) - task <= 5


def test_pool_moves_tasks_and_results_bigger_than_a_pipe_holds_without_a_deadlock() -> None:
    def timeout(*_: object) -> None:
        raise TimeoutError("the pool hangs")

    before = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(120)
    try:
        tasks = [str(n) * 300_000 for n in range(12)]  # 300 KB out, 600 KB back each
        got = list(ForkPool(lambda text: text * 2, 2, window=8).map(tasks))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)
    assert got == [(task, task * 2) for task in tasks]


def test_pool_children_ignore_ctrl_c_and_are_gone_after_it() -> None:
    pool = ForkPool(abs, 2, window=4)
    children: list[int] = []
    with pytest.raises(KeyboardInterrupt):
        for task, result in pool.map(range(1, 10)):
            if task == 1:
                children.extend(pool._children)
                for pid in children:  # a terminal's Ctrl-C reaches the process group
                    os.kill(pid, signal.SIGINT)
            assert result == task  # the children lived through it
            if task == 5:
                os.kill(os.getpid(), signal.SIGINT)
    assert len(children) == 2
    for pid in children:  # killed and reaped: not even a zombie left
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        assert not Path(f"/proc/{pid}").exists()


def test_pool_with_no_fork_to_be_had_hands_every_task_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert list(ForkPool(abs, 2, window=4).map([1, 2])) == [(1, LOST), (2, LOST)]


def _slow_pid(task: int) -> tuple[int, int]:
    threading.Event().wait(0.002)  # the parent has time for its own work meanwhile
    return task, os.getpid()


def test_pool_with_work_of_its_own_keeps_a_child_idle_until_that_work_is_done() -> None:
    """3 processes: 2 children read while the parent does its own work (2 cores at
    work), all 3 once it is done; the results in order all along."""
    got: list[tuple[int, int]] = []
    readers: list[set[int]] = []  # the children that read, at each step of its work

    def idle() -> bool:
        readers.append({pid for _, pid in got})
        threading.Event().wait(0.001)  # a step of the parent's own work
        return len(got) < 10

    for task, (number, pid) in ForkPool(_slow_pid, 3, window=6).map(range(200), idle):
        assert task == number
        got.append((task, pid))
    assert [task for task, _ in got] == list(range(200))
    assert len(readers[-1]) == 2  # the parent's work, and 2 children
    assert len({pid for _, pid in got}) == 3  # then the third


def test_pool_whose_own_work_outlasts_the_tasks_ends_with_them() -> None:
    steps: list[int] = []

    def idle() -> bool:
        steps.append(1)
        threading.Event().wait(0.001)
        return True  # never done

    got = list(ForkPool(_slow_pid, 2, window=4).map(range(5), idle))
    assert [task for task, _ in got] == list(range(5))
    assert len({pid for _, (_, pid) in got}) == 1  # one child: the other core was its
    assert steps


# --- the command -----------------------------------------------------------------------


def big_site(root: Path, posts: int) -> Path:
    write(
        root / "xpost.toml",
        '[site]\nbase_url = "https://example.com/"\ncontent = ["content/post"]\n'
        '[publish]\ntargets = ["qiita"]\n[schedule]\nmin_age = "0s"\n',
    )
    write(root / "hugo.toml", 'baseURL = "https://example.com/"\n')
    for n in range(posts):
        write(root / "content" / "post" / f"p{n:05d}" / "index.md", post(n))
    return root


def xpost_run(site: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    environ = {**os.environ, "XPOST_DATA_DIR": str(site / "data"), "NO_COLOR": "1", **env}
    environ.pop("XPOST_CONFIG", None)
    return subprocess.Popen(
        [sys.executable, "-m", "xpost", "run", *args],
        cwd=site,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job
    )


def test_a_forked_first_run_names_a_bad_file_in_one_line_and_exits_2(tmp_path: Path) -> None:
    site = big_site(tmp_path, xpost.scan.PARALLEL_FROM + 200)
    for bad in ("p00300", "p00600"):  # the first in path order is named
        write(site / "content" / "post" / bad / "hugo.toml", "baseURL = 5\n")
    process = xpost_run(site, **{SCAN_PROCESSES: "2"})
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2
    named = site / "content" / "post" / "p00300" / "hugo.toml"
    assert err == f"xpost: error: {named}: baseurl: expected a string, got int\n"


def test_ctrl_c_during_a_forked_scan_exits_130_leaves_no_child_and_a_sound_ledger(
    tmp_path: Path,
) -> None:
    site = big_site(tmp_path, 4000)
    process = xpost_run(site, **{SCAN_PROCESSES: "2"})
    children: list[str] = []
    tasks = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for _ in range(20_000):  # until its readers are forked (well within the scan)
        children = tasks.read_text().split() if tasks.exists() else []
        if children or process.poll() is not None:
            break
        threading.Event().wait(0.002)
    assert children, "the scan ended before its readers could be seen"
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "Interrupted."
    assert "Traceback" not in err
    for pid in children:
        assert not Path(f"/proc/{pid}").exists()
    # Nothing half-written: the next run scans everything and says what a first run says.
    again = xpost_run(site, "--mark-existing", **{SCAN_PROCESSES: "2"})
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert "4000" in out or "4,000" in out


@pytest.mark.parametrize("wanted", ["abc", "0", "-3", "1.5"])
def test_a_process_count_that_is_none_is_one_clear_line(
    wanted: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCAN_PROCESSES, wanted)
    with pytest.raises(UsageError) as refused:
        xpost.scan._processes()
    assert str(refused.value) == (
        f"{SCAN_PROCESSES}={wanted!r}: expected a whole number of processes, 1 or more"
    )
