"""The one error hierarchy of xpost, and the exit codes scripts can branch on.

Every user-facing failure is an ``XpostError``; the CLI turns it into one line on
stderr and its ``exit_code`` at a single boundary (``xpost.cli.main``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (DESIGN.md: Interfaces)."""

    OK = 0
    """Everything succeeded or was already done."""
    TARGET_FAILED = 1
    """At least one target failed; the others still ran and were recorded."""
    BAD_INPUT = 2
    """Bad input, bad usage or bad config: nothing was published."""


class XpostError(Exception):
    """Base of every error xpost reports to the user as one line."""

    exit_code: ExitCode = ExitCode.TARGET_FAILED


class InputError(XpostError):
    """A post, option or argument the user gave is unusable; nothing is published."""

    exit_code = ExitCode.BAD_INPUT


class PostError(InputError):
    """A post file cannot be read or understood. The message names the file and line."""


class ConfigError(InputError):
    """The configuration file is missing, malformed or holds a wrong key."""


class UsageError(InputError):
    """A command-line option or argument is wrong (an unknown platform, say)."""


class AdapterError(XpostError):
    """An adapter could not be loaded or failed while rendering."""

    exit_code = ExitCode.BAD_INPUT
