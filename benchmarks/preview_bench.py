"""``xpost preview`` against ``xpost publish --dry-run``: the preview should cost a
dry-run plus the HTML. Run: .venv/bin/python benchmarks/preview_bench.py

1. Whole commands, as a user runs them: a fresh process each, the median of --runs
   runs, the two commands taking turns (a busy moment hits both alike).
2. In one process: the dry-run's work (load, render, plan) against the preview's
   (the same, then the page), per post, so the HTML's own cost is seen apart from
   start-up.

Posts: the seed post (../shared/examples, when present) and the repository's
example; both for all four built-in targets. The limits checked: preview ≤ dry-run
+ 200 ms per command (start-up noise on a shared machine included), and the page
≤ 100 ms per post in process.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "examples" / "2022-07-15-mlse-infraop-wg.md"
EXAMPLE = ROOT / "examples" / "hello-xpost" / "index.md"
TARGETS = "twitter,qiita,zenn,connpass"
COMMAND_LIMIT_MS = 200.0
PAGE_LIMIT_MS = 100.0


def config(folder: Path) -> Path:
    path = folder / "xpost.toml"
    path.write_text('[site]\nbase_url = "https://chezo.uno"\n', encoding="utf-8")
    return path


def commands(posts: list[Path], folder: Path, runs: int) -> bool:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env |= {"XPOST_CONFIG": str(config(folder)), "XPOST_DATA_DIR": str(folder / "data")}
    xpost = [sys.executable, "-m", "xpost"]
    ok = True
    for post in posts:
        pair = [
            [*xpost, "publish", str(post), "--dry-run", "--to", TARGETS],
            [*xpost, "preview", str(post), "--to", TARGETS, "-o", str(folder / "p.html")],
        ]
        samples: list[list[float]] = [[], []]
        for cmd in pair:
            subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm-up
        for _ in range(runs):
            for cmd, times in zip(pair, samples, strict=True):
                start = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, env=env)
                times.append((time.perf_counter() - start) * 1000)
        dry, preview = (statistics.median(times) for times in samples)
        verdict = "ok" if preview - dry <= COMMAND_LIMIT_MS else "TOO SLOW"
        ok &= verdict == "ok"
        print(
            f"{post.name:<36} dry-run {dry:7.1f} ms  preview {preview:7.1f} ms  "
            f"(+{preview - dry:5.1f} ms)  {verdict}"
        )
    return ok


def in_process(posts: list[Path], folder: Path, runs: int) -> bool:
    from xpost.adapters import registry
    from xpost.config import load_config
    from xpost.prepare import Renderer, prepare
    from xpost.preview.build import build_preview
    from xpost.preview.page import render_page

    os.environ["XPOST_DATA_DIR"] = str(folder / "data")
    settings = load_config(config(folder), registry.installed())
    platforms = TARGETS.split(",")
    ok = True
    for post in posts:
        build_preview(post, settings, platforms)  # warm: imports, lexers, caches
        prep, page = [], []
        for _ in range(runs):
            start = time.perf_counter()
            renderer = Renderer(settings)
            (prepared,) = prepare([post], settings, platforms, renderer)
            middle = time.perf_counter()
            html = render_page(prepared, renderer)
            end = time.perf_counter()
            prep.append((middle - start) * 1000)
            page.append((end - middle) * 1000)
        p, h = statistics.median(prep), statistics.median(page)
        verdict = "ok" if h <= PAGE_LIMIT_MS else "TOO SLOW"
        ok &= verdict == "ok"
        print(
            f"{post.name:<36} load+render {p:6.1f} ms  page {h:6.1f} ms  "
            f"({len(html) // 1024} KiB)  {verdict}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    posts = [p for p in (SEED, EXAMPLE) if p.is_file()]
    with tempfile.TemporaryDirectory(prefix="xpost-preview-bench-") as tmp:
        folder = Path(tmp)
        print("whole commands (fresh process, median):")
        ok = commands(posts, folder, args.runs)
        print("in one process (median):")
        ok &= in_process(posts, folder, args.runs * 3)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
