"""connpass as an assisted target: hand-off files, confirmation through a fake API v2,
the clipboard and the browser."""

from __future__ import annotations

import itertools
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

import xpost.platforms.connpass.client as client_module
from conftest import SEED, post_factory
from fakes.connpass import (
    API_KEY,
    FakeConnpass,
    make_event,
    make_presentation,
    serve,
)
from xpost.adapters.base import Draft, HandOff, PublishContext, Receipt
from xpost.cli import handoff
from xpost.config import Config, SiteConfig
from xpost.errors import AuthError, PublishError, RateLimited
from xpost.platforms.connpass.adapter import (
    ConnpassAdapter,
    ConnpassOptions,
    ConnpassSettings,
    first_distinctive_line,
)
from xpost.platforms.connpass.client import Throttle
from xpost.post import Post, load_post

URL = "https://example.com/post/hello/"
EVENT_ID = 251751
EVENT = f"https://mlxse.connpass.com/event/{EVENT_ID}/"
EDIT_PAGE = f"{EVENT}edit/"
MATERIALS_PAGE = f"{EVENT}presentation/"
SEED_URL = "https://chezo.uno/post/2022-07-15-mlse-infraop-wg/"
JST = timezone(timedelta(hours=9))
CONFIRM = (
    "Then run 'xpost confirm POST connpass' - or, with XPOST_CONNPASS_API_KEY set, "
    "the next 'xpost publish' or 'xpost run' confirms it by itself."
)


make_post = post_factory(
    "Come along to the **summer camp** of MLSE!", summary="A short summary.", slug="hello"
)


def adapter(api_base: str = "https://connpass.invalid") -> ConnpassAdapter:
    return ConnpassAdapter(ConnpassSettings(api_base=api_base), SiteConfig())


def render(post: Post, mode: str = "announce", api_base: str = "https://connpass.invalid") -> Draft:
    return adapter(api_base).render(post, ConnpassOptions(event_url=EVENT, mode=mode))  # type: ignore[arg-type]


def context(outbox: Path | None = None, key: str | None = API_KEY, timeout: float = 2.0) -> Any:
    credentials = {"api_key": key} if key is not None else {}
    return PublishContext(credentials=credentials, outbox=outbox, timeout=timeout)


@pytest.fixture(autouse=True)
def fast_throttle(monkeypatch: pytest.MonkeyPatch) -> Throttle:
    """A fresh process-wide throttle per test, as long as the fake's 0.05 s window."""
    throttle = Throttle(0.05)
    monkeypatch.setattr(client_module, "SHARED_THROTTLE", throttle)
    return throttle


@pytest.fixture
def fake() -> Iterator[FakeConnpass]:
    state = FakeConnpass(events={EVENT_ID: make_event(EVENT_ID, description="<p>Welcome!</p>")})
    with serve(state) as running:
        yield running


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- publish: the hand-off file ----------------------------------------------------


def test_announce_writes_a_private_hand_off_file(tmp_path: Path) -> None:
    outbox = tmp_path / "data" / "outbox"
    receipt = adapter().publish(render(make_post()), None, context(outbox))

    path = outbox / "hello-connpass.md"
    assert receipt == Receipt(
        remote_id=str(EVENT_ID),
        url=EVENT,
        status="awaiting",
        state={"mode": "announce", "canonical_url": URL, "open": EDIT_PAGE},
    )
    assert receipt.handoff == HandOff(path, EDIT_PAGE)
    assert path.read_text(encoding="utf-8") == (
        "# connpass: Hello\n"
        "\n"
        f"Event: {EVENT}\n"
        f"Open:  {EDIT_PAGE}\n"
        "\n"
        "1. Open the event's edit page above (you must be one of its organisers).\n"
        "2. Paste the description below into the event's description field and save.\n"
        "3. If you like, send the message below to the participants from the event's page.\n"
        f"4. {CONFIRM}\n"
        "\n"
        "## Description\n"
        "\n"
        "<!-- xpost:paste -->\n"
        "Come along to the **summer camp** of MLSE!\n"
        "<!-- /xpost:paste -->\n"
        "\n"
        "## Message to participants\n"
        "\n"
        "Hello\n\nA short summary.\n\n"
        f"{URL}\n"
    )
    assert mode_of(path) == 0o600
    assert mode_of(outbox) == 0o700
    assert sorted(p.name for p in outbox.iterdir()) == ["hello-connpass.md"]  # no temp file left


