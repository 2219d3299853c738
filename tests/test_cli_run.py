"""``xpost run`` end to end: a content folder, a controlled clock, the real Qiita adapter
against the contract-checking fake Qiita API, and the real ledger."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

import xpost.cli
import xpost.cli.run
import xpost.prepare
import xpost.scan
from fakes.qiita import TOKEN, FakeQiita, running
from xpost.ledger import Ledger, TargetKey

ROOT = Path(__file__).resolve().parents[1]
CONTRIB = ROOT / "contrib"
NOW = datetime.fromisoformat("2024-06-01T12:00:00+09:00")
ITEMS = "/api/v2/items"
OLD = NOW - timedelta(days=1)  # file mtimes well past min_age


@pytest.fixture
def fake() -> Iterator[FakeQiita]:
    with running() as server:
        yield server


@pytest.fixture
def site(tmp_path: Path, fake: FakeQiita, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Hugo site whose config sends to Qiita only, and an isolated ledger and keyring."""
    root = tmp_path / "site"
    (root / "content" / "post").mkdir(parents=True)
    (root / "xpost.toml").write_text(
        f"""
[site]
base_url = "https://example.com/"
content = ["content/post"]
timezone = "Asia/Tokyo"

[publish]
targets = ["qiita"]

[qiita]
api_base = "{fake.url}"

[schedule]
min_age = "5m"
first_run_limit = 10
""",
        encoding="utf-8",
    )
    monkeypatch.chdir(root)
    monkeypatch.setenv("XPOST_CONFIG", str(root / "xpost.toml"))
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XPOST_QIITA_TOKEN", TOKEN)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    set_clock(monkeypatch, NOW)
    return root


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(xpost.cli.run, "_now", lambda: moment)


def post(
    site: Path,
    slug: str,
    *,
    date: str = "2024-05-01",
    extra: str = "",
    body: str = "Hello from xpost.",
    mtime: datetime = OLD,
) -> Path:
    path = site / "content" / "post" / slug / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"---\ntitle: Post {slug}\ndate: {date}\ntags: [Python]\n{extra}---\n\n{body}\n",
        encoding="utf-8",
    )
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def set_config(site: Path, old: str, new: str) -> None:
    config = site / "xpost.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def xpost_run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """The real entry point (``xpost.cli.main``) in this process: (exit code, out, err)."""
    monkeypatch.setattr(sys, "argv", ["xpost", "run", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        xpost.cli.main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def created_line(path: Path, fake: FakeQiita, index: int = -1) -> str:
    item = list(fake.items.values())[index]
    return f"created      qiita     {path}  {item['url']}\n"


def ledger_record(site: Path, post_id: str) -> Any:
    with Ledger.open(site.parent / "data" / "xpost.sqlite3") as ledger:
        return ledger.get(TargetKey(post_id, "qiita"))


@pytest.fixture
def counters(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many front matters the scan reads and how many posts are fully loaded."""
    counts = {"front_matter": 0, "load_post": 0}
    read, load = xpost.scan.read_file_facts, xpost.prepare.load_post

    def counting_read(*args: Any, **kwargs: Any) -> Any:
        counts["front_matter"] += 1
        return read(*args, **kwargs)

    def counting_load(*args: Any) -> Any:
        counts["load_post"] += 1
        return load(*args)

    monkeypatch.setattr(xpost.scan, "read_file_facts", counting_read)
    monkeypatch.setattr(xpost.prepare, "load_post", counting_load)
    return counts


# --- what is due ----------------------------------------------------------------------


@pytest.mark.shared
def test_only_the_due_post_is_published_and_an_idle_rerun_is_silent_and_parses_nothing(
    site: Path,
    fake: FakeQiita,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    counters: dict[str, int],
) -> None:
    due = post(site, "due")
    post(site, "future", date="2024-06-02")
    post(site, "draft", extra="draft: true\n")
    post(site, "expired", extra="expiryDate: 2024-05-31\n")
    post(site, "fresh", mtime=NOW - timedelta(minutes=2))  # still being written
    post(site, "notes", extra="xpost: {targets: [zenn]}\n")  # not for qiita

    code, out, err = xpost_run(capsys, monkeypatch)
    assert (code, err) == (0, "")
    assert out == created_line(due, fake)
    assert fake.calls("POST") == [("POST", ITEMS)]
    assert [r.body["title"] for r in fake.requests if r.method == "POST"] == ["Post due"]
    assert counters == {"front_matter": 6, "load_post": 2}  # due, and notes (nothing to send)

    fake.requests.clear()
    counters.update(front_matter=0, load_post=0)
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert fake.requests == []
    assert counters == {"front_matter": 0, "load_post": 0}


