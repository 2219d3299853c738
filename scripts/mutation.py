"""Mutation testing of the modules that decide what is sent: do the tests notice a bug?

Runs cosmic-ray (pinned below) over a copy of the checkout, so the working tree is never
touched: each mutant (an operator flipped, a constant changed, a condition negated…) is
applied to the copy and the module's own tests run against it; a mutant the tests do
not fail on "survives" and is a missing test. Not part of CI: it takes hours in full.

    scripts/mutation                       # every module, every mutant
    scripts/mutation --sample 40 plan ledger/sqlite
    scripts/mutation --sample 30 --seed 7 --timeout 120

Prints one line per module (mutants run, killed, survived, kill rate) and each
survivor as ``module:line operator``; the sessions stay in ``.mutation/`` for
``cr-report .mutation/<module>.sqlite``.
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Queue

COSMIC_RAY = "cosmic-ray==8.7.0"
ROOT = Path(__file__).resolve().parent.parent

#: module (its path under src/xpost, without ``.py``) → the tests that exercise it. Kept
#: true by ``problems()``: the script refuses to run, and tests/test_mutation_script.py
#: fails, when a module or a test file named here no longer exists.
MODULES: dict[str, list[str]] = {
    # ── the core: what is sent, when, and what is recorded ──
    "plan": [
        "tests/test_plan.py",
        "tests/test_publishing.py",
        "tests/test_mutants.py",
        "tests/test_mutants_core.py",
    ],
    "ledger/sqlite": [
        "tests/test_ledger.py",
        "tests/test_ledger_backends.py",
        "tests/test_mutants.py",
        "tests/test_mutants_ledger.py",
    ],
    "publishing": [
        "tests/test_publishing.py",
        "tests/test_preflight.py",
        "tests/test_cli_publish.py",
        "tests/test_mutants.py",
        "tests/test_mutants_core.py",
    ],
    "engine": [
        "tests/test_publishing.py",
        "tests/test_api.py",
        "tests/test_cli_publish.py",
        "tests/test_mutants.py",
        "tests/test_mutants_core.py",
    ],
    "schedule": ["tests/test_schedule.py", "tests/test_mutants.py", "tests/test_mutants_core.py"],
    "credentials": [
        "tests/test_credentials.py",
        "tests/test_cli_auth.py",
        "tests/test_mutants.py",
        "tests/test_mutants_core.py",
    ],
    "runner": [
        "tests/test_run_fast_paths.py",
        "tests/test_cli_run.py",
        "tests/test_mutants.py",
        "tests/test_mutants_core.py",
    ],
    # ── X counting and composition ──
    "render/twitter_text": [
        "tests/test_twitter_text.py",
        "tests/test_x_emoji_counting.py",
        "tests/test_mutants.py",
    ],
    "render/twitter_urls": ["tests/test_twitter_urls.py"],
    "platforms/twitter/compose": [
        "tests/test_tweet_compose.py",
        "tests/test_twitter_adapter.py",
        "tests/test_mutants.py",
    ],
    # ── the platform packages ──
    "platforms/twitter/adapter": ["tests/test_twitter_adapter.py"],
    "platforms/twitter/posting": ["tests/test_twitter_publish.py"],
    "platforms/twitter/client": ["tests/test_twitter_publish.py"],
    "platforms/qiita/adapter": ["tests/test_qiita.py", "tests/test_qiita_publish.py"],
    "platforms/qiita/items": ["tests/test_qiita_publish.py", "tests/test_mutants.py"],
    "platforms/qiita/client": ["tests/test_qiita_publish.py"],
    "platforms/qiita/markdown": ["tests/test_qiita.py"],
    "platforms/zenn/adapter": ["tests/test_zenn.py", "tests/test_mutants.py"],
    "platforms/zenn/repository": ["tests/test_zenn_publish.py"],
    "platforms/connpass/adapter": ["tests/test_connpass.py", "tests/test_connpass_publish.py"],
    "platforms/connpass/client": ["tests/test_connpass_publish.py"],
}

#: module → a pytest ``-k`` expression narrowing its tests: the SQLite backend's mutants
#: need no PostgreSQL server (starting one per mutant took most of each run).
SELECT: dict[str, str] = {"ledger/sqlite": "not postgres"}


def problems(root: Path = ROOT) -> list[str]:
    """What in ``MODULES`` no longer exists (a module moved, a test file renamed)."""
    found: list[str] = []
    for module, tests in MODULES.items():
        if not (root / "src" / "xpost" / f"{module}.py").is_file():
            found.append(f"module src/xpost/{module}.py does not exist")
        if not tests:
            found.append(f"module {module} has no tests")
        found.extend(
            f"{module}: test file {test} does not exist"
            for test in tests
            if not (root / test).is_file()
        )
    found.extend(
        f"SELECT names {module}, not in MODULES" for module in SELECT if module not in MODULES
    )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument("--sample", type=int, help="at most this many mutants per module")
    parser.add_argument("--seed", type=int, default=11, help="which sample (default 11)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per mutant")
    parser.add_argument(
        "--jobs", type=int, default=1, help="modules run at once, each in its own copy (default 1)"
    )
    parser.add_argument("--check", action="store_true", help="only check the module map")
    args = parser.parse_args()
    stale = problems()
    if stale:
        for problem in stale:
            print(f"scripts/mutation.py: MODULES is stale: {problem}", file=sys.stderr)
        return 2
    if args.check:
        print(f"{len(MODULES)} modules, every module and test file present")
        return 0
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)}")
    python = ROOT / ".venv" / "bin" / "python"
    installed = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('cosmic-ray'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if installed != COSMIC_RAY.split("==")[1]:
        subprocess.run([python, "-m", "pip", "install", "-q", COSMIC_RAY], check=True)
    sessions = ROOT / ".mutation"
    sessions.mkdir(exist_ok=True)
    modules = args.modules or list(MODULES)
    jobs = max(1, min(args.jobs, len(modules)))
    # One copy of the checkout per job: a mutant written into a copy must not be seen by
    # the tests of a module mutated at the same time.
    copies: Queue[Path] = Queue()
    for n in range(jobs):
        copies.put(_copy_of_checkout(sessions / f"tree{n or ''}"))

    def one(module: str) -> tuple[str, int, list[str], int, float]:
        copy = copies.get()
        try:
            started = time.monotonic()
            killed, survivors, run = _mutate(module, copy, sessions, python, args)
            return module, killed, survivors, run, time.monotonic() - started
        finally:
            copies.put(copy)

    run_total = killed_total = 0
    with ThreadPoolExecutor(jobs) as pool:
        for module, killed, survivors, run, seconds in pool.map(one, modules):
            run_total += run
            killed_total += killed
            rate = f"{100 * killed / run:.0f} %" if run else "-"
            print(
                f"{module:28} {run:4} run {killed:4} killed {run - killed:3} survived"
                f"  {rate:>5}  {seconds / 60:5.1f} min",
                flush=True,
            )
            for survivor in survivors:
                print(f"    survived: {survivor}", flush=True)
    rate = 100 * killed_total / max(run_total, 1)
    print(f"{'total':28} {run_total:4} run {killed_total:4} killed  {rate:.1f} %")
    return 0


def _copy_of_checkout(copy: Path) -> Path:
    """The committed tree in a temporary folder (mutants are written there, not here)."""
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", copy], input=archive.stdout, check=True)
    node = ROOT / "tests" / "node" / "node_modules"
    if node.is_dir():
        (copy / "tests" / "node" / "node_modules").symlink_to(node)
    # The tests find the platforms' contracts beside the checkout (../shared).
    shared, beside = ROOT.parent / "shared", copy.parent / "shared"
    if shared.is_dir() and not beside.exists():
        beside.symlink_to(shared.resolve())
    return copy


def _mutate(
    module: str, copy: Path, sessions: Path, python: Path, args: argparse.Namespace
) -> tuple[int, list[str], int]:
    name = module.replace("/", ".")
    config = sessions / f"{name}.toml"
    session = sessions / f"{name}.sqlite"
    tests = " ".join(MODULES[module])
    if module in SELECT:
        tests += f" -k '{SELECT[module]}'"
    # PYTHONPATH puts the mutated copy ahead of the editable install, for subprocesses too.
    config.write_text(
        "[cosmic-ray]\n"
        f'module-path = "src/xpost/{module}.py"\n'
        f"timeout = {args.timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{python} -m pytest -x -q -p no:cacheprovider {tests}"\n'
        "[cosmic-ray.distributor]\n"
        'name = "local"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(copy / "src"), "XPOST_REQUIRE_SHARED": "1"}
    session.unlink(missing_ok=True)
    cosmic = [str(python), "-m", "cosmic_ray.cli"]
    subprocess.run([*cosmic, "init", str(config), str(session)], cwd=copy, env=env, check=True)
    _drop_annotation_mutants(session, copy / "src" / "xpost" / f"{module}.py")
    if args.sample:
        _keep_sample(session, args.sample, args.seed)
    subprocess.run([*cosmic, "exec", str(config), str(session)], cwd=copy, env=env, check=True)
    return _results(session, module)


def _drop_annotation_mutants(session: Path, source: Path) -> None:
    """Mutants inside type annotations (``str | None`` → ``str + None``) change nothing
    at run time under ``from __future__ import annotations``: equivalent, not run."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for node in ast.walk(tree):
        hints: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            hints.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            hints.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            hints.append(node.annotation)
        for hint in hints:
            if hint is not None and hint.end_lineno is not None and hint.end_col_offset is not None:
                spans.append(
                    ((hint.lineno, hint.col_offset), (hint.end_lineno, hint.end_col_offset))
                )
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT job_id, start_pos_row, start_pos_col FROM mutation_specs"
        ).fetchall()
        inside = [
            (job,)
            for job, row, col in rows
            if any(start <= (row, col) < end for start, end in spans)
        ]
        db.executemany("DELETE FROM mutation_specs WHERE job_id = ?", inside)
        db.executemany("DELETE FROM work_items WHERE job_id = ?", inside)


