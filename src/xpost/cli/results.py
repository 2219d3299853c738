"""How publishing results look: one aligned line per target, or one JSON document."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from xpost.cli.options import post_json
from xpost.publishing import Outcome, PostPlan, PostResult

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


class LiveResults:
    """Each target's line printed as soon as it can be, while the others still run.

    ``in_completion_order``: the moment it finishes (one post, on a terminal). Otherwise
    in the plan's order, each line as soon as it and every line before it are done: the
    same output, in the same order, as printing everything at the end.
    """

    def __init__(
        self,
        plans: Sequence[PostPlan],
        *,
        interactive: bool,
        echo: Callable[[str], None],
        in_completion_order: bool = False,
    ) -> None:
        self._plans = plans
        self._interactive = interactive
        self._echo = echo
        self._any_order = in_completion_order
        self._order = [(i, j) for i, plan in enumerate(plans) for j in range(len(plan.steps))]
        self._cursor = 0
        self._done: dict[tuple[int, int], Outcome] = {}
        self._headed: set[int] = set()
        self._lock = threading.Lock()

    def outcome(self, i: int, j: int, outcome: Outcome) -> None:
        """``RunOptions.on_outcome``: called from the worker threads."""
        with self._lock:
            if self._any_order:
                self._print(i, outcome)
                return
            self._done[(i, j)] = outcome
            while self._cursor < len(self._order) and self._order[self._cursor] in self._done:
                index = self._order[self._cursor]
                self._print(index[0], self._done.pop(index))
                self._cursor += 1

    def finish(self) -> None:
        """Print what is done but still held back (a run stopped with Ctrl-C)."""
        with self._lock:
            for index in self._order[self._cursor :]:
                if index in self._done:
                    self._print(index[0], self._done.pop(index))
            self._cursor = len(self._order)

    def _print(self, i: int, outcome: Outcome) -> None:
        if len(self._plans) > 1 and i not in self._headed:
            self._headed.add(i)
            post = self._plans[i].post
            self._echo(f"{post.title}  ({post.source})")
        self._echo(outcome_line(outcome))
        handoff = outcome.handed_off.handoff if outcome.handed_off else None
        if handoff is not None:
            from xpost.cli.handoff import offer

            for line in offer(handoff, interactive=self._interactive):
                self._echo(f"  {line}")


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
