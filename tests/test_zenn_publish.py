"""Publishing to Zenn through git, against real repositories: a bare ``origin`` and the
user's clone of it. Every assertion looks at what the remote (or the clone) really holds.

git is isolated from the machine's configuration (no global or system config, HOME in
a temp folder); identities and the default branch are set explicitly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conftest import NODE_DIR
from xpost.adapters.base import Draft, PublishContext, Receipt
from xpost.config import Config, SiteConfig
from xpost.errors import ConfigError, PublishError, RemoteConflict
from xpost.platforms.zenn.adapter import ZennAdapter, ZennOptions, ZennSettings
from xpost.platforms.zenn.git import parse_push, redact
from xpost.platforms.zenn.repository import unpublished
from xpost.post import load_post

NOW = datetime(2024, 1, 1, tzinfo=UTC)
SLUG = "hello-zenn-world-9cda28"  # a derived slug has a suffix stable for the post
ARTICLE = f"articles/{SLUG}.md"
IMAGE = f"images/{SLUG}/diagram.png"
URL = f"https://zenn.dev/chezo/articles/{SLUG}"
PNG = b"\x89PNG\r\n\x1a\nfake"


# -- git plumbing for the tests -------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def remote(bare: Path, *args: str) -> str:
    return git(bare, *args)


def identify(clone: Path, name: str) -> None:
    git(clone, "config", "user.name", name)
    git(clone, "config", "user.email", f"{name.lower()}@example.com")


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("AUTHOR", "COMMITTER"):
        for field in ("NAME", "EMAIL", "DATE"):
            monkeypatch.delenv(f"GIT_{name}_{field}", raising=False)
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``origin.git`` with one commit and ``zenn``, its clone: made once, copied per test.
    The clone's remote URL is relative so that a copy points at its own copy."""
    root = tmp_path_factory.mktemp("template")
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

    def run(cwd: Path, *args: str) -> None:
        subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)

    # No template: git's sample hooks would make every per-test copy ten times slower.
    run(root, "init", "--quiet", "--template=", "--bare", "--initial-branch=main", "origin.git")
    run(root, "init", "--quiet", "--template=", "--initial-branch=main", "zenn")
    zenn = root / "zenn"
    # Housekeeping git starts after a push or commit is not under test, and costs time.
    run(root / "origin.git", "config", "receive.autogc", "false")
    run(zenn, "config", "maintenance.auto", "false")
    run(zenn, "config", "gc.auto", "0")
    run(zenn, "config", "user.name", "Chezo")
    run(zenn, "config", "user.email", "chezo@example.com")
    (zenn / "README.md").write_text("# My Zenn articles\n")
    (zenn / "articles").mkdir()
    (zenn / "articles" / "written-by-hand-article.md").write_text("---\ntitle: mine\n---\n")
    run(zenn, "add", ".")
    run(zenn, "commit", "--quiet", "-m", "initial")
    run(zenn, "remote", "add", "origin", "../origin.git")
    run(zenn, "push", "--quiet", "--set-upstream", "origin", "main")
    for repo in (zenn, root / "origin.git"):  # fewer files to copy for every test
        run(repo, "gc", "--quiet")
    return root


