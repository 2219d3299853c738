"""Tests that fail when the core is wrong: plan, publishing, engine, schedule, credentials
and runner (the SQLite ledger's are in test_mutants_ledger.py).

Each one was written for a mutant ``scripts/mutation`` found alive (issue 11, "Tests
that fail when the code is wrong") and checks behaviour through the public functions
or the real command; the comment above each names the edit it catches.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backends import fail

import xpost
import xpost.cli.run
from credential_fakes import FakeQiita, FakeX, MemoryKeyring
from fake_adapter import BlogAdapter, DeskAdapter, MicroAdapter, Site
from xpost import runner
from xpost.adapters.base import Draft, NoSettings, PublishContext, Receipt
from xpost.config import Config, SiteConfig
from xpost.credentials import CredentialInvalid, CredentialStore, check_credentials, scrub
from xpost.errors import ConfigError, CredentialsMissing
from xpost.ledger import Ledger, Record, TargetKey
from xpost.ledger.records import backoff
from xpost.plan import content_hash, plan_target
from xpost.post import Post
from xpost.prepare import Target
from xpost.progress import Report
from xpost.scan import CachedFile, ScheduleFields
from xpost.schedule import Candidate, select, timing

KEY = TargetKey("post-1", "blog")


def _target(platform: str = "blog", payload: dict[str, str] | None = None) -> Target:
    payload = payload or {"title": "Hello", "body": "こんにちは"}
    return Target(platform, platform.title(), "create", Draft(platform, payload))


# ── plan ───────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("sent", ["0" * 64, "f" * 64])
def test_a_published_copy_of_another_text_is_updated_whichever_hash_sorts_first(
    sent: str,
) -> None:
    """``record.content_hash != digest`` → ``>`` / ``<``: half of all edits unseen."""
    adapter = BlogAdapter(NoSettings(), SiteConfig())
    record = Record(KEY, "published", remote_id="42", content_hash=sent)
    assert plan_target(_target(), record, adapter).kind == "update"


@pytest.mark.parametrize("sent", ["0" * 64, "f" * 64])
def test_an_uneditable_copy_says_changed_only_when_it_did(sent: str) -> None:
    """The note under ``--force`` compares hashes (``!=`` → ``>=``, ``is not``)."""
    adapter = MicroAdapter(NoSettings(), SiteConfig())
    target = _target("micro", {"text": "Hello"})
    same = Record(KEY, "published", remote_id="42", content_hash=content_hash({"text": "Hello"}))
    forced = plan_target(target, same, adapter, force=True)
    assert forced.kind == "unchanged"
    assert forced.note == (
        "Micro posts cannot be edited; --repost deletes the copy and posts it again"
    )
    other = Record(KEY, "published", remote_id="42", content_hash=sent)
    for force in (False, True):
        step = plan_target(target, other, adapter, force=force)
        assert step.kind == "unchanged"
        assert step.note is not None and step.note.startswith("changed, but Micro posts")


# ── publishing: --force where an unknown outcome or a hand-off is settled ──────


@pytest.fixture
def site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Site]:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield Site(tmp_path, monkeypatch, capsys)
    keyring.set_keyring(previous)


def test_force_updates_a_copy_found_after_a_lost_answer(site: Site) -> None:
    """``changed = self.options.force or …`` in ``_reconcile`` → without ``force``: the
    copy found is only reconciled, and --force does not overwrite an edit made there."""
    post = str(site.write_post())
    blog = site.platforms["blog"]
    blog.script = ["timeout-after-apply"]
    assert site.xpost("publish", post, "--to", "blog").code == 1
    blog.items["Blog-1"]["body"] = "Edited on the platform."
    forced = site.xpost("publish", post, "--to", "blog", "--force", "--yes")
    assert (forced.code, forced.out) == (
        0,
        "Blog      updated    https://blog.example/items/Blog-1\n",
    )
    assert blog.requests[-2:] == [("lookup", None), ("update", "Blog-1")]
    assert blog.items["Blog-1"]["body"] == "First version."


def test_force_hands_an_unchanged_text_over_again(site: Site) -> None:
    """``if self.options.force or step.changed`` in ``_confirm`` → ``step.changed``."""
    post = str(site.write_post())
    desk = site.platforms["desk"]
    assert site.xpost("publish", post, "--to", "desk").code == 0
    (site.data / "outbox" / "event-42-desk.md").unlink()  # the user lost the file
    forced = site.xpost("publish", post, "--to", "desk", "--force", "--yes")
    assert forced.code == 0
    assert forced.out.splitlines()[0] == "Desk      awaiting   https://desk.example/event/42/"
    assert desk.sent("handoff") == [None, None]
    outbox = site.data / "outbox" / "event-42-desk.md"
    assert outbox.read_text(encoding="utf-8") == "First version."


# ── schedule ───────────────────────────────────────────────────────────────────


def test_a_file_exactly_min_age_old_is_due_and_one_second_younger_is_not() -> None:
    """``age < min_age`` → ``<=``: a file that has settled for exactly min_age waits."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

    def changed(seconds: int) -> CachedFile:
        mtime_ns = int((now - timedelta(seconds=seconds)).timestamp()) * 1_000_000_000
        return CachedFile("p.md", 10, mtime_ns, "sha", "key", ScheduleFields())

    assert timing(changed(300), now, 300.0).state == "due"
    assert timing(changed(299), now, 300.0).state == "settling"