@pytest.mark.shared
def test_scheduled_and_settling_posts_go_out_when_their_time_comes(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    future = post(site, "future", date="2024-06-01T15:00:00")  # 15:00 in Asia/Tokyo
    fresh = post(site, "fresh", mtime=NOW - timedelta(minutes=2))
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert fake.requests == []

    set_clock(monkeypatch, NOW + timedelta(minutes=4))  # fresh: changed 6 minutes ago
    code, out, _ = xpost_run(capsys, monkeypatch)
    assert (code, out) == (0, created_line(fresh, fake))

    set_clock(monkeypatch, NOW + timedelta(hours=3))
    code, out, _ = xpost_run(capsys, monkeypatch)
    assert (code, out) == (0, created_line(future, fake))
    assert len(fake.calls("POST")) == 2


@pytest.mark.shared
def test_dry_run_says_why_a_post_is_not_going_out(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    future = post(site, "future", date="2024-06-01T15:00:00")
    fresh = post(site, "fresh", mtime=NOW - timedelta(minutes=2))
    draft = post(site, "draft", extra="draft: true\n")
    code, out, err = xpost_run(capsys, monkeypatch, "--dry-run")
    assert (code, err) == (0, "")
    assert sorted(out.splitlines()) == sorted(
        [
            f"waiting      all       {draft}  (a draft)",
            f"waiting      all       {fresh}  (changed 120s ago (min_age 300s))",
            f"waiting      all       {future}  (scheduled for 2024-06-01T15:00:00+09:00)",
        ]
    )
    assert xpost_run(capsys, monkeypatch) == (0, "", "")  # cron still hears nothing
    assert fake.requests == []


@pytest.mark.shared
def test_a_changed_post_is_updated_once_after_min_age(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = post(site, "hello")
    xpost_run(capsys, monkeypatch)
    item_id = next(iter(fake.items))
    fake.requests.clear()

    post(site, "hello", body="Hello again, with a typo fixed.", mtime=NOW - timedelta(minutes=1))
    assert xpost_run(capsys, monkeypatch) == (0, "", "")  # still settling
    set_clock(monkeypatch, NOW + timedelta(minutes=5))
    code, out, _ = xpost_run(capsys, monkeypatch)
    assert (code, out) == (0, f"updated      qiita     {path}  {fake.items[item_id]['url']}\n")
    assert fake.calls("PATCH") == [("PATCH", f"{ITEMS}/{item_id}")]
    assert fake.calls("POST") == []
    assert "typo fixed" in fake.items[item_id]["body"]
    fake.requests.clear()
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert fake.requests == []


# --- a safe first run -----------------------------------------------------------------


@pytest.mark.shared
def test_the_first_run_guard_refuses_to_flood_and_mark_existing_makes_it_safe(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_config(site, "first_run_limit = 10", "first_run_limit = 3")
    old = [post(site, f"old-{n}", date=f"2023-0{n}-01") for n in range(1, 5)]
    code, out, err = xpost_run(capsys, monkeypatch)
    assert (code, out) == (2, "")
    assert err == (
        "xpost: error: 4 posts are due and the ledger is empty (first_run_limit 3): this "
        "looks like a first run over an existing site. Run 'xpost run --mark-existing' to "
        "record them as already done, or 'xpost run --since DATE' to publish only newer "
        "posts, or raise [schedule] first_run_limit\n"
    )
    assert fake.requests == []

    code, out, err = xpost_run(capsys, monkeypatch, "--mark-existing", "--dry-run", "-v")
    assert (code, err) == (0, "")
    assert out == "".join(f"would mark   qiita     {path}\n" for path in old)
    code, out, err = xpost_run(capsys, monkeypatch, "--mark-existing")
    assert (code, err) == (0, "")
    assert out == "marked 4 posts as done on 1 platform (4 targets; nothing sent; -v lists them)\n"
    assert xpost_run(capsys, monkeypatch, "--mark-existing")[1] == (
        "marked nothing: every post due now is already in the ledger\n"
    )
    assert fake.requests == []
    assert ledger_record(site, "https://example.com/post/old-1/").status == "skipped"

    post(site, "old-2", date="2023-02-01", body="An old post, edited.")  # never sent by run
    new = post(site, "new", date="2024-05-20")
    code, out, _ = xpost_run(capsys, monkeypatch)
    assert (code, out) == (0, created_line(new, fake))
    assert [r.body["title"] for r in fake.requests if r.method == "POST"] == ["Post new"]


@pytest.mark.shared
def test_since_limits_a_run_to_newer_posts(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_config(site, "first_run_limit = 10", "first_run_limit = 1")
    for n in range(1, 4):
        post(site, f"old-{n}", date=f"2023-0{n}-01")
    new = post(site, "new", date="2024-05-20")
    code, out, _ = xpost_run(capsys, monkeypatch, "--since", "2024-01-01")
    assert (code, out) == (0, created_line(new, fake))
    code, _, err = xpost_run(capsys, monkeypatch, "--since", "yesterday")
    assert (code, err) == (
        2,
        "xpost: error: --since: 'yesterday' is not a date (expected YYYY-MM-DD or "
        "YYYY-MM-DD hh:mm:ss)\n",
    )


@pytest.mark.shared
def test_max_posts_caps_a_run_and_the_rest_waits_for_the_next(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_config(site, 'min_age = "5m"', 'min_age = "5m"\nmax_posts = 2')
    paths = [post(site, f"p{n}", date=f"2024-05-0{n}") for n in range(1, 4)]
    code, out, _ = xpost_run(capsys, monkeypatch)
    assert out == created_line(paths[0], fake, 0) + created_line(paths[1], fake, 1)
    code, out, _ = xpost_run(capsys, monkeypatch)
    assert (code, out) == (0, created_line(paths[2], fake))
    assert len(fake.calls("POST")) == 3


@pytest.mark.shared
def test_cooldown_spaces_posts_to_the_same_platform(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_config(site, 'min_age = "5m"', 'min_age = "5m"\ncooldown = "1h"')
    first, second = post(site, "a", date="2024-05-01"), post(site, "b", date="2024-05-02")
    assert xpost_run(capsys, monkeypatch)[1] == created_line(first, fake)
    set_clock(monkeypatch, NOW + timedelta(minutes=30))
    _, out, _ = xpost_run(capsys, monkeypatch, "--dry-run")
    assert out == f"waiting      qiita     {second}  (cooldown until 2024-06-01T04:00:00+00:00)\n"
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    set_clock(monkeypatch, NOW + timedelta(hours=1))
    assert xpost_run(capsys, monkeypatch)[1] == created_line(second, fake)


# --- failures, retries, crashes and overlaps ------------------------------------------


@pytest.mark.shared
def test_a_failed_target_is_retried_with_backoff_and_given_up_after_retry_limit(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_config(site, 'min_age = "5m"', 'min_age = "5m"\nretry_limit = 2')
    path = post(site, "hello")
    fake.fail_next("POST", 403, path=ITEMS)
    code, out, err = xpost_run(capsys, monkeypatch)
    assert (code, out) == (1, "")
    assert err.startswith(f"xpost: error: qiita: {path}: Qiita: ")
    assert TOKEN not in err
    record = ledger_record(site, "https://example.com/post/hello/")
    assert (record.status, record.failures) == ("failed", 1)
    assert record.next_attempt_at == NOW + timedelta(minutes=1)

    assert xpost_run(capsys, monkeypatch) == (0, "", "")  # the retry is not due yet
    assert len(fake.calls("POST")) == 1
    fake.fail_next("POST", 403, path=ITEMS)
    set_clock(monkeypatch, NOW + timedelta(minutes=1))
    assert xpost_run(capsys, monkeypatch)[0] == 1
    assert len(fake.calls("POST")) == 2

    set_clock(monkeypatch, NOW + timedelta(days=1))  # long after any backoff: given up
    assert xpost_run(capsys, monkeypatch) == (0, "", "")
    assert len(fake.calls("POST")) == 2
    code, out, _ = xpost_run(capsys, monkeypatch, "--json")
    assert json.loads(out)["posts"] == []  # given up: not even waiting any more
    record = ledger_record(site, "https://example.com/post/hello/")
    assert (record.status, record.failures) == ("failed", 2)
    assert record.last_error.startswith("Qiita: ")  # what `xpost status` shows


@pytest.mark.shared
def test_a_copy_taken_down_with_unpublish_is_not_sent_again_by_run(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = post(site, "hello")
    assert xpost_run(capsys, monkeypatch)[1] == created_line(path, fake)
    monkeypatch.setattr(sys, "argv", ["xpost", "unpublish", str(path), "--from", "qiita", "--yes"])
    with pytest.raises(SystemExit) as exited:
        xpost.cli.main()
    assert exited.value.code == 0
    assert fake.items == {}
    assert xpost_run(capsys, monkeypatch) == (0, "", "")  # cron leaves it down
    assert fake.calls("POST") == [("POST", "/api/v2/items")]


@pytest.mark.shared
def test_a_second_run_while_one_holds_the_lock_exits_at_once(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    post(site, "hello")
    (site.parent / "data").mkdir()
    with Ledger.open(site.parent / "data" / "xpost.sqlite3") as ledger, ledger.lock():
        code, out, err = xpost_run(capsys, monkeypatch)
    assert (code, out) == (0, "")
    assert err == "xpost: another xpost run is still going; this one did nothing\n"
    assert fake.requests == []


CRASH_AFTER_CREATE = """
import os, sys
from xpost.platforms.qiita.adapter import QiitaAdapter
real = QiitaAdapter.publish
def publish_then_die(self, *args, **kwargs):
    real(self, *args, **kwargs)  # Qiita has the item now ...
    os._exit(9)                  # ... and xpost dies before recording it
QiitaAdapter.publish = publish_then_die
sys.argv = ["xpost", "run", "--min-age", "0"]
from xpost.cli import main
main()
"""


@pytest.mark.shared
def test_a_run_killed_between_publishing_and_recording_resumes_without_a_duplicate(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = post(site, "hello")
    killed = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_CREATE], capture_output=True, text=True, timeout=30
    )
    assert killed.returncode == 9
    assert fake.calls("POST") == [("POST", ITEMS)]
    assert ledger_record(site, "https://example.com/post/hello/").status == "pending"

    code, out, err = xpost_run(capsys, monkeypatch)
    item = next(iter(fake.items.values()))
    assert (code, err) == (0, "")
    assert out == f"reconciled   qiita     {path}  {item['url']}\n"
    assert fake.calls("POST") == [("POST", ITEMS)]  # looked up, never created twice
    assert len(fake.items) == 1
    assert ledger_record(site, "https://example.com/post/hello/").status == "published"


# --- output -------------------------------------------------------------------------


@pytest.mark.shared
def test_dry_run_shows_what_would_be_sent_and_records_nothing(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = post(site, "hello")
    code, out, err = xpost_run(capsys, monkeypatch, "--dry-run")
    assert (code, out, err) == (0, f"would create qiita     {path}\n", "")
    code, out, _ = xpost_run(capsys, monkeypatch, "--dry-run", "--json")
    assert json.loads(out) == {
        "posts": [
            {
                "source": str(path),
                "id": "https://example.com/post/hello/",
                "targets": [
                    {
                        "platform": "qiita",
                        "outcome": "would create",
                        "url": None,
                        "error": None,
                        "reason": None,
                        "handoff": None,
                    }
                ],
            }
        ],
        "warnings": [],
    }
    assert fake.requests == []
    assert ledger_record(site, "https://example.com/post/hello/") is None
    assert xpost_run(capsys, monkeypatch)[1] == created_line(path, fake)


@pytest.mark.shared
def test_a_broken_post_is_reported_once_and_holds_back_nothing(
    site: Path, fake: FakeQiita, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = site / "content" / "post" / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    good = post(site, "good")
    code, out, err = xpost_run(capsys, monkeypatch)
    assert (code, out) == (0, created_line(good, fake))
    assert err.startswith(f"xpost: warning: {broken}:2: front matter is not valid YAML")
    assert err.endswith(" (skipped until the file changes)\n")
    assert xpost_run(capsys, monkeypatch) == (0, "", "")


@pytest.mark.shared
def test_no_content_folder_is_a_usage_error(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = xpost_run(capsys, monkeypatch, "nowhere")
    assert (code, err) == (
        2,
        "xpost: error: nowhere: no such content folder (check [site] content)\n",
    )


# --- ready-made schedules (contrib/) --------------------------------------------------


def test_the_crontab_line_runs_xpost_every_ten_minutes_from_the_site() -> None:
    lines = (CONTRIB / "cron" / "xpost.crontab").read_text(encoding="utf-8").splitlines()
    jobs = [line for line in lines if line and not line.startswith("#") and "=" not in line]
    assert jobs == ['*/10 * * * * cd "$HOME/src/my-site" && xpost run']
    assert all(
        v.startswith("replace")
        for line in lines
        if "XPOST_" in line and "=" in line
        for v in [line.split("=", 1)[1]]
    )


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    for name in ("xpost.service", "xpost.timer"):
        shutil.copy(CONTRIB / "systemd" / name, tmp_path / name)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "xpost.service", "xpost.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stderr) == (0, "")
    service = (CONTRIB / "systemd" / "xpost.service").read_text(encoding="utf-8")
    timer = (CONTRIB / "systemd" / "xpost.timer").read_text(encoding="utf-8")
    assert "\nType=oneshot\n" in service and "\nExecStart=/usr/bin/env xpost run\n" in service
    assert "\nOnCalendar=*:0/10\n" in timer and "\nPersistent=true\n" in timer


def test_the_github_workflow_runs_on_a_schedule_and_on_push_and_keeps_the_ledger() -> None:
    workflow = yaml.safe_load((CONTRIB / "github-actions" / "xpost.yml").read_text("utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the bare key `on` as true
    assert triggers["schedule"] == [{"cron": "*/30 * * * *"}]
    assert triggers["push"] == {"branches": ["main"]}
    assert workflow["concurrency"] == {"group": "xpost", "cancel-in-progress": False}
    assert workflow["permissions"] == {"contents": "write"}
    steps = workflow["jobs"]["publish"]["steps"]
    names = [step.get("name", step.get("uses")) for step in steps]
    assert names == [
        "actions/checkout@v4",
        "Restore the ledger branch",
        "actions/setup-python@v5",
        "Install xpost",
        "Publish what is due",
        "Save the ledger branch",
    ]
    # A PostgreSQL ledger from the repository secret when there is one; the branch is
    # the zero-setup fallback, used only without it.
    job_env = workflow["jobs"]["publish"]["env"]
    assert job_env == {"XPOST_LEDGER_URL": "${{ secrets.XPOST_LEDGER_URL }}"}
    assert steps[1]["if"] == "env.XPOST_LEDGER_URL == ''"
    run_step = steps[4]
    assert run_step["run"] == "xpost run --min-age 0"
    assert run_step["env"]["XPOST_DATA_DIR"] == "${{ github.workspace }}/.xpost-ledger"
    for name, value in run_step["env"].items():
        if name != "XPOST_DATA_DIR":
            assert value == "${{ secrets." + name + " }}"
    # Saved even after a failure, but never when the ledger could not be restored.
    assert steps[5]["if"] == (
        "always() && env.XPOST_LEDGER_URL == '' && steps.restore.outcome == 'success'"
    )
    assert "git push -q origin xpost-ledger" in steps[5]["run"]


NO_NETWORK_CHECK = """
import sys
from xpost.cli import main
sys.argv = ["xpost", "run", "--dry-run"]
try:
    main()
except SystemExit as exc:
    assert exc.code == 0, exc.code
network = ("requests", "tweepy", "requests_oauthlib", "keyring")
loaded = sorted(m for m in network if m in sys.modules)
print(",".join(loaded), file=sys.stderr)
"""


@pytest.mark.shared
def test_a_dry_run_imports_no_network_stack(site: Path) -> None:
    post(site, "hello")
    result = subprocess.run(
        [sys.executable, "-c", NO_NETWORK_CHECK], capture_output=True, text=True, timeout=30
    )
    assert result.stdout == f"would create qiita     {site / 'content/post/hello/index.md'}\n"
    assert result.stderr == "\n"