class Repos:
    """The bare remote, the user's Zenn clone, and the helpers the tests assert with."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = root / "origin.git"
        self.clone = root / "zenn"

    def subjects(self) -> list[str]:
        return remote(self.bare, "log", "--format=%s", "main").splitlines()

    def remote_file(self, path: str) -> str | None:
        try:
            return remote(self.bare, "show", f"main:{path}") + "\n"
        except subprocess.CalledProcessError:
            return None

    def remote_bytes(self, path: str) -> bytes:
        done = subprocess.run(
            ["git", "cat-file", "blob", f"main:{path}"], cwd=self.bare, capture_output=True
        )
        return done.stdout

    def files_of(self, revision: str = "main") -> list[str]:
        out = remote(self.bare, "show", "--name-only", "--format=", revision)
        return sorted(out.splitlines())

    def head(self) -> str:
        return remote(self.bare, "rev-parse", "main")

    def local_head(self) -> str:
        return git(self.clone, "rev-parse", "HEAD")

    def status(self) -> list[str]:
        done = subprocess.run(
            ["git", "status", "--porcelain"], cwd=self.clone, capture_output=True, text=True
        )
        return done.stdout.splitlines()

    def other_clone(self, name: str = "other") -> Path:
        other = self.root / name
        git(self.root, "clone", "--quiet", "origin.git", name)
        identify(other, "Other")
        return other

    def hook(self, name: str, script: str) -> None:
        path = self.bare / "hooks" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("#!/bin/sh\n" + script)
        path.chmod(0o755)


@pytest.fixture
def repos(template: Path, tmp_path: Path) -> Repos:
    root = tmp_path / "repos"
    shutil.copytree(template, root, symlinks=True)
    return Repos(root)


# -- posts and the adapter ------------------------------------------------------------


class Site:
    """A Hugo site with one bundle post, rendered for Zenn."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bundle = root / "content" / "post" / "hello-zenn-world"
        self.bundle.mkdir(parents=True)
        self.config = Config(site=SiteConfig(base_url="https://example.com/"))

    def draft(
        self,
        body: str = "First paragraph.\n\n![diagram](diagram.png)\n",
        *,
        title: str = "Hello Zenn",
        image: bytes | None = PNG,
        options: ZennOptions | None = None,
    ) -> Draft:
        if image is not None:
            (self.bundle / "diagram.png").write_bytes(image)
        front = f'---\ntitle: "{title}"\ndate: 2022-07-15T15:16:04+09:00\ntags: [Python]\n---\n'
        (self.bundle / "index.md").write_text(front + "\n" + body)
        post = load_post(self.bundle / "index.md", self.config)
        adapter = ZennAdapter(ZennSettings(), self.config.site)
        return adapter.render(post, options or ZennOptions(), now=NOW)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path / "site")


def adapter_for(repo: Path | str | None, **settings: Any) -> ZennAdapter:
    values: dict[str, Any] = {"repo": None if repo is None else str(repo), "username": "chezo"}
    values.update(settings)
    return ZennAdapter(ZennSettings(**values), SiteConfig(timezone="Asia/Tokyo"))


class Context:
    """A PublishContext whose checkpoints are kept for the assertions."""

    def __init__(self, *, force: bool = False, timeout: float = 10.0) -> None:
        self.checkpoints: list[Receipt] = []
        self.ctx = PublishContext(
            credentials={}, checkpoint=self.checkpoints.append, force=force, timeout=timeout
        )


def publish(
    repos: Repos,
    draft: Draft,
    previous: Receipt | None = None,
    context: Context | None = None,
    **settings: Any,
) -> Receipt:
    ctx = (context or Context()).ctx
    repo = settings.pop("repo", repos.clone)
    return adapter_for(repo, **settings).publish(draft, previous, ctx)


@contextmanager
def unchanged(repos: Repos) -> Iterator[None]:
    """Nothing in the clone (HEAD, status, files) or the remote moves inside the block."""
    before = (repos.local_head(), repos.head(), repos.status(), work_tree_files(repos.clone))
    yield
    after = (repos.local_head(), repos.head(), repos.status(), work_tree_files(repos.clone))
    assert after == before


def work_tree_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


# -- publish, rerun, edit ---------------------------------------------------------------


