"""connpass: an assisted target — the adapter (the hand-off), connpass Markdown, and the
read-only API v2 client that confirms a copy is up."""

from xpost.platforms.connpass.adapter import ConnpassAdapter

__all__ = ["ConnpassAdapter"]