def test_report_hands_off_a_material_for_the_materials_page(tmp_path: Path) -> None:
    receipt = adapter().publish(render(make_post(), "report"), None, context(tmp_path))

    path = tmp_path / "hello-connpass.md"
    assert receipt.status == "awaiting"
    assert receipt.state == {"mode": "report", "canonical_url": URL, "open": MATERIALS_PAGE}
    assert receipt.handoff == HandOff(path, MATERIALS_PAGE)
    assert path.read_text(encoding="utf-8") == (
        "# connpass: Hello\n"
        "\n"
        f"Event: {EVENT}\n"
        f"Open:  {MATERIALS_PAGE}\n"
        "\n"
        "1. Open the event's materials page above and add a material (資料を追加).\n"
        "2. Give it the URL below (type: blog) and the title.\n"
        f"3. {CONFIRM}\n"
        "\n"
        "## Material\n"
        "\n"
        "<!-- xpost:paste -->\n"
        f"{URL}\n"
        "<!-- /xpost:paste -->\n"
        "\n"
        "Title: Hello\n"
    )
    assert mode_of(path) == 0o600


def test_a_republish_rewrites_the_file_and_tightens_a_loose_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    outbox.mkdir(mode=0o755)
    outbox.chmod(0o755)
    first = adapter().publish(render(make_post()), None, context(outbox))
    second = adapter().publish(render(make_post("Now with an agenda!")), first, context(outbox))

    path = outbox / "hello-connpass.md"
    assert second == first  # same event, same file, still awaiting the user
    assert "<!-- xpost:paste -->\nNow with an agenda!\n<!-- /xpost:paste -->" in path.read_text(
        encoding="utf-8"
    )
    assert mode_of(outbox) == 0o700
    assert mode_of(path) == 0o600


def test_without_a_slug_the_file_is_named_after_the_event(tmp_path: Path) -> None:
    receipt = adapter().publish(render(make_post(slug="")), None, context(tmp_path))
    assert receipt.handoff is not None
    assert receipt.handoff.file == tmp_path / f"{EVENT_ID}-connpass.md"


@pytest.mark.parametrize(
    ("draft", "outbox", "message"),
    [
        (
            render(make_post()),
            None,
            "connpass: no outbox folder to write the hand-off text to",
        ),
        (
            render(make_post(canonical_url=None), "report"),
            Path("/nonexistent"),
            "connpass: a report needs the post's URL; set [site] base_url or url "
            "in the post's front matter",
        ),
        (
            render(make_post(draft=True)),
            Path("/nonexistent"),
            "connpass: nothing to hand off: the post is a draft (draft: true)",
        ),
    ],
)
def test_publish_refuses_what_it_cannot_hand_off(
    draft: Draft, outbox: Path | None, message: str
) -> None:
    with pytest.raises(PublishError) as caught:
        adapter().publish(draft, None, context(outbox))
    assert str(caught.value) == message


def test_an_unwritable_outbox_is_one_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(PublishError) as caught:
        adapter().publish(render(make_post()), None, context(blocker / "outbox"))
    assert str(caught.value) == (
        f"connpass: cannot write the hand-off file in {blocker / 'outbox'}: Not a directory"
    )


def test_nothing_is_sent_when_publishing(tmp_path: Path, fake: FakeConnpass) -> None:
    adapter(fake.url).publish(render(make_post(), api_base=fake.url), None, context(tmp_path))
    assert fake.received == []


# -- lookup: confirmation through API v2 ---------------------------------------------


def awaiting(tmp_path: Path, draft: Draft) -> Receipt:
    return adapter().publish(draft, None, context(tmp_path))


def test_without_a_key_lookup_asks_nothing(tmp_path: Path, fake: FakeConnpass) -> None:
    draft = render(make_post())
    previous = awaiting(tmp_path, draft)
    assert adapter(fake.url).lookup(draft, previous, context(key=None)) is None
    assert adapter(fake.url).missing_credentials({}) == []
    assert fake.received == []


