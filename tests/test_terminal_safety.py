"""Terminal controls in titles, file names and server messages are shown, never obeyed.

Through the real entry point: the dry-run panels, result lines, warnings and errors
reach the terminal with every C0/C1 control escaped (colours excepted), ``--json``
stays valid JSON holding the original text, and a Zenn commit subject is plain text
(issue 11, item 10).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e_world import World, world
from test_bad_input import xpost
from xpost.printable import TerminalSafe, one_line, printable, printable_keeping_colour

EVIL = "Evil \x1b]0;pwned\x07 \x1b[2J \x1b]52;c;ZWNobyBoaQ==\x07 \x9b31m \r\u202egnp.exe \x00 end"
# Nothing may reach the terminal that moves the cursor, retitles or writes the clipboard.
RAW = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]0;title\x07", "\\u001b]0;title\\u0007"),
        ("\x1b[2J", "\\u001b[2J"),
        ("a\rb", "a\\u000db"),
        ("\x9b31m", "\\u009b31m"),
        ("\x7f", "\\u007f"),
        ("\u202eabc", "\\u202eabc"),
        ("tab\tand\nnewline", "tab\tand\nnewline"),
        ("日本語 ✓ 🎉", "日本語 ✓ 🎉"),
    ],
)
def test_printable_writes_every_control_out(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_colour_passes_but_nothing_else_does() -> None:
    assert printable_keeping_colour("\x1b[1;36mhead\x1b[0m") == "\x1b[1;36mhead\x1b[0m"
    assert printable_keeping_colour("\x1b[2J\x1b[H") == "\\u001b[2J\\u001b[H"
    assert printable_keeping_colour("\x1b]8;;https://e.example\x1b\\") == (
        "\\u001b]8;;https://e.example\\u001b\\"
    )
    assert one_line("a\n\x1bb\tc") == "a \\u001bb c"


def test_a_stream_escapes_what_it_is_given(tmp_path: Path) -> None:
    with (tmp_path / "out").open("w", encoding="utf-8") as raw:
        stream = TerminalSafe(raw)
        assert stream.write("x\x1b]0;t\x07y") == len("x\x1b]0;t\x07y")
        stream.writelines(["\x9b", "\n"])
        assert not stream.isatty()
    assert (tmp_path / "out").read_text(encoding="utf-8") == "x\\u001b]0;t\\u0007y\\u009b\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with world(tmp_path_factory.mktemp("terminal")) as w:
        yield w


@pytest.fixture
def env(site: World, monkeypatch: pytest.MonkeyPatch) -> World:
    return site.enter(monkeypatch)


def evil_post(folder: Path, slug: str) -> Path:
    path = folder / "post.md"
    title = json.dumps(EVIL)  # a YAML double-quoted string holds any character
    path.write_text(
        f"---\ntitle: {title}\nslug: {slug}\ntags: [python]\n---\n\n"
        f"Body \x1b[31mred\x1b[0m \x1b]0;body\x07 text.\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.shared
def test_dry_run_panels_show_controls_escaped_and_json_keeps_them(
    env: World, tmp_path: Path
) -> None:
    post = evil_post(tmp_path, "evil-dry-run-post")
    panels = xpost("publish", str(post), "--dry-run", "--config", str(env.config))
    assert panels.code == 0, panels.stderr
    assert not RAW.search(panels.stdout + panels.stderr)
    assert "\\u001b]0;pwned\\u0007" in panels.stdout
    as_json = xpost("publish", str(post), "--dry-run", "--json", "--config", str(env.config))
    assert not RAW.search(as_json.stdout)
    assert json.loads(as_json.stdout)["posts"][0]["title"] == EVIL.strip()


@pytest.mark.shared
def test_an_error_naming_a_file_with_controls_is_escaped(env: World, tmp_path: Path) -> None:
    missing = tmp_path / "\x1b]0;pwned\x07\x1b[2J.md"
    done = xpost("publish", str(missing), "--config", str(env.config))
    assert done.code == 2
    assert not RAW.search(done.stderr)
    assert "\\u001b]0;pwned\\u0007" in done.stderr  # (click drops CSI off a terminal)


@pytest.mark.shared
def test_a_server_message_with_controls_is_escaped(env: World, tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("---\ntitle: Plain\nslug: plain-server-message\ntags: [python]\n---\nx\n")
    env.qiita.fail_next(
        "POST", 400, body={"message": "bad \x1b]52;c;cHduZWQ=\x07 \x1b[2J", "type": "bad_request"}
    )
    done = xpost("publish", str(post), "--to", "qiita", "--config", str(env.config))
    assert done.code == 1
    assert not RAW.search(done.stdout + done.stderr)
    assert "\\u001b]52;c;cHduZWQ=\\u0007" in done.stdout + done.stderr


@pytest.mark.shared
def test_a_zenn_commit_subject_holds_no_control(env: World, tmp_path: Path) -> None:
    post = evil_post(tmp_path, "evil-zenn-commit-subject")
    done = xpost("publish", str(post), "--to", "zenn", "--config", str(env.config))
    assert done.code == 0, done.stderr
    assert not RAW.search(done.stdout + done.stderr)
    subject = env.remote_log()[0]
    assert not RAW.search(subject)
    assert "\\u001b]0;pwned\\u0007" in subject
