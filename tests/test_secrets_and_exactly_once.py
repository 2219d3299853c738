"""QA: secrets never leak, and nothing is posted twice or lost — adversarially.

Secrets pasted with a line break, echoed back by a platform in a long error, or logged
by the OAuth libraries under a DEBUG logging setup; ledgers opened by several xpost
processes at the same moment; ``xpost publish`` SIGKILLed in the middle of a thread,
and two ``publish`` plus a ``run`` started at once on the same post.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pytest_httpserver import HTTPServer

from e2e_world import World, world
from fakes.qiita import TOKEN
from fakes.x import CREDENTIALS, FakeX
from xpost import credentials
from xpost.clients.retry import RetryPolicy
from xpost.credentials import CredentialStore, check_credentials
from xpost.errors import ExitCode, PublishError

if TYPE_CHECKING:
    from xpost.platforms.twitter.client import XClient


# ── secrets ──────────────────────────────────────────────────────────────────────


def test_a_secret_pasted_with_its_newline_is_sent_without_it_and_scrubbed_as_python_shows_it() -> (
    None
):
    store = CredentialStore({"XPOST_QIITA_TOKEN": TOKEN + "\n"})
    assert store.get("qiita", ["token"]) == {"token": TOKEN}
    # What http.client says of such a header value, before this fix reached the ledger.
    shown = f"ValueError: Invalid header value b'Bearer {TOKEN}\\n'"
    assert store.redact(shown) == "ValueError: Invalid header value b'Bearer ***'"


def test_a_secret_with_a_line_break_inside_is_bad_input_naming_the_variable_not_the_value() -> None:
    store = CredentialStore({"XPOST_QIITA_TOKEN": "abcd\nefgh-1234"})
    with pytest.raises(credentials.CredentialInvalid) as caught:
        store.get("qiita", ["token"])
    assert str(caught.value) == (
        "XPOST_QIITA_TOKEN: the value has a line break or another control character "
        "inside; set it again as one line"
    )
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert store.status("qiita", ["token"]) == {"token": "env"}
    assert store.redact("x 'abcd\\nefgh-1234' y") == "x '***' y"


def test_auth_status_reports_an_unusable_secret_instead_of_crashing() -> None:
    from xpost.config import SiteConfig
    from xpost.platforms.qiita.adapter import QiitaAdapter, QiitaSettings

    store = CredentialStore({"XPOST_QIITA_TOKEN": "abcd\r\nefgh-1234"})
    check = check_credentials(QiitaAdapter(QiitaSettings(), SiteConfig()), store)
    assert (check.outcome, check.fields) == ("failed", {"token": "env"})
    assert check.error == (
        "XPOST_QIITA_TOKEN: the value has a line break or another control character "
        "inside; set it again as one line"
    )


@pytest.mark.shared
def test_a_token_with_a_trailing_newline_publishes_and_leaks_nowhere(site: World) -> None:
    site.env["XPOST_QIITA_TOKEN"] = TOKEN + "\n"
    done = site.xpost("publish", str(site.post), "--to", "qiita")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.split()[:2] == ["Qiita", "created"]
    assert len(site.qiita.items) == 1
    assert TOKEN not in (site.root / "data" / "xpost.sqlite3").read_bytes().decode("latin-1")


@pytest.mark.shared
def test_a_token_with_a_line_break_inside_is_one_line_exit_2_and_nothing_sent(
    site: World,
) -> None:
    site.env["XPOST_QIITA_TOKEN"] = TOKEN[:20] + "\n" + TOKEN[20:]
    done = site.xpost("publish", str(site.post), "--to", "qiita")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "xpost: error: XPOST_QIITA_TOKEN: the value has a line break or another control "
        "character inside; set it again as one line\n"
    )
    assert site.qiita.requests == []


@pytest.fixture(scope="module")
def x_server() -> Iterator[HTTPServer]:
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_x(x_server: HTTPServer) -> Iterator[FakeX]:
    fake = FakeX()
    x_server.clear()
    x_server.expect_request(re.compile("^/")).respond_with_handler(fake.handle)
    fake.url = x_server.url_for("/").rstrip("/")
    yield fake
    fake.release.set()


def x_client(fake: FakeX) -> XClient:
    from xpost.platforms.twitter.client import XClient

    policy = RetryPolicy(attempts=1, backoff=0.0, sleep=lambda seconds: None)
    return XClient(fake.url, CREDENTIALS, timeout=2.0, policy=policy, now=lambda: datetime.now(UTC))


def test_a_credential_x_echoes_at_the_cut_of_its_error_text_is_not_half_shown(
    fake_x: FakeX,
) -> None:
    # The detail is cut at 200 characters; cut before scrubbing, "1000-fake-" stayed.
    padding = "x" * 190
    fake_x.script(
        "POST", "/2/tweets", status=400, detail=f"{padding} {CREDENTIALS['access_token']}"
    )
    with pytest.raises(PublishError) as caught:
        x_client(fake_x).create_post("hello", reply_to=None, media_ids=[], action="post")
    assert str(caught.value) == f"X refused to post (400): {padding} ***"


@pytest.mark.shared
def test_debug_logging_shows_no_oauth_credential(
    fake_x: FakeX, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        assert x_client(fake_x).me().username == "chezou"
    assert any(r.name.startswith("urllib3") for r in caplog.records)  # DEBUG was on
    for secret in CREDENTIALS.values():
        assert secret not in caplog.text


# ── the ledger opened by several processes at once ────────────────────────────


OPEN_LEDGER = """
import sys, time
from pathlib import Path
from xpost.ledger import Ledger
start = float(sys.argv[2])
while time.time() < start:
    pass
