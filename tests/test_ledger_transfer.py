"""``xpost ledger export|import``: a ledger moved from SQLite to PostgreSQL and back."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from postgres_server import fresh_database, postgres_url
from xpost.adapters.base import Receipt
from xpost.cli import main
from xpost.ledger import Ledger, TargetKey

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
KEYS = [TargetKey(f"https://blog.example.org/post/{n}/", p) for n in range(3) for p in ("x", "q")]


def fill(ledger: Ledger) -> None:
    for key in KEYS:
        ledger.mark_pending(key, source=f"content/{key.post_id[-2]}.md", content_hash="h")
        attempt = ledger.start_attempt(key, "create")
        ledger.record_published(key, Receipt(f"id-{key.platform}"), content_hash="h", source=None)
        ledger.finish_attempt(attempt, "created")
    ledger.record_failed(KEYS[0], "Qiita answered 500", unknown=True)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "xpost.toml"
    path.write_text(f'[ledger]\npath = "{tmp_path / "ledger.sqlite3"}"\n')
    return path


def xpost(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``xpost ARGS`` through the console entry point: exit code, stdout, stderr."""
    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _):
        argv = sys.argv
        sys.argv = ["xpost", *args]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        finally:
            sys.argv = argv
        return code, out.getvalue().decode(), err.getvalue().decode()


def test_export_then_import_into_postgres_and_back_is_the_same_ledger(
    tmp_path: Path, config: Path
) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite3", lambda: NOW) as ledger:
        fill(ledger)
        before = (
            ledger.all_records(),
            [(a.key, a.action, a.outcome) for a in ledger.all_attempts()],
        )
    dump = tmp_path / "backup.jsonl"
    code, _, _ = xpost("ledger", "export", str(dump), "--config", str(config))
    assert code == 0
    assert dump.stat().st_mode & 0o777 == 0o600
    lines = dump.read_text().splitlines()
    assert json.loads(lines[0])["xpost_ledger"] == 1
    assert len(lines) == 1 + len(KEYS) + len(KEYS)

    url = postgres_url()
    fresh_database(url)
    env = {"XPOST_LEDGER_URL": url}
    code, out, _ = xpost("ledger", "import", str(dump), "--json", "--config", str(config), env=env)
    assert code == 0
    assert json.loads(out)["added"] == len(KEYS)
    again = tmp_path / "again.jsonl"
    assert xpost("ledger", "export", str(again), "--config", str(config), env=env)[0] == 0

    other = tmp_path / "other.toml"
    other.write_text(f'[ledger]\npath = "{tmp_path / "restored.sqlite3"}"\n')
    assert xpost("ledger", "import", str(again), "--config", str(other))[0] == 0
    with Ledger.open(tmp_path / "restored.sqlite3") as restored:
        after = (
            restored.all_records(),
            [(a.key, a.action, a.outcome) for a in restored.all_attempts()],
        )
    assert after == before
    # Importing the same file again changes nothing.
    code, out, _ = xpost("ledger", "import", str(again), "--json", "--config", str(other))
    assert json.loads(out) | {"ledger": ""} == {
        "ledger": "",
        "added": 0,
        "replaced": 0,
        "kept_newer": 0,
        "unchanged": len(KEYS),
        "attempts": 0,
    }


def test_import_keeps_newer_records_unless_forced(tmp_path: Path, config: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite3", lambda: NOW) as ledger:
        fill(ledger)
    dump = tmp_path / "old.jsonl"
    assert xpost("ledger", "export", str(dump), "--config", str(config))[0] == 0
    later = NOW + timedelta(days=1)
    with Ledger.open(tmp_path / "ledger.sqlite3", lambda: later) as ledger:
        ledger.record_removed(KEYS[1])
    code, _, err = xpost("ledger", "import", str(dump), "--config", str(config))
    assert code == 0 and "1 copies kept" in err
    with Ledger.open(tmp_path / "ledger.sqlite3") as ledger:
        assert ledger.get(KEYS[1]).status == "removed"  # type: ignore[union-attr]
    assert xpost("ledger", "import", str(dump), "--force", "--config", str(config))[0] == 0
    with Ledger.open(tmp_path / "ledger.sqlite3") as ledger:
        assert ledger.get(KEYS[1]).status == "published"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "empty"),
        ('{"xpost_ledger": 99}\n', "version 1"),
        ('{"xpost_ledger": 1}\nnot json\n', ":2: not a JSON line"),
        ('{"xpost_ledger": 1}\n{"kind": "syndication", "platform": "x"}\n', ":2: post_id"),
        ('{"xpost_ledger": 1}\n{"kind": "mystery"}\n', ":2: unknown kind"),
        (
            '{"xpost_ledger": 1}\n{"kind": "syndication", "post_id": "p", "platform": "x",'
            ' "status": "published", "updated_at": "2024-05-01T12:00:00"}\n',
            "no time zone",
        ),
    ],
)
def test_a_broken_export_is_refused_whole(
    tmp_path: Path, config: Path, content: str, says: str
) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite3", lambda: NOW) as ledger:
        fill(ledger)
        before = ledger.all_records()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"xpost_ledger": 1}\n' + content if says == ":2: x" else content)
    code, _, err = xpost("ledger", "import", str(bad), "--config", str(config))
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    with Ledger.open(tmp_path / "ledger.sqlite3") as ledger:
        assert ledger.all_records() == before


def test_export_never_overwrites_a_file(tmp_path: Path, config: Path) -> None:
    with Ledger.open(tmp_path / "ledger.sqlite3", lambda: NOW) as ledger:
        fill(ledger)
    kept = tmp_path / "kept.jsonl"
    kept.write_text("precious\n")
    code, _, err = xpost("ledger", "export", str(kept), "--config", str(config))
    assert code == 2 and "exists already" in err
    assert kept.read_text() == "precious\n"


def test_export_holds_no_secret(tmp_path: Path, config: Path) -> None:
    secret = "qiita-secret-token-0123456789"
    os.environ["XPOST_QIITA_TOKEN"] = secret
    try:
        with Ledger.open(tmp_path / "ledger.sqlite3", lambda: NOW) as ledger:
            fill(ledger)
        code, out, _ = xpost("ledger", "export", "--config", str(config))
    finally:
        del os.environ["XPOST_QIITA_TOKEN"]
    assert code == 0 and secret not in out and out.count("\n") == 1 + 2 * len(KEYS)
