"""``xpost confirm``: record a copy the user put in place by hand (connpass)."""

from __future__ import annotations

from pathlib import Path

import click

from xpost.cli.options import complete_platforms, config_option, json_option


@click.command()
@click.argument("post", type=click.Path(path_type=Path))
@click.argument("platform", shell_complete=complete_platforms)
@click.argument("url", required=False)
@json_option
@config_option
def confirm(
    post: Path, platform: str, url: str | None, as_json: bool, config_path: Path | None
) -> int:
    """Record POST as published on PLATFORM at URL, done by hand.

    For assisted platforms (connpass), after you pasted the text xpost handed you.
    URL defaults to the one recorded when the text was handed over. Also settles a
    copy whose outcome xpost could not learn (it says so): name the copy's URL.

    \b
    Example:
      xpost confirm content/post/hello/index.md connpass
    """
    from xpost.adapters import registry
    from xpost.cli.results import outcome_line, results_json
    from xpost.config import find_config, load_config
    from xpost.errors import UsageError
    from xpost.ledger.opening import open_ledger
    from xpost.ledger.records import TargetKey
    from xpost.plan import plan_target
    from xpost.prepare import Renderer, prepare
    from xpost.publishing import PostResult, confirm_by_hand

    names = registry.parse_platform_list([platform], where="PLATFORM")
    if len(names) != 1:
        raise UsageError(f"expected one platform, got {platform!r}")
    name = names[0]
    config = load_config(find_config(config_path), registry.installed())
    renderer = Renderer(config)
    (prepared,) = prepare([post], config, [name], renderer)
    (target,) = prepared.targets
    adapter = renderer.adapter(name)
    with open_ledger(config) as ledger, ledger.lock():
        record = ledger.get(TargetKey(prepared.post.id, name))
        step = plan_target(target, record, adapter)
        outcome = confirm_by_hand(ledger, prepared.post, step, url, adapter)
    if as_json:
        click.echo(results_json([PostResult(prepared.post, [outcome])]))
    else:
        click.echo(outcome_line(outcome))
    return 0
