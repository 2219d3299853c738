"""How results look: readable panels for people, one JSON document for scripts."""

from __future__ import annotations

import json
import os
from typing import Any

import click

from xpost.cli.options import post_json
from xpost.prepare import PreparedPost, Target

UNKNOWN_URL = "(unknown: set [site] base_url, or url in the front matter)"


def _color() -> bool | None:
    """None lets click decide (colour on a terminal only); NO_COLOR turns it off."""
    return False if os.environ.get("NO_COLOR") else None


def previews_json(prepared: list[PreparedPost]) -> str:
    """The ``--json`` document of ``publish --dry-run`` (DESIGN.md: Interfaces)."""
    doc = {
        "posts": [
            {**post_json(p.post), "targets": [_target_json(t) for t in p.targets]} for p in prepared
        ]
    }
    return json.dumps(doc, ensure_ascii=False, indent=2)


def _target_json(target: Target) -> dict[str, Any]:
    out: dict[str, Any] = {"platform": target.platform, "action": target.action}
    if target.reason:
        out["reason"] = target.reason
    out["warnings"] = list(target.draft.warnings) if target.draft else []
    out["payload"] = target.draft.payload if target.draft else None
    return out


def print_previews(prepared: list[PreparedPost]) -> None:
    color = _color()

    def echo(text: str = "", **style: Any) -> None:
        click.echo(click.style(text, **style) if style else text, color=color)

    for index, item in enumerate(prepared):
        post = item.post
        if index:
            echo()
        echo(post.title, bold=True)
        echo(f"  source     {post.source}")
        echo(f"  canonical  {post.canonical_url or UNKNOWN_URL}")
        for target in item.targets:
            echo()
            head = " · ".join(
                part
                for part in (
                    target.label,
                    target.action,
                    target.draft.headline if target.draft else "",
                )
                if part
            )
            echo(f"── {head} " + "─" * max(3, 60 - len(head)), bold=True, fg="cyan")
            if target.reason:
                echo(f"skipped: {target.reason}", fg="yellow")
            if target.draft and target.draft.preview:
                echo(target.draft.preview.rstrip("\n"))
            for warning in target.draft.warnings if target.draft else ():
                echo(f"! {warning}", fg="yellow")
