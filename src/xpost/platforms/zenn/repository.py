"""Publishing to Zenn: write the article into the user's Zenn repository, commit, push.

The repository is the user's own checkout, so xpost behaves like a careful guest:

- It works on the configured branch only and never switches branches, never stashes,
  never force-pushes, and commits only its own paths (``articles/<slug>.md`` and
  ``images/<slug>/…``). Other uncommitted edits stay where they are; changes the user
  has *staged* would end up in xpost's commit's neighbourhood, so xpost refuses.
- A file xpost did not write is never overwritten, not even with ``--force``: an
  existing article of that slug is an error unless the previous receipt names it, or
  it holds exactly this draft (or the draft as ``unpublish`` left it). A file xpost
  wrote and someone edited since — or one xpost committed that no receipt names — is
  a ``RemoteConflict``: ``--force`` overwrites it.
- Its own commits are recognised by their subject, ``xpost: publish|update|unpublish
  "<title>" (<slug>)``; the author is the repository's configured git user.
- ``repo`` is the folder that holds ``articles/`` and ``images/``: the top of the
  work tree, or a member's folder in a Publication Pro repository. ``~`` is expanded;
  a relative path is taken from the current directory (the adapter does not know
  where the config file lives).
- Push: a non-fast-forward rejection is solved by fetching and replaying xpost's own
  commits onto the remote branch (plumbing, so the user's uncommitted files are never
  stashed or touched); if the remote changed one of xpost's files, everything is
  undone. A push the remote *rejects* (a hook, a protected branch) is undone too: the
  repository ends as it started. A push that could not reach the remote (network,
  authentication, timeout) keeps the commit: the receipt is checkpointed with
  ``pushed: false`` and the error says so; the next run finds nothing to commit and
  pushes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from xpost.adapters.base import Draft, PublishContext, Receipt
from xpost.errors import ConfigError, PostError, PublishError, RemoteConflict
from xpost.platforms.zenn.adapter import MAX_IMAGE_BYTES, ZennSettings
from xpost.platforms.zenn.git import Git, GitCommandError, GitMissing
from xpost.printable import one_line
from xpost.sitefiles import read_image

#: Every commit xpost makes starts so; it is how xpost recognises its own commits.
COMMIT_PREFIX = "xpost: "
LOCAL_TIMEOUT = 60.0  # seconds for git commands that do not touch the network


#: Where xpost writes a Zenn article (slugs: Zenn's ``^[0-9a-z_-]{12,50}$``).
_ARTICLE_PATH = re.compile(r"^(?:[^/]+/)*articles/[0-9a-z_-]{12,50}\.md$")


@dataclass(frozen=True)
class Article:
    """A draft's files, read and checked: paths are relative to the repo folder."""

    path: str
    slug: str
    content: bytes
    images: dict[str, bytes]

    @classmethod
    def from_draft(cls, draft: Draft) -> Article:
        payload = draft.payload
        images: dict[str, bytes] = {}
        for image in payload.get("images", []):
            source = Path(image["source"])
            # Checked before anything was sent (ZennAdapter.check_files); read bounded
            # and by its bytes again, as it is about to be pushed to a public repo.
            try:
                found = read_image(source, f"Zenn: image {source}", "Zenn", MAX_IMAGE_BYTES)
            except PostError as exc:
                raise PublishError(str(exc)) from None
            images[_inside(image["target"])] = found.data
        content = str(payload["content"]).encode()
        return cls(_inside(payload["path"]), payload["slug"], content, images)

    def files(self) -> dict[str, bytes]:
        return {self.path: self.content, **self.images}

    def kept_where(self, previous: Receipt | None) -> Article:
        """The article at the path it was published under. Its slug is its Zenn URL: when
        the slug xpost derives changes (a newer xpost adds a suffix), an update rewrites
        the published article rather than creating a second one."""
        path = previous.state.get("path") if previous is not None else None
        if not isinstance(path, str) or path == self.path or not _ARTICLE_PATH.match(path):
            return self
        return replace(self, path=path, slug=PurePosixPath(path).stem)