def test_an_announcement_not_yet_pasted_stays_awaiting(tmp_path: Path, fake: FakeConnpass) -> None:
    draft = render(make_post())
    previous = awaiting(tmp_path, draft)
    assert adapter(fake.url).lookup(draft, previous, context()) is previous
    assert [(r.method, r.path, r.query, r.api_key) for r in fake.received] == [
        ("GET", "/api/v2/events/", {"event_id": [str(EVENT_ID)]}, API_KEY)
    ]


def test_an_announcement_is_confirmed_by_the_post_url(tmp_path: Path, fake: FakeConnpass) -> None:
    fake.events[EVENT_ID]["description"] = (
        f'<p>Come along!</p>\n<p><a href="{URL}?utm=a&amp;b=c">{URL}?utm=a&amp;b=c</a></p>'
    )
    draft = render(make_post("Something else entirely, long enough."))
    previous = awaiting(tmp_path, draft)

    confirmed = adapter(fake.url).lookup(draft, previous, context())
    assert confirmed == Receipt(
        remote_id=str(EVENT_ID),
        url=EVENT,
        status="published",
        remote_updated_at=datetime(2022, 7, 16, 9, 30, tzinfo=JST),
        state={**previous.state, "confirmed_by": "api"},
    )


@pytest.mark.shared
def test_the_seed_announcement_is_confirmed_by_its_first_line(
    tmp_path: Path, fake: FakeConnpass
) -> None:
    post = load_post(SEED, Config(site=SiteConfig(base_url="https://chezo.uno")))
    draft = adapter(fake.url).render(post, ConnpassOptions(event_url=EVENT))
    line = first_distinctive_line(draft.payload["description"])
    assert line == (
        "2019年から土橋さん (@masaru_dobashi) と共同幹事をしていた、機械学習工学研究会 (MLSE) の"
        "「本番適用のためのインフラと運用WG」を、今月頭の夏合宿で終了しました。"
    )
    # connpass answers the description as HTML, without the post's URL.
    fake.events[EVENT_ID]["description"] = (
        '<h2>概要</h2>\n<p>2019年から土橋さん (<a href="https://twitter.com/masaru_dobashi">'
        "@masaru_dobashi</a>) と共同幹事をしていた、機械学習工学研究会 (MLSE) の"
        "「本番適用のためのインフラと運用WG」を、今月頭の夏合宿で終了しました。</p>"
    )
    confirmed = adapter(fake.url).lookup(draft, None, context())
    assert confirmed is not None
    assert (confirmed.status, confirmed.url, confirmed.state) == (
        "published",
        EVENT,
        {"mode": "announce", "canonical_url": SEED_URL, "confirmed_by": "api"},
    )


def test_a_report_is_confirmed_when_the_materials_list_has_the_post(
    tmp_path: Path, fake: FakeConnpass
) -> None:
    draft = render(make_post(), "report")
    previous = awaiting(tmp_path, draft)
    fake.presentations[EVENT_ID] = [make_presentation("https://speakerdeck.com/x/y", "slides")]
    assert adapter(fake.url).lookup(draft, previous, context()) is previous

    fake.presentations[EVENT_ID].append(make_presentation(URL.rstrip("/"), "Hello"))
    confirmed = adapter(fake.url).lookup(draft, previous, context())
    assert confirmed == Receipt(
        remote_id=str(EVENT_ID),
        url=MATERIALS_PAGE,
        status="published",
        state={**previous.state, "confirmed_by": "api"},
    )
    path = f"/api/v2/events/{EVENT_ID}/presentations/"
    assert [(r.path, r.query) for r in fake.received] == [
        (path, {"start": ["1"], "count": ["100"]}),
        (path, {"start": ["1"], "count": ["100"]}),
    ]


def test_a_long_materials_list_is_read_page_by_page(tmp_path: Path, fake: FakeConnpass) -> None:
    fake.presentations[EVENT_ID] = [
        make_presentation(f"https://example.org/{n}/", f"talk {n}") for n in range(150)
    ] + [make_presentation(URL, "Hello")]
    confirmed = adapter(fake.url).lookup(render(make_post(), "report"), None, context())
    assert confirmed is not None and confirmed.status == "published"
    assert [r.query["start"] for r in fake.received] == [["1"], ["101"]]