def test_first_publish_is_one_commit_with_the_article_and_its_images_a_rerun_none(
    repos: Repos, site: Site
) -> None:
    draft = site.draft()
    receipt = publish(repos, draft)

    assert repos.subjects() == ['xpost: publish "Hello Zenn" (hello-zenn-world-9cda28)', "initial"]
    assert repos.files_of() == [ARTICLE, IMAGE]
    assert repos.remote_file(ARTICLE) == draft.payload["content"]
    assert "![diagram](/images/hello-zenn-world-9cda28/diagram.png)" in draft.payload["content"]
    assert repos.remote_bytes(IMAGE) == PNG
    assert remote(repos.bare, "log", "-1", "--format=%an <%ae>") == "Chezo <chezo@example.com>"
    assert repos.local_head() == repos.head()
    assert receipt.remote_id == SLUG
    assert receipt.url == URL
    assert receipt.status == "published"
    assert receipt.state["path"] == ARTICLE
    assert receipt.state["commit"] == repos.head()
    assert receipt.state["pushed"] is True
    assert repos.status() == []

    again = publish(repos, site.draft(), previous=receipt)
    assert len(repos.subjects()) == 2
    assert again == receipt


def test_an_edit_is_exactly_one_commit_rewriting_the_same_file(repos: Repos, site: Site) -> None:
    first = publish(repos, site.draft())
    edited = site.draft("First paragraph, fixed.\n\n![diagram](diagram.png)\n")
    receipt = publish(repos, edited, previous=first)

    assert repos.subjects()[0] == 'xpost: update "Hello Zenn" (hello-zenn-world-9cda28)'
    assert len(repos.subjects()) == 3
    assert repos.files_of() == [ARTICLE]
    assert repos.remote_file(ARTICLE) == edited.payload["content"]
    assert receipt.state["commit"] == repos.head() != first.state["commit"]


def test_an_article_published_under_an_older_slug_is_updated_where_it_is(
    repos: Repos, site: Site
) -> None:
    # Published by an xpost that derived slugs without the suffix: the ledger's receipt
    # names that path. The update rewrites it; a second article would be a duplicate.
    first = publish(repos, site.draft())
    old = "articles/hello-zenn-world.md"
    git(repos.clone, "mv", ARTICLE, old)
    git(repos.clone, "commit", "-qm", 'xpost: publish "Hello Zenn" (hello-zenn-world)')
    git(repos.clone, "push", "-q")
    previous = Receipt(
        remote_id="hello-zenn-world",
        url=first.url,
        state={**first.state, "path": old, "commit": repos.head()},
    )
    edited = site.draft("First paragraph, fixed.\n\n![diagram](diagram.png)\n")
    receipt = publish(repos, edited, previous=previous)
    assert [p for p in repos.files_of() if p.endswith(".md")] == [old]  # the update's commit
    assert repos.remote_file(old) == edited.payload["content"]
    assert repos.remote_file(ARTICLE) is None  # no second article
    assert receipt.state["path"] == old and receipt.remote_id == "hello-zenn-world"


def test_an_image_dropped_from_the_post_is_removed_with_the_update(
    repos: Repos, site: Site
) -> None:
    first = publish(repos, site.draft())
    publish(repos, site.draft("No picture any more.\n", image=None), previous=first)
    assert repos.files_of() == [ARTICLE, IMAGE]
    assert repos.remote_file(IMAGE) is None
    assert not (repos.clone / IMAGE).exists()


def test_publishing_into_a_publication_members_folder(repos: Repos, site: Site) -> None:
    (repos.clone / "chezo").mkdir()
    draft = site.draft(options=ZennOptions(publication_name="xpost_team"))
    receipt = publish(repos, draft, repo=repos.clone / "chezo")
    assert repos.files_of() == [f"chezo/{ARTICLE}", f"chezo/{IMAGE}"]
    assert receipt.url == f"https://zenn.dev/xpost_team/articles/{SLUG}"
    assert receipt.state["path"] == ARTICLE


def test_without_push_the_commit_stays_local(repos: Repos, site: Site) -> None:
    receipt = publish(repos, site.draft(), push=False)
    assert repos.subjects() == ["initial"]
    assert git(repos.clone, "log", "-1", "--format=%s") == (
        'xpost: publish "Hello Zenn" (hello-zenn-world-9cda28)'
    )
    assert receipt.state["pushed"] is False


