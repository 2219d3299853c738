"""QA regressions for ``xpost run``: it confirms handed-off connpass copies itself when an
API key is set (as issue 5 and the hand-off file promise), tells cron where a fresh
hand-off file is, and the GitHub Actions workflow's ledger steps really keep the ledger."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

import xpost.cli
import xpost.cli.run
from fakes.connpass import API_KEY, FakeConnpass, make_event, serve

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "contrib" / "github-actions" / "xpost.yml"
NOW = datetime.fromisoformat("2024-06-01T12:00:00+09:00")
OLD = NOW - timedelta(days=1)
EVENT_ID = 456
EVENT = f"https://mlxse.connpass.com/event/{EVENT_ID}/"
CANONICAL = "https://example.com/post/meetup-report/"


@pytest.fixture
def connpass() -> Iterator[FakeConnpass]:
    fake = FakeConnpass(min_interval=0.0)
    fake.events[EVENT_ID] = make_event(EVENT_ID, description="<p>nothing yet</p>")
    with serve(fake) as running:
        yield running


@pytest.fixture
def site(tmp_path: Path, connpass: FakeConnpass, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "site"
    path = root / "content" / "post" / "meetup-report" / "index.md"
    path.parent.mkdir(parents=True)
    path.write_text(
        "---\ntitle: Meetup report\ndate: 2024-05-01\nsummary: What we did.\n"
        f"xpost: {{connpass: {{event_url: {EVENT}}}}}\n---\n\nWe met and talked a lot.\n",
        encoding="utf-8",
    )
    os.utime(path, (OLD.timestamp(), OLD.timestamp()))
    (root / "xpost.toml").write_text(
        '[site]\nbase_url = "https://example.com/"\ncontent = ["content/post"]\n'
        'timezone = "Asia/Tokyo"\n[publish]\ntargets = ["connpass"]\n'
        f'[connpass]\napi_base = "{connpass.url}"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    monkeypatch.setenv("XPOST_CONFIG", str(root / "xpost.toml"))
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("XPOST_CONNPASS_API_KEY", raising=False)
    set_clock(monkeypatch, NOW)
    return root


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(xpost.cli.run, "_now", lambda: moment)


def xpost_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["xpost", "run", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        xpost.cli.main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def status(tmp_path: Path) -> str:
    with sqlite3.connect(tmp_path / "data" / "xpost.sqlite3") as db:
        (row,) = db.execute("SELECT status FROM syndications WHERE platform = 'connpass'")
    return str(row[0])


def test_run_confirms_a_handed_off_copy_through_the_api_when_a_key_is_set(
    site: Path,
    tmp_path: Path,
    connpass: FakeConnpass,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = site / "content" / "post" / "meetup-report" / "index.md"
    handoff = tmp_path / "data" / "outbox" / "meetup-report-connpass.md"
    # The hand-off: cron's mail says where the text to paste is.
    code, out, err = xpost_run(capsys, monkeypatch)
    assert (code, err) == (0, "")
    assert out == f"awaiting     connpass  {source}  {EVENT}  (paste the text in {handoff})\n"
    assert handoff.is_file()
    assert connpass.received == []  # a hand-off asks connpass nothing

    # Without a key nothing is asked, ever: the user runs 'xpost confirm'.
    set_clock(monkeypatch, NOW + timedelta(hours=1))
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert connpass.received == []

    # With a key: asked; not up yet, so nothing is printed (cron mails any output).
    monkeypatch.setenv("XPOST_CONNPASS_API_KEY", API_KEY)
    assert xpost_run(capsys, monkeypatch, "--dry-run") == (
        0,
        f"would confirm connpass  {source}\n",
        "",
    )
    assert connpass.received == []
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert [(r.path, r.query) for r in connpass.received] == [
        ("/api/v2/events/", {"event_id": [str(EVENT_ID)]})
    ]
    assert status(tmp_path) == "awaiting"

    # Asked at most every CONFIRM_EVERY: ten minutes later, no request.
    set_clock(monkeypatch, NOW + timedelta(hours=1, minutes=10))
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert len(connpass.received) == 1

    # The organiser pasted it: the next check confirms it, once.
    connpass.events[EVENT_ID]["description"] = f"<p>Report: {CANONICAL}</p>"
    set_clock(monkeypatch, NOW + timedelta(hours=2))
    code, out, err = xpost_run(capsys, monkeypatch, "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["posts"] == [
        {
            "source": str(source),
            "id": CANONICAL,
            "targets": [
                {
                    "platform": "connpass",
                    "outcome": "confirmed",
                    "url": EVENT,
                    "error": None,
                    "reason": None,
                    "handoff": None,
                }
            ],
        }
    ]
    assert status(tmp_path) == "published"
    set_clock(monkeypatch, NOW + timedelta(hours=3))
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert len(connpass.received) == 2


def test_a_refused_key_is_one_error_line_and_exit_1_and_the_copy_stays_awaiting(
    site: Path,
    tmp_path: Path,
    connpass: FakeConnpass,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert xpost_run(capsys, monkeypatch)[0] == 0
    monkeypatch.setenv("XPOST_CONNPASS_API_KEY", "not-the-key")
    set_clock(monkeypatch, NOW + timedelta(hours=1))
    code, out, err = xpost_run(capsys, monkeypatch)
    assert (code, out) == (1, "")
    assert err == (
        f"xpost: error: connpass: {site / 'content/post/meetup-report/index.md'}: connpass: the "
        "API key was refused (HTTP 401); run 'xpost auth set connpass' or set "
        "XPOST_CONNPASS_API_KEY\n"
    )
    assert "not-the-key" not in err
    assert status(tmp_path) == "awaiting"
    # Not asked again on every tick: the next check is CONFIRM_EVERY later.
    set_clock(monkeypatch, NOW + timedelta(hours=1, minutes=10))
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert len(connpass.received) == 1


# --- the GitHub Actions workflow's ledger steps, run for real ---------------------------


def _step(name: str) -> dict[str, str]:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (step,) = [s for s in workflow["jobs"]["publish"]["steps"] if s.get("name") == name]
    return step  # type: ignore[no-any-return]


def _bash(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    script = script.replace("${{ github.run_id }}", "42")
    # GitHub runs `run:` with `bash -e {0}`.
    return subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True
    )


def _git(cwd: Path, *args: str, env: dict[str, str]) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout


KILLED_RUN = """
import os, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode = WAL")
db.execute("CREATE TABLE IF NOT EXISTS syndications (post_id TEXT, status TEXT)")
db.execute("INSERT INTO syndications VALUES (?, 'pending')", (sys.argv[2],))
db.commit()
os._exit(9)  # killed: the record is only in the write-ahead log
"""


def test_the_workflow_keeps_the_ledger_across_runs_even_when_a_run_is_killed(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }
    origin = tmp_path / "origin.git"
    _git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(origin), env=env)
    seed = tmp_path / "seed"
    _git(tmp_path, "init", "--quiet", "--initial-branch=main", str(seed), env=env)
    (seed / "README.md").write_text("site\n", encoding="utf-8")
    _git(seed, "add", ".", env=env)
    _git(seed, "commit", "--quiet", "-m", "site", env=env)
    _git(seed, "push", "--quiet", f"file://{origin}", "main", env=env)
    restore, save = _step("Restore the ledger branch"), _step("Save the ledger branch")
    assert save["if"] == (
        "always() && env.XPOST_LEDGER_URL == '' && steps.restore.outcome == 'success'"
    )
    assert restore["id"] == "restore"

    def job(number: int, post_id: str) -> Path:
        """One workflow run: checkout (shallow, as actions/checkout), restore, a run that
        is killed halfway, save."""
        work = tmp_path / f"run{number}"
        _git(tmp_path, "clone", "--quiet", "--depth=1", f"file://{origin}", str(work), env=env)
        done = _bash(restore["run"], work, env)
        assert (done.returncode, done.stderr) == (0, "")
        ledger = work / ".xpost-ledger" / "xpost.sqlite3"
        killed = subprocess.run([sys.executable, "-c", KILLED_RUN, str(ledger), post_id])
        assert killed.returncode == 9
        assert Path(f"{ledger}-wal").exists()
        done = _bash(save["run"], work, env)
        assert (done.returncode, done.stderr) == (0, "")
        return work

    job(1, "first")
    job(2, "second")
    assert _git(origin, "log", "--format=%s", "xpost-ledger", env=env).splitlines() == [
        "xpost run 42",
        "xpost run 42",
    ]
    assert _git(origin, "ls-tree", "--name-only", "xpost-ledger", env=env) == "xpost.sqlite3\n"
    third = tmp_path / "run3"
    _git(tmp_path, "clone", "--quiet", "--depth=1", f"file://{origin}", str(third), env=env)
    assert _bash(restore["run"], third, env).returncode == 0
    with sqlite3.connect(third / ".xpost-ledger" / "xpost.sqlite3") as db:
        rows = list(db.execute("SELECT post_id, status FROM syndications"))
    assert rows == [("first", "pending"), ("second", "pending")]

    # origin unreachable: no empty ledger is started (it would publish everything again).
    fourth = tmp_path / "run4"
    _git(tmp_path, "clone", "--quiet", "--depth=1", f"file://{origin}", str(fourth), env=env)
    _git(fourth, "remote", "set-url", "origin", str(tmp_path / "gone.git"), env=env)
    failed = _bash(restore["run"], fourth, env)
    assert failed.returncode == 1
    assert failed.stderr.endswith("cannot read the xpost-ledger branch from origin\n")
    assert not (fourth / ".xpost-ledger").exists()


def test_the_workflow_installs_xpost_posse_not_the_unrelated_xpost_project() -> None:
    assert _step("Install xpost")["run"] == "pip install 'xpost-posse[postgres]'"
    env = _step("Publish what is due")["env"]
    assert env["XPOST_CONNPASS_API_KEY"] == "${{ secrets.XPOST_CONNPASS_API_KEY }}"
