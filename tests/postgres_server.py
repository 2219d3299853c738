"""A PostgreSQL server for the tests: the one ``.ci/run`` started (``XPOST_TEST_PG_URL``
with ``PGPASSWORD``), else a throwaway cluster started here with ``scripts/pg-cluster``.

Without PostgreSQL installed the tests that need it are skipped, saying why; with
``XPOST_REQUIRE_POSTGRES=1`` (CI) they fail instead.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@cache
def _server() -> tuple[str, str] | str:
    """(url, password), or why there is none."""
    url = os.environ.get("XPOST_TEST_PG_URL")
    if url:
        return url, os.environ.get("XPOST_TEST_PG_PASSWORD", "")
    folder = Path(tempfile.mkdtemp(prefix="xpost-pg-"))
    folder.chmod(0o755)  # the server runs as another user when the tests run as root
    done = subprocess.run(
        [str(ROOT / "scripts" / "pg-cluster"), "start", str(folder / "cluster")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        why = (done.stderr.strip() or done.stdout.strip())[-300:]
        return f"no PostgreSQL server could be started (exit {done.returncode}): {why}"
    atexit.register(
        subprocess.run,
        [str(ROOT / "scripts" / "pg-cluster"), "stop", str(folder / "cluster")],
        capture_output=True,
    )
    return done.stdout.strip(), (folder / "cluster" / "password").read_text()


def postgres_url() -> str:
    """The server's URL (its password set in PGPASSWORD for libpq), or a skip."""
    found = _server()
    if isinstance(found, str):
        if os.environ.get("XPOST_REQUIRE_POSTGRES"):
            pytest.fail(found)
        pytest.skip(found)
    url, password = found
    os.environ["PGPASSWORD"] = password
    return url


def fresh_database(url: str) -> None:
    """An empty ledger database: the previous test's schema dropped."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP SCHEMA IF EXISTS xpost CASCADE")
