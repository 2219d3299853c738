"""The documentation stays true: every config key documented, every command listed."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from xpost.adapters import registry
from xpost.cli import COMMANDS, COMPLETE_VAR, cli
from xpost.config import LedgerConfig, PublishConfig, ScheduleConfig, SiteConfig, load_config
from xpost.validation import convert

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def field_names(struct: type[msgspec.Struct]) -> set[str]:
    return {f.name for f in msgspec.structs.fields(struct)}


def test_config_example_is_valid_and_documents_every_key() -> None:
    config = load_config(EXAMPLE, registry.installed())
    text = EXAMPLE.read_text(encoding="utf-8")
    tables = tomllib.loads(text)
    off = commented_keys(text)  # keys without a default are shown as `# key = example`
    expected = {"site": SiteConfig, "publish": PublishConfig, "ledger": LedgerConfig}
    expected["schedule"] = ScheduleConfig
    expected |= {name: registry.load(name).Settings for name in registry.installed()}
    assert set(tables) == set(expected)
    for name, struct in expected.items():
        assert set(tables[name]) | set(off.get(name, {})) == field_names(struct), f"[{name}]"
        if name in config.platforms:
            convert(config.platforms[name], struct)  # the adapter accepts its table


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, (_, short_help) in COMMANDS.items():
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None and command.help, name
        assert short_help.endswith(".") and len(short_help) <= 66, name
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0
        assert result.output.startswith(f"Usage: cli {name} ")
        assert f"`xpost {name}" in readme, name


# --- config.example.toml works as it is, and documents its optional keys -----------

#: ``# key = value``: a key the example documents but leaves off (no default to show).
COMMENTED_KEY = re.compile(r"^# ([a-z_]+) = (.+)$")


def commented_keys(text: str) -> dict[str, dict[str, str]]:
    """Per table, the keys written as ``# key = value`` (off by default)."""
    found: dict[str, dict[str, str]] = {}
    table = ""
    for line in text.splitlines():
        if line.startswith("[") and line.endswith("]"):
            table = line[1:-1]
        elif match := COMMENTED_KEY.match(line):
            found.setdefault(table, {})[match[1]] = match[2]
    return found


