"""An X thread interrupted by a lost answer is resumed from the part that did not land,
and reconciled without a post when the last one did (regressions found publishing for real).
"""

from __future__ import annotations

import pytest

from e2e_world import PARAGRAPH, World
from xpost.ledger import Ledger, TargetKey

THREAD_ID = "https://chezo.uno/post/thread/"


def thread_parts(site: World) -> list[str]:
    ledger = Ledger.open_existing(site.root / "data" / "xpost.sqlite3")
    assert ledger is not None
    with ledger:
        record = ledger.get(TargetKey(THREAD_ID, "twitter"))
    assert record is not None
    return [str(part) for part in record.state["parts"]]


def live_ids(site: World) -> list[str]:
    return [pid for pid, post in site.x.posts.items() if not post["deleted"]]


# -- a thread whose answer was lost halfway is finished, never left half-posted ----------


@pytest.mark.shared
def test_thread_interrupted_by_a_lost_answer_is_resumed_not_reconciled_as_whole(
    site: World,
) -> None:
    post = site.write_thread(4)
    site.x.script("POST", "/2/tweets", nth=3, status=503)  # part 3: outcome unknown
    lost = site.xpost("publish", str(post), "--to", "twitter")
    assert lost.returncode == 1
    assert lost.stdout == (
        "X         failed     X answered 503 to 'post part 3 of 4'; the post may exist: "
        "the next run looks it up before posting again\n"
    )
    first, second = live_ids(site)
    texts = site.x.created_texts()

    # Before the fix this run said "reconciled" and the thread stayed at 2 of 4 parts.
    resumed = site.xpost("publish", str(post), "--to", "twitter")
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == f"X         created    https://x.com/chezou/status/{first}\n"
    assert site.x.created_texts() == [*texts, texts[2], PARAGRAPH.format(n=3).strip() + " 4/4"]
    _, _, third, fourth = live_ids(site)
    replies = [r.json["reply"] for r in site.x.calls("POST", "/2/tweets")[3:]]
    assert replies == [{"in_reply_to_tweet_id": second}, {"in_reply_to_tweet_id": third}]
    assert thread_parts(site) == [first, second, third, fourth]

    again = site.xpost("publish", str(post), "--to", "twitter")
    assert again.stdout == f"X         unchanged  https://x.com/chezou/status/{first}\n"
    assert len(site.x.created_texts()) == 5


@pytest.mark.shared
def test_thread_whose_last_answer_was_lost_but_landed_is_reconciled_without_a_post(
    site: World,
) -> None:
    post = site.write_thread(3)
    site.x.script("POST", "/2/tweets", nth=3, status=503)
    assert site.xpost("publish", str(post), "--to", "twitter").returncode == 1
    first, second = live_ids(site)
    texts = site.x.created_texts()
    third = site.x.add_post(texts[2], reply_to=second)  # it did land, after all

    found = site.xpost("publish", str(post), "--to", "twitter")
    assert found.returncode == 0, found.stderr
    assert found.stdout == f"X         reconciled https://x.com/chezou/status/{first}\n"
    assert site.x.created_texts() == texts  # nothing posted again
    assert thread_parts(site) == [first, second, third]
    again = site.xpost("publish", str(post), "--to", "twitter")
    assert again.stdout == f"X         unchanged  https://x.com/chezou/status/{first}\n"
