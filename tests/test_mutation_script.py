"""scripts/mutation.py's module map stays true: every module and test file it names exists.

The map went stale once (modules moved under ``platforms/``, test files renamed) and the
script then mutated nothing; this test and the script's own check keep that loud.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("xpost_mutation", ROOT / "scripts/mutation.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_listed_module_and_test_file_exists(script: ModuleType) -> None:
    assert script.problems(ROOT) == []


def test_the_modules_that_decide_what_is_sent_are_all_listed(script: ModuleType) -> None:
    core = {"plan", "publishing", "engine", "schedule", "credentials", "runner"}
    assert core <= set(script.MODULES)
    assert any(module.startswith("ledger") for module in script.MODULES)
    for platform in ("twitter", "qiita", "zenn", "connpass"):
        assert f"platforms/{platform}/adapter" in script.MODULES


def test_a_moved_module_or_renamed_test_is_reported(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = {"adapters/twitter": ["tests/test_twitter_adapter.py"], "plan": ["tests/test_qa.py"]}
    monkeypatch.setattr(script, "MODULES", stale)
    monkeypatch.setattr(script, "SELECT", {"ledger": "not postgres"})
    gone = ("ReplaceComparisonOperator_Eq_Is", "if kind == 'old':", 8)
    monkeypatch.setattr(script, "EQUIVALENT", {"plan": {gone: "why"}, "ledger": {}})
    assert script.problems(ROOT) == [
        "module src/xpost/adapters/twitter.py does not exist",
        "plan: test file tests/test_qa.py does not exist",
        "SELECT names ledger, not in MODULES",
        "EQUIVALENT plan: no line \"if kind == 'old':\" any more",
        "EQUIVALENT names ledger, not in MODULES",
    ]
