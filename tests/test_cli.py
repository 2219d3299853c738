"""The command line as a user meets it: exit codes, one-line errors, output formats."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import INSTALLED, SEED
from dry_run_cli import write
from xpost import __version__
from xpost.cli import cli


def run_xpost(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a fresh process: what cron and users run."""
    return subprocess.run(
        [sys.executable, "-m", "xpost", *args], capture_output=True, text=True, cwd=cwd
    )


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"xpost, version {__version__}\n"


def test_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "  adapters" in result.output
    assert "  publish" in result.output


def test_adapters_lists_the_four_built_ins() -> None:
    result = CliRunner().invoke(cli, ["adapters", "--json"])
    assert result.exit_code == 0
    # The distributions under adapters/ are installed beside the core (scripts/test).
    rows = [r for r in json.loads(result.output)["adapters"] if r["package"] == "xpost-posse"]
    assert [r["name"] for r in rows] == ["connpass", "qiita", "twitter", "zenn"]
    assert rows[2]["class"] == "xpost.platforms.twitter:TwitterAdapter"


@pytest.mark.shared
def test_help_and_dry_run_import_no_network_stack(tmp_path: Path) -> None:
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['xpost', *sys.argv[1:]]\n"
        "try: runpy.run_module('xpost', run_name='__main__')\n"
        "except SystemExit as e: code = e.code\n"
        "heavy = sorted(m for m in ('requests', 'tweepy', 'keyring', 'urllib3', 'ssl', 'bs4',"
        " 'markdownify', 'xpost.testing', 'pytest', 'werkzeug') if m in sys.modules)\n"
        "print('HEAVY', heavy, code, file=sys.stderr)\n"
    )
    helped = subprocess.run([sys.executable, "-c", probe, "--help"], capture_output=True, text=True)
    assert "HEAVY [] 0" in helped.stderr
    dry = subprocess.run(
        [sys.executable, "-c", probe, "publish", str(SEED), "--dry-run"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "HEAVY [] 0" in dry.stderr, dry.stderr


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: d / "missing.md", "missing.md: no such file"),
        (lambda d: (d / "folder").mkdir() or d / "folder", "folder: is a directory"),
        (lambda d: write(d / "bin.md", b"\x89PNG\r\n\x1a\n\x00\x00"), "bin.md: not a text file"),
        (lambda d: write(d / "empty.md", ""), "empty.md: the file is empty"),
        (
            lambda d: write(d / "broken.md", "---\ntitle: ok\ntags: [a, b\n---\nbody\n"),
            "broken.md:3:",
        ),
        (lambda d: write(d / "untitled.md", "---\ndate: 2024-01-01\n---\nbody\n"), "untitled.md"),
        (
            lambda d: write(
                d / "word.md",
                "---\ntitle: T\nxpost: {twitter: {thread: true}}\n---\n" + "x" * 300 + "\n",
            ),
            "word.md: xpost.twitter.thread: a word of 300 characters cannot fit in one post",
        ),
    ],
    ids=["missing", "directory", "binary", "empty", "broken-yaml", "no-title", "unsplittable"],
)
def test_bad_posts_get_one_line_and_exit_2(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    result = run_xpost("publish", str(path), "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("xpost: error: ")
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_platform_is_a_usage_error(tmp_path: Path) -> None:
    result = run_xpost("publish", str(SEED), "--dry-run", "--to", "qiita,myspace", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"xpost: error: unknown platform 'myspace' in --to (installed: {INSTALLED})\n"
    )


def test_config_with_unknown_key_names_it(tmp_path: Path) -> None:
    config = write(tmp_path / "xpost.toml", '[site]\nbase_ur = "https://example.com"\n')
    result = run_xpost("publish", str(SEED), "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "xpost.toml" in result.stderr and "base_ur" in result.stderr
    result = run_xpost("publish", str(SEED), "--dry-run", "--config", str(config))
    assert result.returncode == 2
    assert "base_ur" in result.stderr


@pytest.mark.shared
def test_config_with_wrong_type_in_platform_table(tmp_path: Path) -> None:
    write(tmp_path / "xpost.toml", "[twitter]\nhashtags = 'yes'\n")
    result = run_xpost("publish", str(SEED), "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "xpost: error: xpost.toml: [twitter] hashtags: expected true or false, got a string\n"
    )


def test_post_option_with_wrong_type_names_the_key(tmp_path: Path) -> None:
    post = write(
        tmp_path / "p.md", "---\ntitle: T\nxpost:\n  twitter:\n    thread: 'maybe'\n---\nHello\n"
    )
    result = run_xpost("publish", str(post), "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"xpost: error: {post}: xpost.twitter.thread: expected true or false, got a string\n"
    )


@pytest.mark.shared
def test_publishing_without_credentials_is_refused_plainly(tmp_path: Path) -> None:
    result = run_xpost("publish", str(SEED), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("xpost: error: X: no credentials")
    assert "xpost auth set twitter" in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


@pytest.mark.shared
def test_dry_run_json_document_shape(tmp_path: Path) -> None:
    result = run_xpost("publish", str(SEED), "--dry-run", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    (post,) = doc["posts"]
    assert post["source"] == str(SEED)
    assert post["title"] == "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました"
    assert [t["platform"] for t in post["targets"]] == ["twitter", "qiita", "zenn", "connpass"]
    by = {t["platform"]: t for t in post["targets"]}
    assert by["twitter"]["action"] == "create"
    assert set(by["twitter"]["payload"]) == {"posts"}
    assert set(by["qiita"]["payload"]) >= {"title", "body", "tags", "private"}
    assert set(by["zenn"]["payload"]) == {"path", "slug", "content", "images"}
    assert by["connpass"]["action"] == "skip"
    assert "event" in by["connpass"]["reason"]
    for target in post["targets"]:
        assert isinstance(target["warnings"], list)


@pytest.mark.shared
def test_human_preview_shows_every_platform(tmp_path: Path) -> None:
    result = run_xpost("publish", str(SEED), "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました\n")
    for head in (
        "── X · create · ",
        "── Qiita · create · ",
        "── Zenn · create · ",
        "── connpass · skip",
    ):
        assert head in out
    assert "\x1b[" not in out  # no colour codes into a pipe


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["publish"], "xpost: error: Missing argument 'POSTS...' (see 'xpost publish --help')\n"),
        (
            ["unpublish", "x.md"],
            "xpost: error: Missing option '--from' (see 'xpost unpublish --help')\n",
        ),
        (["frobnicate"], "xpost: error: No such command 'frobnicate' (see 'xpost --help')\n"),
        (
            ["pubish", "x.md"],
            "xpost: error: No such command 'pubish': did you mean 'publish'? "
            "(see 'xpost --help')\n",
        ),
        (
            ["publish", "x.md", "--to", ""],
            f"xpost: error: --to names no platform (installed: {INSTALLED})\n",
        ),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    result = run_xpost(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == expected


def test_ctrl_c_inside_any_command_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import click

    import xpost.cli

    def interrupted(**_: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:  # what click does with Ctrl-C in a command
            raise click.exceptions.Abort() from exc

    monkeypatch.setattr(xpost.cli.cli, "main", interrupted)
    with pytest.raises(SystemExit) as exited:
        xpost.cli.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "Interrupted.\n"
