"""Which local files a post may publish: only the site's own, and only real images.

A post names local files (an image in its body, ``xpost.twitter.image``, a cover
image); an adapter copies them to a public place (the Zenn repository) or uploads
them (X). A path such as ``../../../../credentials.env`` must never get there, so
every file an adapter would send is checked before anything is sent anywhere:

- after resolving symlinks, it lies inside the post's folder (its page bundle), the
  site's static folders (Hugo ``static/`` and ``assets/``, the Jekyll site root) or a
  folder the adapter adds (the Zenn repository's ``images/``);
- its bytes are an image (JPEG, PNG, GIF or WebP, told by their magic numbers, never
  by the file's name) no larger than the platform's limit.

Anything else is bad input naming the file: exit 2, nothing published.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from msgspec import Struct

from xpost.errors import PostError
from xpost.metadata import site_root_of
from xpost.post import Post

#: What each image format's first bytes are (the file name never decides).
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def sniff_image(data: bytes) -> str | None:
    """The image's MIME type from its first bytes, or None when it is not an image."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


class SiteImage(Struct, frozen=True):
    """An image read from inside the site and checked."""

    path: Path  # resolved
    data: bytes
    mime: str


class SiteFiles:
    """The folders one post may publish files from."""

    def __init__(self, post: Post) -> None:
        self.post = post

    @cached_property
    def roots(self) -> tuple[Path, ...]:
        """Found only when a file is checked: most drafts send none."""
        return _roots(self.post)

    def inside(self, path: Path, what: str, also: Iterable[Path] = ()) -> Path:
        """``path`` with symlinks resolved, or ``PostError`` when it lies outside every
        allowed folder (``what`` says which of the post's files it is; ``also``: the
        adapter's own folders, such as the Zenn repository's ``images/``)."""
        try:
            real = Path(path).resolve(strict=True)
        except FileNotFoundError:
            raise PostError(f"{self.post.source}: {what} {path}: no such file") from None
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            raise PostError(f"{self.post.source}: {what} {path}: cannot read it ({exc})") from None
        roots = (*self.roots, *(_resolved(Path(root)) for root in also))
        if not any(real.is_relative_to(root) for root in roots):
            raise PostError(
                f"{self.post.source}: {what} {path}: outside the post's folder and the "
                "site's static folders; xpost publishes only files of the site itself"
            )
        return real

    def image(
        self, path: Path, what: str, *, platform: str, limit: int, also: Iterable[Path] = ()
    ) -> SiteImage:
        """Read an image the post would publish: inside the site, a real image by its
        bytes, at most ``limit`` bytes (``platform`` names whose limit)."""
        real = self.inside(path, what, also)
        return read_image(real, f"{self.post.source}: {what} {path}", platform, limit)


def read_image(path: Path, where: str, platform: str, limit: int) -> SiteImage:
    """``path``'s bytes if they are an image of at most ``limit`` bytes; ``PostError``
    (``where`` first) otherwise. Reads at most ``limit + 1`` bytes of a regular file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise PostError(f"{where}: cannot read it ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise PostError(f"{where}: not a regular file")
        data = file.read(limit + 1)
    mime = sniff_image(data)
    if mime is None:
        raise PostError(f"{where}: not a JPEG, PNG, GIF or WebP image (by its contents)")
    if len(data) > limit:
        raise PostError(f"{where}: larger than {platform}'s limit of {_size(limit)} per image")
    return SiteImage(path, data, mime)


def _roots(post: Post) -> tuple[Path, ...]:
    folder = post.source.parent.resolve()
    roots = [folder]
    site = site_root_of(folder)
    if site is not None:
        roots += [site / "static", site / "assets"]
        if any((site / name).is_file() for name in ("_config.yml", "_config.yaml", "_config.toml")):
            roots.append(site)  # Jekyll serves files from the site root itself
    return tuple(_resolved(root) for root in roots)


def _resolved(root: Path) -> Path:
    try:
        return root.resolve()
    except (OSError, RuntimeError):
        return root.absolute()


def _size(limit: int) -> str:
    return f"{limit / 1048576:g} MB" if limit >= 1048576 else f"{limit} bytes"
