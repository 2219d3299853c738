"""``xpost preview --serve``: 127.0.0.1 only, redrawn on save, reloaded over SSE."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xpost.preview import server

HELLO = Path(__file__).resolve().parents[1] / "examples" / "hello-xpost"


@pytest.fixture
def post(tmp_path: Path) -> Path:
    folder = tmp_path / "hello-xpost"
    folder.mkdir()
    for item in HELLO.iterdir():
        (folder / item.name).write_bytes(item.read_bytes())
    return folder / "index.md"


@pytest.fixture
def running(post: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(server, "POLL_INTERVAL", 0.05)
    live = server.LivePreview(post, None, ["qiita", "zenn"])
    srv, watcher = server.start(live, 0)
    watcher.interval = 0.05
    yield srv
    server.stop(srv, watcher)


def get(srv: server.PreviewServer, path: str, host: str | None = None) -> tuple[int, str]:
    port = srv.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", path, headers={"Host": host or f"127.0.0.1:{port}"})
    response = conn.getresponse()
    body = response.read().decode("utf-8")
    conn.close()
    return response.status, body


def version(page: str) -> int:
    return int(page.split('name="xpost-version" content="')[1].split('"')[0])


def test_serves_the_page_on_loopback_only(running: server.PreviewServer) -> None:
    assert running.server_address[0] == "127.0.0.1"
    status, page = get(running, "/")
    assert status == 200
    assert 'data-platform="qiita"' in page and "<script>" in page  # the reload script
    assert "connect-src 'self'" in page


def test_requests_for_another_host_are_refused(running: server.PreviewServer) -> None:
    # A page elsewhere that points its own name at 127.0.0.1 (DNS rebinding) gets nothing.
    status, body = get(running, "/", host="evil.example")
    assert status == 403 and "xpost" not in body
    assert get(running, "/nothing")[0] == 404


def test_saving_the_post_redraws_and_tells_the_page(
    running: server.PreviewServer, post: Path
) -> None:
    first = get(running, "/")[1]
    seen = version(first)
    port = running.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/events?v={seen}", headers={"Host": f"127.0.0.1:{port}"})
    events = conn.getresponse()
    assert events.getheader("Content-Type") == "text/event-stream"
    time.sleep(0.1)
    text = post.read_text(encoding="utf-8").replace("## 使い方", "## 新しい見出し")
    post.write_text(text, encoding="utf-8")
    started = time.monotonic()
    line = events.fp.readline().decode()
    assert line == "event: reload\n"
    assert time.monotonic() - started < 20
    conn.close()
    again = get(running, "/")[1]
    assert version(again) > seen and "新しい見出し" in again and "使い方" not in again


def test_a_page_that_missed_a_change_reloads_at_once(running: server.PreviewServer) -> None:
    port = running.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    conn.request("GET", "/events?v=0", headers={"Host": f"127.0.0.1:{port}"})
    assert conn.getresponse().fp.readline() == b"event: reload\n"
    conn.close()


def test_a_broken_save_shows_the_error_and_recovers(
    running: server.PreviewServer, post: Path
) -> None:
    good = post.read_text(encoding="utf-8")
    post.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    deadline = time.monotonic() + 30  # generous: CI machines are shared
    while "Cannot preview this post" not in (page := get(running, "/")[1]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert str(post) in page and "<script>" in page  # still live: it reloads when fixed
    post.write_text(good, encoding="utf-8")
    while "Cannot preview this post" in (page := get(running, "/")[1]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert 'data-platform="zenn"' in page


def test_ctrl_c_stops_the_server(post: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "xpost", "preview", str(post), "--serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        host, port = url[len("http://") : -1].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=20)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "stopped" in err and "Traceback" not in err


def test_bad_input_at_start_is_exit_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "xpost", "preview", "nothere.md", "--serve", "--port", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=30,
    )
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "nothere.md" in result.stderr


def test_a_bug_while_redrawing_is_shown_and_the_watcher_goes_on(
    running: server.PreviewServer, post: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import xpost.preview.build

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(xpost.preview.build, "build_preview", broken)
    post.write_text(post.read_text(encoding="utf-8") + "\nmore\n", encoding="utf-8")
    deadline = time.monotonic() + 30  # generous: CI machines are shared
    while "internal error: RuntimeError: boom" not in (page := get(running, "/")[1]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    monkeypatch.undo()
    post.write_text(post.read_text(encoding="utf-8") + "\nagain\n", encoding="utf-8")
    while "internal error" in (page := get(running, "/")[1]):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert 'data-platform="qiita"' in page


def test_a_save_made_while_the_page_is_redrawn_is_not_missed(
    running: server.PreviewServer, post: Path
) -> None:
    live = running.live
    redraw = live.refresh
    text = post.read_text(encoding="utf-8")

    def save_again_while_redrawing() -> None:
        redraw()
        if "## 一度目" in post.read_text(encoding="utf-8"):  # the second save lands now
            post.write_text(text.replace("## 使い方", "## 二度目") + "\n", encoding="utf-8")

    live.refresh = save_again_while_redrawing  # type: ignore[method-assign]
    post.write_text(text.replace("## 使い方", "## 一度目"), encoding="utf-8")
    deadline = time.monotonic() + 30  # generous: CI machines are shared
    while "二度目" not in (page := get(running, "/")[1]):
        assert time.monotonic() < deadline, "the save made during the redraw was missed"
        time.sleep(0.05)
    assert "一度目" not in page