# -- unpublish ------------------------------------------------------------------------


def test_unpublish_commits_published_false_and_only_that_line_then_republish(
    repos: Repos, site: Site
) -> None:
    draft = site.draft()
    receipt = publish(repos, draft)
    adapter_for(repos.clone).unpublish(receipt, Context().ctx)

    assert repos.subjects()[0] == 'xpost: unpublish "Hello Zenn" (hello-zenn-world-9cda28)'
    before = draft.payload["content"].split("\n")
    after = (repos.remote_file(ARTICLE) or "").split("\n")
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert changed == [("published: true", "published: false")]
    assert repos.files_of() == [ARTICLE]

    # The ledger forgets a removed copy: publishing again comes without a receipt, and
    # the withdrawn article is still recognised as this post's.
    publish(repos, site.draft(), previous=None)
    assert repos.subjects()[0] == 'xpost: update "Hello Zenn" (hello-zenn-world-9cda28)'
    assert repos.remote_file(ARTICLE) == draft.payload["content"]


def test_unpublishing_an_article_already_withdrawn_commits_nothing(
    repos: Repos, site: Site
) -> None:
    receipt = publish(repos, site.draft())
    adapter_for(repos.clone).unpublish(receipt, Context().ctx)
    with unchanged(repos):  # no empty commit, no push
        adapter_for(repos.clone).unpublish(receipt, Context().ctx)
    assert [s.split(" ", 2)[1] for s in repos.subjects()[:2]] == ["unpublish", "publish"]


def test_an_article_xpost_wrote_for_no_known_receipt_is_taken_over_only_with_force(
    repos: Repos, site: Site
) -> None:
    publish(repos, site.draft())  # and the receipt is lost
    other = site.draft("Another post that wants the same slug.\n\n![diagram](diagram.png)\n")

    with unchanged(repos), pytest.raises(RemoteConflict) as failure:
        publish(repos, other, previous=None)
    assert str(failure.value) == (
        "Zenn: articles/hello-zenn-world-9cda28.md was written by xpost, but not for this post as "
        "the ledger knows it: rerun with --force to take it over, or set xpost.zenn.slug in "
        "the post to another slug"
    )

    publish(repos, other, previous=None, context=Context(force=True))
    assert repos.remote_file(ARTICLE) == other.payload["content"]


def test_an_article_withdrawn_by_unpublish_is_published_again_without_force(
    repos: Repos, site: Site
) -> None:
    receipt = publish(repos, site.draft())
    adapter_for(repos.clone).unpublish(receipt, Context().ctx)  # the ledger forgets it
    edited = site.draft("Rewritten while it was withdrawn.\n\n![diagram](diagram.png)\n")
    publish(repos, edited, previous=None)
    assert repos.remote_file(ARTICLE) == edited.payload["content"]


def test_unpublished_changes_the_front_matter_line_only() -> None:
    article = '---\ntitle: "T"\npublished: true # live\n---\n\npublished: true\n'
    assert (
        unpublished(article) == '---\ntitle: "T"\npublished: false # live\n---\n\npublished: true\n'
    )
    assert (
        unpublished('---\ntitle: "T"\n---\nbody\n')
        == '---\ntitle: "T"\npublished: false\n---\nbody\n'
    )


# -- the remote moved on ----------------------------------------------------------------


