"""Fixtures: an isolated user, a site with a post, a fake Hatena Blog, the real command."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from xpost import testing

from fake_hatena import API_KEY, BLOG_ID, HATENA_ID, FakeHatena, running

#: The project's shared folder (the seed post), beside the repository.
SHARED = Path(os.environ.get("XPOST_SHARED") or Path(__file__).resolve().parents[4] / "shared")
SEED = SHARED / "examples" / "2022-07-15-mlse-infraop-wg.md"


@pytest.fixture(scope="session")
def seed() -> Path:
    """The seed post, or the test skipped (failed with XPOST_REQUIRE_SHARED) without it."""
    return testing.require(SEED, "the seed post")


@pytest.fixture(autouse=True)
def _isolated(xpost_home: Path) -> None:
    """No test reads the user's config, ledger or keyring (``xpost.testing``)."""


@dataclass
class Site(testing.Site):
    """The site (``xpost.testing.Site``: ``xpost(...)``, ``write_post``) and its fake."""

    hatena: FakeHatena | None = None


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running() as hatena:
        front = {"title": "xpost で Hatena Blog に配信する", "date": "2024-05-01T09:00:00+09:00"}
        front["tags"] = "[Python, CLI]"
        world = Site(tmp_path, "hatenablog", {"api_key": API_KEY}, front, "shipping-xpost", hatena)
        world.write_config(
            "[site]\n"
            'base_url = "https://blog.example.org/"\n'
            'permalink = "/post/:slug/"\n'
            "[publish]\n"
            'targets = ["hatenablog"]\n'
            "[hatenablog]\n"
            f'api_base = "{hatena.url}"\n'
            f'hatena_id = "{HATENA_ID}"\n'
            f'blog_id = "{BLOG_ID}"\n'
        )
        world.write_post("最初の段落です。\n折り返した行。\n\n二つ目の段落 & <タグ>。\n")
        yield world
