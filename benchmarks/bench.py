"""xpost's speed where people feel it. Run: .venv/bin/python benchmarks/bench.py

Every case is the realistic one: a config with ``[site] base_url`` (so the X post
carries the canonical URL) and all four platforms.

1. Start-up: ``xpost --help`` against ``python -c "import click"``.
2. A dry-run of the seed post for all four platforms against importing what it needs
   (click, markdown-it, markdownify, PyYAML) — the import floor.
3. The same for a post written as a 10-part X thread with a link in every part.
4. That a dry-run imports no network stack (requests, tweepy, keyring, ssl, bs4).
5. Rendering throughput: ~5 KB posts with links, loaded and rendered for all four
   targets, posts per second on one core.

Each command runs in a fresh process, ours and its baseline taking turns (so that a
busy moment of a shared machine hits both alike); the ratio is taken per pair and the
median reported with its spread. CPU time (user + system of the child) is what the
targets are set on; wall time is shown beside it.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
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
TARGETS = "twitter,qiita,zenn,connpass"
NETWORK_MODULES = ("requests", "tweepy", "keyring", "urllib3", "http.client", "ssl", "bs4")
CONFIG = """\
[site]
base_url = "https://example.com/"
permalink = "/post/:slug/"
timezone = "Asia/Tokyo"

[publish]
targets = ["twitter", "qiita", "zenn", "connpass"]
"""


def thread_post(folder: Path) -> Path:
    """A post written as a 10-part X thread, a link in each part."""
    parts = [
        f"{i}. 機械学習基盤の運用で学んだこと その{i}: 監視と再学習の手順を決めておくと、"
        f"障害のときに迷いません。詳しくは https://example.com/notes/{i}/ を見てください。"
        for i in range(1, 11)
    ]
    path = folder / "thread.md"
    path.write_text(
        "---\ntitle: 運用の十か条\ndate: 2024-05-01\ntags: [mlops]\n"
        "xpost:\n  twitter: {thread: true}\n  connpass:\n"
        "    event_url: https://example.connpass.com/event/1/\n---\n\n" + "\n\n".join(parts) + "\n",
        encoding="utf-8",
    )
    return path


def bench_env(config: Path) -> dict[str, str]:
    """A user's environment: the config, and bytecode caching on (as pip installs leave
    it), even where PYTHONDONTWRITEBYTECODE is set for development."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "XPOST_CONFIG": str(config)}


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU, wall) of one run in milliseconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu * 1000, wall * 1000