def test_a_refused_key_says_how_to_fix_it_and_never_shows_it(fake: FakeConnpass) -> None:
    with pytest.raises(AuthError) as caught:
        adapter(fake.url).lookup(render(make_post()), None, context(key="wrong-key-123"))
    assert str(caught.value) == (
        "connpass: the API key was refused (HTTP 401); "
        "run 'xpost auth set connpass' or set XPOST_CONNPASS_API_KEY"
    )
    assert fake.received[0].api_key == "wrong-key-123"


@pytest.mark.parametrize("mode", ["announce", "report"])
def test_an_unknown_event_is_not_found(mode: str, fake: FakeConnpass) -> None:
    del fake.events[EVENT_ID]
    with pytest.raises(PublishError) as caught:
        adapter(fake.url).lookup(render(make_post(), mode), None, context())
    assert str(caught.value) == (
        f"connpass: event {EVENT_ID} not found; check xpost.connpass.event_url in the post"
    )


def test_a_server_error_fails_this_target(fake: FakeConnpass) -> None:
    fake.failures.append(503)
    with pytest.raises(PublishError) as caught:
        adapter(fake.url).lookup(render(make_post()), None, context())
    assert str(caught.value) == "connpass: the API failed (HTTP 503); try again later"


def test_a_request_never_answered_times_out(fake: FakeConnpass) -> None:
    fake.hang_next = True
    with pytest.raises(PublishError) as caught:
        adapter(fake.url).lookup(render(make_post()), None, context(timeout=0.2))
    # A GET changes nothing: a plain failure, not an unknown outcome.
    assert type(caught.value) is PublishError
    assert str(caught.value) == "connpass: the API did not answer within 0.2 s; try again later"
    assert len(fake.received) == 1


# -- one request per second ------------------------------------------------------------


def test_the_throttle_spaces_requests_so_the_limit_is_never_hit(fake: FakeConnpass) -> None:
    draft = render(make_post())
    for _ in range(4):
        adapter(fake.url).lookup(draft, None, context())
    times = [r.at for r in fake.received]
    assert len(times) == 4
    assert all(later - earlier >= 0.05 for earlier, later in itertools.pairwise(times))


def test_without_spacing_the_limit_answers_429(
    fake: FakeConnpass, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_module, "SHARED_THROTTLE", Throttle(0.0))
    fake.min_interval = 5.0
    draft = render(make_post())
    adapter(fake.url).lookup(draft, None, context())
    with pytest.raises(RateLimited) as caught:
        adapter(fake.url).lookup(draft, None, context())
    assert str(caught.value) == (
        "connpass: too many requests (one per second is allowed); try again in 1 s"
    )
    assert caught.value.retry_after == 1.0


def test_the_throttle_waits_only_the_rest_of_the_interval() -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))
        now[0] += seconds

    throttle = Throttle(1.0, clock=lambda: now[0], sleep=sleep)
    with throttle.slot():  # the first request goes at once
        now[0] += 0.5  # counted from the end of a request, not its start
    now[0] += 0.25
    with throttle.slot():
        pass
    now[0] += 3.0
    with throttle.slot():  # long after: no wait
        pass
    assert slept == [0.75]


# -- whoami, unpublish ---------------------------------------------------------------


def test_whoami_checks_the_key_with_one_cheap_request(fake: FakeConnpass) -> None:
    assert adapter(fake.url).whoami(context()) == "API key accepted"
    assert [(r.path, r.query) for r in fake.received] == [("/api/v2/events/", {"count": ["1"]})]
    with pytest.raises(AuthError):
        adapter(fake.url).whoami(context(key="nope"))


def test_whoami_without_a_key_explains_the_manual_way(fake: FakeConnpass) -> None:
    assert adapter(fake.url).whoami(context(key=None)) == (
        "no API key: confirm hand-offs with 'xpost confirm', or set "
        "XPOST_CONNPASS_API_KEY to let xpost confirm them"
    )
    assert fake.received == []


