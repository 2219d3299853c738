"""A setup that cannot work is bad config (exit 2), found before anything is sent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

POST = "---\ntitle: Preflight\ndate: 2024-01-01\ntags: [python]\ncanonical_url: https://example.com/p/\n---\nHi\n"


def test_a_zenn_repo_that_is_not_git_is_bad_config(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text(POST, encoding="utf-8")
    not_a_repo = tmp_path / "zenn-content"
    not_a_repo.mkdir()
    config = tmp_path / "xpost.toml"
    config.write_text(f'[zenn]\nrepo = "{not_a_repo}"\n', encoding="utf-8")

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "xpost",
            "publish",
            str(post),
            "--to",
            "zenn",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"xpost: error: {config}: [zenn] repo: {not_a_repo} is not a git repository\n"
    )
    assert list(not_a_repo.iterdir()) == []  # nothing written
