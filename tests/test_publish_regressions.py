"""QA of publishing for real, as a user runs it: regressions found by hand.

Each test names the problem it pins down: a half-posted X thread that a lost answer
left "reconciled" for good, an unvalidated ``[twitter] api_base``, ledger paths that
crashed or said nothing useful, Ctrl-C releasing the lock while requests were still
in flight, a post given twice creating two copies, and smaller wording problems.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from credential_fakes import FakeX as FakeXAdapter
from credential_fakes import MemoryKeyring
from e2e_world import World
from fake_adapter import Site
from fakes.qiita import TOKEN as QIITA_TOKEN
from fakes.x import CREDENTIALS
from xpost.adapters.base import NoSettings, Receipt
from xpost.config import SiteConfig
from xpost.credentials import CredentialStore, check_credentials
from xpost.errors import LedgerError
from xpost.ledger import Ledger, TargetKey

THREAD_POST = """---
title: "A thread about syndication"
date: 2024-05-01
tags: [python]
xpost:
  twitter:
    thread: true
---

{paragraphs}
"""
PARAGRAPH = "Paragraph number {n}. " + "This sentence makes the paragraph longer. " * 5
THREAD_ID = "https://chezo.uno/post/thread/"


def write(site: World, name: str, text: str) -> Path:
    path = site.root / "site" / "content" / "post" / name / "index.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def thread_post(site: World, parts: int) -> Path:
    """A post whose thread has ``parts`` posts: the announcement, then one per paragraph."""
    paragraphs = "\n\n".join(PARAGRAPH.format(n=n) for n in range(1, parts))
    return write(site, "thread", THREAD_POST.format(paragraphs=paragraphs))


def thread_parts(site: World) -> list[str]:
    ledger = Ledger.open_existing(site.root / "data" / "xpost.sqlite3")
    assert ledger is not None
    with ledger:
        record = ledger.get(TargetKey(THREAD_ID, "twitter"))
    assert record is not None
    return [str(part) for part in record.state["parts"]]


def live_ids(site: World) -> list[str]:
    return [pid for pid, post in site.x.posts.items() if not post["deleted"]]


# -- a thread whose answer was lost halfway is finished, never left half-posted ----------


@pytest.mark.shared
def test_thread_interrupted_by_a_lost_answer_is_resumed_not_reconciled_as_whole(
    site: World,
) -> None:
    post = thread_post(site, 4)
    site.x.script("POST", "/2/tweets", nth=3, status=503)  # part 3: outcome unknown
    lost = site.xpost("publish", str(post), "--to", "twitter")
    assert lost.returncode == 1
    assert lost.stdout == (
        "X         failed     X answered 503 to 'post part 3 of 4'; the post may exist: "
        "the next run looks it up before posting again\n"
    )
    first, second = live_ids(site)
    texts = site.x.created_texts()

    # Before the fix this run said "reconciled" and the thread stayed at 2 of 4 parts.
    resumed = site.xpost("publish", str(post), "--to", "twitter")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == f"X         created    https://x.com/chezou/status/{first}\n"
    assert site.x.created_texts() == [*texts, texts[2], PARAGRAPH.format(n=3).strip() + " 4/4"]
    _, _, third, fourth = live_ids(site)
    replies = [r.json["reply"] for r in site.x.calls("POST", "/2/tweets")[3:]]
    assert replies == [{"in_reply_to_tweet_id": second}, {"in_reply_to_tweet_id": third}]
    assert thread_parts(site) == [first, second, third, fourth]

    again = site.xpost("publish", str(post), "--to", "twitter")
    assert again.stdout == f"X         unchanged  https://x.com/chezou/status/{first}\n"
    assert len(site.x.created_texts()) == 5


@pytest.mark.shared
def test_thread_whose_last_answer_was_lost_but_landed_is_reconciled_without_a_post(
    site: World,
) -> None:
    post = thread_post(site, 3)
    site.x.script("POST", "/2/tweets", nth=3, status=503)
    assert site.xpost("publish", str(post), "--to", "twitter").returncode == 1
    first, second = live_ids(site)
    texts = site.x.created_texts()
    third = site.x.add_post(texts[2], reply_to=second)  # it did land, after all

    found = site.xpost("publish", str(post), "--to", "twitter")
    assert found.returncode == 0, found.stderr
    assert found.stdout == f"X         reconciled https://x.com/chezou/status/{first}\n"
    assert site.x.created_texts() == texts  # nothing posted again
    assert thread_parts(site) == [first, second, third]
    again = site.xpost("publish", str(post), "--to", "twitter")
    assert again.stdout == f"X         unchanged  https://x.com/chezou/status/{first}\n"


# -- bad config is exit 2 before anything is sent ------------------------------------------


@pytest.mark.shared
def test_twitter_api_base_that_is_no_http_url_stops_everything_before_sending(
    site: World,
) -> None:
    post = write(site, "ftp", "---\ntitle: FTP\ndate: 2024-05-01\ntags: [python]\n---\nBody.\n")
    config = site.config.read_text(encoding="utf-8")
    site.config.write_text(
        config.replace('[twitter]\napi_base = "', '[twitter]\napi_base = "ftp://x" # '),
        encoding="utf-8",
    )
    run = site.xpost("publish", str(post), "--to", "twitter,qiita")
    assert run.returncode == 2
    assert run.stdout == ""
    assert run.stderr == (
        f"xpost: error: {site.config}: [twitter] api_base: expected an http(s) URL like "
        "'https://api.x.com', got 'ftp://x'\n"
    )
    assert site.qiita.calls() == [] and site.x.requests == []  # Qiita was not sent either
    doctor = site.xpost("doctor")
    assert doctor.returncode == 1
    assert (
        "FAIL  twitter   [twitter] api_base: expected an http(s) URL like "
        "'https://api.x.com', got 'ftp://x'\n"
    ) in doctor.stdout


@pytest.mark.shared
def test_missing_credentials_of_several_platforms_are_named_in_one_line(site: World) -> None:
    post = write(site, "creds", "---\ntitle: Creds\ndate: 2024-05-01\ntags: [python]\n---\nB.\n")
    for name in ("XPOST_QIITA_TOKEN", *(f"XPOST_TWITTER_{k.upper()}" for k in CREDENTIALS)):
        site.env.pop(name)
    run = site.xpost("publish", str(post), "--to", "twitter,qiita")
    assert run.returncode == 2
    assert run.stderr == (
        "xpost: error: X: no credentials (api_key, api_secret, access_token, "
        "access_token_secret): run 'xpost auth set twitter' or set XPOST_TWITTER_API_KEY, "
        "XPOST_TWITTER_API_SECRET, XPOST_TWITTER_ACCESS_TOKEN, "
        "XPOST_TWITTER_ACCESS_TOKEN_SECRET; Qiita: no credentials (token): "
        "run 'xpost auth set qiita' or set XPOST_QIITA_TOKEN\n"
    )
    assert site.qiita.calls() == [] and site.x.requests == []


# -- one post given twice, two files that are one post ------------------------------------


@pytest.mark.shared
def test_the_same_post_given_twice_is_published_once(site: World) -> None:
    post = write(site, "twice", "---\ntitle: Twice\ndate: 2024-05-01\ntags: [python]\n---\nB.\n")
    run = site.xpost("publish", str(post), str(post), "--to", "qiita")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "Qiita     created    https://qiita.com/alice/items/8d6b6cf8e6806f74576b"
    ]
    assert site.qiita.calls("POST") == [("POST", "/api/v2/items")]  # was: two items


@pytest.mark.shared
def test_two_files_that_are_one_post_are_refused(site: World) -> None:
    text = "---\ntitle: {t}\nurl: https://chezo.uno/same/\ndate: 2024-05-01\ntags: [a]\n---\nB.\n"
    one, two = write(site, "one", text.format(t="One")), write(site, "two", text.format(t="Two"))
    run = site.xpost("publish", str(one), str(two), "--to", "qiita")
    assert run.returncode == 2
    assert run.stderr == (
        f"xpost: error: {one} and {two} are the same post (https://chezo.uno/same/): their "
        "copies would overwrite each other; give one its own url, or an id in its front "
        "matter (xpost: {id: …})\n"
    )
    assert site.qiita.calls() == []


# -- ledger paths that are not a usable file ----------------------------------------------


@pytest.mark.shared
def test_ledger_path_that_is_a_folder_says_so(site: World) -> None:
    folder = site.root / "ledgerdir"
    folder.mkdir()
    config = site.config.read_text(encoding="utf-8")
    site.config.write_text(config + f'\n[ledger]\npath = "{folder}"\n', encoding="utf-8")
    post = write(site, "dir", "---\ntitle: Dir\ndate: 2024-05-01\ntags: [python]\n---\nB.\n")
    message = (
        f"xpost: error: {folder}: is a folder, not a ledger file; set [ledger] path to a "
        f"file such as {folder}/xpost.sqlite3\n"
    )
    for args in (("publish", str(post), "--to", "qiita"), ("status", str(post)), ("history",)):
        run = site.xpost(*args)
        assert (run.returncode, run.stdout, run.stderr) == (2, "", message)
    assert site.qiita.calls() == []
    doctor = site.xpost("doctor")
    assert f"FAIL  ledger    {message.removeprefix('xpost: error: ')}" in doctor.stdout


def test_ledger_folder_that_cannot_be_looked_into_is_one_line_not_a_crash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "data" / "xpost.sqlite3"
    real_stat = Path.stat

    def stat(self: Path, **kwargs: bool) -> os.stat_result:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    expected = (
        f"{path}: cannot reach the ledger (Permission denied); check the permissions of its "
        "folder, or point [ledger] path or XPOST_DATA_DIR elsewhere"
    )
    with pytest.raises(LedgerError) as opening:
        Ledger.open(path)
    assert str(opening.value) == expected
    with pytest.raises(LedgerError) as reading:
        Ledger.open_existing(path)
    assert str(reading.value) == expected


def test_ledger_file_without_write_permission_is_refused_before_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xpost.sqlite3"
    Ledger.open(path).close()
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if Path(p) == path else real_access(p, mode)
    )
    with pytest.raises(LedgerError) as caught:
        Ledger.open(path)
    assert str(caught.value) == (
        f"{path}: cannot open the ledger: permission denied; it must be readable and "
        f"writable by you (chmod 600 {path})"
    )


def test_a_new_copy_after_unpublish_records_what_it_sends(tmp_path: Path) -> None:
    key = TargetKey("post", "twitter")
    with Ledger.open(tmp_path / "xpost.sqlite3") as ledger:
        ledger.record_published(key, Receipt("1", "https://x/1"), content_hash="old", source="p")
        ledger.record_removed(key)
        ledger.mark_pending(key, source="p", content_hash="new")
        record = ledger.get(key)
    assert record is not None
    # Was None: a lost answer to this create was then reconciled with no hash, and the
    # post looked "changed" for ever after.
    assert (record.status, record.content_hash) == ("pending", "new")


# -- Ctrl-C: what is in flight finishes and is recorded while the lock is held ------------


@pytest.fixture
def fake_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Site]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield Site(tmp_path, monkeypatch, capsys)
    keyring.set_keyring(previous)


def test_ctrl_c_lets_the_started_target_finish_and_starts_nothing_more(
    fake_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    import concurrent.futures

    blog = fake_site.platforms["blog"]
    blog.delay = 0.3
    first = fake_site.write_post()
    second = first.parent.parent / "other" / "index.md"
    second.parent.mkdir()
    second.write_text("---\ntitle: Other\nslug: other\n---\nOther body.\n", encoding="utf-8")
    # publishing imports ``wait`` from concurrent.futures when it starts the threads.
    real_wait = concurrent.futures.wait

    def interrupted_wait(futures: object) -> object:
        time.sleep(0.1)  # the first create is in flight now
        raise KeyboardInterrupt

    monkeypatch.setattr(concurrent.futures, "wait", interrupted_wait)
    run = fake_site.xpost("publish", str(first), str(second), "--to", "blog")
    assert run.code == 130  # was 2, "bad input: nothing was published"
    # Issue 11 item 12: the outcomes known are printed (the second post never started).
    assert [line for line in run.out.splitlines() if line.startswith("Blog")] == [
        "Blog      created    https://blog.example/items/Blog-1"
    ]
    assert run.err == (
        "xpost: interrupted: letting the platforms already started finish and be recorded; "
        "nothing else is started (run again to finish)\n"
    )
    assert blog.requests == [
        ("lookup", None),
        ("create", None),
    ]  # the second post was never started
    with Ledger.open(fake_site.ledger_file) as ledger:
        done = ledger.get(TargetKey("https://site.test/post/hello/", "blog"))
        untouched = ledger.get(TargetKey("https://site.test/post/other/", "blog"))
    assert done is not None and (done.status, done.remote_id) == ("published", "Blog-1")
    assert untouched is None

    monkeypatch.setattr(concurrent.futures, "wait", real_wait)
    again = fake_site.xpost("publish", str(first), str(second), "--to", "blog")
    assert again.code == 0
    assert again.out.splitlines()[1::2] == [
        "Blog      unchanged  https://blog.example/items/Blog-1",
        "Blog      created    https://blog.example/items/Blog-2",
    ]


# -- wording -------------------------------------------------------------------------------


def test_force_on_an_unchanged_x_post_does_not_claim_it_changed(fake_site: Site) -> None:
    post = str(fake_site.write_post())
    assert fake_site.xpost("publish", post, "--to", "micro").code == 0
    run = fake_site.xpost("publish", post, "--to", "micro", "--force", "--yes")
    assert run.out == (
        "Micro     unchanged  https://micro.example/items/Micro-1  "
        "(Micro posts cannot be edited; --repost deletes the copy and posts it again)\n"
    )


def test_status_of_a_removed_copy_reads_cleanly(fake_site: Site) -> None:
    post = str(fake_site.write_post())
    fake_site.xpost("publish", post, "--to", "blog")
    fake_site.xpost("unpublish", post, "--from", "blog", "--yes")
    run = fake_site.xpost("status", post)
    last = run.out.splitlines()[-1]
    assert last.startswith("Blog      removed    (removed ")  # was "removed      (published"
    assert last.endswith(")") and "  " not in last.removeprefix("Blog      removed    ")


def test_keyring_hint_leaves_out_an_alternative_the_platform_does_not_need() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        environ = {f"XPOST_TWITTER_{k.upper()}": v for k, v in CREDENTIALS.items()}
        store = CredentialStore(environ=environ)
        check = check_credentials(FakeXAdapter(NoSettings(), SiteConfig()), store)
        assert (check.outcome, check.account) == ("signed_in", "@bob")
        # Was: "no OS keyring available (headless?): set XPOST_TWITTER_OAUTH2_ACCESS_TOKEN
        # instead", though the OAuth 1.0a set in the environment is complete.
        assert store.hints == []
        bare = CredentialStore(environ={})
        check_credentials(FakeXAdapter(NoSettings(), SiteConfig()), bare)
        assert bare.hints == [
            "no OS keyring available (headless?): set XPOST_TWITTER_API_KEY, "
            "XPOST_TWITTER_API_SECRET, XPOST_TWITTER_ACCESS_TOKEN, "
            "XPOST_TWITTER_ACCESS_TOKEN_SECRET, XPOST_TWITTER_OAUTH2_ACCESS_TOKEN instead"
        ]
    finally:
        keyring.set_keyring(previous)


@pytest.mark.shared
def test_no_secret_reaches_output_or_ledger_across_a_bad_run(site: World) -> None:
    post = thread_post(site, 3)
    site.x.script("POST", "/2/tweets", nth=2, status=503)
    runs = [
        site.xpost("publish", str(post), "--to", "twitter,qiita"),
        site.xpost("publish", str(post), "--to", "twitter,qiita"),
        site.xpost("status", str(post), "--json"),
        site.xpost("history", "--json"),
    ]
    assert json.loads(runs[2].stdout)["syndications"][1]["status"] == "published"
    blobs = [r.stdout + r.stderr for r in runs]
    blobs += [f.read_bytes().decode("latin-1") for f in (site.root / "data").glob("xpost*")]
    for secret in (QIITA_TOKEN, *CREDENTIALS.values()):
        assert not [blob for blob in blobs if secret in blob]


@pytest.mark.shared
def test_the_real_command_maps_sigint_during_publish_to_130_not_2(site: World) -> None:
    """The whole path, as a user presses Ctrl-C: a slow platform, SIGINT, then a rerun
    that finds everything recorded (no pending rows left behind)."""
    post = write(site, "sig", "---\ntitle: Sig\ndate: 2024-05-01\ntags: [python]\n---\nB.\n")
    gate = threading.Event()
    handle = site.qiita.handle

    def slow(*args: object, **kwargs: object) -> object:
        gate.set()
        time.sleep(1.0)
        return handle(*args, **kwargs)  # type: ignore[arg-type]

    site.qiita.handle = slow  # type: ignore[method-assign]
    command = [sys.executable, "-m", "xpost", "publish", str(post), "--to", "qiita"]
    process = subprocess.Popen(
        [*command, "--config", str(site.config)],
        env=site.env,
        cwd=site.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert gate.wait(30), "the create never reached the fake"
    process.send_signal(2)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert err == (
        "xpost: interrupted: letting the platforms already started finish and be recorded; "
        "nothing else is started (run again to finish)\n"
    )
    assert out.startswith("Qiita     created    https://qiita.com/")  # what is known is shown
    status = json.loads(site.xpost("status", str(post), "--json").stdout)
    assert [s["status"] for s in status["syndications"]] == ["published"]
    assert site.qiita.calls("POST") == [("POST", "/api/v2/items")]
