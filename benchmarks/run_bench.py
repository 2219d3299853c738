"""How cheap is ``xpost run`` on a big site? Compared with Hugo listing the same site.

Generates a Hugo site of N posts (default 10,000) in a temporary folder — nothing due:
most are scheduled for the future, some are drafts — then times, each in a fresh
process:

- ``xpost run --dry-run`` on a fresh ledger (every front matter is read once),
- the same again (the cache answers: files are only stat'ed),
- ``hugo list all`` on the same site, if ``hugo`` is installed.

Targets (issue 6): repeated run ≤ Hugo's time; first run ≤ 3 × Hugo's time.

    .venv/bin/python benchmarks/run_bench.py [--posts 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIG = """\
[site]
base_url = "https://example.com/"
content = ["content/post"]
timezone = "Asia/Tokyo"

[publish]
targets = ["qiita", "zenn"]
"""
HUGO_CONFIG = 'baseURL = "https://example.com/"\ntitle = "bench"\n'


def generate(root: Path, posts: int) -> None:
    (root / "content" / "post").mkdir(parents=True)
    (root / "xpost.toml").write_text(CONFIG, encoding="utf-8")
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    old = time.time() - 86400
    for n in range(posts):
        bundle = root / "content" / "post" / f"post-{n:05d}"
        bundle.mkdir()
        draft = "draft: true\n" if n % 10 == 0 else ""
        text = (
            f"---\ntitle: Post number {n}\ndate: 2099-{n % 12 + 1:02d}-{n % 28 + 1:02d}T09:00:00\n"
            f"tags: [python, hugo]\n{draft}summary: A generated post for the benchmark.\n---\n\n"
            + f"Paragraph {n} with a [link](https://example.com/{n}/) and some **bold** text.\n"
            * 20
        )
        index = bundle / "index.md"
        index.write_text(text, encoding="utf-8")
        os.utime(index, (old, old))


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="repeated runs (best is kept)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="xpost-run-bench-") as tmp:
        site = Path(tmp) / "site"
        generate(site, args.posts)
        env = {**os.environ, "XPOST_DATA_DIR": str(Path(tmp) / "data"), "NO_COLOR": "1"}
        env.pop("XPOST_CONFIG", None)
        xpost = [sys.executable, "-m", "xpost", "run", "--dry-run"]

        first = timed(xpost, site, env)
        repeated = min(timed(xpost, site, env) for _ in range(args.repeat))
        hugo = None
        if shutil.which("hugo"):
            command = ["hugo", "list", "all"]
            hugo = min(timed(command, site, env) for _ in range(args.repeat))

    print(f"site: {args.posts} Hugo page bundles, nothing due")
    print(f"xpost run --dry-run, first run (empty cache): {first:7.3f} s")
    print(f"xpost run --dry-run, repeated (best of {args.repeat}):   {repeated:7.3f} s")
    if hugo is None:
        print("hugo list all: hugo is not installed (apt-get install hugo)")
        return
    print(f"hugo list all (best of {args.repeat}):                  {hugo:7.3f} s")
    print(f"repeated / hugo = {repeated / hugo:.2f}   (target ≤ 1)")
    print(f"first / hugo    = {first / hugo:.2f}   (target ≤ 3)")


if __name__ == "__main__":
    main()
