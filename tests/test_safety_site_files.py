"""Issue 11 item 1: nothing outside the site is ever published, only real images.

Through the real command (a fresh ``python -m xpost`` process) against the contract-
checking fakes and a Zenn repository with a bare ``origin``.
"""

from __future__ import annotations

import pytest

from e2e_world import World

pytestmark = pytest.mark.shared

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SECRET = "QIITA_TOKEN=do-not-publish-me"


def _add_image_line(site: World, target: str) -> None:
    text = site.post.read_text(encoding="utf-8")
    site.post.write_text(text + f"\n\n![diagram]({target})\n", encoding="utf-8")


def _nothing_sent(site: World, remote_before: list[str]) -> None:
    assert site.qiita.items == {}
    assert site.x.created_texts() == []
    assert site.remote_log() == remote_before
    assert not (site.root / "zenn" / "images").exists()


def test_an_image_path_climbing_out_of_the_site_is_refused_naming_it(site: World) -> None:
    (site.root / "credentials.env").write_text(SECRET, encoding="utf-8")
    _add_image_line(site, "../../../../credentials.env")
    before = site.remote_log()
    done = site.xpost("publish", str(site.post), "--to", "zenn,qiita")
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "credentials.env" in line and "outside the post's folder" in line
    _nothing_sent(site, before)


def test_a_symlink_in_the_bundle_pointing_outside_is_refused(site: World) -> None:
    outside = site.root / "elsewhere.png"
    outside.write_bytes(PNG)  # a real image, but not the site's
    (site.post.parent / "link.png").symlink_to(outside)
    _add_image_line(site, "link.png")
    before = site.remote_log()
    done = site.xpost("publish", str(site.post), "--to", "zenn")
    assert done.returncode == 2
    assert "link.png: outside the post's folder" in done.stderr
    _nothing_sent(site, before)


def test_a_file_named_like_an_image_that_is_not_one_is_refused(site: World) -> None:
    (site.post.parent / "notes.png").write_text(SECRET, encoding="utf-8")
    _add_image_line(site, "notes.png")
    before = site.remote_log()
    done = site.xpost("publish", str(site.post), "--to", "zenn")
    assert done.returncode == 2
    assert "notes.png: not a JPEG, PNG, GIF or WebP image (by its contents)" in done.stderr
    _nothing_sent(site, before)


def test_an_image_over_zenns_limit_is_refused(site: World) -> None:
    (site.post.parent / "huge.png").write_bytes(PNG + b"\x00" * (3 * 1024 * 1024))
    _add_image_line(site, "huge.png")
    before = site.remote_log()
    done = site.xpost("publish", str(site.post), "--to", "zenn")
    assert done.returncode == 2
    assert "huge.png: larger than Zenn's limit of 3 MB per image" in done.stderr
    _nothing_sent(site, before)


def test_a_real_image_in_the_bundle_is_published(site: World) -> None:
    (site.post.parent / "ok.png").write_bytes(PNG)
    _add_image_line(site, "ok.png")
    done = site.xpost("publish", str(site.post), "--to", "zenn")
    assert done.returncode == 0, done.stderr
    names = site.remote_log()
    assert len(names) == 2
    [slug_dir] = (site.root / "zenn" / "images").iterdir()
    assert (slug_dir / "ok.png").read_bytes() == PNG


def test_the_x_image_is_checked_before_any_platform_sends(site: World) -> None:
    text = site.post.read_text(encoding="utf-8")
    (site.post.parent / "card.png").write_bytes(PNG + b"\x00" * (5 * 1024 * 1024))
    site.post.write_text(
        text.replace("---\n", "---\nxpost:\n  twitter:\n    image: card.png\n    alt: a card\n", 1),
        encoding="utf-8",
    )
    done = site.xpost("publish", str(site.post), "--to", "qiita,twitter")
    assert done.returncode == 2
    assert "card.png: larger than X's limit of 5 MB per PNG image" in done.stderr
    assert site.qiita.items == {}
    assert site.x.calls("POST", "/2/tweets") == []
