"""xpost from Python: ``xpost.dry_run`` and ``xpost.publish``, without click."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import xpost
from e2e_world import world
from xpost.errors import ExitCode, PostError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "hello-xpost" / "index.md"


def test_import_xpost_loads_nothing_else() -> None:
    probe = "import sys, xpost; print(sorted(m for m in sys.modules if m.startswith('xpost')))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stdout.strip() == "['xpost']"


def test_dry_run_needs_no_account_and_sends_nothing() -> None:
    [post] = xpost.dry_run([EXAMPLE], to=["qiita", "zenn"])
    assert post.post.title
    assert [t.platform for t in post.targets] == ["qiita", "zenn"]
    assert [t.action for t in post.targets] == ["create", "create"]
    qiita = post.targets[0].draft
    assert qiita is not None and qiita.payload["title"] == post.post.title


@pytest.mark.shared
def test_publish_sends_once_and_a_rerun_sends_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with world(tmp_path) as w:
        for name, value in w.env.items():
            monkeypatch.setenv(name, value)
        [result] = xpost.publish([w.post], to=["qiita"], config=w.config)
        assert [(o.platform, o.outcome) for o in result.outcomes] == [("qiita", "created")]
        [again] = xpost.publish([str(w.post)], to=["qiita"], config=w.config)
        assert [o.outcome for o in again.outcomes] == ["unchanged"]
        assert len(w.qiita.items) == 1


def test_bad_input_raises_the_cli_s_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.md"
    broken.write_text("---\ntitle: [unclosed\n---\nbody\n", encoding="utf-8")
    with pytest.raises(PostError) as caught:
        xpost.dry_run([broken])
    assert caught.value.exit_code == ExitCode.BAD_INPUT
    assert str(broken) in str(caught.value)
