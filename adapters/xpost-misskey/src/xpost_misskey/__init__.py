"""xpost's Misskey adapter: ``xpost publish POST --to misskey``."""

from xpost_misskey.adapter import MisskeyAdapter

__all__ = ["MisskeyAdapter"]
