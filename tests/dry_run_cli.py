"""Writing a post and running ``xpost publish --dry-run`` on it, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def write(path: Path, text: str | bytes) -> Path:
    """``text`` written to ``path`` (as UTF-8 when it is text), folders made."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def dry_run(*args: str) -> tuple[int, str, str]:
    """The real console entry point in a fresh process, as a user runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "xpost", "publish", *args, "--dry-run"],
        capture_output=True,
        text=True,
    )
    return result.returncode, result.stdout, result.stderr
