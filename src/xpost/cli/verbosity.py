"""``-q``/``-v`` on every command: how much xpost says besides results and errors.

-q: no progress and no notes on stderr (results, warnings and errors still print).
-v: the details a command otherwise sums up (``run --mark-existing``'s every target).
The level lives on the invocation's root click context, so nothing leaks from one
invocation to the next.
"""

from __future__ import annotations

from typing import Any

import click

QUIET, NORMAL, VERBOSE = -1, 0, 1
_KEY = "xpost.verbosity"


def level() -> int:
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return NORMAL
    value: int = ctx.find_root().meta.get(_KEY, NORMAL)
    return value


def _set(value: int) -> Any:
    def callback(ctx: click.Context, param: click.Parameter, given: bool) -> None:
        if given:
            root = ctx.find_root().meta
            if root.get(_KEY, NORMAL) not in (NORMAL, value):
                raise click.UsageError("-q and -v cannot be used together", ctx)
            root[_KEY] = value

    return callback


def _options() -> list[click.Option]:
    return [
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set(QUIET),
            help="No progress or notes on stderr; results and errors only.",
        ),
        click.Option(
            ["-v", "--verbose"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_set(VERBOSE),
            help="Say more: list every target where a summary is shown.",
        ),
    ]


def add_to(command: click.Command) -> click.Command:
    """Give ``command`` -q and -v unless it has them (idempotent)."""
    names = {name for param in command.params for name in getattr(param, "opts", ())}
    if not names & {"-q", "-v", "--quiet", "--verbose"}:
        command.params.extend(_options())
    return command
