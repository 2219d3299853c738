"""``xpost publish``: publish posts to their platforms (or preview with ``--dry-run``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xpost.cli.options import config_option, json_option, platforms_option


@click.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path))
@platforms_option
@click.option("--dry-run", is_flag=True, help="Show exactly what would be sent; send nothing.")
@click.option(
    "--force",
    is_flag=True,
    help="Send even what is unchanged, overwriting edits made on the platforms (asks first).",
)
@click.option(
    "--repost",
    is_flag=True,
    help="Where posts cannot be edited (X): delete a changed post and post it again (asks).",
)
@click.option(
    "--now",
    "send_now",
    is_flag=True,
    help="Send a post dated in the future now, also where the platform cannot schedule it.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask before --force or --repost.")
@click.option(
    "--write-back/--no-write-back",
    default=None,
    help="Add the URLs to the post's front matter 'syndication' list (default: [site] write_back).",
)
@json_option
@config_option
def publish(
    posts: tuple[Path, ...],
    platforms: tuple[str, ...],
    dry_run: bool,
    force: bool,
    repost: bool,
    send_now: bool,
    yes: bool,
    write_back: bool | None,
    as_json: bool,
    config_path: Path | None,
) -> int:
    """Publish POSTS to each platform, or preview them with --dry-run.

    Each platform gets one line: created, updated, unchanged, awaiting (handed to
    you, e.g. connpass), skipped (with the reason) or failed. What was sent is
    recorded in the ledger, so a rerun sends only what changed. Exit code 1 when a
    platform failed; 2 for bad input, usage or config (nothing is sent).

    \b
    Examples:
      xpost publish content/post/hello/index.md --dry-run
      xpost publish _posts/2024-05-01-hello.md --to qiita,zenn
    """
    from xpost.adapters.registry import parse_platform_list
    from xpost.engine import Syndicator
    from xpost.errors import ExitCode

    requested = parse_platform_list(platforms)
    engine = Syndicator.load(config_path)
    prepared = engine.prepare(posts, requested)
    if not send_now:  # a future post waits where the platform cannot schedule it
        from datetime import UTC, datetime

        from xpost.future import mark_scheduled, refuse_early

        hold = mark_scheduled if dry_run else refuse_early
        hold(prepared, engine.renderer, datetime.now(UTC))
    if dry_run:
        from xpost.cli.output import previews_json, print_previews

        engine.preview(prepared, force=force, repost=repost)
        click.echo(previews_json(prepared)) if as_json else print_previews(prepared)
        return ExitCode.OK

    from xpost.cli import verbosity
    from xpost.cli.progress import status_line
    from xpost.cli.prompts import confirm_or_refuse, interactive
    from xpost.cli.results import LiveResults, results_json
    from xpost.errors import Interrupted, UsageError
    from xpost.progress import silent
    from xpost.publishing import first_publish_refusal

    quiet = verbosity.level() <= verbosity.QUIET

    with engine.open_ledger() as ledger, ledger.lock():
        plans = engine.plan(prepared, ledger, force=force, repost=repost)
        limit = engine.config.schedule.first_run_limit
        refusal = first_publish_refusal(plans, ledger.is_empty(), limit)
        if refusal is not None:
            raise UsageError(refusal)
        sending = [step for plan in plans for step in plan.steps if step.sends]
        if force and sending:
            names = ", ".join(dict.fromkeys(step.target.label for step in sending))
            confirm_or_refuse(
                f"--force sends to {names} even if unchanged, overwriting edits made there. Go on?",
                yes=yes,
                flag="--force",
            )
        reposts = [step for step in sending if step.kind == "repost"]
        if reposts:
            urls = ", ".join(step.record.url or "?" for step in reposts if step.record)
            confirm_or_refuse(
                f"--repost deletes {urls} and posts it again. Go on?", yes=yes, flag="--repost"
            )
        status = status_line()
        # Each platform's line the moment it finishes (on a terminal; else in order).
        live = None
        if not as_json:
            live = LiveResults(
                plans,
                interactive=interactive(),
                echo=status.echo if status else click.echo,
                in_completion_order=status is not None and len(plans) == 1 and sys.stdout.isatty(),
            )
        try:
            # Missing credentials stop before anything is sent, both fixes named; what a
            # dry-run would have warned about is said for what is really sent now.
            results = engine.send(
                plans,
                ledger,
                force=force,
                warn=None if quiet else lambda line: click.echo(f"xpost: {line}", err=True),
                on_interrupt=_tell_interrupted,
                progress=status.report if status else silent,
                on_outcome=live.outcome if live else None,
            )
        except Interrupted as stopped:
            # Not "bad input, nothing published" (2): some targets may have been sent;
            # what is known of them is shown (streamed lines are not repeated).
            if live:
                live.finish()
            else:
                click.echo(results_json(stopped.results))
            return ExitCode.INTERRUPTED
        finally:
            if status:
                status.close()

    for note in engine.write_back(results, write_back):
        if not quiet:
            click.echo(f"xpost: {note}", err=True)
    if as_json:
        click.echo(results_json(results))
    elif live:
        live.finish()
    failed = any(o.failed for result in results for o in result.outcomes)
    return ExitCode.TARGET_FAILED if failed else ExitCode.OK


def _tell_interrupted() -> None:
    click.echo(
        "xpost: interrupted: letting the platforms already started finish and be "
        "recorded; nothing else is started (run again to finish)",
        err=True,
    )
