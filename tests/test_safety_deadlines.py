"""Issue 11 item 5: a request has a total deadline and a run has one too.

A server that answers one byte at a time (each byte well inside the per-read timeout)
used to keep ``xpost publish`` alive for minutes. Through the real command (a fresh
process) against such a server on 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

TOKEN = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def trickle() -> Iterator[str]:
    """An HTTP server sending its status line one byte every 0.3 s, for at most 60 s."""
    from fakes.raw_http import dripping, serving

    status_lines = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 10
    with serving(dripping(0.3, status_lines)) as served:
        yield served.url


def _publish(tmp_path: Path, api_base: str, publish_table: str) -> tuple[int, str, float]:
    post = tmp_path / "post.md"
    post.write_text(
        "---\ntitle: Slow\ntags: [python]\nurl: https://example.com/slow/\n---\n\nBody.\n",
        encoding="utf-8",
    )
    config = tmp_path / "xpost.toml"
    config.write_text(
        f'[publish]\ntargets = ["qiita"]\n{publish_table}\n[qiita]\napi_base = "{api_base}"\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "XPOST_DATA_DIR": str(tmp_path / "data"),
        "XPOST_QIITA_TOKEN": TOKEN,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "xpost", "publish", str(post), "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def test_a_trickling_server_is_cut_at_the_total_request_deadline(
    tmp_path: Path, trickle: str
) -> None:
    code, output, took = _publish(tmp_path, trickle, 'timeout = "1s"')
    assert code == 1, output
    assert "no answer within 1 s" in output
    # Three tries of the lookup's GET, 1 s each, plus the backoff between them (1 + 2 s):
    # per-read timeouts would have taken 0.3 s × 1000 bytes.
    assert took < 15, f"{took:.1f}s"


def test_the_run_deadline_cuts_a_request_in_flight(tmp_path: Path, trickle: str) -> None:
    code, output, took = _publish(tmp_path, trickle, 'timeout = "60s"\ndeadline = "2s"')
    assert code == 1, output
    assert took < 15, f"{took:.1f}s"
