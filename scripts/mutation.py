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
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

COSMIC_RAY = "cosmic-ray==8.7.0"
ROOT = Path(__file__).resolve().parent.parent

#: The boundary tests every core module's mutants run against (what is sent, when, and
#: what is recorded is decided across these modules together).
CORE_BOUNDARIES = [
    "tests/test_plan_change_detection.py",
    "tests/test_publishing_decisions.py",
    "tests/test_schedule_boundaries.py",
    "tests/test_credential_checks.py",
    "tests/test_run_retries_and_handoffs.py",
    "tests/test_ledger_records.py",
]

#: module (its path under src/xpost, without ``.py``) → the tests that exercise it. Kept
#: true by ``problems()``: the script refuses to run, and tests/test_mutation_script.py
#: fails, when a module or a test file named here no longer exists.
MODULES: dict[str, list[str]] = {
    # ── the core: what is sent, when, and what is recorded ──
    "plan": [
        "tests/test_plan.py",
        "tests/test_publishing.py",
        *CORE_BOUNDARIES,
    ],
    "ledger/sqlite": [
        "tests/test_ledger.py",
        "tests/test_ledger_backends.py",
        "tests/test_ledger_records.py",
        "tests/test_ledger_sqlite_faults.py",
    ],
    "publishing": [
        "tests/test_publishing.py",
        "tests/test_preflight.py",
        "tests/test_cli_publish.py",
        *CORE_BOUNDARIES,
    ],
    "engine": [
        "tests/test_publishing.py",
        "tests/test_api.py",
        "tests/test_cli_publish.py",
        *CORE_BOUNDARIES,
    ],
    "schedule": [
        "tests/test_schedule.py",
        *CORE_BOUNDARIES,
    ],
    "credentials": [
        "tests/test_credentials.py",
        "tests/test_cli_auth.py",
        *CORE_BOUNDARIES,
    ],
    "runner": [
        "tests/test_run_fast_paths.py",
        "tests/test_cli_run.py",
        *CORE_BOUNDARIES,
    ],
    # ── X counting and composition ──
    "render/twitter_text": [
        "tests/test_twitter_text.py",
        "tests/test_x_emoji_counting.py",
        "tests/test_x_counting_boundaries.py",
    ],
    "render/twitter_urls": [
        "tests/test_twitter_urls.py",
        "tests/test_twitter_text.py",
        "tests/test_x_counting_boundaries.py",
    ],
    "platforms/twitter/compose": [
        "tests/test_tweet_compose.py",
        "tests/test_twitter_adapter.py",
        "tests/test_x_counting_boundaries.py",
    ],
    # ── the platform packages ──
    "platforms/twitter/adapter": [
        "tests/test_twitter_adapter.py",
        "tests/test_twitter_publish.py",
        "tests/test_platform_size_limits.py",
        "tests/test_x_counting_boundaries.py",
    ],
    "platforms/twitter/posting": [
        "tests/test_twitter_publish.py",
        "tests/test_platform_size_limits.py",
    ],
    "platforms/twitter/client": ["tests/test_twitter_publish.py"],
    "platforms/qiita/adapter": [
        "tests/test_qiita.py",
        "tests/test_qiita_publish.py",
        "tests/test_qiita_update_decisions.py",
    ],
    "platforms/qiita/items": [
        "tests/test_qiita_publish.py",
        "tests/test_qiita_update_decisions.py",
    ],
    "platforms/qiita/client": [
        "tests/test_qiita_publish.py",
        "tests/test_safety_http.py",
        "tests/test_qiita_update_decisions.py",
    ],
    "platforms/qiita/markdown": ["tests/test_qiita.py"],
    "platforms/zenn/adapter": ["tests/test_zenn.py", "tests/test_platform_size_limits.py"],
    "platforms/zenn/repository": ["tests/test_zenn_publish.py"],
    "platforms/connpass/adapter": [
        "tests/test_connpass.py",
        "tests/test_connpass_publish.py",
        "tests/test_platform_size_limits.py",
    ],
    "platforms/connpass/client": ["tests/test_connpass_publish.py", "tests/test_safety_http.py"],
}

