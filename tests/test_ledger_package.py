"""The ledger package: its public names load on first use, and the interface, the
records and the choice of backend load no database driver."""

from __future__ import annotations

import subprocess
import sys

import xpost.ledger


def test_every_public_name_of_the_package_resolves() -> None:
    for name in xpost.ledger.__all__:
        value = getattr(xpost.ledger, name)
        assert value is not None, name


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        xpost.ledger.no_such_name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")


def test_the_interface_and_records_load_no_database_driver() -> None:
    code = (
        "import sys\n"
        "from xpost.ledger import TargetKey, Record, Status, LedgerStore, ledger_path\n"
        "import xpost.ledger.opening, xpost.ledger.transfer\n"
        "loaded = sorted(m for m in ('sqlite3', '_sqlite3', 'psycopg') if m in sys.modules)\n"
        "print(','.join(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == ""
