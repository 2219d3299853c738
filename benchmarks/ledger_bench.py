"""An idle ``xpost run`` on a big site: the PostgreSQL ledger against the SQLite one.

Generates the same Hugo site as ``run_bench.py`` (N posts, default 10,000, nothing
due), starts a throwaway PostgreSQL cluster (``scripts/pg-cluster``; Debian's
postgresql must be installed), fills both ledgers' caches with a first run, then
times repeated idle runs, each in a fresh process, alternating the two backends so
that the machine's noise falls on both alike. Prints medians and the ratio.

    .venv/bin/python benchmarks/ledger_bench.py [--posts 10000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run_bench import generate, timed

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    xpost = [sys.executable, "-m", "xpost", "run", "--dry-run"]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        root.chmod(0o755)  # the server runs as another user when this runs as root
        generate(root / "site", args.posts)
        cluster = root / "pg"
        url = subprocess.run(
            [str(ROOT / "scripts" / "pg-cluster"), "start", str(cluster)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        try:
            base = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
            envs = {
                "sqlite": {**base, "XPOST_DATA_DIR": str(root / "data-sqlite")},
                "postgres": {
                    **base,
                    "XPOST_DATA_DIR": str(root / "data-pg"),
                    "XPOST_LEDGER_URL": url,
                    "PGPASSWORD": (cluster / "password").read_text(),
                },
            }
            first = {name: timed(xpost, root / "site", env) for name, env in envs.items()}
            times: dict[str, list[float]] = {name: [] for name in envs}
            for _ in range(args.repeat):
                for name, env in envs.items():
                    times[name].append(timed(xpost, root / "site", env))
        finally:
            subprocess.run([str(ROOT / "scripts" / "pg-cluster"), "stop", str(cluster)])
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"site: {args.posts} posts, nothing due; {args.repeat} idle runs per backend, alternating"
    )
    for name in envs:
        spread = f"{min(times[name]):.2f}–{max(times[name]):.2f}"
        print(
            f"{name:9} first run {first[name]:.2f} s; idle run median "
            f"{statistics.median(times[name]):.2f} s ({spread})"
        )
    ratio = statistics.median(times["postgres"]) / statistics.median(times["sqlite"])
    print(f"postgres / sqlite, idle run: ×{ratio:.2f}")


if __name__ == "__main__":
    main()