def test_non_fast_forward_is_rebased_and_pushed_without_force(repos: Repos, site: Site) -> None:
    other = repos.other_clone()
    (other / "README.md").write_text("# My Zenn articles, renamed\n")
    git(other, "commit", "--quiet", "-am", "someone else's commit")
    git(other, "push", "--quiet", "origin", "main")
    theirs = repos.head()
    (repos.clone / "notes.txt").write_text("not for Zenn\n")  # dirty: must survive untouched

    publish(repos, site.draft())

    assert repos.subjects() == [
        'xpost: publish "Hello Zenn" (hello-zenn-world-9cda28)',
        "someone else's commit",
        "initial",
    ]
    assert remote(repos.bare, "rev-list", "--merges", "main") == ""
    assert remote(repos.bare, "rev-parse", "main^") == theirs  # theirs kept: no force
    assert repos.files_of() == [ARTICLE, IMAGE]
    assert repos.local_head() == repos.head()
    assert (repos.clone / "README.md").read_text() == "# My Zenn articles, renamed\n"
    assert repos.status() == ["?? notes.txt"]


def test_remote_change_to_the_same_article_fails_and_leaves_the_clone_as_it_was(
    repos: Repos, site: Site
) -> None:
    first = publish(repos, site.draft())
    other = repos.other_clone()
    (other / ARTICLE).write_text("edited on GitHub\n")
    git(other, "commit", "--quiet", "-am", "fix typo on github")
    git(other, "push", "--quiet", "origin", "main")
    theirs = repos.head()
    clone_head = repos.local_head()
    before = (repos.clone / ARTICLE).read_bytes()

    with pytest.raises(PublishError) as failure:
        publish(repos, site.draft("Changed here too.\n"), previous=first)

    assert str(failure.value) == (
        "Zenn: origin/main has new commits that also change articles/hello-zenn-world-9cda28.md: "
        "nothing was pushed and the repository was left as it was; pull, resolve and rerun"
    )
    assert repos.head() == theirs
    assert repos.local_head() == clone_head
    assert (repos.clone / ARTICLE).read_bytes() == before
    assert (repos.clone / IMAGE).read_bytes() == PNG
    assert repos.status() == []


def test_remote_change_to_a_file_the_user_is_editing_fails_without_stashing(
    repos: Repos, site: Site
) -> None:
    other = repos.other_clone()
    (other / "README.md").write_text("theirs\n")
    git(other, "commit", "--quiet", "-am", "theirs")
    git(other, "push", "--quiet", "origin", "main")
    (repos.clone / "README.md").write_text("mine, not committed\n")

    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, site.draft())

    assert str(failure.value).startswith(
        "Zenn: origin/main's new commits touch files you have edited ("
    )
    assert str(failure.value).endswith(
        "): the repository was left as it was; commit or stash them and rerun"
    )


# -- the user's own work is never touched -------------------------------------------------


def test_other_dirty_files_are_left_untouched_and_uncommitted(repos: Repos, site: Site) -> None:
    (repos.clone / "README.md").write_text("# draft of a new intro\n")
    (repos.clone / "articles" / "my-own-draft-article.md").write_text("wip\n")

    publish(repos, site.draft())

    assert repos.files_of() == [ARTICLE, IMAGE]
    assert repos.status() == [" M README.md", "?? articles/my-own-draft-article.md"]
    assert (repos.clone / "README.md").read_text() == "# draft of a new intro\n"


def test_staged_changes_of_the_user_are_refused(repos: Repos, site: Site) -> None:
    (repos.clone / "README.md").write_text("# staged by the user\n")
    git(repos.clone, "add", "README.md")

    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, site.draft())

    assert str(failure.value) == (
        f"Zenn: {repos.clone} has staged changes (README.md): commit or unstage them first; "
        "xpost commits only its own files"
    )


def test_a_slug_taken_by_an_article_xpost_did_not_write_is_an_error(
    repos: Repos, site: Site
) -> None:
    theirs = "---\ntitle: someone else's\n---\n"
    (repos.clone / ARTICLE).write_text(theirs)

    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, site.draft())

    assert str(failure.value) == (
        "Zenn: articles/hello-zenn-world-9cda28.md: slug already used by an article xpost did not "
        "write; set xpost.zenn.slug in the post to another slug"
    )
    assert (repos.clone / ARTICLE).read_text() == theirs