def compare(
    label: str, ours: list[str], base: list[str], limit: float, runs: int, env: dict[str, str]
) -> bool:
    """Ours and the baseline in turns; the median CPU ratio against ``limit``."""
    for command in (ours, base):
        run_once(command, env)  # warm-up: bytecode written, files cached
    pairs = []
    for _ in range(runs):
        pairs.append((run_once(ours, env), run_once(base, env)))
    cpu_ratios = sorted(o[0] / b[0] for o, b in pairs)
    wall_ratios = sorted(o[1] / b[1] for o, b in pairs)
    ratio = statistics.median(cpu_ratios)
    q1, q3 = cpu_ratios[len(cpu_ratios) // 4], cpu_ratios[(3 * len(cpu_ratios)) // 4]
    print(
        f"{label:<36} cpu {statistics.median(o[0] for o, _ in pairs):6.1f} ms"
        f" / {statistics.median(b[0] for _, b in pairs):6.1f} ms  ×{ratio:.2f}"
        f" (IQR {q1:.2f}–{q3:.2f}; limit ×{limit})"
        f"  wall ×{statistics.median(wall_ratios):.2f}  {'ok' if ratio <= limit else 'TOO SLOW'}"
    )
    return ratio <= limit


def imported_by_dry_run(post: Path, env: dict[str, str]) -> list[str]:
    probe = (
        "import sys, runpy; sys.argv = ['xpost', 'publish', sys.argv[1], '--dry-run'];\n"
        "try: runpy.run_module('xpost', run_name='__main__')\n"
        "except SystemExit: pass\n"
        f"print('NETWORK:' + ','.join(m for m in {NETWORK_MODULES!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(post)], capture_output=True, text=True, env=env
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("NETWORK:"))
    return [m for m in line.removeprefix("NETWORK:").split(",") if m]


def render_throughput(seconds: float, config_path: Path) -> float:
    """Posts per second, loading and rendering ~5 KB posts for all four targets."""
    from xpost.config import load_config
    from xpost.prepare import prepare

    paragraph = (
        "機械学習の運用について議論しました。MLOps の課題は組織ごとに異なります。"
        "See [the notes](https://example.com/notes) and `code`, or https://example.org/a.\n"
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
                f"date: 2024-01-{i % 28 + 1:02}\n"
                "xpost:\n  connpass:\n"
                f"    event_url: https://example.connpass.com/event/{i + 1}/\n"
                f"---\n\n{body}\n",
                encoding="utf-8",
            )
            posts.append(path)
        size = sum(p.stat().st_size for p in posts) / len(posts)
        from xpost.adapters import registry

        config = load_config(config_path, registry.installed())
        targets = TARGETS.split(",")
        prepare(posts[:2], config, targets)  # warm caches (adapter imports)
        done, start = 0, time.process_time()
        while time.process_time() - start < seconds:
            prepare(posts, config, targets)
            done += len(posts)
        rate = done / (time.process_time() - start)
    label = f"render (4 targets, {size / 1024:.1f} KB posts, URLs)"
    print(f"{label:<36} {rate:6.0f} posts/s per CPU second (limit ≥ 500)", end="")
    print(f"  {'ok' if rate >= 500 else 'TOO SLOW'}")
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument(
        "--only",
        choices=["help", "dry-run", "thread", "network", "render"],
        action="append",
        help="run only these cases (repeatable); all by default",
    )
    args = parser.parse_args()
    cases = set(args.only or ["help", "dry-run", "thread", "network", "render"])
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()},"
        f" Python {platform.python_version()}; {args.runs} runs each, in turns;"
        f" load average {_load()}"
    )
    with tempfile.TemporaryDirectory(prefix="xpost-bench-") as tmp:
        config = Path(tmp) / "xpost.toml"
        config.write_text(CONFIG, encoding="utf-8")
        env = bench_env(config)
        post = SEED if SEED.exists() else EXAMPLE
        thread = thread_post(Path(tmp))
        py = sys.executable
        floor = [py, "-c", "import click, markdown_it, markdownify, yaml"]
        xpost = [str(Path(py).parent / "xpost")]
        if not Path(xpost[0]).exists():
            xpost = XPOST
        ok = True
        if "help" in cases:
            ok &= compare("xpost --help", [*xpost, "--help"], [py, "-c", "import click"], 1.2,
                          args.runs, env)  # fmt: skip
        dry_run = ["publish", "--dry-run", "--to", TARGETS]
        if "dry-run" in cases:
            ok &= compare(f"dry-run {post.name}", [*xpost, *dry_run, str(post)], floor, 1.3,
                          args.runs, env)  # fmt: skip
        if "thread" in cases:
            ok &= compare("dry-run 10-part thread, 10 links", [*xpost, *dry_run, str(thread)],
                          floor, 1.5, args.runs, env)  # fmt: skip
        if "network" in cases:
            network = imported_by_dry_run(post, env)
            print(f"{'network modules a dry-run imports':<36} {', '.join(network) or 'none'}")
            ok &= not network
        if "render" in cases:
            ok &= render_throughput(args.seconds, config) >= 500
    print(f"load average at the end: {_load()}")
    return 0 if ok else 1


def _load() -> str:
    """The 1-, 5- and 15-minute load averages (as ``uptime`` shows them)."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
