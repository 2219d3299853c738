"""Fixtures: an isolated user, a site with a post, a fake Hatena Blog, the real command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fake_hatena import API_KEY, BLOG_ID, HATENA_ID, FakeHatena, running

#: The project's shared folder (the seed post), beside the repository.
SHARED = Path(__file__).resolve().parents[4] / "shared"
SEED = SHARED / "examples" / "2022-07-15-mlse-infraop-wg.md"


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XPOST_DATA_DIR", str(home / "xpost-data"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in list(os.environ):
        if name.startswith("XPOST_") and name != "XPOST_DATA_DIR":
            monkeypatch.delenv(name)


@dataclass
class Site:
    root: Path
    post: Path
    config: Path
    hatena: FakeHatena

    def xpost(self, *args: str, key: str = API_KEY) -> subprocess.CompletedProcess[str]:
        """The real command in a fresh process, as cron runs it."""
        env = {**os.environ, "XPOST_HATENABLOG_API_KEY": key}
        return subprocess.run(
            [sys.executable, "-m", "xpost", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.root,
            timeout=120,
        )

    def write_post(self, body: str, **front: str) -> None:
        meta = {"title": "xpost で Hatena Blog に配信する", "date": "2024-05-01T09:00:00+09:00"}
        meta.update(front)
        lines = "".join(f"{k}: {v}\n" for k, v in meta.items())
        self.post.write_text(f"---\n{lines}tags: [Python, CLI]\n---\n{body}")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    with running() as hatena:
        post = tmp_path / "content" / "post" / "shipping-xpost" / "index.md"
        post.parent.mkdir(parents=True)
        config = tmp_path / "xpost.toml"
        config.write_text(
            "[site]\n"
            'base_url = "https://blog.example.org/"\n'
            'permalink = "/post/:slug/"\n'
            "[publish]\n"
            'targets = ["hatenablog"]\n'
            "[hatenablog]\n"
            f'api_base = "{hatena.base}"\n'
            f'hatena_id = "{HATENA_ID}"\n'
            f'blog_id = "{BLOG_ID}"\n'
        )
        world = Site(tmp_path, post, config, hatena)
        world.write_post("最初の段落です。\n折り返した行。\n\n二つ目の段落 & <タグ>。\n")
        yield world
