"""X: posts and threads through API v2 — the adapter, composing a post or a thread within
X's count, posting part by part, and the wire client."""

from xpost.platforms.twitter.adapter import TwitterAdapter

__all__ = ["TwitterAdapter"]
