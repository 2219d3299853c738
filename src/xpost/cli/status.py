"""``xpost status`` (where a post went) and ``xpost history`` (recent attempts)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from xpost.cli.options import config_option, json_option


@click.command()
@click.argument("post", type=click.Path(path_type=Path))
@json_option
@config_option
def status(post: Path, as_json: bool, config_path: Path | None) -> int:
    """Where POST has been syndicated: status, URL and times per platform.

    A failed platform shows its last error and when a scheduled run retries it.
    """
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.ledger.opening import open_existing_ledger
    from xpost.post import load_post

    config = load_config(find_config(config_path), registry.installed())
    loaded = load_post(post, config)
    ledger = open_existing_ledger(config)
    records = []
    if ledger is not None:
        with ledger:
            records = ledger.records(loaded.id)
    if as_json:
        doc = {
            "source": str(loaded.source),
            "id": loaded.id,
            "syndications": [
                {
                    "platform": r.key.platform,
                    "account": r.key.account,
                    "status": r.status,
                    "url": r.url,
                    "remote_id": r.remote_id,
                    "published_at": _iso(r.first_published_at),
                    "updated_at": _iso(r.last_published_at),
                    "last_error": r.last_error,
                    "failures": r.failures,
                    "next_attempt_at": _iso(r.next_attempt_at),
                }
                for r in records
            ],
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    click.echo(loaded.title)
    click.echo(f"  source  {loaded.source}")
    click.echo(f"  id      {loaded.id}")
    if not records:
        click.echo("not published anywhere yet")
    for r in records:
        label = _label(r.key.platform)
        when = ""
        if r.status == "removed" and r.updated_at:
            when = f"(removed {_local(r.updated_at)})"
        elif r.first_published_at:
            when = f"(published {_local(r.first_published_at)}"
            if r.last_published_at and r.last_published_at != r.first_published_at:
                when += f", updated {_local(r.last_published_at)}"
            when += ")"
        where = "  ".join(part for part in (r.url, when) if part)
        click.echo(f"{label:<9} {r.status:<10} {where}".rstrip())
        if r.last_error and r.status in ("failed", "unknown"):
            click.echo(f"  last error: {r.last_error}")
            if r.next_attempt_at:
                tries = "1 failure" if r.failures == 1 else f"{r.failures} failures"
                click.echo(f"  {tries}; next scheduled retry after {_local(r.next_attempt_at)}")
    return 0


@click.command()
@click.argument("post", required=False, type=click.Path(path_type=Path))
@click.option(
    "--limit",
    default=20,
    show_default=True,
    metavar="N",
    type=click.IntRange(min=1),
    help="Show at most N attempts.",
)
@json_option
@config_option
def history(post: Path | None, limit: int, as_json: bool, config_path: Path | None) -> int:
    """The most recent attempts to publish (of POST only, if given), newest first."""
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.ledger.opening import open_existing_ledger
    from xpost.post import load_post

    config = load_config(find_config(config_path), registry.installed())
    post_id = load_post(post, config).id if post else None
    ledger = open_existing_ledger(config)
    attempts = []
    if ledger is not None:
        with ledger:
            attempts = ledger.history(limit, post_id)
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "id": a.id,
                "post_id": a.key.post_id,
                "platform": a.key.platform,
                "account": a.key.account,
                "action": a.action,
                "started_at": _iso(a.started_at),
                "finished_at": _iso(a.finished_at),
                "outcome": a.outcome,
                "error": a.error,
            }
            for a in attempts
        ]
        click.echo(json.dumps({"attempts": rows}, ensure_ascii=False, indent=2))
        return 0
    if not attempts:
        click.echo("no attempts recorded yet")
    for a in attempts:
        outcome = a.outcome or "(no answer)"
        line = f"{_local(a.started_at)}  {_label(a.key.platform):<9} {a.action:<9} "
        line += f"{outcome:<10} {a.key.post_id}"
        click.echo(line)
        if a.error:
            click.echo(f"  {a.error}")
    return 0


def _label(platform: str) -> str:
    """The adapter's human name when it loads, else the platform key."""
    from xpost.adapters import registry

    try:
        return registry.load(platform).label
    except Exception:  # uninstalled or broken adapter: its ledger rows still show
        return platform


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
