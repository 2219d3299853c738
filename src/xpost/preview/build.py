"""From a post file to its preview page: exactly a dry-run's work, then the HTML."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xpost.config import Config
from xpost.prepare import PreparedPost, Renderer, prepare


@dataclass
class Preview:
    prepared: PreparedPost
    html: str


def build_preview(
    path: Path,
    config: Config,
    platforms: Sequence[str],
    *,
    live: bool = False,
    version: int = 0,
    now: datetime | None = None,
) -> Preview:
    """Load and render ``path`` for ``platforms`` (else the configured targets), read
    what the ledger already holds (read-only; never created), and draw the page.

    Raises the same errors as ``xpost publish --dry-run`` for bad input or config.
    """
    from xpost.ledger.opening import open_existing_ledger
    from xpost.preview.page import render_page
    from xpost.publishing import plan_posts

    renderer = Renderer(config)
    (prepared,) = prepare([path], config, platforms, renderer)
    ledger = open_existing_ledger(config)  # the SQLite file or the PostgreSQL database
    try:
        plans = plan_posts([prepared], ledger, renderer)
    finally:
        if ledger is not None:
            ledger.close()
    for plan in plans:
        for step in plan.steps:
            step.target.action = step.action
    return Preview(prepared, render_page(prepared, renderer, live=live, version=version, now=now))