def test_force_never_takes_over_an_article_someone_else_committed(repos: Repos, site: Site) -> None:
    draft = site.draft(options=ZennOptions(slug="written-by-hand-article"))
    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, draft, context=Context(force=True))
    assert str(failure.value) == (
        "Zenn: articles/written-by-hand-article.md: slug already used by an article xpost "
        "did not write; set xpost.zenn.slug in the post to another slug"
    )


def test_an_existing_article_identical_to_the_draft_is_adopted(repos: Repos, site: Site) -> None:
    draft = site.draft()
    (repos.clone / ARTICLE).write_text(draft.payload["content"])
    receipt = publish(repos, draft)
    assert repos.files_of() == [ARTICLE, IMAGE]
    assert receipt.state["commit"] == repos.head()


def test_an_article_edited_by_hand_is_refused_unless_forced(repos: Repos, site: Site) -> None:
    first = publish(repos, site.draft())
    (repos.clone / ARTICLE).write_text("edited by hand\n")
    edited = site.draft("A new version.\n\n![diagram](diagram.png)\n")

    with unchanged(repos), pytest.raises(RemoteConflict) as failure:
        publish(repos, edited, previous=first)
    assert str(failure.value) == (
        "Zenn: articles/hello-zenn-world-9cda28.md was edited since xpost last wrote it: "
        "rerun with --force to overwrite the edits"
    )

    publish(repos, edited, previous=first, context=Context(force=True))
    assert repos.remote_file(ARTICLE) == edited.payload["content"]
    assert len(repos.subjects()) == 3


@pytest.mark.parametrize("order", ["above", "below"])
def test_the_users_unpushed_commit_is_not_pushed_along(
    repos: Repos, site: Site, order: str
) -> None:
    """Whichever way the two commit ids sort (they are compared for equality only)."""
    (repos.clone / "README.md").write_text("# local only\n")
    tracking = git(repos.clone, "rev-parse", "origin/main").strip()
    git(repos.clone, "commit", "--quiet", "-am", "my local work")
    for n in range(64):  # each id is as likely to sort above the remote's as below
        if (repos.local_head() > tracking) is (order == "above"):
            break
        git(repos.clone, "commit", "--quiet", "--amend", "-m", f"my local work {n}")
    subject = git(repos.clone, "log", "-1", "--format=%s").strip()
    sha = repos.local_head()[:7]

    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, site.draft())
    assert str(failure.value) == (
        f"Zenn: main has a commit xpost did not make and has not pushed ({sha} {subject}): "
        "push it yourself first, or set push = false in [zenn]"
    )


# -- bad input: a clear line, nothing half-done -------------------------------------------


def test_a_folder_that_is_not_a_git_repository_is_a_config_error(
    tmp_path: Path, site: Site
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    for repo in (plain, tmp_path / "missing"):
        with pytest.raises(ConfigError) as failure:
            adapter_for(repo).publish(site.draft(), None, Context().ctx)
        assert str(failure.value) == f"[zenn] repo: {repo} is not a git repository"
    assert list(plain.iterdir()) == []


def test_repo_not_set_and_tilde_expanded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, site: Site
) -> None:
    with pytest.raises(ConfigError) as failure:
        adapter_for(None).publish(site.draft(), None, Context().ctx)
    assert str(failure.value) == (
        "[zenn] repo: not set: set it to the local clone of your Zenn-linked repository"
    )
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(ConfigError) as failure:
        adapter_for("~/nowhere").publish(site.draft(), None, Context().ctx)
    assert str(failure.value) == f"[zenn] repo: {tmp_path / 'nowhere'} is not a git repository"


def test_a_relative_repo_is_taken_from_the_current_directory(
    monkeypatch: pytest.MonkeyPatch, repos: Repos, site: Site
) -> None:
    monkeypatch.chdir(repos.root)
    receipt = adapter_for("zenn").publish(site.draft(), None, Context().ctx)
    assert receipt.state["commit"] == repos.head()


