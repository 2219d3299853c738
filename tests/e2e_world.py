"""A whole publishing world on this machine: fake Qiita and X APIs that check what they
receive against the platforms' contracts, a Zenn repository with a bare ``origin``, a
site with a post, a config pointing at all of them, and the credentials in the
environment as cron would set them. Used by the end-to-end tests and the benchmark.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer

from conftest import SEED
from fakes import qiita as fake_qiita
from fakes.x import CREDENTIALS, FakeX


@dataclass
class World:
    root: Path
    post: Path
    config: Path
    qiita: fake_qiita.FakeQiita
    x: FakeX
    bare: Path  # the Zenn repository's origin
    env: dict[str, str]

    def xpost(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The real command, in a fresh process, as cron would run it."""
        return subprocess.run(
            [sys.executable, "-m", "xpost", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.root,
            timeout=120,
        )

    def enter(self, monkeypatch: Any) -> World:
        """This world's credentials and git settings in this process's environment, its
        root the working folder: for the in-process command (``CliRunner``)."""
        for name, value in self.env.items():
            if name.startswith(("XPOST_", "GIT_CONFIG")):
                monkeypatch.setenv(name, value)
        monkeypatch.chdir(self.root)
        return self

    def write_post(self, n: int, body: str = "本文です。") -> Path:
        """Post number ``n`` of the site, at its own URL, written (again) with ``body``."""
        path = self.root / "site" / "content" / "post" / f"p{n}.md"
        front = f"title: Post {n}\ntags: [python]\nurl: https://chezo.uno/p/{n}/\n"
        path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
        return path

    def write_bundle(self, name: str, text: str) -> Path:
        """A Hugo page bundle ``content/post/<name>/index.md`` of the site holding ``text``."""
        path = self.root / "site" / "content" / "post" / name / "index.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def write_thread(self, parts: int) -> Path:
        """A post whose X thread has ``parts`` posts: the announcement, then one per
        paragraph (``THREAD_POST``)."""
        paragraphs = "\n\n".join(PARAGRAPH.format(n=n) for n in range(1, parts))
        return self.write_bundle("thread", THREAD_POST.format(paragraphs=paragraphs))

    def remote_log(self) -> list[str]:
        return _git(self.bare, "log", "--format=%s", "main").splitlines()

    def remote_file(self, path: str) -> str:
        return _git(self.bare, "show", f"main:{path}")

    def remote_files(self) -> list[str]:
        return _git(self.bare, "ls-tree", "-r", "--name-only", "main").splitlines()


def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env
    )
    return done.stdout


@contextmanager
def world(root: Path, *, latency: float = 0.0) -> Iterator[World]:
    """Everything running; ``latency`` seconds before each platform answers (the Zenn
    remote included, through a pre-receive hook)."""
    with ExitStack() as stack:
        qiita = stack.enter_context(fake_qiita.running())
        if latency:
            _delay(qiita, "handle", latency)
        x = FakeX()
        server = HTTPServer(threaded=True)
        server.expect_request(re.compile("^/")).respond_with_handler(
            _slow(x.handle, latency) if latency else x.handle
        )
        server.start()
        stack.callback(server.stop)

        env = {
            **os.environ,
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "XPOST_DATA_DIR": str(root / "data"),
            "XPOST_QIITA_TOKEN": fake_qiita.TOKEN,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            **{f"XPOST_TWITTER_{k.upper()}": v for k, v in CREDENTIALS.items()},
        }
        bare, clone = _zenn_repos(root, env, latency)
        site = root / "site" / "content" / "post" / "2022-07-15-mlse-infraop-wg"
        site.mkdir(parents=True)
        post = site / "index.md"
        shutil.copyfile(SEED, post)
        config = root / "xpost.toml"
        config.write_text(
            "[site]\n"
            'base_url = "https://chezo.uno/"\n'
            "[publish]\n"
            'targets = ["twitter", "qiita", "zenn", "connpass"]\n'
            "[twitter]\n"
            f'api_base = "{server.url_for("/").rstrip("/")}"\n'
            "[qiita]\n"
            f'api_base = "{qiita.url}"\n'
            "[zenn]\n"
            f'repo = "{clone}"\n'
            'username = "chezo"\n',
            encoding="utf-8",
        )
        yield World(root, post, config, qiita, x, bare, env)


def _zenn_repos(root: Path, env: dict[str, str], latency: float) -> tuple[Path, Path]:
    bare, clone = root / "origin.git", root / "zenn"
    _git(root, "init", "--quiet", "--bare", "--initial-branch=main", str(bare), env=env)
    _git(root, "init", "--quiet", "--initial-branch=main", str(clone), env=env)
    for key, value in (("user.name", "Chezo"), ("user.email", "chezo@example.com")):
        _git(clone, "config", key, value, env=env)
    (clone / "README.md").write_text("# Zenn\n", encoding="utf-8")
    _git(clone, "add", ".", env=env)
    _git(clone, "commit", "--quiet", "-m", "initial", env=env)
    _git(clone, "remote", "add", "origin", str(bare), env=env)
    _git(clone, "push", "--quiet", "--set-upstream", "origin", "main", env=env)
    if latency:
        hook = bare / "hooks" / "pre-receive"
        hook.write_text(f"#!/bin/sh\ncat >/dev/null\nsleep {latency}\n", encoding="utf-8")
        hook.chmod(0o755)
    return bare, clone


def _delay(obj: Any, method: str, seconds: float) -> None:
    setattr(obj, method, _slow(getattr(obj, method), seconds))


def _slow(func: Any, seconds: float) -> Any:
    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(seconds)
        return func(*args, **kwargs)

    return slow


#: A post written as an X thread, and one of its paragraphs (``{n}`` its number).
THREAD_POST = """---
title: "A thread about syndication"
date: 2024-05-01
tags: [python]
xpost:
  twitter:
    thread: true
---

{paragraphs}
"""

PARAGRAPH = "Paragraph number {n}. " + "This sentence makes the paragraph longer. " * 5
