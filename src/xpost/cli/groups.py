"""The click group every ``xpost`` command group is made of.

Called bare it prints its help on stdout and exits 0 (click ≥ 8.2 would raise a usage
error, which ``xpost.cli.main`` prints as one error line with exit code 2), a mistyped
command name gets a "did you mean", and every command it hands out takes -q and -v.
"""

from __future__ import annotations

import click

from xpost.cli import verbosity
from xpost.suggest import did_you_mean


class HelpfulGroup(click.Group):
    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        return verbosity.add_to(command) if command is not None else None

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help(), color=ctx.color)
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if (
            name
            and not name.startswith("-")
            and self.get_command(ctx, name) is None
            and not ctx.resilient_parsing
        ):
            hint = did_you_mean(name, self.list_commands(ctx))
            raise click.UsageError(f"No such command '{name}'{hint}", ctx)
        return super().resolve_command(ctx, args)