def test_no_git_identity_is_a_config_error(repos: Repos, site: Site) -> None:
    git(repos.clone, "config", "--unset", "user.email")
    with unchanged(repos), pytest.raises(ConfigError) as failure:
        publish(repos, site.draft())
    assert str(failure.value) == (
        f"[zenn] repo: git has no user.email for {repos.clone}: set it with "
        f"`git -C {repos.clone} config user.email …`"
    )


def test_another_branch_or_a_merge_in_progress_is_refused(repos: Repos, site: Site) -> None:
    git(repos.clone, "switch", "--quiet", "-c", "drafts")
    with pytest.raises(PublishError) as failure:
        publish(repos, site.draft())
    assert str(failure.value) == (
        f"Zenn: {repos.clone} is on branch 'drafts', not 'main': check out main yourself "
        "(xpost never switches branches) or set branch in [zenn]"
    )
    git(repos.clone, "switch", "--quiet", "main")
    (repos.clone / ".git" / "MERGE_HEAD").write_text(repos.local_head() + "\n")
    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, site.draft())
    assert str(failure.value) == (
        f"Zenn: {repos.clone} is in the middle of a merge: finish or abort it first"
    )


def test_a_failing_pre_commit_hook_leaves_nothing_behind(repos: Repos, site: Site) -> None:
    hooks = repos.clone / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-commit").write_text('#!/bin/sh\necho "textlint: 2 problems" >&2\nexit 1\n')
    (hooks / "pre-commit").chmod(0o755)

    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, site.draft())

    assert str(failure.value) == (
        "Zenn: git commit failed: textlint: 2 problems; nothing was committed"
    )


def test_a_missing_image_is_reported_before_anything_is_written(repos: Repos, site: Site) -> None:
    draft = site.draft()
    (site.bundle / "diagram.png").unlink()
    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, draft)
    assert str(failure.value) == (
        f"Zenn: image {site.bundle / 'diagram.png'}: cannot read it (No such file or directory)"
    )


def test_a_push_rejected_by_a_hook_is_undone(repos: Repos, site: Site) -> None:
    repos.hook("pre-receive", 'echo "articles must be reviewed first" >&2\nexit 1\n')
    context = Context()

    with unchanged(repos), pytest.raises(PublishError) as failure:
        publish(repos, site.draft(), context=context)

    assert str(failure.value) == (
        "Zenn: origin rejected the push to main: [remote rejected] (pre-receive hook "
        "declined): articles must be reviewed first; the repository was left as it was"
    )
    assert repos.subjects() == ["initial"]
    assert context.checkpoints == []


def test_a_push_that_cannot_reach_the_remote_keeps_the_commit_for_the_next_run(
    repos: Repos, site: Site
) -> None:
    git(repos.clone, "remote", "set-url", "origin", "../moved.git")
    context = Context()

    with pytest.raises(PublishError) as failure:
        publish(repos, site.draft(), context=context)

    sha = repos.local_head()
    assert str(failure.value) == (
        f"Zenn: committed locally as {sha[:7]}, but the push to origin failed: "
        "'../moved.git' does not appear to be a git repository; Could not read from remote "
        "repository.; the next run pushes it"
    )
    [kept] = context.checkpoints
    assert kept.state["pushed"] is False
    assert kept.state["commit"] == sha
    assert adapter_for(repos.clone).lookup(site.draft(), kept, Context().ctx) is None

    git(repos.clone, "remote", "set-url", "origin", "../origin.git")
    receipt = publish(repos, site.draft(), previous=kept)
    assert repos.head() == sha  # the same commit, pushed; none added
    assert receipt.state["pushed"] is True


