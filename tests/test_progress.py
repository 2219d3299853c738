"""Progress on a terminal, silence off one: the status line and where it is fed from."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xpost.cli.progress import StatusLine
from xpost.progress import Report

ERASE = "\r\x1b[K"


def test_the_status_line_is_drawn_in_place_and_erased_around_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stream = io.StringIO()
    line = StatusLine(stream)
    line.report(Report("X", "part 3/8"))
    line.report(Report("Qiita", "sending"))
    assert stream.getvalue() == "X: part 3/8" + ERASE + "X: part 3/8 · Qiita: sending"
    line.echo("Qiita     created    https://qiita.com/alice/items/1")
    assert capsys.readouterr().out == "Qiita     created    https://qiita.com/alice/items/1\n"
    assert stream.getvalue().endswith(ERASE + "X: part 3/8 · Qiita: sending")
    line.report(Report("Qiita", finished=True))
    assert stream.getvalue().endswith(ERASE + "X: part 3/8")
    line.close()
    assert stream.getvalue().endswith(ERASE)
    line.report(Report("X", "after the end"))  # a late worker thread: ignored
    assert stream.getvalue().endswith(ERASE)


def test_counts_are_throttled_and_hostile_names_are_neutralised() -> None:
    stream = io.StringIO()
    line = StatusLine(stream)
    for done in range(1, 10_001):
        line.report(Report("reading", "post files", done=done, total=10_000))
    drawn = stream.getvalue().count(ERASE) + 1
    assert drawn < 50  # not 10,000 redraws of one line
    line.report(Report("X", "uploading \x1b]0;owned\x07evil.png"))
    assert "\x1b]" not in stream.getvalue() and "\x07" not in stream.getvalue()
    line.close()


def test_a_wait_counts_down(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    line = StatusLine(stream)
    line.report(Report("X", "waiting", until=time.monotonic() + 2.2))
    assert stream.getvalue() == "X: waiting 3s"
    time.sleep(1.5)  # the ticker redraws every second, on its own
    line.close()
    assert "X: waiting 2s" in stream.getvalue()


# --- a real terminal -----------------------------------------------------------------


def _site(root: Path, posts: int) -> Path:
    (root / "xpost.toml").write_text(
        '[site]\nbase_url = "https://site.test/"\ncontent = ["content/post"]\n\n'
        '[publish]\ntargets = ["qiita", "zenn"]\n\n[zenn]\nrepo = "zenn"\n',
        encoding="utf-8",
    )
    for n in range(posts):
        path = root / "content" / "post" / f"post-{n:04}" / "index.md"
        path.parent.mkdir(parents=True)
        path.write_text(f"---\ntitle: Post {n}\ndate: 2023-01-01\n---\nBody {n}.\n", "utf-8")
        os.utime(path, (0, 0))  # long settled
    return root


def _in_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run xpost with stdout and stderr on a pseudo-terminal: (exit code, screen)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "xpost", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(follower)
    screen = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1.0)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            screen += chunk
        elif process.poll() is not None:
            break
    os.close(leader)
    return process.wait(timeout=30), screen.decode("utf-8", "replace")


def test_mark_existing_on_a_terminal_shows_progress_then_one_line(tmp_path: Path) -> None:
    site = _site(tmp_path, 300)
    code, screen = _in_a_terminal(["run", "--mark-existing"], site)
    assert code == 0, screen
    assert "marking: posts " in screen and "/300" in screen
    assert ERASE in screen
    # What stays on the screen: the status line erased, then the one summary line.
    last = screen.rsplit(ERASE, 1)[1]
    assert last == (
        "marked 300 posts as done on 2 platforms (600 targets; nothing sent; -v lists them)\r\n"
    )


def test_no_progress_off_a_terminal_or_with_q(tmp_path: Path) -> None:
    site = _site(tmp_path, 20)
    piped = subprocess.run(
        [sys.executable, "-m", "xpost", "run", "--mark-existing", "--dry-run"],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (piped.returncode, piped.stderr) == (0, "")
    assert piped.stdout == (
        "would mark 20 posts as done on 2 platforms (40 targets; nothing sent; -v lists them)\n"
    )
    code, screen = _in_a_terminal(["run", "--mark-existing", "-q"], site)
    assert code == 0 and ERASE not in screen
    assert screen.startswith("marked 20 posts")