# ── publishing: pre-flight ─────────────────────────────────────────────────────


def test_a_misconfigured_platform_is_bad_config_not_missing_credentials(site: Site) -> None:
    """``misconfigured = True`` → ``False``: ``xpost.publish`` would raise
    ``CredentialsMissing`` for a setup that no credential can fix."""

    def broken(self: BlogAdapter) -> None:
        if self.name == "blog":  # MicroAdapter inherits it
            raise ConfigError("[blog] api_base: not an http(s) URL")

    site.monkeypatch.setattr(BlogAdapter, "check_setup", broken)
    site.monkeypatch.delenv("XPOST_MICRO_TOKEN")
    post = site.write_post()
    with pytest.raises(ConfigError) as raised:
        xpost.publish([post], to=["blog", "micro"])
    assert str(raised.value) == (
        f"{site.config}: [blog] api_base: not an http(s) URL; "
        "Micro: no credentials (token): run 'xpost auth set micro' or set XPOST_MICRO_TOKEN"
    )
    with pytest.raises(CredentialsMissing):  # and missing credentials alone stay that
        xpost.publish([post], to=["micro"])
    assert site.platforms["blog"].requests == [] == site.platforms["micro"].requests


def test_a_target_that_sends_nothing_needs_no_credentials(site: Site) -> None:
    """``if not step.sends or …`` in ``preflight``: an unchanged copy would demand a
    token it never uses, and stop the platforms that do send."""
    post = str(site.write_post())
    assert site.xpost("publish", post, "--to", "blog,micro").code == 0
    site.monkeypatch.delenv("XPOST_MICRO_TOKEN")
    site.write_post(body="Second version.\n")
    run = site.xpost("publish", post, "--to", "blog,micro")
    assert (run.code, run.err) == (0, "")
    assert run.out.splitlines() == [
        "Blog      updated    https://blog.example/items/Blog-1",
        "Micro     unchanged  https://micro.example/items/Micro-1",
    ]


def test_a_one_second_cooldown_holds_back_a_second_post_in_the_same_run() -> None:
    """``cooldown > 0`` → ``cooldown > 1``: the shortest cooldown would be ignored."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    posts = [Candidate("a.md", ["x"]), Candidate("b.md", ["x"])]
    chosen = select(posts, {}, now, max_posts=5, cooldown=1.0)
    assert chosen.send == {"a.md": ["x"]}
    assert chosen.waiting == {"b.md": {"x": "cooldown until 2024-06-01T12:00:01+00:00"}}


def test_no_cooldown_sends_even_after_a_post_stamped_in_the_future() -> None:
    """``cooldown > 0`` → ``cooldown > -1``: with no cooldown, a ledger time ahead of this
    machine's clock (another runner's) would hold the platform back."""
    now = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    ahead = {"x": now + timedelta(minutes=5)}
    chosen = select([Candidate("a.md", ["x"])], ahead, now, max_posts=5, cooldown=0.0)
    assert (chosen.send, chosen.waiting) == ({"a.md": ["x"]}, {})


# ── credentials ────────────────────────────────────────────────────────────────


class _EchoingQiita(FakeQiita):
    """A careless adapter whose account name is the token it was given."""

    def whoami(self, ctx: PublishContext) -> str:
        return f"signed in with {ctx.credentials['token']}"


def test_the_account_a_platform_names_is_redacted() -> None:
    """``check.account = store.redact(…)`` → the raw answer: ``xpost auth status`` would
    print a secret that a careless adapter echoed back."""
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": "qiita-secret-token-0001"})
    check = check_credentials(_EchoingQiita(NoSettings(), SiteConfig()), store)
    assert (check.outcome, check.account) == ("signed_in", "signed in with ***")


def test_a_platform_signed_in_drops_only_its_own_variables_from_the_keyring_hint() -> None:
    """``not v.startswith(prefix)`` in ``settled`` → ``v.startswith(prefix)``: the hint
    would name only the variables that are no longer needed."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        store = CredentialStore(environ={"XPOST_TWITTER_OAUTH2_ACCESS_TOKEN": "oauth2-token"})
        qiita = check_credentials(FakeQiita(NoSettings(), SiteConfig()), store)
        x = check_credentials(FakeX(NoSettings(), SiteConfig()), store)
    finally:
        keyring.set_keyring(previous)
    assert (qiita.outcome, x.outcome) == ("missing", "signed_in")
    assert store.hints == ["no OS keyring available (headless?): set XPOST_QIITA_TOKEN instead"]