def test_a_push_that_gets_no_answer_times_out_and_is_kept(repos: Repos, site: Site) -> None:
    repos.hook("pre-receive", "sleep 5\n")
    context = Context(timeout=0.5)
    started = time.monotonic()

    with pytest.raises(PublishError) as failure:
        publish(repos, site.draft(), context=context)

    assert time.monotonic() - started < 3
    assert str(failure.value) == (
        f"Zenn: committed locally as {repos.local_head()[:7]}, but the push to origin failed: "
        "no answer within 0.5 s; the next run pushes it"
    )
    assert repos.subjects() == ["initial"]
    assert [c.state["pushed"] for c in context.checkpoints] == [False]


def test_credentials_in_a_remote_url_never_reach_the_message(repos: Repos, site: Site) -> None:
    git(repos.clone, "remote", "set-url", "origin", "http://chezo:s3cret-token@127.0.0.1:9/z.git")
    with pytest.raises(PublishError) as failure:
        publish(repos, site.draft(), context=Context(timeout=5))
    assert "s3cret-token" not in str(failure.value)
    assert "push to origin failed" in str(failure.value)


def test_redact_and_push_output_parsing() -> None:
    assert redact("unable to access 'https://u:tok@github.com/x.git/'") == (
        "unable to access 'https://***@github.com/x.git/'"
    )
    ok = "To ../origin.git\n \trefs/heads/main:refs/heads/main\tabc..def\nDone\n"
    assert parse_push(ok, "", 0).outcome == "ok"
    behind = "!\trefs/heads/main:refs/heads/main\t[rejected] (non-fast-forward)\n"
    assert parse_push(behind, "", 1).outcome == "non-fast-forward"


# -- lookup and whoami --------------------------------------------------------------------


def test_lookup_finds_the_pushed_article_only(repos: Repos, site: Site) -> None:
    draft = site.draft()
    adapter = adapter_for(repos.clone)
    assert adapter.lookup(draft, None, Context().ctx) is None
    receipt = publish(repos, draft)
    assert adapter.lookup(draft, None, Context().ctx) == receipt
    edited = site.draft("Something else.\n")
    assert adapter.lookup(edited, receipt, Context().ctx) is None


def test_whoami_checks_the_repository_and_the_remote(repos: Repos) -> None:
    adapter = adapter_for(repos.clone)
    assert adapter.whoami(Context().ctx) == f"chezo ({repos.clone}, branch main)"
    unnamed = adapter_for(repos.clone, username=None)
    assert unnamed.whoami(Context().ctx) == f"no username set ({repos.clone}, branch main)"
    team = adapter_for(repos.clone, username=None, publication="team_x")
    assert team.whoami(Context().ctx) == f"team_x ({repos.clone}, branch main)"
    assert adapter.credential_fields == ()
    assert adapter.missing_credentials({}) == []
    git(repos.clone, "remote", "set-url", "origin", "../moved.git")
    with pytest.raises(PublishError) as failure:
        adapter.whoami(Context().ctx)
    assert str(failure.value).startswith(
        "Zenn: cannot reach origin: '../moved.git' does not appear to be a git repository"
    )


# -- every article committed is one Zenn accepts --------------------------------------------


@pytest.mark.node
def test_committed_articles_pass_zenn_model(repos: Repos, site: Site, node_modules: Path) -> None:
    receipt = publish(repos, site.draft())
    versions = [repos.remote_file(ARTICLE)]
    adapter_for(repos.clone).unpublish(receipt, Context().ctx)
    versions.append(repos.remote_file(ARTICLE))
    articles = [{"slug": SLUG, "content": content} for content in versions]
    completed = subprocess.run(
        ["node", str(NODE_DIR / "zenn_check.mjs")],
        input=json.dumps(articles),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={"XPOST_NODE_MODULES": str(node_modules), "PATH": os.environ.get("PATH", "")},
    )
    results = json.loads(completed.stdout)
    assert [r["errors"] for r in results] == [[], []]
    assert [r["front_matter"]["published"] for r in results] == [True, False]
    assert '<img src="/images/hello-zenn-world-9cda28/diagram.png"' in results[0]["html"]
