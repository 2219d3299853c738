"""The adapter author's guide works as written: its code is the example distribution's
code (``tests/example-adapter``), installed through its entry point, and the real
command publishes through it against a local Notes service that checks every request."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "adapters.md"
PACKAGE = ROOT / "tests" / "example-adapter"
TOKEN = "notes-test-token-0123456789"

pytestmark = pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import xpost_notes"], capture_output=True).returncode
    != 0,
    reason="the example adapter is not installed (scripts/test installs tests/example-adapter)",
)


def test_the_guide_shows_the_package_as_it_is() -> None:
    guide = GUIDE.read_text(encoding="utf-8")
    for name in ("pyproject.toml", "src/xpost_notes/__init__.py"):
        text = (PACKAGE / name).read_text(encoding="utf-8")
        assert text.strip() in guide, f"docs/adapters.md does not show {name} as it is"


class Notes:
    """The Notes service: a bearer token, strict bodies, the documented answers."""

    def __init__(self) -> None:
        self.notes: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []

    def handle(self, method: str, target: str, headers: Any, raw: bytes) -> tuple[int, Any]:
        parts = urlsplit(target)
        self.requests.append((method, parts.path))
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "bad token"}
        if (method, parts.path) == ("GET", "/api/me"):
            return 200, {"name": "tester"}
        if (method, parts.path) == ("GET", "/api/notes"):
            source = parse_qs(parts.query).get("source_url", [""])[0]
            return 200, [n for n in self.notes.values() if n["source_url"] == source]
        if (method, parts.path) == ("POST", "/api/notes"):
            return self._save(secrets.token_hex(8), raw, created=True)
        found = re.fullmatch(r"/api/notes/([0-9a-f]+)", parts.path)
        if not found or found.group(1) not in self.notes:
            return 404, {"error": "no such note"}
        if method == "PUT":
            return self._save(found.group(1), raw, created=False)
        if method == "DELETE":
            del self.notes[found.group(1)]
            return 204, None
        return 405, {"error": "method not allowed"}

    def _save(self, note_id: str, raw: bytes, *, created: bool) -> tuple[int, Any]:
        body = json.loads(raw)
        if set(body) != {"title", "body", "source_url"}:
            return 422, {"error": f"fields must be title, body, source_url: {sorted(body)}"}
        if not (isinstance(body["title"], str) and body["title"]):
            return 422, {"error": "title is required"}
        if not (isinstance(body["source_url"], str) and body["source_url"].startswith("https://")):
            return 422, {"error": "source_url must be an https URL"}
        note = {**body, "id": note_id, "url": f"https://notes.example.com/n/{note_id}"}
        self.notes[note_id] = note
        return (201 if created else 200), note


@pytest.fixture
def notes() -> Iterator[tuple[Notes, str]]:
    service = Notes()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, body = service.handle(self.command, self.path, self.headers, raw)
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _serve

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_real_command_publishes_through_the_example_adapter(
    tmp_path: Path, notes: tuple[Notes, str]
) -> None:
    service, base = notes
    post = tmp_path / "hello.md"
    post.write_text("---\ntitle: Hello Notes\ndate: 2024-05-01\n---\nFirst words.\n")
    config = tmp_path / "xpost.toml"
    config.write_text(
        '[site]\nbase_url = "https://blog.example.org/"\n'
        f'[publish]\ntargets = ["notes"]\n[notes]\napi_base = "{base}"\n'
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XPOST_DATA_DIR": str(tmp_path / "data"),
        "XPOST_NOTES_TOKEN": TOKEN,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }

    def xpost(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "xpost", *args, "--config", str(config)]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)

    created = xpost("publish", str(post))
    assert created.returncode == 0, created.stderr
    assert created.stdout.split()[:2] == ["Notes", "created"]
    [note] = service.notes.values()
    assert note["source_url"] == "https://blog.example.org/post/hello/"
    assert xpost("publish", str(post)).stdout.split()[:2] == ["Notes", "unchanged"]

    post.write_text("---\ntitle: Hello Notes\ndate: 2024-05-01\n---\nFirst words, fixed.\n")
    assert xpost("publish", str(post)).stdout.split()[:2] == ["Notes", "updated"]
    assert [r for r in service.requests if r[0] != "GET"] == [
        ("POST", "/api/notes"),
        ("PUT", f"/api/notes/{note['id']}"),
    ]
    assert xpost("unpublish", str(post), "--from", "notes", "--yes").returncode == 0
    assert service.notes == {}
