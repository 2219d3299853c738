"""Local images for adapters: found at render time, read and checked before sending.

``image_path`` resolves what a post names (relative to the post) and refuses a URL or
a missing file as bad input; ``load_image`` reads the bytes, tells the type from the
bytes themselves (never from the name) and enforces the platform's size limit, so that
a bad image stops the publish before any request is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xpost.errors import PostError

#: MIME types by the first bytes of the file.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_image(data: bytes) -> str | None:
    """The image's MIME type from its first bytes (JPEG, PNG, GIF, WEBP), else None."""
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class LocalImage:
    path: Path
    data: bytes
    mime: str
    alt: str


def image_path(post_source: Path, value: str, key: str) -> Path:
    """The file a post's ``key`` (``xpost.bluesky.images``) names, relative to the post.

    A URL or a missing file is a ``PostError`` naming the post and the key."""
    if value.startswith(("http://", "https://")):
        raise PostError(f"{post_source}: {key}: {value} is a URL; give a local image file")
    path = Path(value).expanduser()
    path = path if path.is_absolute() else post_source.parent / path
    if not path.is_file():
        raise PostError(f"{post_source}: {key}: no such file: {path}")
    return path


def load_image(path: str | Path, alt: str, *, platform: str, max_bytes: int) -> LocalImage:
    """The image read and checked; ``PostError`` names the file and what is wrong."""
    where = Path(path)
    try:
        with where.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # never more than the limit into memory
    except FileNotFoundError:
        raise PostError(f"{platform}: image {where}: no such file") from None
    except OSError as error:
        raise PostError(f"{platform}: image {where}: cannot read it ({error.strerror})") from None
    mime = sniff_image(data)
    if mime is None:
        raise PostError(f"{platform}: image {where}: not a JPEG, PNG, GIF or WEBP image")
    if len(data) > max_bytes:
        raise PostError(
            f"{platform}: image {where}: larger than {platform}'s limit of {max_bytes:,} bytes"
        )
    return LocalImage(where, data, mime, alt)
