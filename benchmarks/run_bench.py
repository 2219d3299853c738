"""How cheap is ``xpost run`` on a big site? Compared with ``hugo list all`` on the same site.

Run: .venv/bin/python benchmarks/run_bench.py [--posts 10000] [--runs 5] [--keep DIR]

Generates a Hugo site of N page bundles (default 10,000; try 100,000) with the config
every user has (``[site] base_url``, all four platforms): nine posts in ten published in
the past, one in ten a draft. Then, each command in a fresh process, taking turns with
``hugo list all`` so that a busy moment of the machine hits both alike:

- ``xpost run`` on an empty ledger (the first run on an existing site: every front
  matter is read into the scan cache, and the run refuses to send 9,000 posts at once,
  exit 2, as ``first_run_limit`` says);
- ``xpost run --mark-existing`` on another empty ledger (every front matter is read,
  every post and target recorded as already there);
- ``xpost run`` again after it, nothing due (the cache answers: files are only stat'ed).

Reports the median wall and CPU time of each (a run's forked readers included), their
ratio to Hugo's, the spread of the ratios, each command's peak memory and the machine's
load average. The peak is the whole process tree's, polled from ``/proc``: its summed
PSS (pages a forked reader shares with its parent counted once), never less than the
largest single process's max RSS; the summed RSS (shared pages counted in every process
that maps them) is shown beside it. Targets
(issue 13): first run and mark-existing ≤ ×0.5 Hugo's wall, repeated run ≤ ×0.3, peak
memory ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CONFIG = """\
[site]
base_url = "https://example.com/"
permalink = "/post/:slug/"
content = ["content/post"]
timezone = "Asia/Tokyo"

[publish]
targets = ["twitter", "qiita", "zenn", "connpass"]

[schedule]
min_age = "0s"
"""
HUGO_CONFIG = 'baseURL = "https://example.com/"\ntitle = "bench"\n'
PARAGRAPH = (
    "Paragraph {n} with a [link](https://example.com/{n}/), some **bold** text and"
    " `code`; 日本語の文も少し入ります。\n\n"
)


def generate(root: Path, posts: int) -> None:
    """A Hugo site of ``posts`` page bundles, ~2 KB each."""
    (root / "content" / "post").mkdir(parents=True)
    (root / "xpost.toml").write_text(CONFIG, encoding="utf-8")
    (root / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    old = time.time() - 86400
    for n in range(posts):
        bundle = root / "content" / "post" / f"post-{n:06d}"
        bundle.mkdir()
        draft = "draft: true\n" if n % 10 == 0 else ""
        text = (
            f"---\ntitle: Post number {n}\n"
            f"date: {2015 + n % 10}-{n % 12 + 1:02d}-{n % 28 + 1:02d}T09:00:00+09:00\n"
            f"tags: [python, hugo]\n{draft}summary: A generated post for the benchmark.\n"
            "xpost:\n  connpass:\n    event_url: https://example.connpass.com/event/1/\n"
            "---\n\n" + "".join(PARAGRAPH.format(n=n) for _ in range(15))
        )
        index = bundle / "index.md"
        index.write_text(text, encoding="utf-8")
        os.utime(index, (old, old))


@dataclass
class Sample:
    wall: float  # seconds
    cpu: float  # seconds, user + system, its child processes included
    max_rss_mb: float  # the largest single process's peak (the kernel's ru_maxrss)
    tree_rss_mb: float = 0.0  # the process tree's peak sum of RSS (polled)
    tree_pss_mb: float = 0.0  # the same in PSS: pages shared after a fork counted once

    @property
    def peak_mb(self) -> float:
        """What the whole command held at its peak: a forked reader's pages shared with
        its parent are counted once (PSS), and never less than the largest process."""
        return max(self.max_rss_mb, self.tree_pss_mb)


class TreeMemory(threading.Thread):
    """Polls a process and its descendants (``/proc``, Linux) every few milliseconds for
    their summed RSS and PSS: ``ru_maxrss`` only knows the largest single process, and
    ``RUSAGE_CHILDREN`` does not add children up either."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.rss_kb = self.pss_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.005):
            rss = pss = 0
            for pid in _tree(self.pid):
                try:
                    with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
                        for line in rollup:
                            if line.startswith(b"Rss:"):
                                rss += int(line.split()[1])
                            elif line.startswith(b"Pss:"):
                                pss += int(line.split()[1])
                except OSError:  # gone meanwhile, or no /proc here
                    continue
            self.rss_kb, self.pss_kb = max(self.rss_kb, rss), max(self.pss_kb, pss)


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
        except OSError:
            continue
    return pids


