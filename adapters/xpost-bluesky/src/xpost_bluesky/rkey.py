"""Record keys derived from the post: why a retried create can never make a second post.

``app.bsky.feed.post`` records are keyed by a TID (the lexicon's ``"key": "tid"``): 64
bits, the top one zero, then 53 bits of microseconds since 1970 and 10 bits of clock
id, written as 13 characters of base32-sortable (``234567abcdefghijklmnopqrstuvwxyz``).
A TID made from the post itself — its date, plus a hash of its identity for the
microseconds and the clock id — is the same on every run, so ``createRecord`` with
that ``rkey`` either creates the post or finds it already there: one post, never two.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
#: For a post without a date: a point in 2023 chosen by the hash (TIDs must be plausible
#: times; the date only orders keys, createdAt says when the post was made).
_UNDATED_BASE = int(datetime(2023, 1, 1, tzinfo=UTC).timestamp()) * 1_000_000
_YEAR_MICROS = 365 * 86_400 * 1_000_000


def encode_tid(micros: int, clock_id: int) -> str:
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def post_rkey(post_id: str, date: datetime | None, part: int) -> str:
    """The record key of part ``part`` (0 = first) of the post ``post_id``."""
    digest = int.from_bytes(hashlib.sha256(post_id.encode("utf-8")).digest()[:8], "big")
    if date is not None:
        aware = date if date.tzinfo else date.replace(tzinfo=UTC)
        base = int(aware.timestamp()) * 1_000_000 + digest % 1_000_000
    else:
        base = _UNDATED_BASE + digest % _YEAR_MICROS
    return encode_tid(base + part, digest >> 54)


def is_tid(value: str) -> bool:
    return (
        len(value) == 13 and value[0] in _ALPHABET[:16] and all(char in _ALPHABET for char in value)
    )
