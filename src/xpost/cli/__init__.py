"""The ``xpost`` command line: click commands that parse, call, and print.

Each command lives in its own module and is imported only when it runs (or when
``--help`` lists it), so start-up stays within a few tens of milliseconds. Errors
are turned into one line and an exit code here, and only here.
"""

# ruff: noqa: E402  (the collector is tuned before anything else is loaded)
from __future__ import annotations

import gc
import importlib
import os
import sys

# A command starts by loading ~100,000 objects that live as long as the process
# (modules, classes, compiled patterns); at the default threshold the collector scans
# them again every 700 allocations, ~8 ms of a ~60 ms start. Collections still happen,
# only less often.
gc.set_threshold(100_000, 10, 10)

import click

from xpost import __version__, environment
from xpost.cli import verbosity
from xpost.cli.groups import HelpfulGroup
from xpost.errors import ExitCode, XpostError

# name → ("module:attribute", one-line help). ``xpost --help`` lists these without
# importing a single command module; tests/test_docs.py keeps them true.
COMMANDS = {
    "init": ("xpost.cli.init:init", "Write xpost.toml for the site in this folder."),
    "publish": (
        "xpost.cli.publish:publish",
        "Publish posts to their platforms, or preview them with --dry-run.",
    ),
    "preview": (
        "xpost.cli.preview:preview",
        "Draw every platform's copy side by side in one HTML page.",
    ),
    "run": ("xpost.cli.run:run", "Publish every post that is due, exactly once (cron, CI)."),
    "status": ("xpost.cli.status:status", "Where a post has been syndicated."),
    "history": ("xpost.cli.status:history", "The most recent attempts to publish."),
    "unpublish": ("xpost.cli.unpublish:unpublish", "Remove a post's copy from one platform."),
    "confirm": ("xpost.cli.confirm:confirm", "Record a copy you put in place by hand."),
    "auth": ("xpost.cli.auth:auth", "Credentials: the OS keyring, or XPOST_* variables."),
    "doctor": ("xpost.cli.doctor:doctor", "Check config, ledger, credentials, reachability."),
    "adapters": ("xpost.cli.adapters:adapters", "List the installed platform adapters."),
    "ledger": ("xpost.cli.ledger:ledger", "Export or import the whole ledger (JSON Lines)."),
}


#: The variable click's shell completion answers to (README: "Shell completion").
COMPLETE_VAR = "_XPOST_COMPLETE"


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: ``$COLUMNS``, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


class _HelpFormatter(click.HelpFormatter):
    """click's, the width found as click finds it but without importing ``shutil``
    (and the compression modules it loads): ~2 ms of a ~45 ms ``xpost --help``."""

    def __init__(
        self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None
    ) -> None:
        if width is None and click.formatting.FORCED_WIDTH is None:
            width = max(min(_terminal_columns(), max_width or 80) - 2, 50)
        super().__init__(indent_increment, width, max_width)


class _Context(click.Context):
    formatter_class = _HelpFormatter


class LazyGroup(HelpfulGroup):
    context_class = _Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module, _, attr = COMMANDS[cmd_name][0].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return verbosity.add_to(command)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in COMMANDS]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="xpost")
def cli() -> None:
    """Publish a Markdown post on your own site, syndicate it everywhere else.

    \b
    Preview what every platform would get, offline and without an account:
      xpost publish content/post/hello/index.md --dry-run

    \b
    Environment:
      XPOST_CONFIG                the config file (else ./xpost.toml, then the
                                  user config dir)
      XPOST_DATA_DIR              where the ledger lives
      XPOST_<PLATFORM>_<FIELD>    credentials, e.g. XPOST_QIITA_TOKEN
                                  (see 'xpost auth --help')
      XPOST_DEBUG=1               a traceback when something goes wrong
    """


verbosity.add_to(cli)


def main() -> None:
    """Console-script entry point: run the CLI, map errors to exit codes.

    Everything printed goes through ``TerminalSafe``: titles, file names and server
    messages can hold terminal controls, which are shown escaped, never obeyed.
    """
    from xpost.printable import TerminalSafe

    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalSafe(sys.stdout), TerminalSafe(sys.stderr)
    try:
        _main()
    finally:
        sys.stdout, sys.stderr = streams


def _main() -> None:
    try:
        result = cli.main(prog_name="xpost", complete_var=COMPLETE_VAR, standalone_mode=False)
    except XpostError as exc:
        if os.environ.get(environment.DEBUG):
            import traceback

            traceback.print_exc()  # the traceback asked for, and still the right exit code
        # One line, always: cron mails and scripts read the first line only.
        click.echo("xpost: error: " + " ".join(str(exc).split()), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C inside a command into Abort; a declined prompt is one too.
        if isinstance(exc.__cause__, KeyboardInterrupt):
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except click.UsageError as exc:
        # One line like every other error, pointing at the command's help.
        command = exc.ctx.command_path if exc.ctx else "xpost"
        message = " ".join(exc.format_message().split()).rstrip(".")
        click.echo(f"xpost: error: {message} (see '{command} --help')", err=True)
        sys.exit(ExitCode.BAD_INPUT)
    except click.ClickException as exc:
        click.echo("xpost: error: " + " ".join(exc.format_message().split()), err=True)
        sys.exit(ExitCode.BAD_INPUT if exc.exit_code == 2 else exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        # ``xpost … | head``: the reader left; say nothing more.
        sys.stderr.close()
        sys.exit(ExitCode.OK)
    except Exception as exc:
        if os.environ.get(environment.DEBUG):
            raise
        # A bug, not the user's doing: one line all the same. (Secrets never reach here:
        # adapters' errors are redacted where they are caught, in xpost.publishing.)
        click.echo(
            f"xpost: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(a bug in xpost: rerun with XPOST_DEBUG=1 for the traceback, and report it)",
            err=True,
        )
        sys.exit(ExitCode.TARGET_FAILED)
    sys.exit(result if isinstance(result, int) else ExitCode.OK)
