"""Fixtures: the contracts folder, a fake instance, a post to publish, a publish context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_misskey import FakeMisskey
from misskey_types import MisskeyTypes

from xpost.plugin import PublishContext, Receipt
from xpost.testing import XpostCli, require, serving, write_config

#: The project's shared folder (contracts, examples), beside the repository.
SHARED = Path(os.environ.get("XPOST_SHARED") or Path(__file__).resolve().parents[4] / "shared")
#: Misskey's published contract: misskey-js's generated types (npm ci in tests/node).
NODE_MODULES = Path(
    os.environ.get("XPOST_MISSKEY_NODE_MODULES") or Path(__file__).parent / "node/node_modules"
)
TYPES = NODE_MODULES / "misskey-js/built/autogen/types.d.ts"
SEED = SHARED / "examples/2022-07-15-mlse-infraop-wg.md"


@pytest.fixture(scope="session")
def seed() -> Path:
    """The seed post, or the test skipped (failed with XPOST_REQUIRE_SHARED) without it."""
    return require(SEED, "the seed post")


@pytest.fixture(scope="session")
def types() -> MisskeyTypes:
    return MisskeyTypes(
        require(TYPES, "misskey-js's types (run npm ci in tests/node)", "XPOST_REQUIRE_NODE")
    )


@pytest.fixture
def instance(types: MisskeyTypes) -> Iterator[FakeMisskey]:
    with serving(FakeMisskey(types)) as fake:
        yield fake


@pytest.fixture
def checkpoints() -> list[Receipt]:
    return []


@pytest.fixture
def ctx(checkpoints: list[Receipt]) -> PublishContext:
    from fake_misskey import TOKEN

    return PublishContext(
        credentials={"token": TOKEN},
        checkpoint=checkpoints.append,
        timeout=0.5,
        now=lambda: datetime.now(UTC),
    )


@pytest.fixture(autouse=True)
def _isolated(xpost_home: Path) -> None:
    """No test reads the user's config, ledger or keyring (``xpost.testing``)."""


@pytest.fixture
def cli(xpost_cli: XpostCli) -> XpostCli:
    xpost_cli.platform = "misskey"
    return xpost_cli


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A config with a site URL, so posts have a canonical URL."""
    return write_config(tmp_path)
