"""xpost's Bluesky adapter: ``xpost publish POST --to bluesky``."""

from xpost_bluesky.adapter import BlueskyAdapter

__all__ = ["BlueskyAdapter"]