def test_the_example_config_documents_optional_keys_with_valid_examples(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    off = commented_keys(text)
    assert off == {
        "site": {"language": '"ja"'},
        "ledger": {
            "path": '"~/xpost/xpost.sqlite3"',
            "url": '"postgresql://xpost@db.example.com/xpost"',
        },
        "qiita": {"organization_url_name": '"my-org"'},
        "zenn": {"publication": '"my_publication"'},
    }
    # Every key is there, set or off; and the examples of the keys that are off load too.
    on = tomllib.loads(text)
    for table, keys in off.items():
        assert not set(keys) & set(on[table]), table
        struct = registry.load(table).Settings if table in registry.installed() else None
        fields = field_names(struct or (SiteConfig if table == "site" else LedgerConfig))
        assert set(on[table]) | set(keys) == fields, table
    enabled = tmp_path / "all-on.toml"
    enabled.write_text(re.sub(r"(?m)^# ([a-z_]+ = )", r"\1", text), encoding="utf-8")
    config = load_config(enabled, registry.installed())
    assert config.ledger.path == "~/xpost/xpost.sqlite3"
    assert config.site.language == "ja"
    assert config.platforms["qiita"]["organization_url_name"] == "my-org"
    assert config.platforms["zenn"]["publication"] == "my_publication"


def test_the_example_config_copied_as_is_previews_the_example_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a new user does: copy the example to ./xpost.toml and preview a post. It
    # used to fail on Zenn (an invalid placeholder publication) and to send the Qiita
    # item to a placeholder organization.
    shutil.copyfile(EXAMPLE, tmp_path / "xpost.toml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XPOST_CONFIG", raising=False)
    post = str(ROOT / "examples" / "hello-xpost" / "index.md")
    result = CliRunner().invoke(cli, ["publish", post, "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    targets = {t["platform"]: t for t in json.loads(result.stdout)["posts"][0]["targets"]}
    assert [t["action"] for t in targets.values()] == ["create", "create", "create", "skip"]
    assert targets["qiita"]["payload"]["organization_url_name"] is None
    assert "publication_name" not in targets["zenn"]["payload"]["content"]


# --- every XPOST_* variable the documentation names exists ---------------------------

ENV_NAME = re.compile(r"XPOST_[A-Z0-9_]*[A-Z0-9](?![A-Z0-9_<])")


def known_env_vars() -> set[str]:
    from xpost import environment

    names = {environment.CONFIG, environment.DATA_DIR, environment.LEDGER_URL, environment.DEBUG}
    names.add(environment.SCAN_PROCESSES)
    names.add(COMPLETE_VAR.removeprefix("_"))
    for name in registry.installed():
        adapter = registry.load(name)
        names |= {environment.credential_variable(name, f) for f in adapter.credential_fields}
    names.add(environment.credential_variable("ledger", "password"))  # xpost auth set ledger
    return names


def test_xpost_reads_no_variable_the_environment_module_does_not_name() -> None:
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "src").rglob("*.py"))
    read = set(re.findall(r"os\.environ(?:\.get)?[\[(]\"(XPOST_[A-Z_]+)\"", source))
    assert read == set(), f"name these in xpost.environment: {sorted(read)}"


def help_texts() -> str:
    texts = [CliRunner().invoke(cli, ["--help"]).output]
    for name in COMMANDS:
        texts.append(CliRunner().invoke(cli, [name, "--help"]).output)
    for sub in ("set", "status", "remove", "login"):
        texts.append(CliRunner().invoke(cli, ["auth", sub, "--help"]).output)
    return "\n".join(texts)


def test_every_xpost_variable_the_docs_name_exists() -> None:
    docs = {
        "README.md": (ROOT / "README.md").read_text(encoding="utf-8"),
        "config.example.toml": EXAMPLE.read_text(encoding="utf-8"),
        "--help": help_texts(),
    }
    for path in sorted((ROOT / "contrib").rglob("*")):
        if path.is_file():
            docs[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    known = known_env_vars()
    for where, text in docs.items():
        unknown = sorted(set(ENV_NAME.findall(text)) - known)
        assert unknown == [], where
    # The schedules pass X's credentials under the names xpost reads (they once said
    # XPOST_TWITTER_CONSUMER_KEY, which nothing reads).
    for schedule in ("contrib/cron/xpost.crontab", "contrib/github-actions/xpost.yml"):
        for name in ("XPOST_TWITTER_API_KEY", "XPOST_TWITTER_API_SECRET", "XPOST_QIITA_TOKEN"):
            assert name in docs[schedule], (schedule, name)


def test_the_crontab_does_not_rely_on_cron_expanding_variables() -> None:
    # cron takes NAME=value lines literally: $HOME in PATH would never be expanded.
    lines = (ROOT / "contrib" / "cron" / "xpost.crontab").read_text(encoding="utf-8")
    settings = [line for line in lines.splitlines() if re.match(r"^[A-Z_]+=", line)]
    assert settings and all("$" not in line for line in settings)


def test_auth_help_lists_each_platforms_fields_in_order() -> None:
    text = CliRunner().invoke(cli, ["auth", "--help"]).output
    block = text.split("in the order 'xpost auth set' asks for them:\n")[1]
    block = block.split("\n\n")[0]  # the rows, built from the installed adapters
    rows: dict[str, str] = {}
    current = ""
    for line in block.splitlines():
        row = re.fullmatch(r" {4}(\S+) +(.*)", line)  # else a row's continuation
        current = row[1] if row else current
        rows[current] = rows.get(current, "") + " " + (row[2] if row else line)
    assert set(rows) == set(registry.installed())
    for name, row in rows.items():
        fields = list(registry.load(name).credential_fields)
        listed = [word for word in re.findall(r"[a-z0-9_]+", row) if word in fields]
        assert listed == fields, name
        if not fields:
            assert row.strip().startswith("none"), name


def test_auth_help_is_built_from_the_installed_adapters(monkeypatch: pytest.MonkeyPatch) -> None:
    from xpost.adapters.entry_points import EntryPoint

    notes = EntryPoint("notes", "xpost_notes:NotesAdapter", registry.GROUP)  # example-adapter
    broken = EntryPoint("broken", "no_such_module:Adapter", registry.GROUP)
    entries = {**registry.installed(), "notes": notes, "broken": broken}
    monkeypatch.setattr(registry, "installed", lambda: entries)
    result = CliRunner().invoke(cli, ["auth", "--help"])
    assert result.exit_code == 0
    assert re.search(r"(?m)^ {4}notes +token$", result.output)
    assert re.search(r"(?m)^ {4}broken +\(not loaded: adapter 'broken'", result.output)


# --- the README's samples and command table match the tool ---------------------------


def readme_block_after(marker: str) -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(marker, 1)[1].split("```", 1)[0]
    return block.strip("\n").splitlines()


def test_the_readme_dry_run_sample_is_real_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = readme_block_after("## What a dry-run shows\n\n```\n")
    command = sample[0]
    assert command == "$ xpost publish examples/hello-xpost/index.md --dry-run"
    monkeypatch.chdir(ROOT)
    empty = tmp_path / "empty.toml"  # no config at all, whatever this machine has
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("XPOST_CONFIG", str(empty))
    result = CliRunner().invoke(cli, command.split()[2:])
    assert result.exit_code == 0, result.output
    output = result.output.splitlines()
    # Every line shown is in the output, in the same order; "…" stands for lines left out.
    position = 0
    for line in sample[1:]:
        if line == "…":
            continue
        assert line in output[position:], line
        position = output.index(line, position) + 1


def test_the_readme_command_table_names_every_option() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {match[1]: match[0] for match in re.finditer(r"(?m)^\| `xpost (\w+)[^|]*", readme)}
    for name in COMMANDS:
        if name == "auth":
            continue  # a group: its subcommands are named in its row
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert command is not None
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt not in SAID_ONCE_FOR_ALL:
                    assert opt in rows[name], (name, opt)
    assert "takes `--config FILE`" in readme
    assert "takes `-q`" in readme and "and `-v`" in readme


#: Options every command has, which the README names once below the table.
SAID_ONCE_FOR_ALL = ("--help", "--config", "--quiet", "--verbose")
