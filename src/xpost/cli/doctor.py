"""``xpost doctor``: is everything in place to publish? One ok/FAIL line per check."""

from __future__ import annotations

import stat
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xpost.cli.options import config_option, json_option

if TYPE_CHECKING:
    from xpost.config import Config

#: Seconds each platform gets to answer ``whoami``.
WHOAMI_TIMEOUT = 10.0


@dataclass
class Check:
    ok: bool
    subject: str
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL':<5} {self.subject:<9} {self.detail}"


@click.command()
@json_option
@config_option
def doctor(as_json: bool, config_path: Path | None) -> int:
    """Check the config file, the ledger, and each configured platform's credentials
    and reachability. Exit code 1 if anything fails.

    Values still as the example config has them (example.com, your-zenn-name) fail.
    With --json: {"ok": true|false, "checks": [{"ok", "subject", "detail"}]}.
    """
    import json

    from xpost.errors import ExitCode

    checks = run_checks(config_path)
    ok = all(c.ok for c in checks)
    if as_json:
        doc = {"ok": ok, "checks": [asdict(check) for check in checks]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for check in checks:
            click.echo(check.line())
    return ExitCode.OK if ok else ExitCode.TARGET_FAILED


def run_checks(config_path: Path | None) -> list[Check]:
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.errors import XpostError
    from xpost.ledger.opening import ledger_path, ledger_url

    try:
        found = find_config(config_path)
        config = load_config(found, registry.installed())
    except XpostError as exc:
        return [Check(False, "config", str(exc))]
    checks = [Check(True, "config", str(found) if found else "none found: built-in defaults")]
    checks.extend(placeholder_checks(config))
    checks.append(
        _database_check(config) if ledger_url(config) else _ledger_check(ledger_path(config))
    )
    checks.extend(_platform_checks(config))
    return checks


def _database_check(config: Config) -> Check:
    """A PostgreSQL ledger: the connection, the schema version, the rights it needs."""
    from xpost.errors import XpostError
    from xpost.ledger.opening import describe, open_existing_ledger
    from xpost.ledger.postgres import MIGRATIONS

    where = describe(config)
    try:
        ledger = open_existing_ledger(config)
    except XpostError as exc:
        return Check(False, "ledger", str(exc))
    if ledger is None:
        return Check(True, "ledger", f"{where} (reachable; created on the first publish)")
    with ledger:
        version = ledger.schema_version()
        problems = ledger.check()
    if problems:
        return Check(False, "ledger", f"{where}: {'; '.join(problems)}")
    return Check(True, "ledger", f"{where} (schema {version} of {len(MIGRATIONS)})")


#: Hosts reserved for examples (RFC 2606): a site there is the example config's.
_EXAMPLE_HOSTS = ("example.com", "example.net", "example.org")


def placeholder_checks(config: Config) -> list[Check]:
    """Values left as the example config has them: they load, but publish nonsense
    (canonical URLs on example.com, Zenn URLs under "your-zenn-name")."""
    from urllib.parse import urlsplit

    where = str(config.path) if config.path else "config"
    checks = []
    base_url = config.site.base_url
    host = (urlsplit(base_url).hostname or "") if base_url else ""
    if host in _EXAMPLE_HOSTS or host.endswith(tuple("." + h for h in _EXAMPLE_HOSTS)):
        checks.append(
            Check(
                False,
                "config",
                f"{where}: [site] base_url {base_url} is the example's placeholder: "
                "set your site's address",
            )
        )
    for platform, table in sorted(config.platforms.items()):
        for key, value in table.items():
            if isinstance(value, str) and value.lower().startswith(("your-", "your_")):
                checks.append(
                    Check(
                        False,
                        "config",
                        f"{where}: [{platform}] {key} = {value!r} is the example's "
                        "placeholder: set your own",
                    )
                )
    return checks


def _ledger_check(path: Path) -> Check:
    from xpost.errors import XpostError
    from xpost.ledger.sqlite import Ledger, ledger_exists

    try:
        if not ledger_exists(path):
            return Check(True, "ledger", f"{path} (created on the first publish)")
        mode = stat.S_IMODE(path.stat().st_mode)
    except XpostError as exc:
        return Check(False, "ledger", str(exc))
    if mode & 0o077:
        return Check(
            False, "ledger", f"{path} is readable by others (mode {mode:o}): chmod 600 {path}"
        )
    folder = stat.S_IMODE(path.parent.stat().st_mode)
    if folder & 0o022 and not folder & stat.S_ISVTX:
        # Others could replace the ledger, and xpost would then publish everything again.
        return Check(
            False,
            "ledger",
            f"{path.parent} is writable by others (mode {folder:o}): chmod go-w {path.parent}",
        )
    try:
        ledger = Ledger.open_existing(path)
    except XpostError as exc:
        return Check(False, "ledger", str(exc))
    if ledger is not None:
        ledger.close()
    return Check(True, "ledger", f"{path} (mode {mode:o})")


def _platform_checks(config: Config) -> list[Check]:
    """Per configured target: credentials present, then ``whoami`` — all concurrently."""
    from concurrent.futures import ThreadPoolExecutor

    from xpost.credentials import CredentialStore, check_credentials
    from xpost.errors import XpostError
    from xpost.prepare import Renderer

    renderer = Renderer(config)
    store = CredentialStore()

    def check(name: str) -> list[Check]:
        try:
            adapter = renderer.adapter(name)
        except XpostError as exc:
            return [Check(False, name, str(exc))]
        result = check_credentials(adapter, store, timeout=WHOAMI_TIMEOUT)
        if result.outcome == "missing":
            return [Check(False, name, result.error or "")]
        have = ", ".join(f"{field} ({where})" for field, where in result.fields.items())
        checks = [Check(True, name, f"credentials: {have or 'none needed'}")]
        if result.outcome == "signed_in":
            checks.append(Check(True, name, f"reachable: {result.account}"))
        elif result.outcome == "failed":
            checks.append(Check(False, name, result.error or ""))
        else:
            checks.append(Check(True, name, "reachability: not checked (the adapter has no check)"))
        return checks

    targets = config.targets()
    with ThreadPoolExecutor(max(1, len(targets))) as pool:
        per_target = list(pool.map(check, targets))
    notes = [Check(True, "keyring", hint) for hint in dict.fromkeys(store.hints)]
    return [c for checks in per_target for c in checks] + notes
