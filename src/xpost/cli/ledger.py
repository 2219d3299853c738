"""``xpost ledger export|import``: back up, move and restore the ledger as JSON Lines."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from xpost.cli.options import config_option, json_option


@click.group()
def ledger() -> None:
    """Back up, move and restore the ledger (JSON Lines, no secrets).

    \b
    Examples:
      xpost ledger export backup.jsonl
      XPOST_LEDGER_URL=postgresql://db.example/xpost xpost ledger import backup.jsonl
    """


@ledger.command("export")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False))
@config_option
def export(file: Path | None, config_path: Path | None) -> int:
    """Write the whole ledger to FILE (default: standard output).

    An existing FILE is never overwritten.
    """
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.ledger.opening import describe, open_existing_ledger
    from xpost.ledger.transfer import export_lines, export_path_ok

    config = load_config(find_config(config_path), registry.installed())
    if file is not None:
        export_path_ok(file)
    store = open_existing_ledger(config)
    if store is None:
        click.echo(f"xpost: {describe(config)}: no ledger yet; nothing to export", err=True)
        return 0
    with store:
        lines = list(export_lines(store, datetime.now(UTC)))
    text = "".join(line + "\n" for line in lines)
    if file is None:
        click.echo(text, nl=False)
    else:
        _write_private(file, text)
        click.echo(f"xpost: {len(lines) - 1} lines written to {file}", err=True)
    return 0


@ledger.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True, help="Overwrite copies the ledger holds in a newer state.")
@json_option
@config_option
def import_(file: Path, force: bool, as_json: bool, config_path: Path | None) -> int:
    """Merge an export (FILE, or - for standard input) into the ledger.

    Copies the ledger knows in a newer state are kept unless --force. The file is
    checked whole first: a broken line changes nothing.
    """
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.errors import InputError
    from xpost.ledger.opening import describe, open_ledger
    from xpost.ledger.transfer import import_into, read_export

    config = load_config(find_config(config_path), registry.installed())
    if str(file) == "-":
        records, attempts = read_export(sys.stdin.buffer, "<stdin>")
    else:
        try:
            with file.open("rb") as stream:
                records, attempts = read_export(stream, str(file))
        except OSError as exc:
            raise InputError(f"{file}: cannot read: {exc.strerror}") from None
    with open_ledger(config) as store, store.lock():
        report = import_into(store, records, attempts, force=force)
    if as_json:
        click.echo(json.dumps({"ledger": describe(config), **report.as_dict()}))
        return 0
    click.echo(
        f"{describe(config)}: {report.added} copies added, {report.replaced} updated, "
        f"{report.unchanged} already there, {report.attempts} attempts added"
    )
    if report.kept_newer:
        click.echo(
            f"xpost: {report.kept_newer} copies kept: the ledger's record is newer than the "
            "file's (--force overwrites them)",
            err=True,
        )
    return 0


def _write_private(path: Path, text: str) -> None:
    """Mode 0600, like the ledger itself: it says where every post went."""
    import os

    from xpost.errors import InputError

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
