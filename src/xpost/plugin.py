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
- ``lookup`` finds the copy a create with an unknown outcome may have made (and,
  before any create the ledger has no record of, a copy a lost ledger forgot); it
  adopts only a copy that is exactly what xpost would have sent, and raises
  ``NotExactCopy`` for one that only looks like it. An adapter that implements it sets
  ``can_lookup = True``; without it an unknown outcome stays unknown until the user
  runs ``xpost confirm`` (or ``--force``), since "not found" would mean "send again".
- ``preview_html(draft)`` may return an HTML fragment for ``xpost preview`` (it is
  filtered: no scripts, styles or frames; links only to http(s) and mailto); by
  default the preview shows the payload formatted.
- Network imports happen inside the sending methods, never at module level, so a
  dry-run stays offline and fast. Adapters never touch the ledger, the config file,
  the keyring or the terminal: the caller hands them what they need.

Shared libraries adapters may use: ``xpost.content.model`` (the parsed body:
blocks, inlines, embeds), ``xpost.render.markdown`` (the Markdown emitter with
per-flavor embed hooks) and ``xpost.render.twitter_text`` (X's weighted counting).

Helpers for long-form platforms without a canonical-URL field (Qiita, Zenn, Hatena
Blog use them): ``origin_note(template, url)`` renders the "originally published at"
note (``ORIGIN_NOTE_JA``/``ORIGIN_NOTE_EN``, chosen by ``note_template(post, site)``) as
an ``OriginNote`` that is ``placed`` at the top or bottom of a body and recognised by
``is_in(body)`` as whole lines, its URL exact; ``missing_url_warning(label)`` says why
a post got none.

Helpers for short-post networks (Bluesky, Mastodon, Misskey and the like), exported
here so that an adapter distribution needs no private import:

- ``compose``/``truncate``/``split_posts``/``grapheme_count`` (``xpost.render.social``):
  fit a template or a thread to the network's own count, given as a function;
- ``plain_paragraphs`` (``xpost.content.plaintext``): the post's body as plain-text
  paragraphs, for threads;
- ``extract_urls``: URLs as twitter-text finds them (Mastodon counts with the same rules);
- ``image_path``/``load_image``/``sniff_image``/``LocalImage`` (``xpost.media``): a
  post's local image, checked before anything is sent;
- ``checked_api_base``: a configured host checked to be an http(s) URL;
- ``SiteFiles``: what ``check_files(draft, files)`` receives; ``files.image(path, …)``
  refuses an image outside the site, not an image by its bytes, or over a size limit;
- ``RetryPolicy``: how patiently a client retries (tests inject a no-op sleep);
- ``ApiClient``/``ApiRefused``/``ApiResponse`` (``xpost.webapi``, loaded on first use
  since it imports ``requests``): JSON over HTTP with retries only where safe, lost
  answers to creates reported as ``OutcomeUnknown``, and secrets kept out of messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xpost.adapters.base import (
    DRAFT_REASON,
    Action,
    Adapter,
    Draft,
    HandOff,
    NoSettings,
    PublishContext,
    Receipt,
)
from xpost.clients.retry import RetryPolicy
from xpost.config import SiteConfig
from xpost.content.origin import (
    ORIGIN_NOTE_EN,
    ORIGIN_NOTE_JA,
    OriginNote,
    missing_url_warning,
    note_template,
    origin_note,
)
from xpost.content.plaintext import plain_paragraphs
from xpost.errors import (
    AuthError,
    ConfigError,
    CredentialsMissing,
    InputError,
    NotExactCopy,
    OutcomeUnknown,
    PostError,
    PublishError,
    RateLimited,
    RemoteConflict,
    UsageError,
)
from xpost.media import LocalImage, image_path, load_image, sniff_image
from xpost.post import Post
from xpost.render.social import Composed, Measure, compose, grapheme_count, split_posts, truncate
from xpost.render.twitter_text import extract_urls
from xpost.sitefiles import SiteFiles
from xpost.validation import checked_api_base

if TYPE_CHECKING:
    from xpost.webapi import ApiClient, ApiRefused, ApiResponse

_LAZY = {"ApiClient", "ApiRefused", "ApiResponse"}


def __getattr__(name: str) -> Any:
    """The HTTP client, imported on first use: a dry-run never loads ``requests``."""
    if name in _LAZY:
        import xpost.webapi

        return getattr(xpost.webapi, name)
    raise AttributeError(f"module 'xpost.plugin' has no attribute {name!r}")


__all__ = [
    "DRAFT_REASON",
    "ORIGIN_NOTE_EN",
    "ORIGIN_NOTE_JA",
    "Action",
    "Adapter",
    "ApiClient",
    "ApiRefused",
    "ApiResponse",
    "AuthError",
    "Composed",
    "ConfigError",
    "CredentialsMissing",
    "Draft",
    "HandOff",
    "InputError",
    "LocalImage",
    "Measure",
    "NoSettings",
    "NotExactCopy",
    "OriginNote",
    "OutcomeUnknown",
    "Post",
    "PostError",
    "PublishContext",
    "PublishError",
    "RateLimited",
    "Receipt",
    "RemoteConflict",
    "RetryPolicy",
    "SiteConfig",
    "SiteFiles",
    "UsageError",
    "checked_api_base",
    "compose",
    "extract_urls",
    "grapheme_count",
    "image_path",
    "load_image",
    "missing_url_warning",
    "note_template",
    "origin_note",
    "plain_paragraphs",
    "sniff_image",
    "split_posts",
    "truncate",
]
