"""Ctrl-C during publish: the started target finishes, nothing more starts, the lock is
held until requests end, and the real command exits 130.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from e2e_world import World
from fake_adapter import Site
from xpost.ledger import Ledger, TargetKey

# -- Ctrl-C: what is in flight finishes and is recorded while the lock is held ------------


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


@pytest.mark.shared
def test_the_real_command_maps_sigint_during_publish_to_130_not_2(site: World) -> None:
    """The whole path, as a user presses Ctrl-C: a slow platform, SIGINT, then a rerun
    that finds everything recorded (no pending rows left behind)."""
    post = site.write_bundle("sig", "---\ntitle: Sig\ndate: 2024-05-01\ntags: [python]\n---\nB.\n")
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
