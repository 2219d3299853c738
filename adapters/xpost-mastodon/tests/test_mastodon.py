"""Mastodon: rendering through the CLI's dry run, publishing against the OpenAPI-checked fake."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fake_mastodon import TOKEN, FakeMastodon
from xpost_mastodon import MastodonAdapter
from xpost_mastodon.adapter import MastodonSettings
from xpost_mastodon.counting import status_length

from xpost.plugin import (
    AuthError,
    Draft,
    OutcomeUnknown,
    PostError,
    PublishContext,
    PublishError,
    RateLimited,
    Receipt,
    RemoteConflict,
    RetryPolicy,
    SiteConfig,
)
from xpost.testing import XpostCli, write_post

# -- counting ---------------------------------------------------------------------------


def test_every_url_counts_23_and_remote_mentions_count_locally() -> None:
    url = "https://example.com/" + "a" * 100
    assert status_length(f"読んで {url}") == 4 + 23
    assert status_length("@aki@mastodon.example.org hi") == len("@aki hi")
    assert status_length("example.com") == 11  # no scheme: no link, counted as written
    assert status_length("👨\u200d👩\u200d👧\u200d👦") == 1  # graphemes
    assert status_length("body", spoiler="CW") == 6  # the content warning counts too


# -- rendering ----------------------------------------------------------------------------


def test_seed_post_preview(cli: XpostCli, site: Path, tmp_path: Path, seed: Path) -> None:
    post = tmp_path / seed.name
    shutil.copy(seed, post)
    target = cli.dry_run(post, site)
    (status,) = target["payload"]["statuses"]  # type: ignore[index]
    assert status["status"] == (
        "機械学習工学研究会夏合宿2022でMLインフラ運用WGを終了しました\n\n"
        "MLSE の本番適用のためのインフラと運用WGの活動を終了しました。\n\n"
        "https://blog.example.com/post/2022-07-15-mlse-infraop-wg/"
    )
    assert status["characters"] == 70 + 2 + 23
    assert status["visibility"] == "public" and status["media"] == []
    assert status["idempotency_key"].startswith("xpost-")
    code, out, _err = cli(
        "publish", str(post), "--dry-run", "--to", "mastodon", "--config", str(site)
    )
    assert code == 0 and "── Mastodon · create · 95/500" in out and "(95/500, public)" in out


def test_a_long_post_is_cut_to_the_configured_limit(cli: XpostCli, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[site]\nbase_url = "https://blog.example.com"\n[mastodon]\nmax_characters = 120\n',
        encoding="utf-8",
    )
    post = write_post(tmp_path, f"title: {'長いタイトル' * 30}\ntags: [Python]")
    target = cli.dry_run(post, config)
    (status,) = target["payload"]["statuses"]  # type: ignore[index]
    assert status["characters"] <= 120 and status["status"].endswith(
        "https://blog.example.com/post/post/"
    )


def test_thread_parts_fit(cli: XpostCli, site: Path, tmp_path: Path) -> None:
    body = "\n\n".join("本文の文章です。" * 40 for _ in range(3)) + "\n"
    post = write_post(tmp_path, "title: 長い\nxpost: {mastodon: {thread: true}}", body)
    statuses = cli.dry_run(post, site)["payload"]["statuses"]  # type: ignore[index]
    assert len(statuses) > 2 and all(s["characters"] <= 500 for s in statuses)
    assert len({s["idempotency_key"] for s in statuses}) == len(statuses)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("images: [{path: missing.png}]", "xpost.mastodon.images[0]: no such file"),
        ("language: japanese", "is not an ISO 639 language code"),
        ("visibility: everyone", "visibility"),
        ("images: [{path: a.png, alt: '" + "x" * 1501 + "'}]", "1501 characters"),
        ("spoiler_text: '" + "x" * 501 + "'", "spoiler_text"),
    ],
)
def test_bad_options_are_refused_with_one_line(
    cli: XpostCli, site: Path, tmp_path: Path, options: str, message: str
) -> None:
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    post = write_post(tmp_path, f"title: T\nxpost:\n  mastodon:\n    {options}")
    code, _out, err = cli("publish", str(post), "--to", "mastodon", "--config", str(site))
    assert code == 2 and message in err and err.count("\n") == 1


def test_publishing_without_an_instance_is_bad_config(
    cli: XpostCli, site: Path, tmp_path: Path
) -> None:
    post = write_post(tmp_path, "title: T")
    code, _out, err = cli("publish", str(post), "--to", "mastodon", "--config", str(site))
    assert code == 2 and "[mastodon] api_base" in err


def test_dry_run_imports_no_network_stack(tmp_path: Path) -> None:
    post = write_post(tmp_path, "title: T")
    script = (
        "import sys; from xpost.cli import main\n"
        f"sys.argv = ['xpost', 'publish', {str(post)!r}, '--dry-run', '--to', 'mastodon']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "names = ('requests', 'xpost.webapi', 'xpost_mastodon.publish')\n"
        "print('LOADED', sorted(m for m in names if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


# -- publishing ---------------------------------------------------------------------------


def _adapter(instance: FakeMastodon) -> MastodonAdapter:
    adapter = MastodonAdapter(MastodonSettings(api_base=instance.url), SiteConfig())
    adapter.retry_policy = RetryPolicy(sleep=lambda seconds: None)
    return adapter


def _draft(cli: XpostCli, post: Path, site: Path) -> Draft:
    return Draft(platform="mastodon", payload=cli.dry_run(post, site)["payload"])  # type: ignore[arg-type]


@pytest.fixture
def image_post(tmp_path: Path) -> Path:
    (tmp_path / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    return write_post(
        tmp_path,
        "title: 記事 & <tags>\nsummary: 要約\nlanguage: ja-JP\ntags: [Python]\n"
        "xpost: {mastodon: {images: [{path: chart.png, alt: グラフ}], spoiler_text: 長文}}",
    )


def test_a_status_with_an_image_and_its_description(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    receipt = _adapter(instance).publish(_draft(cli, image_post, site), None, ctx)
    (status,) = instance.statuses.values()
    assert receipt.remote_id == status["id"] and receipt.url == status["url"]
    assert instance.sources[status["id"]]["text"].startswith("記事 & <tags>\n\n要約")
    assert status["language"] == "ja" and status["spoiler_text"] == "長文"
    (media,) = status["media_attachments"]
    assert media["description"] == "グラフ"
    assert instance.named("POST", "/api/v2/media")[0]["file"] == "<image/png 58 bytes>"


@pytest.mark.parametrize("kind", ["hang", "drop"])
def test_a_lost_answer_is_retried_with_the_same_idempotency_key(
    instance: FakeMastodon,
    cli: XpostCli,
    site: Path,
    image_post: Path,
    ctx: PublishContext,
    kind: str,
) -> None:
    instance.fault("POST", "/api/v1/statuses", kind)
    _adapter(instance).publish(_draft(cli, image_post, site), None, ctx)
    assert len(instance.statuses) == 1
    assert len(instance.named("POST", "/api/v1/statuses")) == 2  # sent twice, made once


def test_no_answer_at_all_is_unknown_and_lookup_finds_the_status(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    draft = _draft(cli, image_post, site)
    adapter = _adapter(instance)
    for _ in range(3):
        instance.fault("POST", "/api/v1/statuses", "drop")
    with pytest.raises(OutcomeUnknown):
        adapter.publish(draft, None, ctx)
    assert len(instance.statuses) == 1
    found = adapter.lookup(draft, None, ctx)
    assert found is not None and found.remote_id == next(iter(instance.statuses))
    assert found.state["complete"] is True


def test_lookup_finds_nothing_when_nothing_was_made(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    assert _adapter(instance).lookup(_draft(cli, image_post, site), None, ctx) is None


def test_a_thread_and_its_resume_never_repeat_a_part(
    instance: FakeMastodon,
    cli: XpostCli,
    site: Path,
    tmp_path: Path,
    ctx: PublishContext,
    checkpoints: list[Receipt],
) -> None:
    body = "\n\n".join(f"段落{i}。" + "本文の文章です。" * 40 for i in range(3)) + "\n"
    post = write_post(tmp_path, "title: 長い\nxpost: {mastodon: {thread: true}}", body)
    draft = _draft(cli, post, site)
    total = len(draft.payload["statuses"])
    adapter = _adapter(instance)
    # part 2 is made but its answer is lost, and the retries fail: the run stops there
    instance.fault("POST", "/api/v1/statuses", "none")
    instance.fault("POST", "/api/v1/statuses", "drop")
    instance.fault("POST", "/api/v1/statuses", "fail", 503, {"error": "down"})
    instance.fault("POST", "/api/v1/statuses", "fail", 503, {"error": "down"})
    with pytest.raises(OutcomeUnknown):
        adapter.publish(draft, None, ctx)
    assert len(instance.statuses) == 2 and len(checkpoints) == 1
    assert checkpoints[-1].state["complete"] is False
    assert adapter.unfinished(checkpoints[-1])
    receipt = adapter.publish(draft, checkpoints[-1], ctx)
    assert receipt.state["complete"] is True and len(instance.statuses) == total
    parts = receipt.state["parts"]
    for parent, child in itertools.pairwise(parts):
        assert instance.statuses[child]["in_reply_to_id"] == parent


def test_a_changed_post_is_edited_in_place(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    adapter = _adapter(instance)
    receipt = adapter.publish(_draft(cli, image_post, site), None, ctx)
    image_post.write_text(
        image_post.read_text(encoding="utf-8").replace("summary: 要約", "summary: 新しい要約"),
        encoding="utf-8",
    )
    updated = adapter.publish(_draft(cli, image_post, site), receipt, ctx)
    (status,) = instance.statuses.values()
    assert updated.remote_id == receipt.remote_id
    assert "新しい要約" in instance.sources[status["id"]]["text"]
    assert len(status["media_attachments"]) == 1  # the image stays
    (put,) = instance.named("PUT", "/api/v1/statuses/{id}")
    assert "visibility" not in put  # an edit cannot change it
    # Unchanged now: an update sends nothing but the limits check.
    again = adapter.publish(_draft(cli, image_post, site), updated, ctx)
    assert len(instance.named("PUT", "/api/v1/statuses/{id}")) == 1
    assert again.state["parts"] == updated.state["parts"]


def test_an_edit_made_on_mastodon_is_not_overwritten_without_force(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    adapter = _adapter(instance)
    receipt = adapter.publish(_draft(cli, image_post, site), None, ctx)
    instance.statuses[receipt.remote_id]["edited_at"] = "2099-01-01T00:00:00.000Z"
    image_post.write_text(image_post.read_text(encoding="utf-8") + "\nmore\n", encoding="utf-8")
    changed = image_post.read_text(encoding="utf-8").replace("summary: 要約", "summary: 別")
    image_post.write_text(changed, encoding="utf-8")
    with pytest.raises(RemoteConflict):
        adapter.publish(_draft(cli, image_post, site), receipt, ctx)
    ctx.force = True
    adapter.publish(_draft(cli, image_post, site), receipt, ctx)
    assert "別" in instance.sources[receipt.remote_id]["text"]


def test_the_instance_limit_is_checked_before_sending(
    instance: FakeMastodon, cli: XpostCli, site: Path, tmp_path: Path, ctx: PublishContext
) -> None:
    instance.max_characters = 50
    post = write_post(tmp_path, f"title: {'長いタイトル' * 10}")
    with pytest.raises(PostError, match="allows 50: set \\[mastodon\\] max_characters = 50"):
        _adapter(instance).publish(_draft(cli, post, site), None, ctx)
    assert instance.named("POST", "/api/v1/statuses") == []


def test_a_bad_token_is_an_auth_error(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path
) -> None:
    ctx = PublishContext(credentials={"access_token": "revoked-token-xyz"}, timeout=0.5)
    with pytest.raises(AuthError, match="The access token is invalid") as error:
        _adapter(instance).publish(_draft(cli, image_post, site), None, ctx)
    assert "revoked-token-xyz" not in str(error.value)
    assert instance.statuses == {}


def test_rate_limit_says_when(
    instance: FakeMastodon, cli: XpostCli, site: Path, tmp_path: Path, ctx: PublishContext
) -> None:
    for _ in range(3):
        instance.fault("POST", "/api/v1/statuses", "limit")
    post = write_post(tmp_path, "title: T")
    with pytest.raises(RateLimited) as error:
        _adapter(instance).publish(_draft(cli, post, site), None, ctx)
    assert error.value.retry_after is not None and 200 < error.value.retry_after <= 300
    assert instance.statuses == {}


def test_a_refusal_is_a_clean_failure(
    instance: FakeMastodon, cli: XpostCli, site: Path, tmp_path: Path, ctx: PublishContext
) -> None:
    instance.fault(
        "POST", "/api/v1/statuses", "fail", 422, {"error": "Validation failed: Text is spam"}
    )
    post = write_post(tmp_path, "title: T")
    with pytest.raises(PublishError, match="Text is spam") as error:
        _adapter(instance).publish(_draft(cli, post, site), None, ctx)
    assert not isinstance(error.value, OutcomeUnknown)


def test_unpublish_deletes_every_part_even_twice(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    adapter = _adapter(instance)
    receipt = adapter.publish(_draft(cli, image_post, site), None, ctx)
    adapter.unpublish(receipt, ctx)
    adapter.unpublish(receipt, ctx)
    assert instance.statuses == {}


def test_whoami_and_login(instance: FakeMastodon, ctx: PublishContext) -> None:
    adapter = _adapter(instance)
    assert adapter.whoami(ctx) == f"@aki@{instance.url.split('://')[1]}"
    told: list[str] = []
    stored = adapter.login({}, lambda prompt: "good-code", told.append)
    assert stored == {
        "client_id": "client-id-123",
        "client_secret": "client-secret-456",
        "access_token": TOKEN,
    }
    assert "/oauth/authorize?client_id=client-id-123" in told[0]


def test_cli_publish_then_unchanged_then_updated(
    instance: FakeMastodon,
    cli: XpostCli,
    tmp_path: Path,
    image_post: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "live.toml"
    config.write_text(
        f'[site]\nbase_url = "https://blog.example.com"\n[mastodon]\napi_base = "{instance.url}"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("XPOST_MASTODON_ACCESS_TOKEN", TOKEN)
    args = ["publish", str(image_post), "--to", "mastodon", "--config", str(config), "--yes"]
    assert cli(*args)[0] == 0
    code, out, _err = cli(*args)
    assert code == 0 and "unchanged" in out
    image_post.write_text(
        image_post.read_text(encoding="utf-8").replace("要約", "改訂"), encoding="utf-8"
    )
    code, out, err = cli(*args)
    assert code == 0 and "updated" in out, out + err
    assert len(instance.statuses) == 1


def test_a_copy_confirmed_by_its_url_can_be_taken_down(
    instance: FakeMastodon, cli: XpostCli, site: Path, image_post: Path, ctx: PublishContext
) -> None:
    adapter = _adapter(instance)
    receipt = adapter.publish(_draft(cli, image_post, site), None, ctx)
    assert adapter.receipt_for_url("https://example.com/notes/1") is None
    confirmed = adapter.receipt_for_url(str(receipt.url))
    assert confirmed is not None and confirmed.remote_id == receipt.remote_id
    adapter.unpublish(confirmed, ctx)
    assert instance.statuses == {}


def test_an_image_outside_the_site_is_refused_before_anything(
    cli: XpostCli, site: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "site"
    folder.mkdir()
    (tmp_path / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    post = write_post(folder, "title: T\nxpost: {mastodon: {images: [{path: ../secret.png}]}}")
    code, _out, err = cli(
        "publish", str(post), "--dry-run", "--to", "mastodon", "--config", str(site)
    )
    assert code == 2 and "secret.png" in err


def test_preview_draws_each_status_escaped(cli: XpostCli, site: Path, image_post: Path) -> None:
    adapter = MastodonAdapter(MastodonSettings(), SiteConfig())
    fragment = adapter.preview_html(_draft(cli, image_post, site))
    assert fragment is not None and fragment.count('<article class="x-post">') == 1
    assert "記事 &amp; &lt;tags&gt;" in fragment and "<tags>" not in fragment
    assert "CW: 長文" in fragment and "[image: chart.png · alt: グラフ]" in fragment
