"""Fixtures: the contracts folder, a fake instance, a post to publish, a publish context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_mastodon import FakeMastodon
from openapi import OpenApi

from xpost.plugin import PublishContext, Receipt
from xpost.testing import XpostCli, require, serving, write_config

#: The project's shared folder (contracts, examples), beside the repository.
SHARED = Path(os.environ.get("XPOST_SHARED") or Path(__file__).resolve().parents[4] / "shared")
OPENAPI = SHARED / "contracts/mastodon/openapi.json"
SEED = SHARED / "examples/2022-07-15-mlse-infraop-wg.md"


@pytest.fixture(scope="session")
def seed() -> Path:
    """The seed post, or the test skipped (failed with XPOST_REQUIRE_SHARED) without it."""
    return require(SEED, "the seed post")


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    return OpenApi(require(OPENAPI, "Mastodon's OpenAPI document, the contract the fake checks"))


@pytest.fixture
def instance(openapi: OpenApi) -> Iterator[FakeMastodon]:
    with serving(FakeMastodon(openapi)) as fake:
        yield fake


@pytest.fixture
def checkpoints() -> list[Receipt]:
    return []


@pytest.fixture
def ctx(checkpoints: list[Receipt]) -> PublishContext:
    from fake_mastodon import TOKEN

    return PublishContext(
        credentials={"access_token": TOKEN},
        checkpoint=checkpoints.append,
        timeout=0.5,
        now=lambda: datetime.now(UTC),
    )


@pytest.fixture(autouse=True)
def _isolated(xpost_home: Path) -> None:
    """No test reads the user's config, ledger or keyring (``xpost.testing``)."""


@pytest.fixture
def cli(xpost_cli: XpostCli) -> XpostCli:
    xpost_cli.platform = "mastodon"
    return xpost_cli


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A config with a site URL, so posts have a canonical URL."""
    return write_config(tmp_path)
