"""Fixtures: the contracts folder, a fake instance, a post to publish, a publish context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fake_misskey import FakeMisskey
from misskey_types import MisskeyTypes
from pytest_httpserver import HTTPServer

from xpost.plugin import PublishContext, Receipt

#: The project's shared folder (contracts, examples), beside the repository.
SHARED = Path(os.environ.get("XPOST_SHARED") or Path(__file__).resolve().parents[4] / "shared")
#: Misskey's published contract: misskey-js's generated types (npm ci in tests/node).
NODE_MODULES = Path(
    os.environ.get("XPOST_MISSKEY_NODE_MODULES") or Path(__file__).parent / "node/node_modules"
)
TYPES = NODE_MODULES / "misskey-js/built/autogen/types.d.ts"
SEED = SHARED / "examples/2022-07-15-mlse-infraop-wg.md"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = []
    if not SEED.is_file():
        if os.environ.get("XPOST_REQUIRE_SHARED"):
            raise pytest.UsageError(f"{SEED} is missing (XPOST_REQUIRE_SHARED is set)")
        missing.append(("shared", f"{SHARED} not found: the seed post test needs it"))
    if not TYPES.is_file():
        if os.environ.get("XPOST_REQUIRE_NODE"):
            raise pytest.UsageError(f"{TYPES} is missing: run npm ci in tests/node")
        missing.append(("instance", f"{TYPES} not found: run npm ci in tests/node"))
    for fixture, reason in missing:
        for item in items:
            if fixture in item.fixturenames:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def shared() -> Path:
    return SHARED


@pytest.fixture(scope="session")
def types() -> MisskeyTypes:
    return MisskeyTypes(TYPES)


@pytest.fixture
def instance(types: MisskeyTypes) -> Iterator[FakeMisskey]:
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    fake = FakeMisskey(types, server)
    fake.install()
    try:
        yield fake
    finally:
        server.clear()
        server.stop()
    assert fake.violations == [], fake.violations


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
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the user's config, ledger or keyring."""
    monkeypatch.setenv("XPOST_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XPOST_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in list(os.environ):
        if name.startswith("XPOST_MISSKEY_"):
            monkeypatch.delenv(name)


class Cli:
    """``xpost`` run in-process as a user runs it: argv in; exit code, stdout, stderr out."""

    def __init__(self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str) -> tuple[int, str, str]:
        from xpost.cli import main

        self.capsys.readouterr()
        self.monkeypatch.setattr("sys.argv", ["xpost", *args])
        try:
            main()
            code = 0
        except SystemExit as exit:
            code = int(exit.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def dry_run(self, post: Path, config: Path | None = None) -> dict[str, object]:
        import json

        args = ["publish", str(post), "--dry-run", "--json", "--to", "misskey"]
        if config is not None:
            args += ["--config", str(config)]
        code, out, err = self(*args)
        assert code == 0, err
        target: dict[str, object] = json.loads(out)["posts"][0]["targets"][0]
        return target


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(capsys, monkeypatch)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A config with a site URL, so posts have a canonical URL."""
    config = tmp_path / "xpost.toml"
    config.write_text('[site]\nbase_url = "https://blog.example.com"\n', encoding="utf-8")
    return config


def write_post(folder: Path, front: str, body: str = "Body text.\n", name: str = "post.md") -> Path:
    path = folder / name
    path.write_text(f"---\n{front.strip()}\n---\n\n{body}", encoding="utf-8")
    return path
