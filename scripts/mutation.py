"""Mutation testing of the modules that decide what is sent: do the tests notice a bug?

Runs cosmic-ray (pinned below) over a copy of the checkout, so the working tree is never
touched: each mutant (an operator flipped, a constant changed, a condition negated…) is
applied to the copy and the module's own tests run against it; a mutant the tests do
not fail on "survives" and is a missing test. Not part of CI: it takes hours in full.

    scripts/mutation                       # every module, every mutant
    scripts/mutation --sample 40 plan ledger
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
from pathlib import Path

COSMIC_RAY = "cosmic-ray==8.7.0"
ROOT = Path(__file__).resolve().parent.parent

#: module (under src/xpost) → the tests that exercise it.
MODULES: dict[str, list[str]] = {
    "plan": ["tests/test_plan.py", "tests/test_publishing.py", "tests/test_mutants.py"],
    "ledger": ["tests/test_ledger.py", "tests/test_ledger_backends.py", "tests/test_mutants.py"],
    "publishing": ["tests/test_publishing.py", "tests/test_preflight.py"],
    "render/twitter_text": ["tests/test_twitter_text.py", "tests/test_twitter_urls.py"],
    "render/tweet_compose": [
        "tests/test_tweet_compose.py",
        "tests/test_twitter_adapter.py",
        "tests/test_mutants.py",
    ],
    "adapters/twitter": ["tests/test_twitter_adapter.py"],
    "adapters/twitter_publish": ["tests/test_twitter_publish.py"],
    "adapters/qiita": ["tests/test_qiita.py", "tests/test_qiita_publish.py"],
    "adapters/qiita_publish": ["tests/test_qiita_publish.py", "tests/test_mutants.py"],
    "adapters/zenn": ["tests/test_zenn.py", "tests/test_mutants.py"],
    "adapters/zenn_publish": ["tests/test_zenn_publish.py"],
    "adapters/connpass": ["tests/test_connpass.py", "tests/test_connpass_publish.py"],
    "schedule": ["tests/test_schedule.py", "tests/test_mutants.py"],
    "credentials": ["tests/test_credentials.py", "tests/test_cli_auth.py"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("modules", nargs="*", help=f"some of: {', '.join(MODULES)}")
    parser.add_argument("--sample", type=int, help="at most this many mutants per module")
    parser.add_argument("--seed", type=int, default=11, help="which sample (default 11)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per mutant")
    args = parser.parse_args()
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)}")
    python = ROOT / ".venv" / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", COSMIC_RAY], check=True)
    copy = _copy_of_checkout()
    sessions = ROOT / ".mutation"
    sessions.mkdir(exist_ok=True)
    totals = [0, 0]
    for module in args.modules or list(MODULES):
        killed, survivors, run = _mutate(module, copy, sessions, python, args)
        totals[0] += run
        totals[1] += killed
        rate = f"{100 * killed / run:.0f} %" if run else "-"
        print(f"{module:28} {run:4} run {killed:4} killed {run - killed:3} survived  {rate}")
        for survivor in survivors:
            print(f"    survived: {survivor}")
    run, killed = totals
    print(f"{'total':28} {run:4} run {killed:4} killed  {100 * killed / max(run, 1):.1f} %")
    return 0


def _copy_of_checkout() -> Path:
    """The committed tree in a temporary folder (mutants are written there, not here)."""
    copy = ROOT / ".mutation" / "tree"
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
    """Drop all but ``size`` randomly chosen mutants (the same ones for the same seed)."""
    with sqlite3.connect(session) as db:
        jobs = sorted(row[0] for row in db.execute("SELECT job_id FROM work_items"))
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
