"""Option decorators shared by several commands, spelled the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:
    from xpost.post import Post

F = TypeVar("F", bound=Callable[..., object])


def json_option(func: F) -> F:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print one JSON document for scripts."
    )(func)


def config_option(func: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path, dir_okay=False),
        help="Config file (env: XPOST_CONFIG; default: ./xpost.toml, then the user config dir).",
    )(func)


def complete_platforms(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of installed platform names; after a comma, of the next one."""
    from xpost.adapters import registry

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    named = {name.strip().lower() for name in done.split(",")}
    return [
        CompletionItem(prefix + name)
        for name in registry.installed()
        if name.startswith(last.lower()) and name not in named
    ]


def platforms_option(func: F) -> F:
    return click.option(
        "--to",
        "platforms",
        multiple=True,
        metavar="PLATFORM[,PLATFORM…]",
        shell_complete=complete_platforms,
        help="Only these platforms (default: [publish] targets in the config).",
    )(func)


def post_json(post: Post) -> dict[str, Any]:
    """The fields that open each post's entry in every ``--json`` document."""
    return {
        "source": str(post.source),
        "id": post.id,
        "title": post.title,
        "canonical_url": post.canonical_url,
    }
