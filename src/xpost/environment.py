"""Every environment variable xpost reads, named once (each option's help names its own).

Credentials are ``XPOST_<PLATFORM>_<FIELD>`` (``credential_variable``): for cron and CI,
where no OS keyring is unlocked; they win over the keyring.
"""

from __future__ import annotations

#: The config file, before ./xpost.toml and the user config dir.
CONFIG = "XPOST_CONFIG"
#: The folder of the SQLite ledger (and of hand-off files), before the user data dir.
DATA_DIR = "XPOST_DATA_DIR"
#: A PostgreSQL ledger, before ``[ledger] url``.
LEDGER_URL = "XPOST_LEDGER_URL"
#: Set: errors show their traceback (exit codes are kept).
DEBUG = "XPOST_DEBUG"
#: How many processes read post files when a run has many to read (a first run on a
#: big site): default the usable CPU cores; 1 reads them all in the run's own process.
SCAN_PROCESSES = "XPOST_SCAN_PROCESSES"
CREDENTIAL_PREFIX = "XPOST_"


def credential_variable(platform: str, field: str) -> str:
    """``XPOST_QIITA_TOKEN`` for ("qiita", "token")."""
    return f"{CREDENTIAL_PREFIX}{platform}_{field}".upper().replace("-", "_")
