"""The Notes adapter through the real ``xpost`` command, against a local Notes service
that checks every request (``xpost.testing``: an isolated user, the fake's base)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from xpost.testing import (
    Answer,
    Call,
    FakeService,
    credential_env,
    run_xpost,
    schema_errors,
    serving,
)

pytest.importorskip("xpost_notes", reason="pip install -e tests/example-adapter")

TOKEN = "notes-test-token-0123456789"
#: What the service accepts, and nothing else.
NOTE = {
    "type": "object",
    "required": ["title", "body", "source_url"],
    "additionalProperties": False,
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "body": {"type": "string"},
        "source_url": {"type": "string", "pattern": "^https://"},
    },
}


class Notes(FakeService):
    """The Notes service: a bearer token, bodies held to ``NOTE``, its documented answers."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: dict[str, dict[str, str]] = {}

    def refusal(self, call: Call, problem: str) -> Answer:
        return Answer(422, {"error": problem})

    def respond(self, call: Call) -> Answer:
        if call.headers.get("authorization") != f"Bearer {TOKEN}":
            return Answer(401, {"error": "bad token"})
        if (call.method, call.path) == ("GET", "/api/me"):
            return Answer(200, {"name": "tester"})
        if (call.method, call.path) == ("GET", "/api/notes"):
            source = call.params.get("source_url")
            return Answer(200, [n for n in self.notes.values() if n["source_url"] == source])
        if (call.method, call.path) == ("POST", "/api/notes"):
            return self._save(call, secrets.token_hex(8), 201)
        found = re.fullmatch(r"/api/notes/([0-9a-f]+)", call.path)
        if not found or found.group(1) not in self.notes:
            return Answer(404, {"error": "no such note"})
        if call.method == "PUT":
            return self._save(call, found.group(1), 200)
        if call.method == "DELETE":
            del self.notes[found.group(1)]
            return Answer(204)
        return self.refuse(call, "method not allowed")

    def _save(self, call: Call, note_id: str, status: int) -> Answer:
        problems = schema_errors(NOTE, call.body)
        if problems:
            return self.refuse(call, "; ".join(problems))
        note = {**call.body, "id": note_id, "url": f"https://notes.example.com/n/{note_id}"}
        self.notes[note_id] = note
        return Answer(status, note)


@pytest.fixture
def notes(xpost_home: Path) -> Iterator[Notes]:
    with serving(Notes()) as service:
        yield service


def test_the_real_command_publishes_updates_and_removes_a_note(
    tmp_path: Path, notes: Notes
) -> None:
    post = tmp_path / "hello.md"
    post.write_text("---\ntitle: Hello Notes\ndate: 2024-05-01\n---\nFirst words.\n")
    config = tmp_path / "xpost.toml"
    config.write_text(
        '[site]\nbase_url = "https://blog.example.org/"\n'
        f'[publish]\ntargets = ["notes"]\n[notes]\napi_base = "{notes.url}"\n'
    )
    token = credential_env("notes", token=TOKEN)  # XPOST_NOTES_TOKEN, as cron passes it

    created = run_xpost("publish", str(post), config=config, env=token)
    assert created.returncode == 0, created.stderr
    assert created.stdout.split()[:2] == ["Notes", "created"]
    [note] = notes.notes.values()
    assert note["source_url"] == "https://blog.example.org/post/hello/"
    again = run_xpost("publish", str(post), config=config, env=token)
    assert again.stdout.split()[:2] == ["Notes", "unchanged"]

    post.write_text("---\ntitle: Hello Notes\ndate: 2024-05-01\n---\nFirst words, fixed.\n")
    updated = run_xpost("publish", str(post), config=config, env=token)
    assert updated.stdout.split()[:2] == ["Notes", "updated"]
    assert [(c.method, c.path) for c in notes.calls if c.method != "GET"] == [
        ("POST", "/api/notes"),
        ("PUT", f"/api/notes/{note['id']}"),
    ]
    removed = run_xpost(
        "unpublish", str(post), "--from", "notes", "--yes", config=config, env=token
    )
    assert removed.returncode == 0, removed.stderr
    assert notes.notes == {}