class _LongWinded(FakeQiita):
    """A third-party library failing with a long message, the secret where it is cut."""

    def whoami(self, ctx: PublishContext) -> str:
        raise RuntimeError("x" * 95 + ctx.credentials["token"] + "y" * 50 + "\nsecond line")


def test_an_unexpected_failure_is_one_bounded_line_with_no_part_of_a_secret() -> None:
    """``described[:117] + "..."`` → ``*`` would crash the check; and cut before it was
    scrubbed, the message kept the secret's first half (``qiita-se...``)."""
    store = CredentialStore(environ={"XPOST_QIITA_TOKEN": "qiita-secret-token-0001"})
    check = check_credentials(_LongWinded(NoSettings(), SiteConfig()), store)
    assert check.outcome == "failed"
    assert check.error == "Qiita: RuntimeError: " + "x" * 95 + "***" + "y" * 5 + "..."


def test_a_secret_with_both_quotes_is_scrubbed_whole_as_repr_shows_it() -> None:
    """``repr(secret)[1:-1]`` → ``[2:-1]``: ``repr`` escapes a secret holding both ``'``
    and ``"``; with a non-ASCII letter no other form (bytes, ``unicode_escape``) matches
    that, and its first character would be left in front of the mask."""
    secret = "pässword'with\"quotes-0123"
    shown = f"headers={ {'Authorization': secret} }"
    assert scrub(shown, [secret]) == "headers={'Authorization': '***'}"


# ── publishing: planning from the ledger ───────────────────────────────────────


def test_publish_creates_a_post_marked_existing_without_sending(site: Site) -> None:
    """``post_id != post.id and status != "removed"`` → ``or``: the post's own 'skipped'
    record would read as a copy under another id, and publish would never send it."""
    post = site.write_post()
    with Ledger.open(site.ledger_file) as ledger:  # what 'xpost run --mark-existing' does
        ledger.record_skipped([(TargetKey("https://site.test/post/hello/", "blog"), str(post))])
    run = site.xpost("publish", str(post), "--to", "blog")
    assert (run.code, run.out) == (0, "Blog      created    https://blog.example/items/Blog-1\n")


# ── engine ─────────────────────────────────────────────────────────────────────


def test_publish_says_each_warning_of_what_it_sends_once_under_its_platform(
    site: Site,
) -> None:
    """``Syndicator.send``: the warnings of sending steps only (``step.sends and …``),
    each prefixed with the platform's label unless it already starts with it."""
    render = BlogAdapter.render

    def with_warnings(self: BlogAdapter, post: Post, options: Any) -> Draft:
        draft = render(self, post, options)
        if self.name == "blog":
            draft.warnings = ["Blog: the image has no alt text", "a footnote became text"]
        return draft

    site.monkeypatch.setattr(BlogAdapter, "render", with_warnings)
    post = str(site.write_post())
    first = site.xpost("publish", post, "--to", "blog")
    assert (first.code, first.err) == (
        0,
        "xpost: Blog: the image has no alt text\nxpost: Blog: a footnote became text\n",
    )
    again = site.xpost("publish", post, "--to", "blog")  # unchanged: nothing sent, no word
    assert (again.code, again.err) == (0, "")
    quiet = site.xpost("publish", post, "--to", "blog", "--force", "--yes", "-q")
    assert (quiet.code, quiet.err) == (0, "")