def measure(command: list[str], cwd: Path, env: dict[str, str], expect: int = 0) -> Sample:
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    memory = TreeMemory(process.pid)
    memory.start()
    assert process.stderr is not None
    errors = process.stderr.read()
    memory.done.set()  # the output closed: the command is ending
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    memory.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != expect:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}): {errors.decode()[-500:]}")
    return Sample(
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        memory.rss_kb / 1024,
        memory.pss_kb / 1024,
    )


def report(label: str, ours: list[Sample], hugo: list[Sample], limit: float) -> bool:
    ratios = sorted(a.wall / b.wall for a, b in zip(ours, hugo, strict=True))
    cpu_ratios = sorted(a.cpu / b.cpu for a, b in zip(ours, hugo, strict=True))
    wall = statistics.median(s.wall for s in ours)
    cpu = statistics.median(s.cpu for s in ours)
    rss = max(s.peak_mb for s in ours)
    tree_rss = max(s.tree_rss_mb for s in ours)
    ratio = statistics.median(ratios)
    ok = ratio <= limit and rss <= 150
    print(
        f"{label:<34} wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {rss:5.0f} MB"
        f" (tree RSS sum {tree_rss:.0f} MB)"
        f"  wall ×{ratio:.2f} of hugo [{ratios[0]:.2f}–{ratios[-1]:.2f}]"
        f"  cpu ×{statistics.median(cpu_ratios):.2f}"
        f"  (limit ×{limit}, 150 MB) {'ok' if ok else 'TOO SLOW'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="samples of each, taking turns")
    parser.add_argument("--keep", type=Path, help="generate the site here (reused if there)")
    args = parser.parse_args()
    if not shutil.which("hugo"):
        sys.exit("hugo is not installed (apt-get install hugo): it is the baseline")

    with tempfile.TemporaryDirectory(prefix="xpost-run-bench-") as tmp:
        site = args.keep or Path(tmp) / "site"
        if not (site / "xpost.toml").is_file():
            generate(site, args.posts)
        env = {k: v for k, v in os.environ.items() if k not in ("XPOST_CONFIG",)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # as pip installs leave it: bytecode cached
        env["NO_COLOR"] = "1"
        xpost = [sys.executable, "-m", "xpost", "run"]
        hugo_cmd = ["hugo", "list", "all"]
        measure(hugo_cmd, site, env)  # warm the file system cache for both

        firsts: list[Sample] = []
        marks: list[Sample] = []
        repeats: list[Sample] = []
        hugos: list[Sample] = []
        loads: list[float] = []
        for run in range(args.runs):
            loads.append(os.getloadavg()[0])
            env["XPOST_DATA_DIR"] = str(Path(tmp) / f"first-{run}")
            hugos.append(measure(hugo_cmd, site, env))
            firsts.append(measure(xpost, site, env, expect=2))  # refuses: first_run_limit
            env["XPOST_DATA_DIR"] = str(Path(tmp) / f"data-{run}")
            hugos.append(measure(hugo_cmd, site, env))
            marks.append(measure([*xpost, "--mark-existing"], site, env))
            hugos.append(measure(hugo_cmd, site, env))
            repeats.append(measure(xpost, site, env))

    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"site: {args.posts:,} Hugo page bundles, 4 platforms, base_url set ({machine})")
    print(
        f"load average (1 min) at the start of each round: {', '.join(f'{x:.1f}' for x in loads)}"
    )
    print(f"hugo list all: median wall {statistics.median(s.wall for s in hugos):.2f} s")
    ok = report("xpost run (first, empty ledger)", firsts, hugos[0::3], 0.5)
    ok &= report("xpost run --mark-existing (first)", marks, hugos[1::3], 0.5)
    ok &= report("xpost run, nothing due (repeated)", repeats, hugos[2::3], 0.3)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