@dataclass(frozen=True)
class Versions:
    """One file as it is now: in the work tree, at HEAD, in the index (None: absent)."""

    worktree: bytes | None
    head: bytes | None
    index: bytes | None

    def present(self) -> set[bytes]:
        return {data for data in (self.worktree, self.head, self.index) if data is not None}


class ZennRepo:
    """The user's Zenn repository, opened for one publish, lookup or unpublish."""

    def __init__(self, settings: ZennSettings, network_timeout: float) -> None:
        self.settings = settings
        self.network_timeout = network_timeout
        self.folder = repo_folder(settings.repo)
        try:
            found = Git(self.folder, timeout=LOCAL_TIMEOUT).locate()
        except GitMissing as exc:
            raise ConfigError("[zenn] git is not installed or not on PATH: install git") from exc
        except GitCommandError as exc:
            raise ConfigError(f"[zenn] repo: {self.folder} is not a git repository") from exc
        if found is None:
            raise ConfigError(f"[zenn] repo: {self.folder} is not a git repository")
        self.location = found
        self.top, self.prefix = found.top, found.prefix
        self.git = Git(self.top, timeout=LOCAL_TIMEOUT)
        self.config = self.git.config()
        self.branch = settings.branch
        self.remote = self.config.get(f"branch.{self.branch}.remote", "origin")
        if self.remote == ".":  # a branch tracking a local branch: push to origin
            self.remote = "origin"
        self.tracking_ref = f"refs/remotes/{self.remote}/{self.branch}"
        self.initial = self.git.branch_state(self.branch, self.remote)
        self.start = self.initial.head  # where the branch was when xpost came in

    # -- the three operations -----------------------------------------------------------

    def publish(self, draft: Draft, previous: Receipt | None, ctx: PublishContext) -> Receipt:
        article = Article.from_draft(draft).kept_where(previous)
        covered = previous is not None and previous.state.get("path") == article.path
        known = _known_hashes(previous.state) if covered and previous else {}
        old_images = [path for path in known if path != article.path]
        staged = self._preflight([*article.files(), *old_images])
        files = self._files([*article.files(), *old_images], staged)
        # Images the post no longer shows go, unless someone changed them since.
        stale = [
            path
            for path in old_images
            if path not in article.images
            and files[path].present()
            and {_sha256(data) for data in files[path].present()} <= known[path]
        ]
        for path, data in article.files().items():
            self._check_ownership(path, data, files[path], covered, known.get(path), ctx)

        before = {path: files[path].worktree for path in [*article.files(), *stale]}
        verb = "publish" if files[article.path].head is None else "update"
        title = _title(article.content, article.slug)
        message = f'{COMMIT_PREFIX}{verb} "{one_line(title)}" ({article.slug})'
        changed = bool(stale) or any(files[p].head != data for p, data in article.files().items())
        out_of_step = {
            p: d
            for p, d in article.files().items()
            if d != files[p].worktree or d != files[p].index
        }
        self._commit(out_of_step, stale, message, before, commit=changed)
        if self.settings.push and self._unpushed():
            # Kept (not undone) when the remote could not be reached: record that, so the
            # next run knows the commit is xpost's and pushes it.
            self._push(before, on_kept=lambda: ctx.checkpoint(self._receipt(article, False)))
        return self._receipt(article, self.settings.push)

    def lookup(self, draft: Draft) -> Receipt | None:
        """The article as xpost would write it, committed (and pushed, if pushing is on)."""
        article = Article.from_draft(draft)
        if self._head_blob(article.path) != article.content:
            return None
        if self.settings.push and not self._pushed(article.path):
            return None  # not on Zenn yet: let the next publish push it
        return self._receipt(article, self.settings.push)

    def unpublish(self, receipt: Receipt, ctx: PublishContext) -> None:
        """Set ``published: false`` in the article (that line only), commit and push."""
        path = _inside(str(receipt.state.get("path") or f"articles/{receipt.remote_id}.md"))
        self._preflight([path])
        worktree, head = self._read(path), self._head_blob(path)
        current = worktree if worktree is not None else head
        if current is None:
            return  # nothing there: already withdrawn
        if worktree != head and not ctx.force:
            raise RemoteConflict(
                f"Zenn: {self._full(path)} has uncommitted edits: commit them, or rerun with "
                "--force to unpublish it as it is"
            )
        hidden = _unpublished_bytes(current)
        title = _title(hidden, receipt.remote_id)
        message = f'{COMMIT_PREFIX}unpublish "{one_line(title)}" ({one_line(receipt.remote_id)})'
        self._commit({path: hidden}, [], message, {path: worktree}, commit=hidden != head)
        if self.settings.push and self._unpushed():
            self._push({path: worktree}, on_kept=lambda: None)

    def whoami(self) -> str:
        """Check the repository and (when pushing) that the remote answers."""
        self._check_branch()
        if self.settings.push:
            self._check_remote()
            try:
                self.git.ls_remote(self.remote, self.branch, self.network_timeout)
            except GitCommandError as exc:
                raise PublishError(f"Zenn: cannot reach {self.remote}: {exc.reason}") from exc
        account = self.settings.username or self.settings.publication or "no username set"
        return f"{account} ({self.folder}, branch {self.branch})"

    # -- checks before anything is written -----------------------------------------------

    def check_setup(self) -> None:
        """What makes the settings unusable, whatever the post: bad config, not a failure."""
        self._check_identity()
        if self.settings.push:
            self._check_remote()

    def _preflight(self, paths: Iterable[str]) -> set[str]:
        """Everything that must hold before xpost writes; returns our staged paths."""
        self._check_identity()
        self._check_branch()
        operation = self.location.operation_in_progress()
        if operation:
            raise PublishError(
                f"Zenn: {self.top} is in the middle of a {operation}: finish or abort it first"
            )
        if self.settings.push:
            self._check_remote()
            self._check_unpushed_commits()
        ours = {self._full(path) for path in paths}
        staged = set(self.git.staged_paths(self.start))
        others = sorted(staged - ours)
        if others:
            listed = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
            raise PublishError(
                f"Zenn: {self.top} has staged changes ({listed}): commit or unstage them "
                "first; xpost commits only its own files"
            )
        return staged & ours

    def _check_identity(self) -> None:
        for field in ("name", "email"):
            from_env = os.environ.get(f"GIT_AUTHOR_{field.upper()}") and os.environ.get(
                f"GIT_COMMITTER_{field.upper()}"
            )
            if not (self.config.get(f"user.{field}") or from_env):
                raise ConfigError(
                    f"[zenn] repo: git has no user.{field} for {self.top}: set it with "
                    f"`git -C {self.top} config user.{field} …`"
                )

    def _check_branch(self) -> None:
        if not self.initial.current:
            current = self.git.branch()
            where = f"on branch '{current}'" if current else "on a detached HEAD"
            raise PublishError(
                f"Zenn: {self.top} is {where}, not '{self.branch}': check out {self.branch} "
                "yourself (xpost never switches branches) or set branch in [zenn]"
            )

    def _check_remote(self) -> None:
        if f"remote.{self.remote}.url" not in self.config:
            raise ConfigError(
                f"[zenn] repo: {self.top} has no remote '{self.remote}' to push to: add it, "
                "or set push = false in [zenn]"
            )

    def _check_unpushed_commits(self) -> None:
        # xpost pushes the whole branch: it must not carry the user's own work along.
        tracking = self.initial.tracking
        if tracking is None or self.start is None or tracking == self.start:
            return
        for commit, subject in self.git.commits_between(tracking, self.start):
            if not subject.startswith(COMMIT_PREFIX):
                raise PublishError(
                    f"Zenn: {self.branch} has a commit xpost did not make and has not pushed "
                    f"({commit[:7]} {subject}): push it yourself first, or set push = false "
                    "in [zenn]"
                )

    def _files(self, paths: list[str], staged: set[str]) -> dict[str, Versions]:
        """Each file's versions in the work tree, at HEAD, and in the index if staged."""
        wanted = [(self.start, self._full(path)) for path in paths] if self.start else []
        wanted += [("", full) for full in staged]
        blobs = self.git.blobs((str(rev), full) for rev, full in wanted)
        found: dict[str, Versions] = {}
        for path in paths:
            full = self._full(path)
            head = blobs.get((str(self.start), full))
            index = blobs[("", full)] if full in staged else head
            found[path] = Versions(self._read(path), head, index)
        return found

    def _check_ownership(
        self,
        path: str,
        new: bytes,
        versions: Versions,
        covered: bool,
        known: set[str] | None,
        ctx: PublishContext,
    ) -> None:
        """Refuse to overwrite a file xpost did not write, or one edited since it did.

        Without a receipt naming the file, it is still this post's when it holds exactly
        the draft, or the draft as ``xpost unpublish`` left it (the ledger forgets a
        removed copy). A file xpost committed for some other reason (another post with
        the same slug?) is taken over only with ``--force``; anyone else's, never."""
        present = versions.present()
        withdrawn = _unpublished_bytes(new) if path.startswith("articles/") else new
        if present <= {new, withdrawn}:
            return  # absent, or already this post's
        full = self._full(path)
        if covered:
            edited = any(_sha256(data) not in (known or set()) for data in present - {new})
            if edited and not ctx.force:
                raise RemoteConflict(
                    f"Zenn: {full} was edited since xpost last wrote it: rerun with --force "
                    "to overwrite the edits"
                )
            return
        if self._committed_by_xpost(full, versions):
            if ctx.force or self._withdrawn_by_xpost(full, path):
                return
            raise RemoteConflict(
                f"Zenn: {full} was written by xpost, but not for this post as the ledger "
                "knows it: rerun with --force to take it over, or set xpost.zenn.slug in the "
                "post to another slug"
            )
        if path.startswith("articles/"):
            raise PublishError(
                f"Zenn: {full}: slug already used by an article xpost did not write; "
                "set xpost.zenn.slug in the post to another slug"
            )
        raise PublishError(
            f"Zenn: {full} already exists and xpost did not write it; "
            "set xpost.zenn.slug in the post to another slug"
        )

    def _withdrawn_by_xpost(self, full: str, path: str) -> bool:
        """Last committed by ``xpost unpublish`` for this very slug: the ledger forgot
        the removed copy, but publishing the slug again is what the user asks for."""
        slug = PurePosixPath(path).stem
        subject = self.git.last_subject(full)
        return subject.startswith(f"{COMMIT_PREFIX}unpublish ") and subject.endswith(f"({slug})")

    def _committed_by_xpost(self, full: str, versions: Versions) -> bool:
        """Unchanged since its last commit, and that commit is one of xpost's."""
        clean = versions.head is not None and versions.worktree == versions.head == versions.index
        return clean and self.git.last_subject(full).startswith(COMMIT_PREFIX)

    # -- writing and committing ---------------------------------------------------------

    def _commit(
        self,
        files: dict[str, bytes],
        removed: list[str],
        message: str,
        before: dict[str, bytes | None],
        *,
        commit: bool,
    ) -> None:
        """Write ``files`` and stage them, delete ``removed``; when ``commit``, commit those
        paths alone. Undo it all on failure."""
        paths = [self._full(path) for path in [*before]]
        try:
            for path, data in files.items():
                target = self._file(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            if files:
                self.git.add([self._full(path) for path in files])
            if removed:
                self.git.remove([self._full(path) for path in removed])
            if commit:
                self.git.commit(message, paths)
        except GitCommandError as exc:
            self._undo(before)
            raise PublishError(
                f"Zenn: git {exc.command} failed: {exc.reason}; nothing was committed"
            ) from exc
        except OSError as exc:
            self._undo(before)
            reason = exc.strerror or type(exc).__name__
            raise PublishError(
                f"Zenn: cannot write {exc.filename}: {reason}; nothing was committed"
            ) from exc

    def _undo(self, before: dict[str, bytes | None]) -> None:
        """Put the branch, the index and xpost's files back as they were at the start."""
        if self.git.rev("HEAD") != self.start:
            if self.start is None:
                self.git.run("update-ref", "-d", f"refs/heads/{self.branch}")
            else:
                self.git.move_branch_keeping_changes(self.start)
        self.git.unstage([self._full(path) for path in before], self.start)
        for path, data in before.items():
            target = self._file(path)
            if data is None:
                target.unlink(missing_ok=True)
            else:
                target.write_bytes(data)

    # -- pushing --------------------------------------------------------------------------

    def _push(self, before: dict[str, bytes | None], on_kept: Callable[[], None]) -> None:
        result = self.git.push(self.remote, self.branch, self.network_timeout)
        if result.outcome == "non-fast-forward":
            try:
                self.git.fetch(self.remote, self.branch, self.network_timeout)
            except GitCommandError as exc:
                on_kept()
                raise self._kept_error(exc.reason) from exc
            self._replay_onto_remote(before)
            result = self.git.push(self.remote, self.branch, self.network_timeout)
        if result.outcome == "ok":
            return
        if result.outcome == "failed":
            on_kept()
            raise self._kept_error(result.reason)
        self._undo(before)
        raise PublishError(
            f"Zenn: {self.remote} rejected the push to {self.branch}: {result.reason}; "
            "the repository was left as it was"
        )

    def _kept_error(self, reason: str) -> PublishError:
        head = self.git.rev("HEAD") or ""
        return PublishError(
            f"Zenn: committed locally as {head[:7]}, but the push to {self.remote} failed: "
            f"{reason}; the next run pushes it"
        )

    def _replay_onto_remote(self, before: dict[str, bytes | None]) -> None:
        """Rebase xpost's unpushed commits onto the fetched remote branch, or undo all."""
        upstream = self.git.rev(self.tracking_ref)
        head = self.git.rev("HEAD")
        base = self.git.merge_base(head, upstream) if head and upstream else None
        if head is None or upstream is None or base is None:
            self._undo(before)
            raise PublishError(
                f"Zenn: {self.branch} shares no history with {self.remote}/{self.branch}: "
                "the repository was left as it was; reconcile them yourself and rerun"
            )
        mine = self.git.commits_between(base, head)
        foreign = [commit for commit, subject in mine if not subject.startswith(COMMIT_PREFIX)]
        touched = sorted({change.path for commit, _ in mine for change in self.git.changes(commit)})
        blobs = self.git.blobs((rev, path) for path in touched for rev in (base, head, upstream))
        # A clash: the remote changed one of xpost's paths, to something else than ours.
        clashes = [
            path
            for path in touched
            if blobs[(upstream, path)] not in (blobs[(base, path)], blobs[(head, path)])
        ]
        if foreign or clashes:
            self._undo(before)
            what = f"also change {clashes[0]}" if clashes else "and so does your local branch"
            raise PublishError(
                f"Zenn: {self.remote}/{self.branch} has new commits that {what}: nothing was "
                "pushed and the repository was left as it was; pull, resolve and rerun"
            )
        replayed = upstream
        for commit, _ in mine:
            replayed = self.git.replay(commit, replayed)
        try:
            self.git.move_branch_keeping_changes(replayed)
        except GitCommandError as exc:
            self._undo(before)
            raise PublishError(
                f"Zenn: {self.remote}/{self.branch}'s new commits touch files you have edited "
                f"({exc.reason}): the repository was left as it was; commit or stash them "
                "and rerun"
            ) from exc

    def _unpushed(self) -> bool:
        now = self.git.branch_state(self.branch, self.remote)
        if now.head is None or now.head == now.tracking:
            return False
        if now.tracking is None or now.head != self.start:
            return True  # a commit made just now is on no remote yet
        return not self.git.is_ancestor(now.head, now.tracking)

    def _pushed(self, path: str) -> bool:
        commit = self.git.last_commit(self._full(path))
        tracking = self.git.rev(self.tracking_ref)
        return bool(commit and tracking and self.git.is_ancestor(commit, tracking))

    # -- small helpers ------------------------------------------------------------------

    def _receipt(self, article: Article, pushed: bool) -> Receipt:
        text = article.content.decode("utf-8", "surrogateescape")
        state = {
            "path": article.path,
            "commit": self.git.last_commit(self._full(article.path)),
            "pushed": pushed,
            "sha256": _sha256(article.content),
            "unpublished_sha256": _sha256(_unpublished_bytes(article.content)),
            "images": {target: _sha256(data) for target, data in article.images.items()},
        }
        url = article_url(self.settings, article.slug, front_matter_value(text, "publication_name"))
        return Receipt(remote_id=article.slug, url=url, state=state)

    def _head_blob(self, path: str) -> bytes | None:
        return self.git.blob(self.start, self._full(path)) if self.start else None

    def _full(self, path: str) -> str:
        return self.prefix + path

    def _file(self, path: str) -> Path:
        return self.top / self._full(path)

    def _read(self, path: str) -> bytes | None:
        try:
            return self._file(path).read_bytes()
        except FileNotFoundError:
            return None


# -- plain functions ----------------------------------------------------------------------


def repo_folder(repo: str | None) -> Path:
    """``[zenn] repo`` as a path: ``~`` expanded, relative to the current directory."""
    if not repo:
        raise ConfigError(
            "[zenn] repo: not set: set it to the local clone of your Zenn-linked repository"
        )
    return Path(repo).expanduser().absolute()


def article_url(settings: ZennSettings, slug: str, publication: str | None) -> str | None:
    """Where Zenn shows the article. Publication articles live under the publication's
    name (``https://zenn.dev/<publication>/articles/<slug>``; ``/p/<name>`` is only the
    publication's front page); others under the author's."""
    owner = publication or settings.username
    return f"https://zenn.dev/{owner}/articles/{slug}" if owner else None


def unpublished(content: str) -> str:
    """The article with ``published: false`` in its front matter; every other line kept."""
    lines = content.split("\n")
    if not lines or lines[0].strip() != "---":
        return content
    for number, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            lines.insert(number, "published: false")
            return "\n".join(lines)
        if line.startswith("published:"):
            comment = line.find(" #")
            lines[number] = "published: false" + (line[comment:] if comment > 0 else "")
            return "\n".join(lines)
    return content


def front_matter_value(content: str, key: str) -> str | None:
    """A top-level string from the article's front matter (as xpost writes it)."""
    lines = content.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for line in lines[1:]:
        if line.strip() == "---":
            return None
        if line.startswith(f"{key}:"):
            raw = line[len(key) + 1 :].strip()
            try:
                value = json.loads(raw)
            except ValueError:
                return raw.strip("'\"") or None
            return value if isinstance(value, str) else None
    return None


def _title(content: bytes, fallback: str) -> str:
    text = content.decode("utf-8", "surrogateescape")
    return front_matter_value(text, "title") or fallback


def _known_hashes(state: dict[str, object]) -> dict[str, set[str]]:
    """What xpost last wrote, per path: the file's hashes the receipt remembers."""
    known: dict[str, set[str]] = {}
    path = state.get("path")
    if isinstance(path, str):
        known[path] = {str(state.get(key)) for key in ("sha256", "unpublished_sha256")}
    images = state.get("images")
    if isinstance(images, dict):
        for target, digest in images.items():
            known[str(target)] = {str(digest)}
    return known


def _inside(path: str) -> str:
    """A repo-relative path that stays inside the repo folder."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise PublishError(f"Zenn: refusing to write {path!r}: outside the repository")
    return str(pure)


def _unpublished_bytes(content: bytes) -> bytes:
    text = unpublished(content.decode("utf-8", "surrogateescape"))
    return text.encode("utf-8", "surrogateescape")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
