"""What ``xpost --help`` and a dry-run load at start-up, kept from growing back.

Start-up is most of a dry-run (benchmarks/bench.py): every module imported, pattern
compiled and dataclass created at import is paid by every command. A module that
needs one of the names below imports it inside the function that uses it.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from xpost.cli import _HelpFormatter

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "hello-xpost" / "index.md"

# Run as the console script runs, then report what was loaded (before anything the
# probe itself would import) and which loaded xpost classes are dataclasses.
PROBE = """
import sys, runpy
sys.argv = ['xpost', *sys.argv[1:]]
code = 0
try:
    runpy.run_module('xpost', run_name='__main__')
except SystemExit as exit:
    code = exit.code
loaded = sorted(sys.modules)
dataclasses = sorted(
    f"{name}.{attr}"
    for name, module in list(sys.modules.items())
    if name.startswith('xpost')
    for attr, value in list(vars(module).items())
    if isinstance(value, type) and value.__module__ == name
    and '__dataclass_fields__' in vars(value)
)
sys.stderr.write(repr({'code': int(code or 0), 'loaded': loaded, 'dataclasses': dataclasses}))
"""

#: ``xpost --help`` lists the commands without importing one of them.
HELP_XPOST_MODULES = {
    "xpost",
    "xpost.__main__",
    "xpost.cli",
    "xpost.cli.groups",
    "xpost.cli.verbosity",
    "xpost.environment",
    "xpost.errors",
    "xpost.printable",
    "xpost.suggest",
}
#: Nor anything a command needs: config, Markdown, the ledger, the terminal size module.
HELP_MUST_NOT_LOAD = (
    "dataclasses",
    "difflib",
    "hashlib",
    "importlib.metadata",
    "json",
    "markdown_it",
    "msgspec",
    "platformdirs",
    "shutil",
    "sqlite3",
    "tempfile",
    "tomllib",
    "yaml",
    "zoneinfo",
)
#: A dry-run sends nothing: no network stack, no credentials, nothing that only
#: ``run``, ``preview`` or sending needs; ``regex`` only when a post must be cut.
DRY_RUN_MUST_NOT_LOAD = (
    "asyncio",
    "bs4",
    "concurrent.futures",
    "difflib",
    "email",
    "http.client",
    "importlib.metadata",
    "keyring",
    "markdownify",
    "PIL",
    "psycopg",
    "regex",
    "requests",
    "ssl",
    "subprocess",
    "tweepy",
    "urllib.request",
    "urllib3",
    "xml",
    "xpost.credentials",
    "xpost.media",
    "xpost.platforms.twitter.client",
    "xpost.platforms.zenn.git",
    "xpost.preview",
    "xpost.runner",
    "xpost.scan",
    "xpost.testing",
    "xpost.webapi",
    "xpost.writeback",
)
#: Creating a dataclass costs ~0.4 ms at import (its methods are generated and
#: compiled): records on the dry-run's path are msgspec Structs (~0.02 ms). These stay
#: dataclasses: the adapter API (authors call ``dataclasses.replace`` on them), a class
#: with a field left out of comparison, and the engine (its credential store kept out
#: of its repr).
DRY_RUN_DATACLASSES = {
    "xpost.adapters.base.Draft",
    "xpost.adapters.base.HandOff",
    "xpost.adapters.base.PublishContext",
    "xpost.adapters.base.Receipt",
    "xpost.content.model.LinkContext",
    "xpost.engine.Syndicator",
}

#: ``xpost run`` with nothing to send (an idle run, --mark-existing) reads front matters
#: and the ledger: no post body is parsed or rendered, no adapter loaded, nothing sent.
RUN_MUST_NOT_LOAD = (
    "markdown_it",
    "markdownify",
    "xpost.content.parse",
    "xpost.plan",
    "xpost.platforms.twitter.adapter",
    "xpost.post",
    "xpost.prepare",
    "xpost.publishing",
    *DRY_RUN_MUST_NOT_LOAD[: DRY_RUN_MUST_NOT_LOAD.index("xpost.runner")],
)


def probe(*args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, env=env
    )
    report: dict[str, Any] = ast.literal_eval(done.stderr.splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return report


def test_help_loads_only_the_command_list() -> None:
    report = probe("--help")
    loaded = set(report["loaded"])
    assert {m for m in loaded if m.startswith("xpost")} <= HELP_XPOST_MODULES
    assert sorted(loaded & set(HELP_MUST_NOT_LOAD)) == []


def test_a_dry_run_loads_nothing_it_does_not_use(tmp_path: Path) -> None:
    config = tmp_path / "xpost.toml"
    config.write_text(
        '[site]\nbase_url = "https://example.com/"\ntimezone = "Asia/Tokyo"\n'
        '[publish]\ntargets = ["twitter", "qiita", "zenn", "connpass"]\n',
        encoding="utf-8",
    )
    env = {**os.environ, "XPOST_CONFIG": str(config)}
    report = probe("publish", str(EXAMPLE), "--dry-run", env=env)
    loaded = set(report["loaded"])
    assert "xpost.platforms.twitter.compose" in loaded  # the probe saw a real dry-run
    assert sorted(loaded & set(DRY_RUN_MUST_NOT_LOAD)) == []
    assert set(report["dataclasses"]) <= DRY_RUN_DATACLASSES


@pytest.mark.parametrize("args", [["--mark-existing"], []])
def test_a_run_with_nothing_to_send_loads_no_post_machinery(
    args: list[str], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    (site / "content" / "post" / "a").mkdir(parents=True)
    (site / "content" / "post" / "a" / "index.md").write_text(
        "---\ntitle: A\ndate: 2020-01-01T00:00:00Z\n---\n\nBody with a [link](https://example.com/).\n",
        encoding="utf-8",
    )
    config = site / "xpost.toml"
    config.write_text(
        '[site]\nbase_url = "https://example.com/"\ncontent = ["content/post"]\n'
        '[publish]\ntargets = ["twitter", "qiita", "zenn", "connpass"]\n',
        encoding="utf-8",
    )
    env = {**os.environ, "XPOST_CONFIG": str(config), "XPOST_DATA_DIR": str(tmp_path / "data")}
    probe("run", "--mark-existing", env=env)  # the second run finds it done
    report = probe("run", *args, env=env)
    loaded = set(report["loaded"])
    assert "xpost.scan" in loaded  # the probe saw a real run
    assert sorted(loaded & set(RUN_MUST_NOT_LOAD)) == []


@pytest.mark.parametrize("columns", ["", "0", "x", "40", "72", "100", "300"])
def test_the_help_width_is_clicks_own(columns: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    monkeypatch.setattr(click.formatting, "FORCED_WIDTH", None)
    for max_width in (None, 60, 120):
        ours = _HelpFormatter(max_width=max_width).width
        assert ours == click.HelpFormatter(max_width=max_width).width
