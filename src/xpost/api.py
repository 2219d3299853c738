"""xpost from Python, without click: what ``xpost publish`` does, as two functions.

    import xpost

    for post in xpost.dry_run(["content/post/hello/index.md"], to=["qiita", "zenn"]):
        for target in post.targets:
            print(target.platform, target.action, target.draft.headline if target.draft else "")

    results = xpost.publish(["content/post/hello/index.md"], config="xpost.toml")
    failed = [o for r in results for o in r.outcomes if o.failed]

Errors are ``xpost.errors.XpostError`` subclasses with the CLI's one-line messages;
``exit_code`` says which kind (2: bad input or config, nothing sent). Credentials come
from the keyring or ``XPOST_<PLATFORM>_<FIELD>``, as for the command.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from xpost.config import Config

if TYPE_CHECKING:
    from xpost.engine import Syndicator
    from xpost.prepare import PreparedPost
    from xpost.publishing import PostResult

ConfigLike = Config | str | PathLike[str] | None


def dry_run(
    posts: Sequence[str | PathLike[str]], *, to: Sequence[str] = (), config: ConfigLike = None
) -> list[PreparedPost]:
    """Each post rendered for each platform (``to``, else the config's targets), with the
    action a publish would take; sends nothing, needs no account. A dry-run."""
    engine = _engine(config)
    prepared = engine.prepare([Path(p) for p in posts], _platforms(to))
    return engine.preview(prepared)


def publish(
    posts: Sequence[str | PathLike[str]],
    *,
    to: Sequence[str] = (),
    config: ConfigLike = None,
    force: bool = False,
    write_back: bool | None = None,
) -> list[PostResult]:
    """Publish the posts as ``xpost publish`` does: what changed since the ledger's
    record is sent, each outcome recorded; a second process at work raises
    ``LedgerBusy``. ``force`` sends unchanged copies too (there is no prompt here)."""
    from xpost.errors import UsageError
    from xpost.publishing import first_publish_refusal

    engine = _engine(config)
    prepared = engine.prepare([Path(p) for p in posts], _platforms(to))
    with engine.open_ledger() as ledger, ledger.lock():
        plans = engine.plan(prepared, ledger, force=force)
        limit = engine.config.schedule.first_run_limit
        refusal = first_publish_refusal(plans, ledger.is_empty(), limit)
        if refusal is not None:
            raise UsageError(refusal)
        results = engine.send(plans, ledger, force=force)
    engine.write_back(results, write_back)
    return results


def _engine(config: ConfigLike) -> Syndicator:
    from xpost.engine import Syndicator

    if isinstance(config, Config):
        return Syndicator.from_config(config)
    return Syndicator.load(Path(config) if config is not None else None)


def _platforms(to: Sequence[str]) -> list[str]:
    from xpost.adapters.registry import parse_platform_list

    return parse_platform_list(to) if to else []
