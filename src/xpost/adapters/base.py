"""The interface every platform adapter implements, built-in or third-party.

An adapter is registered under the entry-point group ``xpost.adapters``::

    [project.entry-points."xpost.adapters"]
    mastodon = "xpost_mastodon:MastodonAdapter"

It declares two msgspec types: ``Settings`` (its ``[name]`` table in the config
file) and ``Options`` (its ``xpost: {name: {...}}`` table in a post's front
matter). ``render`` is pure and offline. ``publish`` sends a draft (creating, or
updating the copy the previous ``Receipt`` names), ``lookup`` finds a copy whose
creation outcome was never learned, ``unpublish`` removes one, ``whoami`` checks the
credentials. Network code is imported inside those methods, never at module level,
so that a dry-run stays offline and fast. Adapters never touch the ledger, the
config file, the keyring or the terminal: the caller hands them what they need.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

import msgspec

from xpost.config import SiteConfig
from xpost.errors import PublishError

if TYPE_CHECKING:  # the ledger needs ``Receipt`` without the whole post machinery
    from xpost.post import Post
    from xpost.sitefiles import SiteFiles

Action = Literal["create", "update", "unchanged", "skip"]

#: Why a draft is never sent anywhere (shown by every adapter and by ``prepare``).
DRAFT_REASON = "the post is a draft (draft: true)"


class NoSettings(msgspec.Struct, forbid_unknown_fields=True):
    """For adapters with nothing to configure."""


SettingsT = TypeVar("SettingsT", bound=msgspec.Struct)
OptionsT = TypeVar("OptionsT", bound=msgspec.Struct)


@dataclass
class Draft:
    """Exactly what would be sent to one platform, and what got lost on the way.

    ``payload`` is the JSON-able body of DESIGN.md's ``--json`` format; ``preview``
    is the same for a person to read; ``headline`` a short summary for the panel
    title (``91/280``, ``articles/slug.md``). A draft with ``skip_reason`` is not
    sent at all.
    """

    platform: str
    payload: dict[str, Any]
    preview: str = ""
    headline: str = ""
    warnings: list[str] = field(default_factory=list)
    skip_reason: str | None = None
    #: Why this draft must not be sent although it renders (a thread over the cap):
    #: publishing refuses it as bad input (exit 2, nothing sent); a dry-run warns.
    refusal: str | None = None
    #: Facts the adapter's own ``publish`` needs beyond the payload (neither sent nor
    #: part of the content hash), e.g. connpass's mode and the post's canonical URL.
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HandOff:
    """Text an assisted adapter (connpass) handed to the user to put in place by hand.

    ``file`` is the private file holding it (the part between ``xpost.handoff``'s
    ``PASTE_BEGIN``/``PASTE_END`` markers goes into the platform's form); ``page`` is
    where to paste it. The command line offers the text on the clipboard and opens the
    page; a script reads both from ``--json``.
    """

    file: Path
    page: str | None = None


@dataclass
class Receipt:
    """Where one copy of a post lives on a platform: what the ledger keeps per target.

    ``status`` is "awaiting" for assisted targets (connpass) whose copy the user
    still has to put in place. ``remote_updated_at`` is the platform's own
    last-modified time, to notice edits made there. ``state`` is the adapter's own
    JSON-able memory (a thread's part ids, a Zenn commit), handed back next time.
    """

    remote_id: str
    url: str | None = None
    status: Literal["published", "awaiting"] = "published"
    remote_updated_at: datetime | None = None
    state: dict[str, Any] = field(default_factory=dict)
    #: Set by assisted adapters when the user has something to put in place now; not
    #: recorded in the ledger (it is about this run).
    handoff: HandOff | None = field(default=None, compare=False)


@dataclass
class PublishContext:
    """What the caller hands an adapter for one publish, lookup or unpublish.

    ``credentials`` holds the fields the adapter declared (from the keyring or
    ``XPOST_<PLATFORM>_<FIELD>``). ``checkpoint`` records partial progress at once
    (each posted part of a thread), so a crash halfway resumes instead of repeating.
    ``force`` is the user's explicit ``--force``: overwrite edits made on the platform.
    """

    credentials: Mapping[str, str]
    checkpoint: Callable[[Receipt], None] = lambda receipt: None
    #: A folder only the user can read, for files handed to the user (connpass text).
    outbox: Path | None = None
    force: bool = False
    timeout: float = 30.0
    now: Callable[[], datetime] = field(default=lambda: datetime.now().astimezone())
    #: Say what is going on (``"part 3/8"``): shown on a terminal, never required.
    #: Adapters report through these and never write to the terminal themselves.
    progress: Callable[[str], None] = lambda message: None
    #: Say that a wait of this many seconds starts now (a rate limit): a countdown.
    waiting: Callable[[float], None] = lambda seconds: None


class Adapter(ABC, Generic[SettingsT, OptionsT]):
    """One platform. Subclasses set the class variables and implement ``render``;
    adapters that publish implement ``publish`` (and ``lookup``, ``unpublish``,
    ``whoami`` where the platform allows)."""

    name: ClassVar[str]  # the platform key: ``--to NAME``, ``[NAME]``, ``xpost: {NAME: …}``
    label: ClassVar[str]  # the human name: "X", "Qiita"
    summary: ClassVar[str] = ""  # one line for ``xpost adapters``
    Settings: ClassVar[type[msgspec.Struct]]
    Options: ClassVar[type[msgspec.Struct]]
    #: Secret fields: ``xpost auth set NAME`` asks for them; env ``XPOST_<NAME>_<FIELD>``.
    credential_fields: ClassVar[tuple[str, ...]] = ()
    #: How ``xpost auth --help`` describes them where the names alone do not say it
    #: (alternatives, optional fields, none at all); "" lists ``credential_fields``.
    credential_help: ClassVar[str] = ""
    #: False where a published copy cannot be edited (X): a changed post is left alone.
    can_update: ClassVar[bool] = True
    #: Settings that name a local path: relative ones are taken from the config file's
    #: folder (like ``[site] content``), never from wherever xpost happens to run.
    path_settings: ClassVar[tuple[str, ...]] = ()
    #: True when ``lookup`` really asks the platform. Without it, an attempt whose outcome
    #: is unknown is never taken as "not there": it stays unknown until ``xpost confirm``.
    can_lookup: ClassVar[bool] = False
    #: True where the platform publishes a copy at the post's own future date (Zenn's
    #: ``published_at``); elsewhere ``xpost publish`` does not send a future post early.
    can_schedule: ClassVar[bool] = False
    #: Where the adapter stands among the default targets, where a post goes when the
    #: config names no ``[publish] targets``: xpost's own give 1-4 (announcement first,
    #: then the copies, then the hand-off). None, the rule for an adapter distribution:
    #: a target only where the config or ``--to`` names it, since installing one must
    #: not start sending every post to an account nobody configured.
    default_rank: ClassVar[int | None] = None

    def __init__(self, settings: SettingsT, site: SiteConfig) -> None:
        self.settings = settings
        self.site = site

    @abstractmethod
    def render(self, post: Post, options: OptionsT) -> Draft:
        """Turn a post into this platform's payload. Pure: no I/O beyond reading files."""

    def check_setup(self) -> None:
        """Raise ``ConfigError`` if this adapter's settings cannot work (a Zenn repo that
        is not a git repository): called before anything is sent, so a broken setup is
        bad config (exit 2), not a failed target. Local checks only: no network."""

    def check_files(self, draft: Draft, files: SiteFiles) -> None:
        """Check every local file publishing ``draft`` would send (an image to upload or
        copy), before anything is sent anywhere: ``files.image(path, …)`` refuses a file
        outside the site, one that is not an image by its bytes, or one over the
        platform's size limit (``PostError``: exit 2). The default: no local files."""

    def unfinished(self, receipt: Receipt) -> bool:
        """True when a published copy still lacks a step the settings now ask for (a Zenn
        commit made with ``push = false``, to push now): the post is sent again although
        it did not change, and ``publish`` gets ``receipt`` as ``previous``."""
        return False

    def missing_credentials(self, credentials: Mapping[str, str]) -> list[str]:
        """The credential fields still needed (adapters with alternatives override)."""
        return [name for name in self.credential_fields if not credentials.get(name)]

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        """Create the copy (``previous`` is None) or update the one ``previous`` names.

        For adapters that cannot edit (``can_update = False``), ``previous`` is progress
        to resume (the parts of a thread already posted): send only what is missing, and
        return ``previous`` itself when nothing is. Raises ``PublishError`` (or a
        subclass) on failure; ``OutcomeUnknown`` when the request may have been applied
        but no answer came (a timeout after sending).
        """
        raise PublishError(f"{self.label}: publishing is not supported by this adapter")

    def lookup(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt | None:
        """Find the copy a create whose outcome is unknown may have made; None if none.

        Adopt only a copy that is exactly what ``draft`` sends; raise ``NotExactCopy`` for
        one that only looks like it. Called only when ``can_lookup`` is True."""
        return None

    def receipt_for_url(self, url: str) -> Receipt | None:
        """The receipt for a copy the user names by its URL (``xpost confirm``), or None
        when ``url`` is not one of this platform's copies. The default takes any URL."""
        return Receipt(remote_id=url, url=url)

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        """Remove (or withdraw) the copy ``receipt`` names."""
        raise PublishError(f"{self.label}: unpublishing is not supported by this adapter")

    def whoami(self, ctx: PublishContext) -> str:
        """Check the credentials against the platform; return the account's name."""
        raise PublishError(f"{self.label}: checking credentials is not supported")

    def preview_html(self, draft: Draft) -> str | None:
        """An HTML fragment drawing ``draft`` as the platform shows it, for ``xpost preview``.

        Optional: None (the default) shows the payload formatted. The fragment is
        filtered like a post's raw HTML (no scripts, styles, frames or event
        attributes; links keep ``http``/``https``/``mailto`` only; ``class`` is kept),
        so escape the draft's text in it all the same. Pure and offline, like ``render``.
        """
        return None

    def login(
        self,
        credentials: Mapping[str, str],
        ask: Callable[[str], str],
        tell: Callable[[str], None],
    ) -> dict[str, str]:
        """An interactive sign-in (``xpost auth login NAME``), e.g. X's OAuth 1.0a PIN flow.

        ``ask`` prompts the user, ``tell`` shows them a line (a URL to open); returns
        the credential fields to store. Adapters without one keep this default.
        """
        raise PublishError(
            f"{self.label} has no interactive login; use 'xpost auth set {self.name}'"
        )
