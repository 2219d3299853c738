"""How publishing results look: one aligned line per target, or one JSON document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click

from xpost.cli.options import post_json
from xpost.publishing import Outcome, PostResult

LABEL_WIDTH = 10
OUTCOME_WIDTH = 11


def outcome_line(outcome: Outcome) -> str:
    """``X         created    https://x.com/…`` — the label and the outcome aligned."""
    detail = outcome.error if outcome.failed else (outcome.url or "")
    note = outcome.note
    if not detail and note:  # a skipped target: the reason is all there is to say
        detail, note = note, None
    line = f"{outcome.label:<{LABEL_WIDTH - 1}} {outcome.outcome:<{OUTCOME_WIDTH - 1}} {detail}"
    if note:
        line = f"{line.rstrip()}  ({note})"
    return line.rstrip()


def print_results(results: Sequence[PostResult], *, interactive: bool) -> None:
    for result in results:
        if len(results) > 1:
            click.echo(f"{result.post.title}  ({result.post.source})")
        for outcome in result.outcomes:
            click.echo(outcome_line(outcome))
            handoff = outcome.handed_off.handoff if outcome.handed_off else None
            if handoff is not None:
                from xpost.cli.handoff import offer

                for line in offer(handoff, interactive=interactive):
                    click.echo(f"  {line}")


def results_json(results: Sequence[PostResult]) -> str:
    doc = {
        "posts": [
            {**post_json(result.post), "targets": [_outcome_json(o) for o in result.outcomes]}
            for result in results
        ]
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {
        "platform": outcome.platform,
        "action": outcome.action,
        "outcome": outcome.outcome,
        "url": outcome.url,
        "error": outcome.error,
        "note": outcome.note,
    }
    handoff = outcome.handed_off.handoff if outcome.handed_off else None
    if handoff is not None:  # what to paste where; building it touches nothing
        out["handoff"] = {"file": str(handoff.file), "page": handoff.page}
    return out
