"""A command group typed alone shows its help; a mistyped name gets a suggestion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from xpost import runlock
from xpost.suggest import closest


def xpost(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xpost", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "usage"),
    [((), "Usage: xpost [OPTIONS] COMMAND [ARGS]..."), (("auth",), "Usage: xpost auth [OPTIONS]")],
)
def test_a_bare_group_prints_its_help_and_exits_0(args: tuple[str, ...], usage: str) -> None:
    bare = xpost(*args)
    asked = xpost(*args, "--help")
    assert (bare.returncode, bare.stderr) == (0, "")
    assert bare.stdout.startswith(usage)
    assert bare.stdout == asked.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("stauts",), "No such command 'stauts': did you mean 'status'? (see 'xpost --help')"),
        (("adaptors",), "No such command 'adaptors': did you mean 'adapters'?"),
        (
            ("auth", "stat"),
            "No such command 'stat': did you mean 'status'? (see 'xpost auth --help')",
        ),
        (("auth", "set", "twiter"), "unknown platform 'twiter': did you mean 'twitter'?"),
        (("run", "--to", "Qiitta"), "unknown platform 'qiitta' in --to: did you mean 'qiita'?"),
        (("zzz",), "No such command 'zzz' (see 'xpost --help')"),
    ],
)
def test_mistyped_names_get_one_line_with_a_suggestion(args: tuple[str, ...], message: str) -> None:
    result = xpost(*args)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"xpost: error: {message}")
    assert result.stderr.count("\n") == 1


def test_closest_suggests_only_what_is_close() -> None:
    names = ["twitter", "qiita", "zenn", "connpass"]
    assert closest("Zen", names) == "zenn"
    assert closest("conpass", names) == "connpass"
    assert closest("mastodon", names) is None
    assert closest("", names) is None


def test_the_run_lock_is_exclusive_between_processes(tmp_path: Path) -> None:
    lock = tmp_path / "ledger.lock"
    probe = (
        "import sys; from pathlib import Path; from xpost import runlock\n"
        "try:\n    runlock.acquire(Path(sys.argv[1])).release()\n"
        "except runlock.Busy:\n    sys.exit(3)\n"
    )
    held = runlock.acquire(lock)
    try:
        other = subprocess.run([sys.executable, "-c", probe, str(lock)], timeout=60)
        assert other.returncode == 3
    finally:
        held.release()
    again = subprocess.run([sys.executable, "-c", probe, str(lock)], timeout=60)
    assert again.returncode == 0
    assert (lock.stat().st_mode & 0o777) == 0o600
