"""xpost's speed, measured the way a user feels it. Run: .venv/bin/python benchmarks/bench.py

1. Start-up: ``xpost --help`` against ``python -c "import click"``.
2. A dry-run of a real post for all four platforms against importing what it needs
   (click, markdown-it, markdownify, PyYAML), and a check that the network stack
   (requests, tweepy, keyring) is not imported by it.
3. Rendering throughput: ~5 KB posts rendered for all four targets, posts per second
   on one core.

Wall times are the median of --runs runs of a fresh process each, ours and the
baseline taking turns.
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
XPOST = [sys.executable, "-m", "xpost"]
EMPTY_CONFIG = Path(tempfile.mkdtemp(prefix="xpost-bench-")) / "xpost.toml"
NETWORK_MODULES = ("requests", "tweepy", "keyring", "urllib3", "http.client", "ssl")


def bench_env(config: Path) -> dict[str, str]:
    """A user's environment: an empty config, and bytecode caching on (as pip installs
    leave it), even where PYTHONDONTWRITEBYTECODE is set for development."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "XPOST_CONFIG": str(config)}


def walls(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command in milliseconds, one warm-up run first. The
    commands take turns, so that a busy moment of the machine hits them alike."""
    env = bench_env(EMPTY_CONFIG)
    times: list[list[float]] = [[] for _ in commands]
    for cmd in commands:
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    for _ in range(runs):
        for cmd, samples in zip(commands, times, strict=True):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            samples.append((time.perf_counter() - start) * 1000)
    return [statistics.median(samples) for samples in times]


def compare(label: str, ours: list[str], baseline: list[str], limit: float, runs: int) -> bool:
    mine, base = walls([ours, baseline], runs)
    ratio = mine / base
    verdict = "ok" if ratio <= limit else "TOO SLOW"
    print(
        f"{label:<34} {mine:7.1f} ms  baseline {base:7.1f} ms"
        f"  ×{ratio:.2f} (limit ×{limit})  {verdict}"
    )
    return ratio <= limit


def imported_by_dry_run(post: Path) -> list[str]:
    probe = (
        "import sys, runpy; sys.argv = ['xpost', 'publish', sys.argv[1], '--dry-run'];\n"
        "try: runpy.run_module('xpost', run_name='__main__')\n"
        "except SystemExit: pass\n"
        f"print('NETWORK:' + ','.join(m for m in {NETWORK_MODULES!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(post)],
        capture_output=True,
        text=True,
        env=bench_env(EMPTY_CONFIG),
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("NETWORK:"))
    return [m for m in line.removeprefix("NETWORK:").split(",") if m]


def render_throughput(seconds: float) -> float:
    """Posts per second, loading and rendering ~5 KB posts for all four targets."""
    from xpost.config import Config
    from xpost.prepare import prepare

    paragraph = (
        "機械学習の運用について議論しました。MLOps の課題は組織ごとに異なります。"
        "See [the notes](https://example.com/notes) and `code`.\n"
    )
    body = "\n\n".join(
        [f"## 見出し {i}\n\n{paragraph * 3}\n- item one\n- item two\n" for i in range(9)]
        + [
            '<iframe class="speakerdeck-iframe" src="https://speakerdeck.com/player/'
            'd2b7118ec5eb461fbe8c79bb6343f6b8" title="deck"></iframe>',
            "https://github.com/example/repo",
            "```python:main.py\nprint('hello')\n```",
        ]
    )
    with tempfile.TemporaryDirectory() as tmp:
        posts = []
        for i in range(50):
            path = Path(tmp) / f"post-{i:03}.md"
            path.write_text(
                f"---\ntitle: ベンチマーク記事 {i}\ntags: [python, mlops]\n"
                f"date: 2024-01-{i % 28 + 1:02}\ncanonical_url: https://example.com/p/{i}/\n"
                "xpost:\n  connpass:\n"
                f"    event_url: https://example.connpass.com/event/{i + 1}/\n"
                f"---\n\n{body}\n",
                encoding="utf-8",
            )
            posts.append(path)
        size = sum(p.stat().st_size for p in posts) / len(posts)
        config = Config()
        targets = ["twitter", "qiita", "zenn", "connpass"]
        prepare(posts[:2], config, targets)  # warm caches (adapter imports)
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            prepare(posts, config, targets)
            done += len(posts)
        rate = done / (time.perf_counter() - start)
    print(
        f"{f'render (4 targets, {size / 1024:.1f} KB posts)':<34} {rate:7.0f} posts/s"
        " (limit ≥ 200)"
        f"  {'ok' if rate >= 200 else 'TOO SLOW'}"
    )
    return rate


def main() -> int:
    EMPTY_CONFIG.write_text("# benchmark: defaults only\n")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    post = SEED if SEED.exists() else EXAMPLE
    py = sys.executable
    ok = compare("xpost --help", [*XPOST, "--help"], [py, "-c", "import click"], 1.5, args.runs)
    ok &= compare(
        f"dry-run {post.name} (4 targets)",
        [*XPOST, "publish", str(post), "--dry-run", "--to", "twitter,qiita,zenn,connpass"],
        [py, "-c", "import click, markdown_it, markdownify, yaml"],
        1.5,
        args.runs,
    )
    network = imported_by_dry_run(post)
    print(f"{'network modules a dry-run imports':<34} {', '.join(network) or 'none'}")
    ok &= not network
    ok &= render_throughput(args.seconds) >= 200
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
