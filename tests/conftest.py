"""Fixtures shared by every test module."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import settings

from xpost.testing import isolate

if TYPE_CHECKING:
    from xpost.post import Post

# CI must not turn red by chance: there, property tests replay the same examples.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

#: The project's shared folder (spec, examples, contracts): the repo root's sibling,
#: or ``XPOST_SHARED``.
SHARED = Path(os.environ.get("XPOST_SHARED") or Path(__file__).resolve().parents[2] / "shared")
#: The seed post: the real post every platform's rendering is checked on.
SEED = SHARED / "examples" / "2022-07-15-mlse-infraop-wg.md"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``shared`` check xpost against the platforms' contracts and the seed
    post in that folder. CI has it (``XPOST_REQUIRE_SHARED=1`` makes it compulsory);
    without it they are skipped with the reason, rather than the whole run failing on a
    machine that only has the repository."""
    if SHARED.is_dir():
        return
    if os.environ.get("XPOST_REQUIRE_SHARED"):
        raise pytest.UsageError(f"{SHARED} is missing (XPOST_REQUIRE_SHARED is set)")
    skip = pytest.mark.skip(reason=f"{SHARED} not found: the contracts and the seed post")
    for item in items:
        if item.get_closest_marker("shared") is not None:
            item.add_marker(skip)


#: Where ``npm ci`` installs the Node.js ground truth (tests/node/package.json).
NODE_DIR = Path(__file__).resolve().parent / "node"
NODE_PACKAGES = ("zenn-model", "zenn-markdown-html", "twitter-text", "gray-matter")


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """The ``node_modules`` holding the npm packages, or a skip saying what is missing.

    ``XPOST_NODE_MODULES`` points elsewhere (a shared install, CI cache).
    """
    skip = pytest.fail if os.environ.get("XPOST_REQUIRE_NODE") else pytest.skip
    if shutil.which("node") is None:
        skip("Node.js is not installed (needed for the zenn/twitter-text checks)")
    path = Path(os.environ.get("XPOST_NODE_MODULES") or NODE_DIR / "node_modules")
    missing = [name for name in NODE_PACKAGES if not (path / name / "package.json").is_file()]
    if missing:
        skip(
            f"npm packages missing in {path}: {', '.join(missing)} "
            f"(run `npm ci` in {NODE_DIR} or set XPOST_NODE_MODULES)"
        )
    return path


@pytest.fixture(autouse=True)
def _isolated_user_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reads or writes the real user's ledger, config or home.

    ``XPOST_CONFIG`` is removed rather than pointed at a temp file: it outranks
    ``./xpost.toml``, which tests that write a local config rely on; the user config
    dir is a temp dir through ``HOME``/``XDG_CONFIG_HOME`` instead.
    """
    # The same isolation adapter authors get (xpost.testing), keeping the tests' own
    # switches; the XPOST_REQUIRE_* ones are always kept.
    isolate(
        monkeypatch,
        tmp_path_factory.mktemp("home"),
        keep=("XPOST_NODE_MODULES", "XPOST_TEST_PG_URL", "XPOST_TEST_PG_PASSWORD"),
    )
    # In-process tests get an empty in-memory keyring unless a test installs its own;
    # subprocesses none (the headless case).
    import keyring

    from credential_fakes import MemoryKeyring

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


#: Every installed adapter, as a real ``xpost`` process lists them (the distributions
#: under adapters/ are installed beside the core by scripts/test).
INSTALLED = ", ".join(sorted({ep.name for ep in entry_points(group="xpost.adapters")}))


@pytest.fixture(autouse=True)
def _built_in_adapters_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The core's tests see the core's adapters only: the distributions under adapters/
    are installed in the same environment (scripts/test) and tested on their own."""
    from xpost.adapters import registry

    built_in = {
        name: entry
        for name, entry in registry.installed().items()
        if entry.dist is None or entry.dist.name == "xpost-posse"
    }
    monkeypatch.setattr(registry, "installed", lambda: built_in)


@pytest.fixture
def fake_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Any]:
    """A blog with xpost's in-process fake platforms (``fake_adapter.Site``), the OS
    keyring replaced by one in memory for the test. Modules whose tests say ``site``
    for it alias it."""
    import keyring

    from credential_fakes import MemoryKeyring
    from fake_adapter import Site

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield Site(tmp_path, monkeypatch, capsys)
    keyring.set_keyring(previous)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Any]:
    """A whole publishing world (``e2e_world``): fake Qiita and X checking what they get
    against the contracts, a Zenn repository with a bare remote, a site with the seed
    post and a config for all of them. Modules with a site of another kind define their
    own ``site``, which wins over this one."""
    from e2e_world import world  # reads ../shared: only when a test asks for it

    with world(tmp_path) as w:
        yield w


#: Where a post made by ``make_post`` lives unless a test says otherwise.
POST_URL = "https://example.com/post/hello/"


def make_post(*blocks: Any, **fields: Any) -> Post:
    """A ``Post`` as ``load_post`` builds it, for tests of one renderer or adapter.

    ``blocks`` make its document (a string is a Markdown paragraph, and the post's body
    too); ``fields`` set any other ``Post`` field, ``document`` included. The rest is a
    plain post titled "Hello" at ``POST_URL``.
    """
    from xpost.content.model import Document, Markdown
    from xpost.post import Post

    texts = [block for block in blocks if isinstance(block, str)]
    values: dict[str, Any] = {
        "source": Path("content/post/hello.md"),
        "id": POST_URL,
        "title": "Hello",
        "body": "\n\n".join(texts),
        "document": Document(tuple(Markdown(b) if isinstance(b, str) else b for b in blocks)),
        "canonical_url": POST_URL,
    }
    values.update(fields)
    return Post(**values)


def post_factory(*default_blocks: Any, **defaults: Any) -> Callable[..., Post]:
    """``make_post`` with a module's own defaults: blocks used when a call gives none,
    fields a call's own fields override."""

    def make(*blocks: Any, **fields: Any) -> Post:
        return make_post(*(blocks or default_blocks), **{**defaults, **fields})

    return make
