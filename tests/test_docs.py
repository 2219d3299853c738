"""The documentation stays true: every config key documented, every command listed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec
from click.testing import CliRunner

from xpost.adapters import registry
from xpost.cli import COMMANDS, cli
from xpost.config import LedgerConfig, PublishConfig, ScheduleConfig, SiteConfig, load_config
from xpost.validation import convert

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config.example.toml"


def field_names(struct: type[msgspec.Struct]) -> set[str]:
    return {f.name for f in msgspec.structs.fields(struct)}


def test_config_example_is_valid_and_documents_every_key() -> None:
    config = load_config(EXAMPLE, registry.installed())
    tables = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    expected = {"site": SiteConfig, "publish": PublishConfig, "ledger": LedgerConfig}
    expected["schedule"] = ScheduleConfig
    expected |= {name: registry.load(name).Settings for name in registry.installed()}
    assert set(tables) == set(expected)
    for name, struct in expected.items():
        assert set(tables[name]) == field_names(struct), f"[{name}]"
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
