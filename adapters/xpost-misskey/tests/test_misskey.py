"""Misskey: MFM escaping and counting, the dry run, publishing against the typed fake."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fake_misskey import TOKEN, FakeMisskey
from xpost_misskey import MisskeyAdapter
from xpost_misskey.adapter import MisskeySettings
from xpost_misskey.mfm import escape, note_length

from xpost.plugin import (
    AuthError,
    Draft,
    OutcomeUnknown,
    PostError,
    PublishContext,
    PublishError,
    RateLimited,
    Receipt,
    RetryPolicy,
    SiteConfig,
)
from xpost.testing import XpostCli, write_post

# -- MFM ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("**太字**の話", "<plain>**</plain>太字<plain>**</plain>の話"),
        (
            "$[x2 big] and `code`",
            "<plain>$[</plain>x2 big] and <plain>`</plain>code<plain>`</plain>",
        ),
        ("<center>hi</center>", "<plain><</plain>center>hi<plain><</plain>/center>"),
        ("a </plain> b", "a <plain><</plain>/plain> b"),
        (
            "thanks @alice and @bob@misskey.io",
            "thanks <plain>@alice</plain> and <plain>@bob@misskey.io</plain>",
        ),
        ("> quoted\nnot > quoted", "<plain>></plain> quoted\nnot > quoted"),
        ("Full-text search", "Full-text <plain>search</plain>"),
        ("MFM 検索", "MFM <plain>検索</plain>"),
        ("emoji :misskey: here", "emoji <plain>:misskey:</plain> here"),
        (
            "\\(x^2\\) [link](https://e.com)",
            "<plain>\\(</plain>x^2<plain>\\)</plain> [link<plain>](</plain>https://e.com)",
        ),
        ("snake_case stays, _italic_ not", "snake_case stays, <plain>_</plain>italic_ not"),
    ],
)
def test_markup_is_shown_as_written(text: str, escaped: str) -> None:
    assert escape(text) == escaped


def test_urls_and_hashtags_stay_live() -> None:
    text = "https://example.com/a_b*c~~d @x\n#Python #機械学習"
    assert escape(text) == "https://example.com/a_b*c~~d <plain>@x</plain>\n#Python #機械学習"


def test_length_is_utf16_units() -> None:
    assert note_length("あいう") == 3
    assert note_length("😀") == 2
    assert note_length("👨\u200d👩\u200d👧") == 8


# -- rendering ------------------------------------------------------------------------------


def test_seed_post_preview(cli: XpostCli, site: Path, tmp_path: Path, seed: Path) -> None:
    post = tmp_path / seed.name
    shutil.copy(seed, post)
    target = cli.dry_run(post, site)
    (note,) = target["payload"]["notes"]  # type: ignore[index]
    assert note == {
        "text": "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました\n\n"
        "MLSE の本番適用のためのインフラと運用WGの活動を終了しました。\n\n"
        "https://blog.example.com/post/2022-07-15-mlse-infraop-wg/",
        "length": 70 + 2 + 57,  # UTF-16 units; the URL counts as written
        "visibility": "public",
        "files": [],
    }
    assert target["warnings"] == []
    code, out, _err = cli(
        "publish", str(post), "--dry-run", "--to", "misskey", "--config", str(site)
    )
    assert code == 0 and "── Misskey · create · 129/3000" in out


def test_escaping_counts_toward_the_limit(cli: XpostCli, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[site]\nbase_url = "https://b.example"\n[misskey]\nmax_note_text_length = 100\n',
        encoding="utf-8",
    )
    post = write_post(tmp_path, "title: '" + "**強調** " * 30 + "'")
    target = cli.dry_run(post, config)
    (note,) = target["payload"]["notes"]  # type: ignore[index]
    assert note["length"] <= 100 and note_length(note["text"]) == note["length"]
    assert note["text"].count("<plain>") == note["text"].count("</plain>")
    assert "MFM markup in the text is shown as written (<plain>)" in target["warnings"]  # type: ignore[operator]


def test_thread_parts_fit(cli: XpostCli, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[misskey]\nmax_note_text_length = 200\n", encoding="utf-8")
    body = "\n\n".join("本文の文章です。" * 40 for _ in range(2)) + "\n"
    post = write_post(tmp_path, "title: 長い\nxpost: {misskey: {thread: true}}", body)
    notes = cli.dry_run(post, config)["payload"]["notes"]  # type: ignore[index]
    assert len(notes) > 3 and all(n["length"] <= 200 for n in notes)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("images: [{path: missing.png}]", "xpost.misskey.images[0]: no such file"),
        ("visibility: specified", "visibility"),
        ("cw: '  '", "xpost.misskey.cw: empty"),
        ("cww: x", "cww"),
    ],
)
def test_bad_options_are_refused_with_one_line(
    cli: XpostCli, site: Path, tmp_path: Path, options: str, message: str
) -> None:
    post = write_post(tmp_path, f"title: T\nxpost:\n  misskey:\n    {options}")
    code, _out, err = cli("publish", str(post), "--to", "misskey", "--config", str(site))
    assert code == 2 and message in err and err.count("\n") == 1


def test_dry_run_imports_no_network_stack(tmp_path: Path) -> None:
    post = write_post(tmp_path, "title: T")
    script = (
        "import sys; from xpost.cli import main\n"
        f"sys.argv = ['xpost', 'publish', {str(post)!r}, '--dry-run', '--to', 'misskey']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "names = ('requests', 'xpost.webapi', 'xpost_misskey.publish')\n"
        "print('LOADED', sorted(m for m in names if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


# -- publishing -------------------------------------------------------------------------------


def _adapter(instance: FakeMisskey) -> MisskeyAdapter:
    adapter = MisskeyAdapter(MisskeySettings(api_base=instance.url), SiteConfig())
    adapter.retry_policy = RetryPolicy(sleep=lambda seconds: None)
    return adapter


def _draft(cli: XpostCli, post: Path, site: Path) -> Draft:
    return Draft(platform="misskey", payload=cli.dry_run(post, site)["payload"])  # type: ignore[arg-type]


@pytest.fixture
def image_post(tmp_path: Path) -> Path:
    (tmp_path / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    return write_post(
        tmp_path,
        "title: '**MFM** の話'\nsummary: 要約\ntags: [Misskey]\n"
        "xpost: {misskey: {images: [{path: chart.png, alt: 図}], cw: ネタバレ}}",
    )


def test_a_note_with_a_file_and_its_alt_text(
    instance: FakeMisskey, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    receipt = _adapter(instance).publish(_draft(cli, image_post, site), None, ctx)
    (note,) = instance.notes.values()
    assert receipt.remote_id == note["id"] and receipt.url == f"{instance.url}/notes/{note['id']}"
    assert note["text"].startswith("<plain>**</plain>MFM<plain>**</plain> の話")
    assert note["text"].endswith("#Misskey") and note["cw"] == "ネタバレ"
    assert note["files"][0]["comment"] == "図"
    (upload,) = instance.named("drive/files/create")
    assert upload["comment"] == "図"


@pytest.mark.parametrize("kind", ["hang", "drop"])
def test_a_lost_answer_is_found_not_repeated(
    instance: FakeMisskey,
    cli: XpostCli,
    site: Path,
    image_post: Path,
    ctx: PublishContext,
    kind: str,
) -> None:
    instance.fault("notes/create", kind)
    receipt = _adapter(instance).publish(_draft(cli, image_post, site), None, ctx)
    assert len(instance.notes) == 1 and receipt.remote_id in instance.notes
    assert len(instance.named("notes/create")) == 1


def test_a_rerun_after_an_unknown_outcome_finds_the_note(
    instance: FakeMisskey, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    draft = _draft(cli, image_post, site)
    adapter = _adapter(instance)
    instance.fault("notes/create", "drop")
    instance.fault("users/notes", "none")  # the check before creating
    instance.fault("users/notes", "fail")  # the check after the lost answer fails too
    instance.fault("users/notes", "fail")
    instance.fault("users/notes", "fail")
    with pytest.raises(OutcomeUnknown):
        adapter.publish(draft, None, ctx)
    found = adapter.lookup(draft, None, ctx)
    assert found is not None and found.remote_id in instance.notes
    adapter.publish(draft, None, ctx)  # even a blind retry looks first
    assert len(instance.notes) == 1


def test_a_server_error_on_create_is_unknown_then_created_once(
    instance: FakeMisskey, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    draft = _draft(cli, image_post, site)
    adapter = _adapter(instance)
    instance.fault("notes/create", "fail", "INTERNAL_ERROR")
    with pytest.raises(OutcomeUnknown):
        adapter.publish(draft, None, ctx)
    assert adapter.lookup(draft, None, ctx) is None
    adapter.publish(draft, None, ctx)
    assert len(instance.notes) == 1


def test_a_half_posted_thread_resumes(
    instance: FakeMisskey,
    cli: XpostCli,
    tmp_path: Path,
    ctx: PublishContext,
    checkpoints: list[Receipt],
) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[misskey]\nmax_note_text_length = 200\n", encoding="utf-8")
    body = "\n\n".join("本文の文章です。" * 40 for _ in range(2)) + "\n"
    post = write_post(tmp_path, "title: 長い\nxpost: {misskey: {thread: true}}", body)
    draft = Draft(platform="misskey", payload=cli.dry_run(post, config)["payload"])  # type: ignore[arg-type]
    total = len(draft.payload["notes"])
    adapter = _adapter(instance)
    instance.fault("notes/create", "none")
    instance.fault("notes/create", "fail", "RATE_LIMIT_EXCEEDED")
    with pytest.raises(RateLimited):
        adapter.publish(draft, None, ctx)
    assert len(instance.notes) == 1 and len(checkpoints) == 1
    receipt = adapter.publish(draft, checkpoints[-1], ctx)
    assert len(receipt.state["parts"]) == total == len(instance.notes)
    parts = receipt.state["parts"]
    assert [instance.notes[p]["replyId"] for p in parts] == [None, *parts[:-1]]
    assert adapter.publish(draft, receipt, ctx) is receipt


def test_the_instance_limit_is_checked_before_sending(
    instance: FakeMisskey, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    instance.max_note_text_length = 20
    with pytest.raises(PostError, match="set \\[misskey\\] max_note_text_length = 20"):
        _adapter(instance).publish(_draft(cli, image_post, site), None, ctx)
    assert instance.named("notes/create") == [] and instance.files == {}


def test_a_wrong_token_is_an_auth_error(
    instance: FakeMisskey, cli: XpostCli, site: Path, image_post: Path
) -> None:
    ctx = PublishContext(credentials={"token": "wrong-token-123"}, timeout=0.5)
    with pytest.raises(AuthError, match="AUTHENTICATION_FAILED") as error:
        _adapter(instance).publish(_draft(cli, image_post, site), None, ctx)
    assert "wrong-token-123" not in str(error.value) and instance.notes == {}


def test_a_rate_limit_says_when(
    instance: FakeMisskey, cli: XpostCli, site: Path, tmp_path: Path, ctx: PublishContext
) -> None:
    instance.fault("notes/create", "limit")
    post = write_post(tmp_path, "title: T")
    with pytest.raises(RateLimited) as error:
        _adapter(instance).publish(_draft(cli, post, site), None, ctx)
    assert error.value.retry_after == 120 and instance.notes == {}


def test_unpublish_deletes_every_note_and_twice_is_fine(
    instance: FakeMisskey, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    adapter = _adapter(instance)
    receipt = adapter.publish(_draft(cli, image_post, site), None, ctx)
    adapter.unpublish(receipt, ctx)
    adapter.unpublish(receipt, ctx)
    assert instance.notes == {}


def test_whoami(instance: FakeMisskey, ctx: PublishContext) -> None:
    assert _adapter(instance).whoami(ctx) == f"@aki@{instance.url.split('://')[1]}"


def test_the_fake_refuses_what_misskey_js_refuses(instance: FakeMisskey) -> None:
    import requests

    answer = requests.post(
        instance.url + "/api/notes/create",
        json={"i": TOKEN, "text": "x", "visibility": "everyone", "files": []},
        timeout=5,
    )
    assert answer.status_code == 400
    message = answer.json()["error"]["message"]
    assert "'everyone' is not valid" in message and "'files' was unexpected" in message
    instance.violations.clear()


def test_cli_publish_then_unchanged(
    instance: FakeMisskey,
    cli: XpostCli,
    tmp_path: Path,
    image_post: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "live.toml"
    config.write_text(
        f'[site]\nbase_url = "https://blog.example.com"\n[misskey]\napi_base = "{instance.url}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("XPOST_MISSKEY_TOKEN", TOKEN)
    args = ["publish", str(image_post), "--to", "misskey", "--config", str(config), "--yes"]
    code, out, err = cli(*args)
    assert code == 0 and "created" in out, out + err
    code, out, _err = cli(*args)
    assert code == 0 and "unchanged" in out
    assert len(instance.notes) == 1


def test_publish_error_is_not_unknown_when_refused(
    instance: FakeMisskey, cli: XpostCli, site: Path, tmp_path: Path, ctx: PublishContext
) -> None:
    instance.fault("notes/create", "fail", "NO_SUCH_FILE")
    post = write_post(tmp_path, "title: T")
    with pytest.raises(PublishError) as error:
        _adapter(instance).publish(_draft(cli, post, site), None, ctx)
    assert not isinstance(error.value, OutcomeUnknown)


def test_a_copy_confirmed_by_its_url_can_be_taken_down(
    instance: FakeMisskey, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    adapter = _adapter(instance)
    receipt = adapter.publish(_draft(cli, image_post, site), None, ctx)
    assert adapter.receipt_for_url("https://example.com/@aki/123") is None
    confirmed = adapter.receipt_for_url(str(receipt.url))
    assert confirmed is not None and confirmed.remote_id == receipt.remote_id
    adapter.unpublish(confirmed, ctx)
    assert instance.notes == {}


def test_an_image_outside_the_site_is_refused_before_anything(
    cli: XpostCli, site: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    post = write_post(folder, "title: T\nxpost: {misskey: {images: [{path: ../secret.png}]}}")
    code, _out, err = cli(
        "publish", str(post), "--dry-run", "--to", "misskey", "--config", str(site)
    )
    assert code == 2 and "secret.png" in err


def test_preview_draws_each_note_escaped(cli: XpostCli, site: Path, image_post: Path) -> None:
    adapter = MisskeyAdapter(MisskeySettings(), SiteConfig())
    fragment = adapter.preview_html(_draft(cli, image_post, site))
    assert fragment is not None and fragment.count('<article class="x-post">') == 1
    assert "&lt;plain&gt;**&lt;/plain&gt;MFM" in fragment and "<plain>" not in fragment
    assert "CW: ネタバレ" in fragment and "[image: chart.png · alt: 図]" in fragment
