"""The public API for adapter authors: everything an adapter distribution may import.

An out-of-tree adapter (``adapters/xpost-mastodon/`` in this repository, or any
package on the index) imports from this module only, plus the shared libraries
named below. Names here are stable: they are extended, never renamed.

Rules an adapter follows:

- ``render(post, options)`` is pure and deterministic: the same post and settings
  give the same ``Draft`` byte for byte, because the payload is hashed to decide
  whether a copy changed. It reads files at most; it never touches the network.
- ``publish(draft, previous, ctx)`` creates the copy (``previous is None``) or
  updates the one ``previous`` names, and returns a ``Receipt``. It raises
  ``PublishError`` (or a subclass) on failure: ``AuthError`` when the platform
  rejects the credentials, ``RateLimited`` with ``retry_after`` when throttled,
  ``RemoteConflict`` when the copy was edited on the platform, ``OutcomeUnknown``
  when the request may have been applied but no answer came.
- ``lookup`` finds the copy a create with an unknown outcome may have made; it
  adopts only a copy that is exactly what xpost would have sent.
- Network imports happen inside the sending methods, never at module level, so a
  dry-run stays offline and fast. Adapters never touch the ledger, the config file,
  the keyring or the terminal: the caller hands them what they need.

Shared libraries adapters may use: ``xpost.content.model`` (the parsed body:
blocks, inlines, embeds), ``xpost.render.markdown`` (the Markdown emitter with
per-flavor embed hooks) and ``xpost.render.twitter_text`` (X's weighted counting).
"""

from __future__ import annotations

from xpost.adapters.base import (
    DRAFT_REASON,
    Action,
    Adapter,
    Draft,
    NoSettings,
    PublishContext,
    Receipt,
)
from xpost.config import SiteConfig
from xpost.errors import (
    AuthError,
    ConfigError,
    InputError,
    OutcomeUnknown,
    PublishError,
    RateLimited,
    RemoteConflict,
)
from xpost.post import Post

__all__ = [
    "DRAFT_REASON",
    "Action",
    "Adapter",
    "AuthError",
    "ConfigError",
    "Draft",
    "InputError",
    "NoSettings",
    "OutcomeUnknown",
    "Post",
    "PublishContext",
    "PublishError",
    "RateLimited",
    "Receipt",
    "RemoteConflict",
    "SiteConfig",
]