def _keep_sample(session: Path, size: int, seed: int) -> None:
    """Drop all but ``size`` randomly chosen mutants (the same ones for the same seed and
    source: chosen by operator and occurrence, since cosmic-ray's job ids are random)."""
    with sqlite3.connect(session) as db:
        jobs = [
            job
            for job, *_ in sorted(
                db.execute("SELECT job_id, operator_name, occurrence FROM mutation_specs"),
                key=lambda row: (row[1], row[2]),
            )
        ]
        if len(jobs) <= size:
            return
        dropped = sorted(set(jobs) - set(random.Random(seed).sample(jobs, size)))
        db.executemany("DELETE FROM mutation_specs WHERE job_id = ?", [(j,) for j in dropped])
        db.executemany("DELETE FROM work_items WHERE job_id = ?", [(j,) for j in dropped])


def _results(session: Path, module: str) -> tuple[int, list[str], int]:
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT r.test_outcome, s.start_pos_row, s.operator_name, s.occurrence "
            "FROM work_results r JOIN mutation_specs s ON s.job_id = r.job_id "
            "WHERE r.worker_outcome = 'NORMAL'"
        ).fetchall()
    killed = sum(1 for outcome, *_ in rows if outcome == "KILLED")
    survivors = [
        f"src/xpost/{module}.py:{line} {operator.split('/')[-1]} #{occurrence}"
        for outcome, line, operator, occurrence in rows
        if outcome == "SURVIVED"
    ]
    return killed, sorted(survivors), len(rows)


if __name__ == "__main__":
    sys.exit(main())
