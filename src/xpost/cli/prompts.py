"""Asking before something hard to undo, and refusing to guess when nobody can answer."""

from __future__ import annotations

import sys

import click

from xpost.errors import UsageError


def interactive() -> bool:
    """A person at a terminal can answer a question."""
    return sys.stdin.isatty()


def confirm_or_refuse(question: str, *, yes: bool, flag: str) -> None:
    """Go on if ``--yes`` was given or the user says yes; abort (exit 2) otherwise.

    Without a terminal (cron, CI, a pipe) nobody can answer: a usage error that names
    ``--yes``, rather than a silent default either way.
    """
    if yes:
        return
    if not interactive():
        raise UsageError(f"{flag} asks for confirmation first: run it in a terminal or add --yes")
    if not click.confirm(question, default=False, err=True):
        raise click.Abort()
