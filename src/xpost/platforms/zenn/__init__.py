"""Zenn: articles committed to the user's Zenn repository — the adapter, Zenn's Markdown,
and the git side (committing, pushing, never forcing)."""

from xpost.platforms.zenn.adapter import ZennAdapter

__all__ = ["ZennAdapter"]
