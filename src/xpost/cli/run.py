"""``xpost run``: the cron / systemd-timer / CI entry point (see ``xpost.runner``)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from xpost.cli.options import config_option, json_option, platforms_option

if TYPE_CHECKING:
    from xpost.runner import RunReport


def _now() -> datetime:
    """The run's clock (tests replace it)."""
    return datetime.now().astimezone()


@click.command()
@click.argument("dirs", nargs=-1, type=click.Path(path_type=Path))
@platforms_option
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send and record nothing.")
@click.option(
    "--mark-existing",
    is_flag=True,
    help="Record every post that is due now as done, without sending it (a safe first run).",
)
@click.option(
    "--since",
    metavar="DATE",
    help="Only posts dated on or after DATE (YYYY-MM-DD[ hh:mm], in [site] timezone).",
)
@click.option(
    "--min-age",
    metavar="DURATION",
    help="Override [schedule] min_age (e.g. 0 in CI, where a checkout touches every file).",
)
@json_option
@config_option
def run(
    dirs: tuple[Path, ...],
    platforms: tuple[str, ...],
    dry_run: bool,
    mark_existing: bool,
    since: str | None,
    min_age: str | None,
    as_json: bool,
    config_path: Path | None,
) -> int:
    """Publish every post under DIRS (default: [site] content) that is due, exactly once.

    Prints nothing when nothing is due (cron mails any output), one line per target
    sent, and errors on stderr. A second run while one is going exits at once with one
    line on stderr and exit code 0: for a scheduler, an overlapping tick is normal.

    \b
    Examples:
      xpost run --mark-existing      # first time on an existing site
      xpost run                      # from cron or a systemd timer
      xpost run content/post --dry-run
    """
    from xpost.adapters import registry
    from xpost.cli import verbosity
    from xpost.cli.progress import status_line
    from xpost.config import find_config, load_config, parse_duration
    from xpost.errors import ExitCode, Interrupted
    from xpost.frontmatter import parse_date
    from xpost.ledger.opening import open_ledger
    from xpost.ledger.records import LedgerBusy
    from xpost.progress import silent
    from xpost.runner import RunOptions, content_roots
    from xpost.runner import run as run_scheduled

    requested = registry.parse_platform_list(platforms)
    config = load_config(find_config(config_path), registry.installed())
    now = _now()
    status = status_line()
    options = RunOptions(
        roots=content_roots(dirs, config),
        platforms=requested,
        dry_run=dry_run,
        mark_existing=mark_existing,
        since=_option(lambda: parse_date(since, _zone(config.site.timezone)), "--since", since),
        min_age=_option(lambda: parse_duration(min_age or ""), "--min-age", min_age),
        progress=status.report if status else silent,
        # Only --json and -v print a line per marked target; the summary needs counts.
        list_marked=as_json or verbosity.level() >= verbosity.VERBOSE,
    )
    try:
        with open_ledger(config, clock=lambda: now) as ledger:
            if dry_run:
                report = run_scheduled(config, ledger, options, now)
            else:
                try:
                    with ledger.lock():
                        report = run_scheduled(config, ledger, options, now)
                except Interrupted as stopped:
                    # Ctrl-C or SIGINT: what finished is recorded; say what is known of it.
                    if status:
                        status.close()
                    for result in stopped.results:
                        for done in result.outcomes:
                            if done.outcome not in ("skipped", "unchanged"):
                                where = done.url or done.error or ""
                                click.echo(
                                    f"{done.outcome:<12} {done.platform:<9} "
                                    f"{result.post.source}  {where}".rstrip()
                                )
                    click.echo("xpost: interrupted; run again to finish", err=True)
                    return 130
                except LedgerBusy:
                    if verbosity.level() > verbosity.QUIET:
                        click.echo(
                            "xpost: another xpost run is still going; this one did nothing",
                            err=True,
                        )
                    return ExitCode.OK
    finally:
        if status:
            status.close()
    for warning in [*report.warnings, *report.write_back_notes]:
        click.echo(f"xpost: warning: {warning}", err=True)
    if as_json:
        click.echo(report_json(report))
    elif mark_existing and verbosity.level() < verbosity.VERBOSE:
        click.echo(mark_summary(report, dry_run=dry_run))
    else:
        _print(report, show_waiting=dry_run)
    return ExitCode.TARGET_FAILED if report.failed else ExitCode.OK


def _option(parse: Any, flag: str, value: str | None) -> Any:
    from xpost.errors import UsageError

    if value is None:
        return None
    try:
        return parse()
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def _zone(name: str) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)


def _print(report: RunReport, *, show_waiting: bool) -> None:
    for line in report.lines:
        if line.outcome == "failed":
            click.echo(f"xpost: error: {line.platform}: {line.source}: {line.detail}", err=True)
        else:
            click.echo(
                f"{line.outcome:<12} {line.platform:<9} {line.source}  {line.url or ''}".rstrip()
                + (f"  (paste the text in {line.handoff})" if line.handoff else "")
            )
    if show_waiting:
        for line in report.waiting:
            click.echo(f"{'waiting':<12} {line.platform:<9} {line.source}  ({line.detail})")


def mark_summary(report: RunReport, *, dry_run: bool) -> str:
    """``--mark-existing``'s one line: how many targets of how many posts (-v lists them)."""
    targets = report.marked.targets
    posts = report.marked.posts
    platforms = len(report.marked.platforms)
    verb = "would mark" if dry_run else "marked"
    if not targets:
        return f"{verb} nothing: every post due now is already in the ledger"
    return (
        f"{verb} {posts:,} post{'s' * (posts != 1)} as done on "
        f"{platforms} platform{'s' * (platforms != 1)} ({targets:,} targets; nothing sent; "
        "-v lists them)"
    )


def report_json(report: RunReport) -> str:
    """``{"posts": [{"source", "id", "targets": [{"platform", "outcome", "url", "error",
    "reason", "handoff"}]}], "warnings": [...]}``; ``outcome`` "waiting" carries its
    ``reason``, "awaiting" the ``handoff`` file whose text the user pastes."""
    posts: dict[str, dict[str, Any]] = {}
    for line in [*report.lines, *report.waiting]:
        post = posts.setdefault(
            line.source, {"source": line.source, "id": line.post_id, "targets": []}
        )
        waiting = line.outcome == "waiting"
        post["targets"].append(
            {
                "platform": line.platform,
                "outcome": line.outcome,
                "url": line.url,
                "error": None if waiting else line.detail,
                "reason": line.detail if waiting else None,
                "handoff": line.handoff,
            }
        )
    doc = {"posts": list(posts.values()), "warnings": report.warnings}
    return json.dumps(doc, ensure_ascii=False, indent=2)
