"""Publishing fans out: three platforms that each take 300 ms per answer cost about as
much as the slowest one, not the sum. Run: .venv/bin/python benchmarks/publish_bench.py

Every run is the real ``xpost publish`` in a fresh process against a fresh world (the
fake Qiita and X APIs from the tests, a Zenn repository whose bare remote takes as long
to accept a push); see tests/e2e_world.py. It publishes the seed post to each platform
alone, then to all three at once, and compares.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from e2e_world import world  # noqa: E402

PLATFORMS = ("twitter", "qiita", "zenn")


def publish_time(targets: str, latency: float) -> float:
    """Seconds for one ``xpost publish --to targets`` in a fresh world."""
    with tempfile.TemporaryDirectory() as tmp, world(Path(tmp), latency=latency) as w:
        start = time.perf_counter()
        done = w.xpost("publish", str(w.post), "--to", targets)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"publish --to {targets} failed:\n{done.stdout}{done.stderr}")
        return elapsed


def median(targets: str, latency: float, runs: int) -> float:
    return statistics.median(publish_time(targets, latency) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    latency = args.latency
    baseline = median(",".join(PLATFORMS), 0.0, args.runs)
    print(f"all three, no latency (startup + local work)  {baseline * 1000:7.0f} ms")
    alone = {name: median(name, latency, args.runs) for name in PLATFORMS}
    for name, seconds in alone.items():
        print(f"{name + ' alone':<45} {seconds * 1000:7.0f} ms")
    together = median(",".join(PLATFORMS), latency, args.runs)
    print(f"{'all three at once':<45} {together * 1000:7.0f} ms")
    print(f"{'sum if they ran one after another':<45} {sum(alone.values()) * 1000:7.0f} ms")
    # The bound: xpost's own time (no latency) plus at most 1.3 × one latency.
    limit = baseline + 1.3 * latency
    verdict = "ok" if together <= limit else "TOO SLOW"
    print(f"{'limit (no-latency run + 1.3 × latency)':<45} {limit * 1000:7.0f} ms  {verdict}")
    return 0 if together <= limit else 1


if __name__ == "__main__":
    sys.exit(main())
