"""``xpost publish``: publish posts to their platforms (or preview with ``--dry-run``)."""

from __future__ import annotations

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
    from xpost.adapters import registry
    from xpost.config import find_config, load_config
    from xpost.errors import ExitCode
    from xpost.ledger_store import open_existing_ledger, open_ledger, outbox_dir
    from xpost.prepare import Renderer, parse_platform_list, prepare
    from xpost.publishing import plan_posts

    requested = parse_platform_list(platforms)
    config = load_config(find_config(config_path), registry.installed())
    renderer = Renderer(config)
    prepared = prepare(posts, config, requested, renderer)
    if dry_run:
        from xpost.cli.output import previews_json, print_previews

        # Read what was sent before, if anything was; a preview never creates the ledger.
        ledger = open_existing_ledger(config)
        try:
            plans = plan_posts(prepared, ledger, renderer, force=force, repost=repost)
        finally:
            if ledger:
                ledger.close()
        for plan in plans:
            for step in plan.steps:
                step.target.action = step.action
        click.echo(previews_json(prepared)) if as_json else print_previews(prepared)
        return ExitCode.OK

    from xpost.cli.prompts import confirm_or_refuse, interactive
    from xpost.cli.results import print_results, results_json
    from xpost.credentials import CredentialStore
    from xpost.errors import UsageError
    from xpost.publishing import RunOptions, execute, first_publish_refusal, preflight
    from xpost.publishing import write_back as write_urls_back

    store = CredentialStore()
    with open_ledger(config) as ledger, ledger.lock():
        plans = plan_posts(prepared, ledger, renderer, force=force, repost=repost)
        sending = [step for plan in plans for step in plan.steps if step.sends]
        refusal = first_publish_refusal(plans, ledger.is_empty(), config.schedule.first_run_limit)
        if refusal is not None:
            raise UsageError(refusal)
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
        # Missing credentials stop here with both fixes named; a keyring that is absent
        # while the environment has everything needs no word (cron's normal case).
        credentials = preflight(plans, renderer, store)
        # What a dry-run would have warned about, for what is really sent now.
        for step in sending:
            label = step.target.label
            for warning in step.draft.warnings if step.draft else ():
                said = warning if warning.startswith(label) else f"{label}: {warning}"
                click.echo(f"xpost: {said}", err=True)
        options = RunOptions(force=force, outbox=outbox_dir(config), on_interrupt=_tell_interrupted)
        try:
            results = execute(plans, ledger, renderer, credentials, store, options)
        except KeyboardInterrupt:
            # Not "bad input, nothing published" (2): some targets may have been sent.
            return INTERRUPTED

    if config.site.write_back if write_back is None else write_back:
        for note in write_urls_back(results):
            click.echo(f"xpost: {note}", err=True)
    if as_json:
        click.echo(results_json(results))
    else:
        print_results(results, interactive=interactive())
    failed = any(o.failed for result in results for o in result.outcomes)
    return ExitCode.TARGET_FAILED if failed else ExitCode.OK


#: The exit code of a run stopped with Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def _tell_interrupted() -> None:
    click.echo(
        "xpost: interrupted: letting the platforms already started finish and be "
        "recorded; nothing else is started (run again to finish)",
        err=True,
    )
