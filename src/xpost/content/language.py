"""The language a post is written in: what its origin note on other platforms says.

The front matter's ``lang``/``language`` (``ja-JP`` counts as ``ja``), else the
site's (``[site] language``), else the text itself: without any kana or kanji it is
taken as English.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xpost.config import SiteConfig
    from xpost.post import Post

# Kana first: nearly every Japanese text has some, and the kana class compiles in a
# thirtieth of the time of the one with the ideographs (that one only when needed).
_KANA = re.compile("[\u3040-\u30ff]")
_JAPANESE = "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]"


def post_language(post: Post, site: SiteConfig) -> str:
    """``ja``, ``en`` or another primary language subtag, lower-cased."""
    for key in ("lang", "language", "languageCode", "locale"):
        value = post.front_matter.get(key)
        if isinstance(value, str) and value.strip():
            return primary(value)
    if site.language:
        return primary(site.language)
    return "ja" if _has_japanese(post.title) or _has_japanese(post.body) else "en"


def _has_japanese(text: str) -> bool:
    if text.isascii():
        return False
    return _KANA.search(text) is not None or re.search(_JAPANESE, text) is not None


def primary(tag: str) -> str:
    """``ja-JP`` → ``ja``, ``en_US`` → ``en``."""
    return re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()
