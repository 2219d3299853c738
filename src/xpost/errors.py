"""The one error hierarchy of xpost, and the exit codes scripts can branch on.

Every user-facing failure is an ``XpostError``; the CLI turns it into one line on
stderr and its ``exit_code`` at a single boundary (``xpost.cli.main``).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xpost.publishing import PostResult


class ExitCode(IntEnum):
    """Process exit codes (DESIGN.md: Interfaces)."""

    OK = 0
    """Everything succeeded or was already done."""
    TARGET_FAILED = 1
    """At least one target failed; the others still ran and were recorded."""
    BAD_INPUT = 2
    """Bad input, bad usage or bad config: nothing was published."""
    INTERRUPTED = 130
    """Stopped with Ctrl-C (128 + SIGINT, as shells report it): what had started finished
    and was recorded; run again to finish the rest."""


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


class PublishError(XpostError):
    """A platform refused or failed a request; this target failed, the others go on.

    ``retry_after`` (seconds), when known, says when trying again makes sense.
    """

    exit_code = ExitCode.TARGET_FAILED

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(PublishError):
    """The platform rejected the credentials (401/403): wrong, expired or revoked."""


class RateLimited(PublishError):
    """The platform's rate limit is spent until ``retry_after`` seconds from now."""


class RemoteConflict(PublishError):
    """The copy was edited on the platform after xpost last wrote it; ``--force`` overwrites."""


class OutcomeUnknown(PublishError):
    """The request may have been applied but no answer came (a timeout after sending).

    The ledger records the target as ``unknown``; the next run looks the copy up on
    the platform before it creates anything again.
    """


class NotExactCopy(OutcomeUnknown):
    """A lookup found a copy that looks like this post's but is not exactly what xpost
    sends (the author's own share of the link, an item with the same title): it is never
    adopted. The outcome stays unknown until ``xpost confirm POST PLATFORM URL`` (it is
    the copy) or ``--force`` (it is not: send)."""


class CredentialsMissing(InputError):
    """No credentials for a platform: neither in the keyring nor in the environment."""


class LedgerError(InputError):
    """The ledger file cannot be opened or is not an xpost ledger; it is left untouched."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while ``xpost.publishing.execute`` sends: ``results`` holds the outcomes
    known by then (the targets already started finished and were recorded), for the
    caller to print. Here, not in ``publishing``: ``xpost run`` catches it without
    importing the publishing machinery for a run that sends nothing."""

    def __init__(self, results: list[PostResult]) -> None:
        super().__init__()
        self.results = results
