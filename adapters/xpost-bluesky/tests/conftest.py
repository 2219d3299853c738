"""Fixtures: the contracts folder, a fake PDS, a post to publish, a publish context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_pds import FakePds
from lexicon import Lexicons

from xpost.plugin import PublishContext, Receipt
from xpost.testing import XpostCli, require, serving, write_config

#: The project's shared folder (contracts, examples), beside the repository.
SHARED = Path(os.environ.get("XPOST_SHARED") or Path(__file__).resolve().parents[4] / "shared")
LEXICONS = SHARED / "contracts/bluesky/lexicons"
SEED = SHARED / "examples/2022-07-15-mlse-infraop-wg.md"


@pytest.fixture(scope="session")
def seed() -> Path:
    """The seed post, or the test skipped (failed with XPOST_REQUIRE_SHARED) without it."""
    return require(SEED, "the seed post")


@pytest.fixture(scope="session")
def lexicons() -> Lexicons:
    return Lexicons(require(LEXICONS, "Bluesky's lexicons, the contract the fake checks"))


@pytest.fixture
def pds(lexicons: Lexicons) -> Iterator[FakePds]:
    with serving(FakePds(lexicons)) as fake:
        yield fake


@pytest.fixture
def checkpoints() -> list[Receipt]:
    return []


@pytest.fixture
def ctx(checkpoints: list[Receipt]) -> PublishContext:
    from fake_pds import HANDLE, PASSWORD

    return PublishContext(
        credentials={"identifier": HANDLE, "app_password": PASSWORD},
        checkpoint=checkpoints.append,
        timeout=0.5,
        now=lambda: datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
    )


@pytest.fixture(autouse=True)
def _isolated(xpost_home: Path) -> None:
    """No test reads the user's config, ledger or keyring (``xpost.testing``)."""


@pytest.fixture
def cli(xpost_cli: XpostCli) -> XpostCli:
    xpost_cli.platform = "bluesky"
    return xpost_cli


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A config with a site URL, so posts have a canonical URL."""
    return write_config(tmp_path)
