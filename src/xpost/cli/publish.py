"""``xpost publish``: preview (``--dry-run``) or publish posts to their platforms."""

from __future__ import annotations

from pathlib import Path

import click

from xpost.cli.options import config_option, json_option


@click.command()
@click.argument("posts", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--to",
    "platforms",
    multiple=True,
    metavar="PLATFORM[,PLATFORM…]",
    help="Only these platforms (default: [publish] targets in the config).",
)
@click.option("--dry-run", is_flag=True, help="Show exactly what would be sent; send nothing.")
@json_option
@config_option
def publish(
    posts: tuple[Path, ...],
    platforms: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    config_path: Path | None,
) -> int:
    """Convert POSTS for each platform and publish them (or preview with --dry-run).

    \b
    Examples:
      xpost publish content/post/hello/index.md --dry-run
      xpost publish _posts/2024-05-01-hello.md --to qiita,zenn --dry-run --json
    """
    from xpost.adapters import registry
    from xpost.cli.output import previews_json, print_previews
    from xpost.config import find_config, load_config
    from xpost.errors import UsageError
    from xpost.prepare import parse_platform_list, prepare

    requested = parse_platform_list(platforms)
    config = load_config(find_config(config_path), registry.installed())
    prepared = prepare(posts, config, requested)
    if not dry_run:
        raise UsageError(
            "publishing is not available in this version yet; "
            "preview with 'xpost publish POST --dry-run'"
        )
    if as_json:
        click.echo(previews_json(prepared))
    else:
        print_previews(prepared)
    return 0