#: module → a pytest ``-k`` expression narrowing its tests: the SQLite backend's mutants
#: need no PostgreSQL server (starting one per mutant took most of each run).
SELECT: dict[str, str] = {"ledger/sqlite": "not postgres"}

#: Mutants that cannot change what xpost does (equivalent), by module: (operator, the
#: mutated line's text stripped, column within it) → why. Matched by text, not by line
#: number: once the line changes, the mutant is a survivor again until someone looks.
#: Reported apart; the kill rate is over the others. ``--report`` shows each key.
EQUIVALENT: dict[str, dict[tuple[str, str, int], str]] = {
    # ── mut11b: X counting, composition and the platform packages ──
    "platforms/twitter/compose": {
        (
            "ReplaceComparisonOperator_Lt_LtE",
            "while size < len(sentence):",
            11,
        ): "at size == len the window ends at the last space: it holds the same cut as the "
        "whole sentence (URLs and hashtags end at whitespace)",
        (
            "ReplaceComparisonOperator_Gt_GtE",
            "if end > 0 and weighted_length(sentence[:end].rstrip()) > budget:",
            7,
        ): "end is never negative, and end == 0 is an empty prefix, never over budget",
        (
            "ReplaceComparisonOperator_Gt_NotEq",
            "if end > 0 and weighted_length(sentence[:end].rstrip()) > budget:",
            7,
        ): "end is never negative (_last_space returns 0 or an index)",
    },
    "platforms/twitter/adapter": {
        (
            "NumberReplacer",
            "f\"{posts[0]['weighted_length']}/{MAX_WEIGHTED_LENGTH}\"",
            9,
        ): "used only when there is one post: posts[0] is posts[-1]",
        (
            "ReplaceTrueWithFalse",
            "class TwitterSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):",
            74,
        ): "settings are only ever decoded from the config table by name",
    },
    "platforms/twitter/posting": {
        (
            "NumberReplacer",
            'f"X: image {path}: {len(data) / 1048576:.1f} MB is over X\'s "',
            32,
        ): "1048575 shifts the size shown by < 1 ppm: the tenth differs only at an exact .x5",
        (
            "NumberReplacer",
            "f\"{limit // 1048576} MB limit for {mime.split('/')[1].upper()} images\"",
            12,
        ): "5 MiB // 1048575 and 15 MiB // 1048575 are still 5 and 15",
    },
    "platforms/twitter/client": {
        (
            "ReplaceComparisonOperator_Eq_Is",
            'if headers.get("x-user-limit-24hour-remaining", "").strip() == "0"',
            60,
        ): "a one-character Latin-1 str is a singleton in CPython: '0' is '0'",
    },
    "platforms/qiita/client": {
        (
            "ReplaceBinaryOperator_Mul_Div",
            "*,",
            0,
        ): "'/,' makes method and path positional-only; every caller passes them so",
    },
    "platforms/zenn/adapter": {
        (
            "ReplaceComparisonOperator_Eq_Is",
            'return post.source.parent.name == "articles" and "emoji" in front and "topics" '
            "in front",
            31,
        ): "pathlib interns the parts of a path: the name is the interned 'articles'",
    },
    "platforms/zenn/repository": {
        (
            "ReplaceComparisonOperator_NotEq_IsNot",
            "if d != files[p].worktree or d != files[p].index",
            5,
        ): "a file already as written is written again with the same bytes: no change",
        (
            "ReplaceComparisonOperator_Eq_Is",
            'if result.outcome == "failed":',
            18,
        ): "outcomes are literals set in zenn/git.py: the same interned objects",
        (
            "NumberReplacer",
            "raw = line[len(key) + 1 :].strip()",
            22,
        ): "a front matter line is 'key: value' (YAML needs the space): one more cut "
        "character is that space",
    },
    "platforms/connpass/adapter": {
        (
            "ReplaceComparisonOperator_Eq_Is",
            'if facts.mode == "report" and not facts.canonical_url:',
            14,
        ): "the mode comes from a Literal option, decoded to the literal's own object",
        (
            "ReplaceTrueWithFalse",
            "class _Facts(Struct, frozen=True):",
            28,
        ): "the facts record is never assigned to nor used as a key",
    },
    "platforms/connpass/client": {
        (
            "NumberReplacer",
            "timeout: float = 30.0,",
            17,
        ): "the default is never used: the adapter always passes [publish] timeout",
    },
    "plan": {
        (
            "ReplaceComparisonOperator_Eq_LtE",
            "elif record.status == Status.AWAITING:",
            19,
        ): "only awaiting, failed and published get here; none sorts before 'awaiting'",
        (
            "ReplaceComparisonOperator_Eq_LtE",
            'elif record.status == "failed":',
            19,
        ): "only failed and published get here, and 'published' > 'failed'",
    },
    "engine": {
        (
            "ReplaceComparisonOperator_Eq_LtE",
            'if step.kind == "skip" and step.note and not step.target.reason:',
            13,
        ): "of the kinds sorting before 'skip' (confirm, create, reconcile, repost) none "
        "carries a note: plan_target notes only skip and unchanged steps",
    },
    "runner": {
        (
            "NumberReplacer",
            "parsed: int = 0  # front matters read by the scan",
            14,
        ): "the only RunReport is made by run(), which sets parsed from the scan before any return",
    },
    "schedule": {
        (
            "ReplaceComparisonOperator_Gt_NotEq",
            "if cooldown > 0 and last is not None and (now - last).total_seconds() < cooldown:",
            12,
        ): "a cooldown is never negative (parse_duration refuses it)",
    },
    "publishing": {
        (
            "ReplaceOrWithAnd",
            "if not step.sends or step.platform in found or step.platform in problems:",
            44,
        ): "a platform already decided is checked again with the same answer (local, "
        "idempotent): the same credentials, the same problem line",
    },
    "ledger/sqlite": {
        (
            "ReplaceBinaryOperator_BitOr_Add",
            'return [] if os.access(self.path, os.R_OK | os.W_OK) else [f"{self.path} is not '
            'writable"]',
            42,
        ): "R_OK + W_OK == R_OK | W_OK: the flags are distinct bits",
        (
            "ReplaceBinaryOperator_BitOr_BitXor",
            "os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))",
            48,
        ): "O_CREAT ^ O_EXCL == O_CREAT | O_EXCL: distinct bits",
        (
            "NumberReplacer",
            'app_id = db.execute("PRAGMA application_id").fetchone()[0]',
            56,
        ): "the PRAGMA answers one column: [-1] is [0]",
        (
            "NumberReplacer",
            'version = db.execute("PRAGMA user_version").fetchone()[0]',
            55,
        ): "the PRAGMA answers one column: [-1] is [0]",
        (
            "ReplaceComparisonOperator_Eq_Is",
            "if code == _SQLITE_IOERR:",
            8,
        ): "code is a small int (& 0xFF): CPython keeps one object per small int",
    },
}


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
    for module, known in EQUIVALENT.items():
        source = root / "src" / "xpost" / f"{module}.py"
        if module not in MODULES or not source.is_file():
            found.append(f"EQUIVALENT names {module}, not in MODULES")
            continue
        lines = {line.strip() for line in source.read_text(encoding="utf-8").splitlines()}
        found.extend(
            f"EQUIVALENT {module}: no line {text!r} any more"
            for _, text, _ in known
            if text not in lines
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
    parser.add_argument(
        "--report", action="store_true", help="only report the sessions of the last run"
    )
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
    sessions = ROOT / ".mutation"
    if args.report:
        return _report(args.modules or list(MODULES), sessions)
    python = ROOT / ".venv" / "bin" / "python"
    installed = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('cosmic-ray'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if installed != COSMIC_RAY.split("==")[1]:
        subprocess.run([python, "-m", "pip", "install", "-q", COSMIC_RAY], check=True)
    sessions.mkdir(exist_ok=True)
    modules = args.modules or list(MODULES)
    jobs = max(1, min(args.jobs, len(modules)))
    # One copy of the checkout per job: a mutant written into a copy must not be seen by
    # the tests of a module mutated at the same time.
    copies: Queue[Path] = Queue()
    for n in range(jobs):
        copies.put(_copy_of_checkout(sessions / f"tree{n or ''}"))

    def one(module: str) -> tuple[str, Outcome, float]:
        copy = copies.get()
        try:
            started = time.monotonic()
            outcome = _mutate(module, copy, sessions, python, args)
            return module, outcome, time.monotonic() - started
        finally:
            copies.put(copy)

    tally = Tally()
    with ThreadPoolExecutor(jobs) as pool:
        for module, outcome, seconds in pool.map(one, modules):
            tally.add(module, outcome, f"  {seconds / 60:5.1f} min")
    tally.total()
    return 0


def _report(modules: list[str], sessions: Path) -> int:
    """The results kept in ``.mutation/`` (the EQUIVALENT table applied as it is now)."""
    tally = Tally()
    for module in modules:
        session = sessions / f"{module.replace('/', '.')}.sqlite"
        if session.exists():
            tally.add(module, _results(session, module, sessions / "tree"))
    tally.total()
    return 0


@dataclass
class Outcome:
    """One module's mutants: how many ran and were killed; the survivors, the equivalent."""

    run: int
    killed: int
    survivors: list[str]
    equivalent: list[str]


@dataclass
class Tally:
    run: int = 0
    killed: int = 0
    equivalent: int = 0

    def add(self, module: str, outcome: Outcome, extra: str = "") -> None:
        self.run += outcome.run
        self.killed += outcome.killed
        self.equivalent += len(outcome.equivalent)
        counted = outcome.run - len(outcome.equivalent)
        rate = f"{100 * outcome.killed / counted:.0f} %" if counted else "-"
        print(
            f"{module:28} {outcome.run:4} run {outcome.killed:4} killed"
            f" {len(outcome.survivors):3} survived {len(outcome.equivalent):3} equivalent"
            f"  {rate:>5}{extra}",
            flush=True,
        )
        for survivor in outcome.survivors:
            print(f"    survived: {survivor}", flush=True)
        for equivalent in outcome.equivalent:
            print(f"    equivalent: {equivalent}", flush=True)

    def total(self) -> None:
        counted = max(self.run - self.equivalent, 1)
        print(
            f"{'total':28} {self.run:4} run {self.killed:4} killed"
            f" {self.run - self.killed - self.equivalent:3} survived {self.equivalent:3}"
            f" equivalent  {100 * self.killed / counted:.1f} % of the non-equivalent"
            f" ({100 * self.killed / max(self.run, 1):.1f} % of all)"
        )


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
) -> Outcome:
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
    return _results(session, module, copy)


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


def _results(session: Path, module: str, copy: Path) -> Outcome:
    lines = (copy / "src" / "xpost" / f"{module}.py").read_text(encoding="utf-8").splitlines()
    known = EQUIVALENT.get(module, {})
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT r.test_outcome, s.start_pos_row, s.start_pos_col, s.operator_name, "
            "s.occurrence FROM work_results r JOIN mutation_specs s ON s.job_id = r.job_id "
            "WHERE r.worker_outcome = 'NORMAL'"
        ).fetchall()
    outcome = Outcome(len(rows), sum(1 for row in rows if row[0] == "KILLED"), [], [])
    for test_outcome, row, col, operator, occurrence in sorted(rows, key=lambda r: r[1:]):
        if test_outcome != "SURVIVED":
            continue
        operator = operator.split("/")[-1]
        text = lines[row - 1] if 0 < row <= len(lines) else ""
        key = (operator, text.strip(), col - (len(text) - len(text.lstrip())))
        where = f"src/xpost/{module}.py:{row} {operator} #{occurrence}"
        if key in known:
            outcome.equivalent.append(f"{where}: {known[key]}")
        else:
            outcome.survivors.append(f"{where}  key {key!r}")
    return outcome


if __name__ == "__main__":
    sys.exit(main())