def test_unpublish_is_left_to_the_user(tmp_path: Path) -> None:
    receipt = awaiting(tmp_path, render(make_post()))
    with pytest.raises(PublishError) as caught:
        adapter().unpublish(replace(receipt, status="published"), context())
    assert str(caught.value) == (
        "connpass: xpost cannot remove text from an event (the API is read-only); "
        f"remove it by hand at {EDIT_PAGE}"
    )


# -- the fake checks what it receives ----------------------------------------------------


def test_the_fake_refuses_writes_unknown_parameters_and_missing_keys(fake: FakeConnpass) -> None:
    base = fake.url + "/api/v2/events/"
    header = {"X-API-Key": API_KEY}
    answers = []
    for method, url, headers in [
        ("POST", base, header),
        ("GET", base + "?title=x", header),
        ("GET", base + "?count=500", header),
        ("GET", base, {}),
    ]:
        fake._last_at = None  # these probes are not about the rate limit
        answers.append(requests.request(method, url, headers=headers, timeout=2).status_code)
    assert answers == [405, 400, 400, 401]


# -- hand_off: clipboard and browser ---------------------------------------------------


@pytest.fixture
def fake_xclip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ``xclip`` on an otherwise empty PATH that saves what it is given."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    saved = tmp_path / "clipboard.txt"
    script = bin_dir / "xclip"
    script.write_text(f'#!/bin/sh\necho "$@" > "{saved}.args"\nexec /bin/cat > "{saved}"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    return saved


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    pages: list[str] = []

    def record(url: str, *args: Any, **kwargs: Any) -> bool:
        pages.append(url)
        return True

    monkeypatch.setattr("webbrowser.open", record)
    return pages


def test_hand_off_copies_the_paste_block_and_leaves_the_browser_alone(
    tmp_path: Path, fake_xclip: Path, opened: list[str]
) -> None:
    receipt = awaiting(tmp_path / "outbox", render(make_post()))
    lines = handoff.offer(receipt.handoff, interactive=False)

    assert lines == [
        f"hand-off text written to {tmp_path / 'outbox' / 'hello-connpass.md'}",
        "the text to paste is on the clipboard",
        f"paste it at {EDIT_PAGE}",
    ]
    assert fake_xclip.read_text(encoding="utf-8") == "Come along to the **summer camp** of MLSE!\n"
    assert Path(f"{fake_xclip}.args").read_text() == "-selection clipboard\n"
    assert opened == []


def test_hand_off_opens_the_page_when_interactive(
    tmp_path: Path, fake_xclip: Path, opened: list[str]
) -> None:
    receipt = awaiting(tmp_path / "outbox", render(make_post(), "report"))
    lines = handoff.offer(receipt.handoff, interactive=True)
    assert lines[-1] == f"opened {MATERIALS_PAGE}"
    assert opened == [MATERIALS_PAGE]
    assert fake_xclip.read_text(encoding="utf-8") == f"{URL}\n"


def test_hand_off_without_a_clipboard_tool_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, opened: list[str]
) -> None:
    receipt = awaiting(tmp_path / "outbox", render(make_post()))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert handoff.offer(receipt.handoff, interactive=False)[1] == (
        "no clipboard tool found: copy the text from the file"
    )


def test_a_failing_clipboard_tool_is_skipped_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    saved = tmp_path / "clipboard.txt"
    (bin_dir / "wl-copy").write_text("#!/bin/sh\nexit 1\n")  # e.g. no Wayland display
    (bin_dir / "xsel").write_text(f'#!/bin/sh\nexec /bin/cat > "{saved}"\n')
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert handoff.copy_to_clipboard("text\n") is True
    assert saved.read_text(encoding="utf-8") == "text\n"


def test_a_missing_hand_off_file_is_reported(tmp_path: Path, opened: list[str]) -> None:
    receipt = Receipt("1", status="awaiting", handoff=HandOff(tmp_path / "gone.md"))
    assert handoff.offer(receipt.handoff, interactive=True) == [
        f"hand-off text written to {tmp_path / 'gone.md'}",
        f"cannot read {tmp_path / 'gone.md'}: run 'xpost publish' again to rewrite it",
    ]