def test_run_never_overwrites_an_edit_made_on_the_platform(site: Site) -> None:
    """``Syndicator.send(force=False)`` → ``True``: ``xpost run`` (which has no --force)
    would overwrite what was edited on the platform since xpost last wrote it."""
    with site.config.open("a", encoding="utf-8") as config:
        config.write('\n[schedule]\nmin_age = "0s"\n')
    post = str(site.write_post())
    assert site.xpost("publish", post, "--to", "blog").code == 0
    site.write_post(body="Changed here, edited there too.\n")
    blog = site.platforms["blog"]
    blog.script = ["conflict"]
    run = site.xpost("run", str(site.root / "content"), "--to", "blog")
    assert run.code == 1, run.out + run.err
    assert run.err.endswith(
        "index.md: Blog: the item was edited there since xpost last wrote it; --force overwrites\n"
    )
    assert blog.contexts[-1].force is False
    assert blog.items["Blog-1"]["body"] == "First version."


def test_a_dry_run_gives_the_ledgers_reason_for_a_skip_and_only_for_a_skip(
    site: Site,
) -> None:
    """``step.kind == "skip"`` in ``Syndicator.preview`` → ``<``/``>``: the reason a
    file recorded under its old URL is held back would be lost, or a note that is no
    reason would be shown as one."""
    post = site.write_post()
    with Ledger.open(site.ledger_file) as ledger:
        old = TargetKey("https://site.test/old/hello/", "blog")
        ledger.record_published(old, Receipt("Blog-1"), content_hash="0" * 64, source=str(post))
        micro = TargetKey("https://site.test/post/hello/", "micro")
        ledger.record_published(micro, Receipt("Micro-1"), content_hash="0" * 64, source=None)
    [prepared] = xpost.dry_run([post], to=["blog", "micro"])
    blog_target, micro_target = prepared.targets
    assert blog_target.action == "skip"
    assert blog_target.reason is not None
    assert blog_target.reason.startswith(
        "this file is recorded (published) as https://site.test/old/hello/ and its URL is now"
    )
    assert (micro_target.action, micro_target.reason) == ("unchanged", None)
    assert site.platforms["blog"].requests == [] == site.platforms["micro"].requests


def test_nothing_new_starts_once_the_runs_deadline_has_passed(site: Site) -> None:
    """``deadline=self.started + …`` → ``*``: the deadline would lie hours away (or
    already be past), and a slow platform could hold a run for ever."""
    with site.config.open("a", encoding="utf-8") as config:
        config.write('deadline = "2s"\n')  # [publish] is the config's last table
    first = site.write_post()
    second = first.parent.parent / "second" / "index.md"
    second.parent.mkdir()
    second.write_text("---\ntitle: Second\nslug: second\n---\nBody.\n", encoding="utf-8")
    blog = site.platforms["blog"]
    blog.delay = 1.2  # a lookup and a create: longer than the whole run may take
    run = site.xpost("publish", str(first), str(second), "--to", "blog")
    assert run.code == 1
    assert (
        "Blog      failed     Blog: not started: the run's deadline ([publish] deadline) "
        "passed; the next run sends it"
    ) in run.out.splitlines()
    assert len(blog.sent("create")) <= 1


# ── runner (xpost run) ─────────────────────────────────────────────────────────

RUN_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def _run(tmp_path: Path, ledger: Ledger, **options: Any) -> runner.RunReport:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    return runner.run(Config(), ledger, runner.RunOptions([content], **options), RUN_AT)


def _failed(post: str, failures: int, next_attempt_at: datetime | None) -> Record:
    return Record(
        TargetKey(post, "qiita"),
        "failed",
        source=f"{post}.md",
        last_error="Qiita: 500",
        failures=failures,
        next_attempt_at=next_attempt_at,
    )


def test_run_lists_only_the_retries_still_to_come(tmp_path: Path) -> None:
    """``failures >= retry_limit or next_attempt_at is None`` → ``and``: a target given
    up on would be shown as waiting for a retry that never comes."""
    later = RUN_AT + timedelta(hours=1)
    with Ledger.open(tmp_path / "xpost.sqlite3") as ledger:
        ledger.put_record(_failed("waits", 1, later))
        ledger.put_record(_failed("given-up", 5, later))  # retry_limit 5
        report = _run(tmp_path, ledger, dry_run=True)
    assert [(line.post_id, line.detail) for line in report.waiting] == [
        ("waits", "failed 1×; next retry at 2024-06-01T13:00:00+00:00")
    ]


def test_a_run_brings_a_retry_time_from_a_wrong_clock_back_and_a_dry_run_does_not(
    tmp_path: Path,
) -> None:
    """``if not options.dry_run: ledger.clamp_retries(now)`` → ``if options.dry_run``:
    a dry-run would write to the ledger, and a real run leave a target silent for a year."""
    far = RUN_AT + timedelta(days=365)
    with Ledger.open(tmp_path / "xpost.sqlite3") as ledger:
        ledger.put_record(_failed("post", 1, far))
        _run(tmp_path, ledger, dry_run=True)
        assert ledger.get(TargetKey("post", "qiita")).next_attempt_at == far  # type: ignore[union-attr]
        _run(tmp_path, ledger)
        clamped = ledger.get(TargetKey("post", "qiita"))
    assert clamped is not None and clamped.next_attempt_at == RUN_AT + backoff(1)


