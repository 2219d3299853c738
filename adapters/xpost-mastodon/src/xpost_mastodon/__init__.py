"""xpost's Mastodon adapter: ``xpost publish POST --to mastodon``."""

from xpost_mastodon.adapter import MastodonAdapter

__all__ = ["MastodonAdapter"]
