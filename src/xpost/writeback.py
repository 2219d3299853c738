"""Writing syndication URLs back into a post's front matter, changing nothing else.

(Interface fixed; being implemented.)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def add_syndication(path: Path, urls: Sequence[str]) -> bool:
    """Make the front matter's ``syndication`` list hold ``urls`` (added, in order, to
    what is there); every other byte of the file stays as it was. True if it changed."""
    raise NotImplementedError