def test_run_reports_how_far_the_reading_has_gone_and_when_it_is_done(
    tmp_path: Path,
) -> None:
    """``number % _REPORT_EVERY == 0`` → ``< 0`` and ``finished=True`` → ``False``: the
    status line would never count the files read, or never clear the walking or reading
    line."""
    content = tmp_path / "content"
    content.mkdir()
    for n in range(101):
        (content / f"p{n:03}.md").write_text(
            f"---\ntitle: P{n}\ndraft: true\n---\nBody.\n", encoding="utf-8"
        )
    reports: list[Report] = []
    with Ledger.open(tmp_path / "xpost.sqlite3") as ledger:
        _run(tmp_path, ledger, dry_run=True, progress=reports.append)
    walking = [report for report in reports if report.subject == "walking"]
    assert walking == [Report("walking", "listing post files"), Report("walking", finished=True)]
    reading = [report for report in reports if report.subject == "reading"]
    assert reading == [
        Report("reading", "post files", done=50, total=101),
        Report("reading", "post files", done=100, total=101),
        Report("reading", finished=True),
    ]


def test_run_asks_about_a_handed_off_copy_again_only_after_half_an_hour(site: Site) -> None:
    """``now - last < CONFIRM_EVERY`` (30 minutes) → ``is`` or 29 minutes: a run every
    few minutes would ask the platform about the same copy each time."""
    with site.config.open("a", encoding="utf-8") as config:
        config.write('\n[schedule]\nmin_age = "0s"\n')
    site.write_post()
    content = str(site.root / "content")
    desk = site.platforms["desk"]
    started = datetime.now(UTC)
    site.monkeypatch.setattr(xpost.cli.run, "_now", lambda: started)
    assert site.xpost("run", content, "--to", "desk").code == 0
    assert desk.sent("handoff") == [None]
    asked = len(desk.sent("lookup"))
    for minutes, more in ((29, 0), (29.9, 0), (30.5, 1)):
        moment = started + timedelta(minutes=minutes)
        site.monkeypatch.setattr(xpost.cli.run, "_now", lambda moment=moment: moment)
        run = site.xpost("run", content, "--to", "desk")
        assert run.code == 0, run.err
        assert len(desk.sent("lookup")) == asked + more, minutes


def test_a_hand_off_found_waiting_after_a_lost_answer_is_not_handed_off_again(
    site: Site,
) -> None:
    """``found.status == "awaiting"`` → ``<`` in ``_reconcile``: the copy the user has not
    put in place yet would be handed over a second time (or called reconciled)."""
    post = site.write_post()
    key = TargetKey("https://site.test/post/hello/", "desk")
    with Ledger.open(site.ledger_file) as ledger:  # the hand-off's answer was lost
        ledger.mark_pending(key, source=str(post), content_hash="0" * 64)
        ledger.record_checkpoint(key, Receipt("42", "https://desk.example/event/42/"))
        ledger.record_failed(key, "Desk: no answer within 30s", unknown=True)

    def waiting(self: DeskAdapter, draft: Draft, previous: Receipt | None, ctx: Any) -> Receipt:
        site.platforms["desk"].receive("lookup", None, ctx, None)
        return Receipt("42", "https://desk.example/event/42/", status="awaiting")

    site.monkeypatch.setattr(DeskAdapter, "lookup", waiting)
    run = site.xpost("publish", str(post), "--to", "desk")
    assert (run.code, run.out) == (0, "Desk      awaiting   https://desk.example/event/42/\n")
    assert site.platforms["desk"].requests == [("lookup", None)]


def test_auth_set_refuses_a_secret_with_a_line_break_and_stores_none_of_the_fields() -> None:
    """``for field, value in values.items(): self._clean(…)`` in ``set`` → no loop: the
    broken secret would be stored, and refused only at the first publish."""
    memory = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(memory)
    try:
        store = CredentialStore(environ={})
        with pytest.raises(CredentialInvalid) as raised:
            store.set("twitter", {"api_key": "good-api-key-0001", "api_secret": "abc\ndef-0002"})
    finally:
        keyring.set_keyring(previous)
    assert str(raised.value).startswith("X api_secret: ")
    assert "def-0002" not in str(raised.value)
    assert memory.entries == {}
