"""The "originally published at {url}" note a long-form copy carries (Qiita, Zenn,
Hatena Blog and any adapter through ``xpost.plugin``).

The note tells readers where the post lives, and it is xpost's footprint on the
platform: a lookup after a lost answer recognises the copy by the whole note line,
its URL exactly (``…/p/1`` is not ``…/p/10``'s note), never by a substring.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from msgspec import Struct

from xpost.content.language import post_language

if TYPE_CHECKING:
    from xpost.config import SiteConfig
    from xpost.post import Post

#: The default notes; ``{url}`` is the post's canonical URL.
ORIGIN_NOTE_JA = "この記事は {url} からの転載です。"
ORIGIN_NOTE_EN = "This article was originally published at {url}."

#: Where the note goes: its own paragraph before the body, or its last line.
Position = Literal["top", "bottom"]


class OriginNote(Struct, frozen=True):
    """A note rendered for one post: its template with the URL filled in."""

    text: str

    def placed(self, body: str, position: Position = "top") -> str:
        """``body`` with the note as its first paragraph (``top``) or its last line."""
        if position == "bottom":
            return f"{body}\n{self.text}\n"
        return f"{self.text}\n\n{body}"

    def is_in(self, body: str) -> bool:
        """Is the note in ``body`` as whole lines, with nothing but a line end on either
        side? Line-end style and trailing spaces carry no meaning in Markdown."""
        lines = [line.rstrip() for line in body.replace("\r\n", "\n").strip().split("\n")]
        wanted = [line.rstrip() for line in self.text.replace("\r\n", "\n").strip().split("\n")]
        size = len(wanted)
        return any(lines[i : i + size] == wanted for i in range(len(lines) - size + 1))


def origin_note(template: str, url: str | None) -> OriginNote | None:
    """The note for the post at ``url``; None when the template is "" (the note is
    turned off) or the post has no canonical URL."""
    return OriginNote(template.replace("{url}", url)) if template and url else None


def note_template(
    post: Post, site: SiteConfig, ja: str = ORIGIN_NOTE_JA, en: str = ORIGIN_NOTE_EN
) -> str:
    """``en`` for a post in English (``post_language``), else ``ja``: the platforms that
    take copies are Japanese ones, read by Japanese readers first."""
    return en if post_language(post, site) == "en" else ja


def missing_url_warning(label: str) -> str:
    """The warning when a note is wanted but the post has no URL to point to."""
    return (
        f"{label}: no 'originally published at' line: the post has no canonical URL "
        "(set [site] base_url or the post's url)"
    )
