"""Several runners, one PostgreSQL ledger: every copy exactly once.

Each runner is a separate ``xpost`` process with a data folder of its own, as on
separate machines: only the database is shared. They publish the seed post (a
five-part thread on X, a Qiita item, a Zenn commit) against the contract-checking
fakes; one is SIGKILLed while it sends and a runner elsewhere finishes its work.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from e2e_world import World, world
from postgres_server import fresh_database, postgres_url
from test_secrets_and_exactly_once import TARGETS, five_part_thread, replies_in_order

pytestmark = pytest.mark.shared

RUNNERS = 4


@pytest.fixture
def url() -> str:
    found = postgres_url()
    fresh_database(found)
    return found


def on_machine(w: World, url: str, n: int) -> dict[str, str]:
    """The environment of runner ``n``: its own data folder, the shared database."""
    return {**w.env, "XPOST_DATA_DIR": str(w.root / f"machine-{n}"), "XPOST_LEDGER_URL": url}


def rows(url: str) -> dict[str, tuple[str, dict[str, object]]]:
    with psycopg.connect(url) as db:
        found = db.execute("SELECT platform, status, state FROM xpost.syndications").fetchall()
    return {platform: (status, state) for platform, status, state in found}


def assert_one_copy_each(w: World, url: str) -> None:
    assert len(w.qiita.items) == 1
    live = [p for p in w.x.posts.values() if not p["deleted"]]
    assert len(live) == 5 and len({p["conversation_id"] for p in live}) == 1
    assert [s for s in w.remote_log() if s.startswith("xpost: publish")] == [
        'xpost: publish "Five part thread" (2022-07-15-mlse-infraop-wg-8eb3d3)'
    ]
    assert {p: status for p, (status, _) in rows(url).items()} == {
        "twitter": "published",
        "qiita": "published",
        "zenn": "published",
    }


def test_runners_on_several_machines_publish_each_copy_once(tmp_path: Path, url: str) -> None:
    with world(tmp_path, latency=0.2) as w:
        w.post.write_text(five_part_thread(), encoding="utf-8")
        config = w.config.read_text(encoding="utf-8").replace(
            '"twitter", "qiita", "zenn", "connpass"', '"twitter", "qiita", "zenn"'
        )
        w.config.write_text(config + '[schedule]\nmin_age = "0s"\n', encoding="utf-8")
        commands = [["run", str(w.root / "site" / "content")]] * (RUNNERS - 1)
        commands.append(["publish", str(w.post), *TARGETS])
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "xpost", *command, "--config", str(w.config)],
                env=on_machine(w, url, n),
                cwd=w.root,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n, command in enumerate(commands)
        ]
        results = [(p.communicate(timeout=180), p.returncode) for p in processes]
        for (_, stderr), code in results:
            assert code == 0 or (code == 2 and "another xpost process" in stderr), stderr
        assert sum(code == 0 for _, code in results) >= 1
        assert_one_copy_each(w, url)
        # No machine has a SQLite ledger: the database is the only record.
        assert not list(w.root.glob("machine-*/xpost.sqlite3"))


def test_a_runner_killed_mid_send_is_finished_elsewhere_without_a_second_copy(
    tmp_path: Path, url: str
) -> None:
    with world(tmp_path, latency=0.2) as w:
        w.post.write_text(five_part_thread(), encoding="utf-8")
        first = subprocess.Popen(
            [sys.executable, "-m", "xpost", "publish", str(w.post), *TARGETS],
            env={**on_machine(w, url, 1), "XPOST_CONFIG": str(w.config)},
            cwd=w.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while len(w.x.calls("POST", "/2/tweets")) < 2:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait()
        time.sleep(0.5)  # what was in flight lands, as it would on the platform
        assert rows(url)["twitter"][0] == "pending"

        # Its advisory lock went with its session: another machine is not refused.
        rerun = subprocess.run(
            [sys.executable, "-m", "xpost", "publish", str(w.post), *TARGETS],
            env={**on_machine(w, url, 2), "XPOST_CONFIG": str(w.config)},
            cwd=w.root,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert rerun.returncode == 0, rerun.stderr
        assert_one_copy_each(w, url)
        live = sorted(
            (p for p in w.x.posts.values() if not p["deleted"]), key=lambda p: int(p["id"])
        )
        assert replies_in_order(w) == [None, *[p["id"] for p in live[:-1]]]


def test_preview_reads_what_the_postgresql_ledger_holds(tmp_path: Path, url: str) -> None:
    with world(tmp_path) as w:

        def xpost(*args: str) -> str:
            done = subprocess.run(
                [sys.executable, "-m", "xpost", *args, "--to", "qiita", "--config", str(w.config)],
                env=on_machine(w, url, 0),
                cwd=w.root,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr
            return done.stdout

        assert '<span class="action">create</span>' in xpost("preview", str(w.post), "-o", "-")
        xpost("publish", str(w.post))
        shown = xpost("preview", str(w.post), "-o", "-")
        assert '<span class="action">unchanged</span>' in shown
        assert not list(w.root.glob("machine-*/xpost.sqlite3"))
