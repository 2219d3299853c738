"""The syndication engine: one owner for load → plan → check → send → record → write back.

``xpost publish`` and ``xpost run`` are two ways of choosing what to send; both hand
their choice to a ``Syndicator`` built once per command (as hatch builds its
``Application``), and so do Python callers (``xpost.publish``/``xpost.preview``). It
holds the config, the adapters instantiated for it and the credential store; the
ledger is opened by the caller, which decides how long the run lock is held.

    engine = Syndicator.load(config_path)
    prepared = engine.prepare(paths, ["qiita"])
    with engine.open_ledger() as ledger, ledger.lock():
        plans = engine.plan(prepared, ledger)
        results = engine.send(plans, ledger)
    engine.write_back(results)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from xpost.config import Config
from xpost.progress import Reporter, silent

if TYPE_CHECKING:
    from xpost.credentials import CredentialStore
    from xpost.ledger.store import LedgerStore
    from xpost.prepare import PreparedPost, Renderer
    from xpost.publishing import Outcome, PostPlan, PostResult


@dataclass
class Syndicator:
    """One command's engine: its config, its adapters and its credentials."""

    config: Config
    renderer: Renderer
    _store: CredentialStore | None = field(default=None, repr=False)
    #: ``time.monotonic()`` when the command started: ``[publish] deadline`` counts from it.
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def load(cls, config_path: Path | None = None) -> Syndicator:
        """The config found as the CLI finds it (``--config``, ``XPOST_CONFIG``,
        ``./xpost.toml``, the user config dir), checked against the installed adapters."""
        from xpost.adapters import registry
        from xpost.config import find_config, load_config

        return cls.from_config(load_config(find_config(config_path), registry.installed()))

    @classmethod
    def from_config(cls, config: Config) -> Syndicator:
        from xpost.prepare import Renderer

        return cls(config, Renderer(config))

    @property
    def store(self) -> CredentialStore:
        """The keyring and ``XPOST_*`` credentials, opened on first use (a dry-run never)."""
        if self._store is None:
            from xpost.credentials import CredentialStore

            self._store = CredentialStore()
        return self._store

    # ── choosing and planning ────────────────────────────────────────────────

    def prepare(self, paths: Sequence[Path], platforms: Sequence[str] = ()) -> list[PreparedPost]:
        """Load each post once and render it for each platform (default: the config's)."""
        from xpost.prepare import prepare

        return prepare(paths, self.config, list(platforms), self.renderer)

    def open_ledger(self, *, now: Callable[[], datetime] | None = None) -> LedgerStore:
        from xpost.ledger.opening import open_ledger

        return open_ledger(self.config, clock=now)

    def plan(
        self,
        prepared: Sequence[PreparedPost],
        ledger: LedgerStore | None,
        *,
        force: bool = False,
        repost: bool = False,
    ) -> list[PostPlan]:
        """Each target's step from what the ledger says was sent before."""
        from xpost.publishing import plan_posts

        return plan_posts(prepared, ledger, self.renderer, force=force, repost=repost)

    def preview(
        self, prepared: Sequence[PreparedPost], *, force: bool = False, repost: bool = False
    ) -> list[PreparedPost]:
        """What a dry-run shows: each target with the action it would take. Reads the
        ledger if there is one; never creates it, never sends, never asks for a secret."""
        from xpost.ledger.opening import open_existing_ledger

        ledger = open_existing_ledger(self.config)
        try:
            plans = self.plan(prepared, ledger, force=force, repost=repost)
        finally:
            if ledger is not None:
                ledger.close()
        for plan in plans:
            for step in plan.steps:
                step.target.action = step.action
                if step.kind == "skip" and step.note and not step.target.reason:
                    step.target.reason = step.note  # the ledger's reason, not the draft's
        return list(prepared)

    # ── sending ──────────────────────────────────────────────────────────────

    def send(
        self,
        plans: Sequence[PostPlan],
        ledger: LedgerStore,
        *,
        force: bool = False,
        now: Callable[[], datetime] | None = None,
        warn: Callable[[str], None] | None = None,
        on_interrupt: Callable[[], None] | None = None,
        progress: Reporter = silent,
        on_outcome: Callable[[int, int, Outcome], None] | None = None,
    ) -> list[PostResult]:
        """Check every sending platform's setup and credentials (a half-configured run
        sends nothing), say what each degraded, then send: platforms concurrently, each
        outcome recorded the moment it is known. The caller holds the run lock."""
        from xpost.ledger.opening import outbox_dir
        from xpost.publishing import RunOptions, execute, preflight

        credentials = preflight(plans, self.renderer, self.store)
        if warn is not None:
            for plan in plans:
                for step in plan.steps:
                    if step.sends and step.draft is not None:
                        label = step.target.label
                        for warning in step.draft.warnings:
                            warn(warning if warning.startswith(label) else f"{label}: {warning}")
        from xpost.config import parse_duration

        publish = self.config.publish
        options = RunOptions(
            force=force,
            outbox=outbox_dir(self.config),
            now=now,
            on_interrupt=on_interrupt,
            timeout=parse_duration(publish.timeout),
            deadline=self.started + parse_duration(publish.deadline),
            progress=progress,
            on_outcome=on_outcome,
        )
        return execute(plans, ledger, self.renderer, credentials, self.store, options)

    def write_back(self, results: Sequence[PostResult], wanted: bool | None = None) -> list[str]:
        """Add the copies' URLs to each post's front matter when ``wanted`` (default:
        ``[site] write_back``); returns what to tell the user."""
        if not (self.config.site.write_back if wanted is None else wanted):
            return []
        from xpost.publishing import write_back

        return write_back(results)
