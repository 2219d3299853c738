"""``xpost unpublish``: take a post's copy down from one platform."""

from __future__ import annotations

from pathlib import Path

import click

from xpost.cli.options import complete_platforms, config_option, json_option


@click.command()
@click.argument("post", type=click.Path(path_type=Path))
@click.option(
    "--from",
    "platform",
    required=True,
    metavar="PLATFORM",
    shell_complete=complete_platforms,
    help="The platform to remove it from.",
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask first.")
@json_option
@config_option
def unpublish(post: Path, platform: str, yes: bool, as_json: bool, config_path: Path | None) -> int:
    """Take POST's copy down from PLATFORM (asks first) and record it as removed.

    X and Qiita delete the copy; Zenn commits the article with 'published: false';
    connpass text is removed by hand. A later 'xpost publish' or 'xpost run' creates a
    new copy, unless the post's front matter excludes the platform
    (xpost: {exclude: [PLATFORM]}).

    \b
    Example:
      xpost unpublish content/post/hello/index.md --from qiita
    """
    from xpost.adapters import registry
    from xpost.adapters.base import PublishContext
    from xpost.cli.prompts import confirm_or_refuse
    from xpost.cli.results import outcome_line, results_json
    from xpost.config import find_config, load_config
    from xpost.credentials import CredentialStore
    from xpost.errors import CredentialsMissing, ExitCode, UsageError
    from xpost.ledger.opening import open_existing_ledger, open_ledger
    from xpost.ledger.records import TargetKey
    from xpost.post import load_post
    from xpost.prepare import Renderer
    from xpost.publishing import PostResult
    from xpost.publishing import unpublish as take_down

    names = registry.parse_platform_list([platform], where="--from")
    if len(names) != 1:
        raise UsageError(f"expected one platform, got {platform!r}")
    name = names[0]
    config = load_config(find_config(config_path), registry.installed())
    loaded = load_post(post, config)
    adapter = Renderer(config).adapter(name)
    nothing = UsageError(f"{loaded.source}: not published to {adapter.label}; nothing to remove")
    existing = open_existing_ledger(config)  # never creates a ledger just to find nothing
    if existing is None:
        raise nothing
    existing.close()
    # The lock first: a run publishing this post right now may change the record.
    with open_ledger(config) as ledger, ledger.lock():
        record = ledger.get(TargetKey(loaded.id, name))
        if record is None or record.receipt() is None or record.status == "removed":
            raise nothing
        confirm_or_refuse(
            f"Delete {record.url or record.remote_id} from {adapter.label}?",
            yes=yes,
            flag="unpublish",
        )
        store = CredentialStore()
        fields = adapter.credential_fields
        credentials = store.get(name, fields) if fields else {}
        missing = adapter.missing_credentials(credentials)
        if missing:
            raise CredentialsMissing(store.missing_message(name, missing))
        outcome = take_down(ledger, adapter, record, PublishContext(credentials), store)
    if as_json:
        click.echo(results_json([PostResult(loaded, [outcome])]))
    else:
        click.echo(outcome_line(outcome))
    return ExitCode.TARGET_FAILED if outcome.failed else ExitCode.OK
