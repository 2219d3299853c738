"""The publishing commands as a user meets them: publish, status, history, doctor,
unpublish, confirm — exit codes, one-line errors, exact output, the ledger file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_adapter import TOKEN, Site
from xpost.ledger import Ledger

TESTS = Path(__file__).resolve().parent
POST_ID = "https://site.test/post/hello/"
BLOG_URL = "https://blog.example/items/Blog-1"


@pytest.fixture
def site(fake_site: Site) -> Site:
    return fake_site


# ── publish: the ledger file ────────────────────────────────────────────────


def test_ledger_is_created_private_on_first_publish(site: Site) -> None:
    assert site.xpost("publish", str(site.write_post()), "--to", "blog").code == 0
    assert stat.S_IMODE(site.ledger_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(site.data.stat().st_mode) == 0o700


def test_dry_run_shows_the_plan_from_the_ledger_and_never_creates_it(site: Site) -> None:
    post = str(site.write_post())
    fresh = site.xpost("publish", post, "--to", "blog", "--dry-run", "--json")
    assert fresh.code == 0
    assert json.loads(fresh.out)["posts"][0]["targets"][0]["action"] == "create"
    assert not site.data.exists()

    site.xpost("publish", post, "--to", "blog")
    ledger_bytes = site.ledger_file.read_bytes()
    same = site.xpost("publish", post, "--to", "blog", "--dry-run", "--json")
    assert json.loads(same.out)["posts"][0]["targets"][0]["action"] == "unchanged"
    site.write_post(body="Edited.\n")
    edited = site.xpost("publish", post, "--to", "blog", "--dry-run")
    assert "── Blog · update · Hello " in edited.out
    assert site.platforms["blog"].requests == [("lookup", None), ("create", None)]
    assert site.ledger_file.read_bytes() == ledger_bytes


@pytest.mark.parametrize(
    "args",
    [
        ("publish", "{post}", "--to", "blog"),
        ("publish", "{post}", "--to", "blog", "--dry-run"),
        ("status", "{post}"),
        ("history",),
    ],
    ids=["publish", "dry-run", "status", "history"],
)
def test_corrupted_ledger_is_one_line_exit_2_and_left_alone(
    site: Site, args: tuple[str, ...]
) -> None:
    post = str(site.write_post())
    site.data.mkdir(parents=True)
    garbage = os.urandom(4096)
    site.ledger_file.write_bytes(garbage)
    run = site.xpost(*(a.format(post=post) for a in args))
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(
        f"xpost: error: {site.ledger_file}: the ledger file is damaged or not a database"
    )
    assert run.err.count("\n") == 1 and "Traceback" not in run.err
    assert site.ledger_file.read_bytes() == garbage
    assert site.platforms["blog"].requests == []


def test_a_second_run_while_one_is_publishing_exits_at_once(site: Site) -> None:
    post = str(site.write_post())
    with Ledger.open(site.ledger_file) as holder, holder.lock():
        started = time.perf_counter()
        run = site.xpost("publish", post, "--to", "blog")
        elapsed = time.perf_counter() - started
    assert run.code == 2
    assert run.err == (
        f"xpost: error: {site.ledger_file}: another xpost process is publishing with this "
        "ledger right now; nothing was done — try again when it has finished\n"
    )
    assert elapsed < 0.5
    assert site.platforms["blog"].requests == []


#: How long the first process's send lasts: the second must start, find the lock taken and
#: exit meanwhile, which takes a few seconds on a loaded machine (2 s was too tight).
FIRST_SENDS_FOR = 6.0


def test_two_processes_at_once_only_one_publishes(site: Site, tmp_path: Path) -> None:
    """Two real ``xpost publish`` processes (two cron ticks): the second exits at once."""
    post = str(site.write_post())
    signal = tmp_path / "sending"
    script = (
        "import sys; from pathlib import Path\n"
        f"sys.path.insert(0, {str(TESTS)!r})\n"
        "import fake_adapter\n"
        "from xpost.adapters import registry\n"
        "registry.installed = fake_adapter.entry_points\n"
        "registry.load = lambda name: fake_adapter.ADAPTERS[name]\n"
        "fake_adapter.reset()['blog'].delay = float(sys.argv[1])\n"
        "receive = fake_adapter.FakePlatform.receive\n"
        "def signalled(self, kind, *args):\n"
        "    if kind != 'lookup':\n"
        f"        Path({str(signal)!r}).touch()\n"
        "    return receive(self, kind, *args)\n"
        "fake_adapter.FakePlatform.receive = signalled\n"
        "from xpost.cli import main\n"
        "sys.argv = ['xpost', *sys.argv[2:]]\n"
        "main()\n"
    )
    command = [sys.executable, "-c", script]
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}
    first = subprocess.Popen(
        [*command, str(FIRST_SENDS_FOR), "publish", post, "--to", "blog"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 20
        while not signal.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert signal.exists(), first.communicate()
        signal.unlink()
        started = time.perf_counter()
        second = subprocess.run(
            [*command, "0", "publish", post, "--to", "blog"],
            capture_output=True,
            text=True,
            env=env,
        )
        second_took = time.perf_counter() - started
        assert first.poll() is None, "the first run must still be publishing"
    finally:
        out, err = first.communicate(timeout=30)
    assert second.returncode == 2
    assert "another xpost process is publishing with this ledger" in second.stderr
    assert not signal.exists(), "the second run sent something"
    assert second_took < FIRST_SENDS_FOR - 0.5  # it did not wait for the lock
    assert (first.returncode, out, err) == (0, f"Blog      created    {BLOG_URL}\n", "")


def test_publish_json_document(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    # A clipboard tool that would record being used: --json output must not touch it.
    tools = site.root / "bin"
    tools.mkdir()
    used = site.root / "clipboard-used"
    (tools / "xclip").write_text(f'#!/bin/sh\ncat > "{used}"\n')
    (tools / "xclip").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    post = site.write_post()
    site.platforms["micro"].script = ["fail"]
    run = site.xpost("publish", str(post), "--json")
    assert run.code == 1
    doc = json.loads(run.out)
    assert doc == {
        "posts": [
            {
                "source": str(post),
                "id": POST_ID,
                "title": "Hello",
                "canonical_url": POST_ID,
                "targets": [
                    {
                        "platform": "blog",
                        "action": "create",
                        "outcome": "created",
                        "url": BLOG_URL,
                        "error": None,
                        "note": None,
                    },
                    {
                        "platform": "micro",
                        "action": "create",
                        "outcome": "failed",
                        "url": None,
                        "error": "Micro: 500 internal server error; try again later",
                        "note": None,
                    },
                    {
                        "platform": "desk",
                        "action": "create",
                        "outcome": "awaiting",
                        "url": "https://desk.example/event/42/",
                        "error": None,
                        "note": None,
                        "handoff": doc["posts"][0]["targets"][2]["handoff"],
                    },
                ],
            }
        ]
    }
    handoff = doc["posts"][0]["targets"][2]["handoff"]
    assert handoff["file"].endswith("event-42-desk.md") and handoff["page"] is None
    assert not used.exists()  # building the JSON document copied nothing anywhere


def test_a_draft_post_is_never_published(site: Site) -> None:
    post = site.root / "draft.md"
    post.write_text("---\ntitle: Not yet\ndraft: true\n---\nWIP\n", encoding="utf-8")
    run = site.xpost("publish", str(post), "--to", "blog")
    assert run.code == 0
    assert run.out == "Blog      skipped    the post is a draft (draft: true)\n"
    assert site.platforms["blog"].requests == []


# ── status and history ──────────────────────────────────────────────────────


def test_status_shows_each_copy_and_the_failure(site: Site) -> None:
    post = str(site.write_post())
    none_yet = site.xpost("status", post)
    assert (
        none_yet.out
        == f"Hello\n  source  {post}\n  id      {POST_ID}\nnot published anywhere yet\n"
    )
    site.platforms["micro"].script = ["fail"]
    site.xpost("publish", post, "--to", "blog,micro")
    human = site.xpost("status", post)
    lines = human.out.splitlines()
    assert lines[3].startswith(f"Blog      published  {BLOG_URL}  (published ")
    assert lines[4] == "Micro     failed"
    assert lines[5] == "  last error: Micro: 500 internal server error; try again later"
    assert lines[6].startswith("  1 failure; next scheduled retry after ")
    doc = json.loads(site.xpost("status", post, "--json").out)
    assert doc["source"] == post and doc["id"] == POST_ID
    blog, micro = doc["syndications"]
    assert {k: blog[k] for k in ("platform", "status", "url", "remote_id")} == {
        "platform": "blog",
        "status": "published",
        "url": BLOG_URL,
        "remote_id": "Blog-1",
    }
    assert blog["published_at"] == blog["updated_at"] and blog["published_at"].endswith("+00:00")
    assert (micro["status"], micro["failures"], micro["url"]) == ("failed", 1, None)
    assert micro["last_error"] == "Micro: 500 internal server error; try again later"


def test_history_lists_attempts_newest_first(site: Site) -> None:
    post = str(site.write_post())
    site.platforms["blog"].script = ["timeout-after-apply"]
    site.xpost("publish", post, "--to", "blog")
    site.xpost("publish", post, "--to", "blog")
    doc = json.loads(site.xpost("history", "--json", "--limit", "5").out)
    assert [(a["platform"], a["action"], a["outcome"]) for a in doc["attempts"]] == [
        ("blog", "lookup", "found"),
        ("blog", "create", "unknown"),
        ("blog", "lookup", "not found"),
    ]
    assert doc["attempts"][1]["error"] == "Blog: no answer within 30s"
    human = site.xpost("history", post).out.splitlines()
    assert human[0].endswith(f"Blog      lookup    found      {POST_ID}")
    assert human[2] == "  Blog: no answer within 30s"
    assert site.xpost("history", "--limit", "0").code == 2


# ── doctor ──────────────────────────────────────────────────────────────────


def test_doctor_checks_everything_and_fails_on_missing_credentials(site: Site) -> None:
    site.monkeypatch.delenv("XPOST_MICRO_TOKEN")
    run = site.xpost("doctor")
    assert run.code == 1
    assert run.out.splitlines() == [
        f"ok    config    {site.config}",
        f"ok    ledger    {site.ledger_file} (created on the first publish)",
        "ok    blog      credentials: token (env)",
        "ok    blog      reachable: alice",
        "FAIL  micro     Micro: no credentials (token): run 'xpost auth set micro' "
        "or set XPOST_MICRO_TOKEN",
        "ok    desk      credentials: api_key (env)",
        "ok    desk      reachability: not checked (the adapter has no check)",
    ]
    assert site.platforms["blog"].sent("whoami") == [None]


def test_doctor_flags_a_readable_ledger_and_a_refused_token(site: Site) -> None:
    site.xpost("publish", str(site.write_post()), "--to", "blog")
    site.ledger_file.chmod(0o644)
    site.monkeypatch.setenv("XPOST_MICRO_TOKEN", "wrong-token-1234")
    lines = site.xpost("doctor").out.splitlines()
    assert lines[1] == (
        f"FAIL  ledger    {site.ledger_file} is readable by others (mode 644): "
        f"chmod 600 {site.ledger_file}"
    )
    assert "FAIL  micro     Micro: 401 the token was refused; run 'xpost auth set'" in lines
    site.ledger_file.chmod(0o600)
    site.monkeypatch.setenv("XPOST_MICRO_TOKEN", TOKEN)
    run = site.xpost("doctor")
    assert run.code == 0 and f"ok    ledger    {site.ledger_file} (mode 600)" in run.out


def test_doctor_flags_a_ledger_folder_others_can_write(site: Site) -> None:
    site.xpost("publish", str(site.write_post()), "--to", "blog")
    folder = site.ledger_file.parent
    folder.chmod(0o777)
    try:
        lines = site.xpost("doctor").out.splitlines()
    finally:
        folder.chmod(0o700)
    assert lines[1] == (
        f"FAIL  ledger    {folder} is writable by others (mode 777): chmod go-w {folder}"
    )


def test_doctor_reports_a_broken_config(site: Site) -> None:
    site.config.write_text("[site\n", encoding="utf-8")
    run = site.xpost("doctor")
    assert run.code == 1
    assert run.out.startswith(f"FAIL  config    {site.config}:1: not valid TOML")


def test_doctor_json_is_one_document_with_every_check(site: Site) -> None:
    site.monkeypatch.delenv("XPOST_MICRO_TOKEN")
    human = site.xpost("doctor")
    run = site.xpost("doctor", "--json")
    assert (run.code, run.err) == (1, "")
    doc = json.loads(run.out)
    assert doc["ok"] is False
    assert doc["checks"][0] == {"ok": True, "subject": "config", "detail": str(site.config)}
    failed = [c for c in doc["checks"] if not c["ok"]]
    assert [c["subject"] for c in failed] == ["micro"]
    assert len(doc["checks"]) == len(human.out.splitlines())
    site.monkeypatch.setenv("XPOST_MICRO_TOKEN", TOKEN)
    assert json.loads(site.xpost("doctor", "--json").out)["ok"] is True


@pytest.mark.parametrize(
    ("setting", "flagged"),
    [
        (
            '[site]\nbase_url = "https://example.com/"\n',
            "[site] base_url https://example.com/ is the example's placeholder: "
            "set your site's address",
        ),
        (
            '[site]\nbase_url = "https://blog.example.org/"\n',
            "[site] base_url https://blog.example.org/ is the example's placeholder: "
            "set your site's address",
        ),
        (
            '[site]\nbase_url = "https://site.test/"\n[blog]\nusername = "your-zenn-name"\n',
            "[blog] username = 'your-zenn-name' is the example's placeholder: set your own",
        ),
    ],
)
def test_doctor_flags_the_example_configs_placeholders(
    site: Site, setting: str, flagged: str
) -> None:
    site.config.write_text(setting + '[publish]\ntargets = ["blog"]\n', encoding="utf-8")
    run = site.xpost("doctor")
    assert run.code == 1
    assert f"FAIL  config    {site.config}: {flagged}" in run.out.splitlines()


def test_doctor_accepts_a_real_address(site: Site) -> None:
    site.config.write_text(
        '[site]\nbase_url = "https://counterexample.com/"\n[publish]\ntargets = ["blog"]\n',
        encoding="utf-8",
    )
    run = site.xpost("doctor")
    assert (run.code, "placeholder" in run.out) == (0, False)


# ── unpublish and confirm ───────────────────────────────────────────────────


def test_unpublish_asks_then_removes_and_a_later_publish_creates_again(site: Site) -> None:
    post = str(site.write_post())
    site.xpost("publish", post, "--to", "blog")
    refused = site.xpost("unpublish", post, "--from", "blog")
    assert refused.code == 2
    assert refused.err == (
        "xpost: error: unpublish asks for confirmation first: run it in a terminal or add --yes\n"
    )
    removed = site.xpost("unpublish", post, "--from", "blog", "--yes")
    assert (removed.code, removed.out) == (0, f"Blog      removed    {BLOG_URL}\n")
    blog = site.platforms["blog"]
    assert (
        blog.requests == [("lookup", None), ("create", None), ("delete", "Blog-1")]
        and blog.items == {}
    )
    assert json.loads(site.xpost("status", post, "--json").out)["syndications"][0]["status"] == (
        "removed"
    )
    again = site.xpost("unpublish", post, "--from", "blog", "--yes")
    assert again.code == 2
    assert again.err == f"xpost: error: {post}: not published to Blog; nothing to remove\n"
    assert site.xpost("publish", post, "--to", "blog").out.startswith("Blog      created ")


def test_unpublish_failure_keeps_the_record(site: Site) -> None:
    post = str(site.write_post())
    site.xpost("publish", post, "--to", "blog")
    site.platforms["blog"].script = ["fail"]
    run = site.xpost("unpublish", post, "--from", "blog", "--yes")
    assert run.code == 1
    assert run.out == "Blog      failed     Blog: 500 internal server error; try again later\n"
    assert json.loads(site.xpost("status", post, "--json").out)["syndications"][0]["status"] == (
        "published"
    )
    unknown = site.xpost("unpublish", post, "--from", "myspace", "--yes")
    assert unknown.code == 2 and "unknown platform 'myspace' in --from" in unknown.err


def test_confirm_records_a_hand_made_copy(site: Site) -> None:
    post = str(site.write_post())
    site.monkeypatch.delenv("XPOST_DESK_API_KEY")  # no key: only the user can confirm
    site.xpost("publish", post, "--to", "desk")
    bad = site.xpost("confirm", post, "desk", "desk.example/event/42")
    assert bad.code == 2
    assert bad.err == (
        "xpost: error: expected an http(s) URL for Desk, got 'desk.example/event/42'\n"
    )
    run = site.xpost("confirm", post, "desk")
    assert (run.code, run.out) == (0, "Desk      confirmed  https://desk.example/event/42/\n")
    rerun = site.xpost("publish", post, "--to", "desk")
    assert rerun.out == "Desk      unchanged  https://desk.example/event/42/\n"
    assert site.platforms["desk"].requests == [("handoff", None)]
    history = json.loads(site.xpost("history", "--json").out)["attempts"]
    assert (history[0]["action"], history[0]["outcome"]) == ("confirm", "confirmed")


def test_unpublish_and_confirm_print_json_for_scripts(site: Site) -> None:
    post = str(site.write_post())
    site.xpost("publish", post, "--to", "blog")
    removed = site.xpost("unpublish", post, "--from", "blog", "--yes", "--json")
    assert (removed.code, removed.err) == (0, "")
    (entry,) = json.loads(removed.out)["posts"]
    assert (entry["source"], entry["id"]) == (post, POST_ID)
    (target,) = entry["targets"]
    assert (target["platform"], target["outcome"], target["url"], target["error"]) == (
        "blog",
        "removed",
        BLOG_URL,
        None,
    )

    site.monkeypatch.delenv("XPOST_DESK_API_KEY")
    site.xpost("publish", post, "--to", "desk")
    confirmed = site.xpost("confirm", post, "desk", "--json")
    assert confirmed.code == 0
    (target,) = json.loads(confirmed.out)["posts"][0]["targets"]
    assert (target["platform"], target["outcome"], target["url"]) == (
        "desk",
        "confirmed",
        "https://desk.example/event/42/",
    )
