"""Ledger paths that cannot be used: a folder, a folder that cannot be looked into, a file
without write permission, each one clear line before anything is sent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from e2e_world import World
from xpost.errors import LedgerError
from xpost.ledger import Ledger

# -- ledger paths that are not a usable file ----------------------------------------------


@pytest.mark.shared
def test_ledger_path_that_is_a_folder_says_so(site: World) -> None:
    folder = site.root / "ledgerdir"
    folder.mkdir()
    config = site.config.read_text(encoding="utf-8")
    site.config.write_text(config + f'\n[ledger]\npath = "{folder}"\n', encoding="utf-8")
    post = site.write_bundle("dir", "---\ntitle: Dir\ndate: 2024-05-01\ntags: [python]\n---\nB.\n")
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
