"""The platforms' size and length limits at their exact boundaries: image sizes (X 5 MB,
X GIF 15 MB, Zenn 3 MB) at the limit and one byte over, Zenn slugs, connpass messages
(issue 11: each test fails when the code is wrong).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from xpost.adapters.base import Draft, Receipt
from xpost.config import Config, SiteConfig
from xpost.errors import PostError, PublishError
from xpost.platforms.twitter.adapter import TwitterAdapter, TwitterSettings
from xpost.platforms.twitter.posting import load_media
from xpost.platforms.zenn.adapter import ZennAdapter, ZennSettings
from xpost.post import load_post
from xpost.sitefiles import SiteFiles

MB = 1024 * 1024

PNG = b"\x89PNG\r\n\x1a\n"

GIF = b"GIF89a"


def image(folder: Path, name: str, head: bytes, size: int) -> Path:
    path = folder / name
    path.write_bytes(head + b"\x00" * (size - len(head)))
    return path


@pytest.fixture
def files(tmp_path: Path) -> SiteFiles:
    source = tmp_path / "post.md"
    source.write_text("---\ntitle: T\n---\n\nBody.\n", encoding="utf-8")
    return SiteFiles(load_post(source, Config()))


def x_draft(path: Path) -> Draft:
    media = [{"path": str(path), "alt": "a picture"}]
    return Draft("twitter", {"posts": [{"text": "t", "weighted_length": 1, "media": media}]})


@pytest.mark.parametrize(
    ("name", "head", "size", "refused"),
    [
        ("exact.png", PNG, 5 * MB, None),
        ("over.png", PNG, 5 * MB + 1, "larger than X's limit of 5 MB per PNG image"),
        ("jpeg.jpg", b"\xff\xd8\xff", 5 * MB + 1, "larger than X's limit of 5 MB per JPEG image"),
        ("big.gif", GIF, 6 * MB, None),  # a GIF may be 15 MB
        ("exact.gif", GIF, 15 * MB, None),
        ("over.gif", GIF, 15 * MB + 1, "larger than X's limit of 15 MB per image"),
    ],
)
def test_x_images_up_to_their_limit_pass_and_one_byte_more_is_refused(
    files: SiteFiles, name: str, head: bytes, size: int, refused: str | None
) -> None:
    path = image(files.post.source.parent, name, head, size)
    adapter = TwitterAdapter(TwitterSettings(), SiteConfig())
    if refused is None:
        adapter.check_files(x_draft(path), files)
        [media] = load_media(x_draft(path))  # publishing checks the same again
        assert len(media.data) == size
        assert media.category == ("tweet_gif" if head == GIF else "tweet_image")
        return
    with pytest.raises(PostError, match=refused):
        adapter.check_files(x_draft(path), files)
    with pytest.raises(PostError, match=r"over X's|larger than X's"):
        load_media(x_draft(path))


@pytest.mark.parametrize(("size", "ok"), [(3 * MB, True), (3 * MB + 1, False)])
def test_a_zenn_image_of_3_mb_is_copied_and_one_byte_more_is_refused(
    files: SiteFiles, size: int, ok: bool
) -> None:
    path = image(files.post.source.parent, "figure.png", PNG, size)
    adapter = ZennAdapter(ZennSettings(), SiteConfig())
    draft = Draft("zenn", {"images": [{"source": str(path), "target": "/images/x/figure.png"}]})
    if ok:
        adapter.check_files(draft, files)
        return
    with pytest.raises(PostError, match="larger than Zenn's limit of 3 MB per image"):
        adapter.check_files(draft, files)


# -- connpass: the message is at most 1000 characters ----------------------------------


def test_a_connpass_message_of_exactly_1000_is_kept_and_one_more_is_cut() -> None:
    from xpost.platforms.connpass.adapter import MESSAGE_LIMIT, announcement_message

    url = "https://example.com/p/"
    title = "Title"
    room = MESSAGE_LIMIT - len(title) - 2 - len(url) - 2
    exact = announcement_message(title, "s" * room, url)
    assert exact == f"{title}\n\n{'s' * room}\n\n{url}"
    assert len(exact) == MESSAGE_LIMIT
    over = announcement_message(title, "s" * (room + 1), url)
    assert over == f"{title}\n\n{'s' * (room - 1)}…\n\n{url}"
    assert len(over) == MESSAGE_LIMIT
    # Without a link the summary has the link's room too.
    assert len(announcement_message(title, "s" * (room + len(url) + 2), None)) == MESSAGE_LIMIT
    # A title that leaves room for one character leaves no summary; a longer one is cut.
    no_room = announcement_message("t" * (MESSAGE_LIMIT - 2 - len(url) - 2 - 1), "summary", url)
    assert no_room == "t" * (MESSAGE_LIMIT - len(url) - 5) + f"\n\n{url}"
    long_title = announcement_message("t" * 2000, "summary", url)
    assert long_title == "t" * (MESSAGE_LIMIT - len(url) - 2) + f"\n\n{url}"
    two = announcement_message("t" * (MESSAGE_LIMIT - 2 - len(url) - 2 - 2), "summary", url)
    assert two.split("\n\n")[1] == "s…"


def test_an_oversized_x_image_is_named_with_its_size_in_tenths_of_a_megabyte(
    tmp_path: Path,
) -> None:
    path = image(tmp_path, "big.png", PNG, 5 * MB + MB // 2)
    with pytest.raises(PostError) as caught:
        load_media(x_draft(path))
    assert str(caught.value) == f"X: image {path}: 5.5 MB is over X's 5 MB limit for PNG images"


# -- Zenn: a derived slug is at most 50 characters -------------------------------------


def test_a_slug_derived_from_a_long_name_is_cut_to_exactly_50() -> None:
    from xpost.content.model import Document
    from xpost.platforms.zenn.adapter import SLUG_PATTERN, ZennOptions, article_slug
    from xpost.post import Post

    post = Post(
        source=Path("content/post/x.md"),
        id="https://example.com/p/",
        title="T",
        body="",
        document=Document(()),
        slug="a-very-long-slug-" * 5,
        canonical_url="https://example.com/p/",
    )
    slug = article_slug(post, ZennOptions())
    assert len(slug) == 50 and SLUG_PATTERN.match(slug)
    assert slug.startswith("a-very-long-slug-a-very-long-slug-a-very-lo-")


def test_zenn_pushes_unless_told_not_to_as_the_example_config_says() -> None:
    """Without ``push``, a commit is pushed: Zenn deploys from the remote only."""
    import tomllib

    example = tomllib.loads((Path(__file__).parents[1] / "config.example.toml").read_text())
    assert example["zenn"]["push"] is True
    assert ZennSettings().push is True
    assert ZennSettings(push=False).push is False


def test_connpass_unpublish_names_the_page_to_remove_the_text_from() -> None:
    from xpost.adapters.base import PublishContext
    from xpost.platforms.connpass.adapter import ConnpassAdapter, ConnpassSettings

    adapter = ConnpassAdapter(ConnpassSettings(), SiteConfig())
    ctx = PublishContext(credentials={})
    event = "https://g.connpass.com/event/1/"
    for receipt, page in [
        (Receipt("1", url=event, state={"open": event + "edit/"}), event + "edit/"),
        (Receipt("1", url=event), event),
        (Receipt("1"), "event 1"),
    ]:
        with pytest.raises(PublishError) as caught:
            adapter.unpublish(receipt, ctx)
        assert str(caught.value).endswith(f"remove it by hand at {page}")


# -- Zenn: a slug of 12 to 50 characters ----------------------------------------------


@pytest.mark.parametrize(
    ("slug", "valid"),
    [("a" * 11, False), ("a" * 12, True), ("a" * 50, True), ("a" * 51, False)],
)
def test_zenn_slug_length_bounds(slug: str, valid: bool) -> None:
    from xpost.platforms.zenn.adapter import SLUG_PATTERN

    assert bool(SLUG_PATTERN.match(slug)) is valid