try:
    Ledger.open(Path(sys.argv[1])).close()
    print("ok")
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
"""


def test_processes_creating_the_same_ledger_at_once_all_open_it(tmp_path: Path) -> None:
    # Before: "table syndications already exists" reported as a damaged ledger, "not an
    # xpost ledger", or "database is locked" while another process switched it to WAL.
    answers = []
    for round_ in range(12):
        path = tmp_path / str(round_) / "xpost.sqlite3"
        start = f"{time.time() + 0.4:.3f}"
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_LEDGER, str(path), start],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        answers += [process.communicate(timeout=30)[0].strip() for process in processes]
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        db.close()
    assert answers == ["ok"] * 48


# ── exactly once: SIGKILL mid-thread, and three processes at once ─────────────


def five_part_thread() -> str:
    paragraphs = [
        f"Paragraph {i}: " + " ".join(f"word{i}{j}" for j in range(30)) + "." for i in range(1, 5)
    ]
    body = "\n\n".join(paragraphs)
    return (
        '---\ntitle: "Five part thread"\ndate: 2024-05-01T10:00:00+09:00\n'
        f"tags: [python, cli]\nxpost:\n  twitter:\n    thread: true\n---\n\n{body}\n"
    )


TARGETS = ("--to", "twitter,qiita,zenn")


def ledger_rows(w: World) -> dict[str, tuple[str, dict[str, object]]]:
    db = sqlite3.connect(w.root / "data" / "xpost.sqlite3")
    try:
        rows = db.execute("SELECT platform, status, state FROM syndications").fetchall()
    finally:
        db.close()
    return {platform: (status, json.loads(state)) for platform, status, state in rows}


def assert_exactly_one_copy_each(w: World) -> None:
    assert len(w.qiita.items) == 1
    live = sorted((p for p in w.x.posts.values() if not p["deleted"]), key=lambda p: int(p["id"]))
    assert [p["text"].split(" ", 1)[0] for p in live[1:]] == ["Paragraph"] * 4
    assert len(live) == 5
    assert [p["conversation_id"] for p in live] == [live[0]["id"]] * 5  # one thread
    assert [s for s in w.remote_log() if s.startswith("xpost: publish")] == [
        'xpost: publish "Five part thread" (2022-07-15-mlse-infraop-wg-8eb3d3)'
    ]
    rows = ledger_rows(w)
    assert {platform: status for platform, (status, _) in rows.items()} == {
        "twitter": "published",
        "qiita": "published",
        "zenn": "published",
    }
    assert rows["twitter"][1]["parts"] == [p["id"] for p in live]


def replies_in_order(w: World) -> list[str | None]:
    """Each live post's ``in_reply_to``: a thread is a chain, every part answers the last."""
    posted = [r for r in w.x.calls("POST", "/2/tweets") if r.json]
    ids = {post["text"]: post["id"] for post in w.x.posts.values() if not post["deleted"]}
    chain: list[str | None] = []
    for request in posted:
        if request.json["text"] in ids:
            chain.append((request.json.get("reply") or {}).get("in_reply_to_tweet_id"))
    return chain


@pytest.mark.shared
@pytest.mark.parametrize("posted_before_kill", [1, 3])
def test_publish_killed_mid_thread_is_finished_by_the_rerun_with_no_part_twice(
    tmp_path: Path, posted_before_kill: int
) -> None:
    with world(tmp_path, latency=0.2) as w:
        w.post.write_text(five_part_thread(), encoding="utf-8")
        first = subprocess.Popen(
            [sys.executable, "-m", "xpost", "publish", str(w.post), *TARGETS],
            env=w.env,
            cwd=w.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(w.x.calls("POST", "/2/tweets")) < posted_before_kill:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        time.sleep(0.5)  # what was in flight lands, as it would on the platform
        assert ledger_rows(w)["twitter"][0] == "pending"

        rerun = w.xpost("publish", str(w.post), *TARGETS)
        assert rerun.returncode == 0, rerun.stderr
        assert_exactly_one_copy_each(w)
        live = sorted(
            (p for p in w.x.posts.values() if not p["deleted"]), key=lambda p: int(p["id"])
        )
        assert replies_in_order(w) == [None, *[p["id"] for p in live[:-1]]]

        again = w.xpost("publish", str(w.post), *TARGETS)
        assert again.returncode == 0, again.stderr
        assert [line.split()[:2] for line in again.stdout.splitlines()] == [
            ["X", "unchanged"],
            ["Qiita", "unchanged"],
            ["Zenn", "unchanged"],
        ]
        assert_exactly_one_copy_each(w)


@pytest.mark.shared
def test_two_publishes_and_a_run_started_together_make_one_copy(tmp_path: Path) -> None:
    with world(tmp_path, latency=0.2) as w:
        w.post.write_text(five_part_thread(), encoding="utf-8")
        config = w.config.read_text(encoding="utf-8").replace(
            '"twitter", "qiita", "zenn", "connpass"', '"twitter", "qiita", "zenn"'
        )
        w.config.write_text(config + '[schedule]\nmin_age = "0s"\n', encoding="utf-8")
        commands = [
            ["publish", str(w.post), *TARGETS],
            ["publish", str(w.post), *TARGETS],
            ["run", str(w.root / "site" / "content")],
        ]
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "xpost", *command, "--config", str(w.config)],
                env=w.env,
                cwd=w.root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for command in commands
        ]
        results = [(p.communicate(timeout=120), p.returncode) for p in processes]
        for (_, stderr), code in results:
            # Each one either published, or saw the other at work and did nothing.
            assert code == 0 or (code == 2 and "another xpost process" in stderr), stderr
        assert_exactly_one_copy_each(w)
        final = w.xpost("publish", str(w.post), *TARGETS)
        assert [line.split()[1] for line in final.stdout.splitlines()] == ["unchanged"] * 3
