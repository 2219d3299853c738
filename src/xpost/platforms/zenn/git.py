"""A small wrapper over the git command line: run a command, check it, parse its output.

Every command runs in one work tree with a fixed environment: English messages (so
output can be parsed), no credential or editor prompts (cron has no one to answer),
stdin closed. A command that outlives its timeout is killed with everything it started
(ssh, hooks), since those would otherwise keep the pipes open. Nothing here knows about
Zenn; ``xpost.platforms.zenn.repository`` decides what to run.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from xpost.errors import PublishError

#: The empty tree's id: what "no parent" looks like to ``diff-tree``.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_ZERO_ID = "0" * 40
#: Credentials in a remote URL (``https://user:token@host``) never reach a message.
_URL_CREDENTIALS = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_ERROR_PREFIXES = ("remote:", "error:", "fatal:")


class GitCommandError(PublishError):
    """A git command failed. ``reason`` is git's own explanation, one line, redacted."""

    def __init__(self, command: str, reason: str, returncode: int) -> None:
        super().__init__(f"git {command} failed: {reason}")
        self.command = command
        self.reason = reason
        self.returncode = returncode


class GitTimeout(GitCommandError):
    """A git command took longer than its timeout and was killed."""


class GitMissing(PublishError):
    """The ``git`` executable is not installed or not on PATH."""


@dataclass(frozen=True)
class Output:
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Location:
    """Where a folder sits in its repository."""

    top: Path  # the work tree's top folder
    prefix: str  # from ``top`` to the folder: "" or ending in "/"
    in_progress: dict[Path, str]  # marker file → the operation it means, while it exists

    def operation_in_progress(self) -> str | None:
        """A merge, rebase, cherry-pick or revert that was started and not finished."""
        return next((name for path, name in self.in_progress.items() if path.exists()), None)


@dataclass(frozen=True)
class BranchState:
    current: bool  # checked out in this work tree
    head: str | None  # None on an unborn branch
    tracking: str | None  # None when the remote branch was never fetched


@dataclass(frozen=True)
class PushResult:
    """What ``git push --porcelain`` said about the one ref pushed."""

    outcome: Literal["ok", "non-fast-forward", "rejected", "failed"]
    reason: str = ""


@dataclass(frozen=True)
class Change:
    """One path changed by a commit, as ``diff-tree --raw`` reports it."""

    path: str
    mode: str  # the new mode; "000000" for a deletion
    blob: str  # the new blob id; zeros for a deletion

    @property
    def deleted(self) -> bool:
        return self.mode == "000000"


@dataclass
class Git:
    """git, run in ``work_tree`` (the top level of a work tree, once known)."""

    work_tree: Path
    timeout: float = 60.0
    extra_env: Mapping[str, str] = field(default_factory=dict)

    # -- running -------------------------------------------------------------------

    def run(
        self,
        *args: str,
        check: bool = True,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
        stdin: str | None = None,
    ) -> Output:
        """Run ``git ARGS``; raise ``GitCommandError`` on a non-zero exit when ``check``.

        ``stdin`` feeds the few plumbing commands that read it; otherwise it is closed."""
        command = ["git", *args]
        full_env = {**os.environ, **_QUIET_ENV, **self.extra_env, **(env or {})}
        limit = self.timeout if timeout is None else timeout
        try:
            process = subprocess.Popen(
                command,
                cwd=self.work_tree,
                env=full_env,
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # so a timeout can kill ssh and hooks too
            )
        except FileNotFoundError as exc:
            if not self.work_tree.is_dir():
                raise GitCommandError(args[0], f"{self.work_tree} is not a folder", -1) from exc
            raise GitMissing("git is not installed or not on PATH") from exc
        try:
            data = None if stdin is None else stdin.encode()
            stdout, stderr = process.communicate(data, timeout=limit)
        except subprocess.TimeoutExpired as exc:
            _kill_group(process)
            raise GitTimeout(args[0], f"no answer within {limit:g} s", -1) from exc
        result = Output(process.returncode, stdout, stderr.decode("utf-8", "replace"))
        if check and result.returncode != 0:
            raise GitCommandError(args[0], git_reason(result.stderr), result.returncode)
        return result

    def text(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """The stripped stdout of a command that must succeed."""
        return self.run(*args, env=env).text.strip()

    # -- the work tree ---------------------------------------------------------------

    def locate(self) -> Location | None:
        """Where ``work_tree`` sits in its repository; None when not inside a work tree."""
        markers = [arg for marker in _IN_PROGRESS for arg in ("--git-path", marker)]
        result = self.run(
            "rev-parse",
            "--is-inside-work-tree",
            "--show-toplevel",
            "--show-prefix",
            *markers,
            check=False,
        )
        lines = result.text.split("\n")
        if result.returncode != 0 or len(lines) < 3 + len(_IN_PROGRESS) or lines[0] != "true":
            return None
        paths = [self.work_tree / line for line in lines[3 : 3 + len(_IN_PROGRESS)]]
        return Location(
            Path(lines[1]), lines[2], dict(zip(paths, _IN_PROGRESS.values(), strict=True))
        )

    def config(self) -> dict[str, str]:
        """Every configuration value in effect (the last one wins for repeated keys).
        Section and key names are lowercase, as git prints them."""
        raw = self.run("config", "--list", "-z", check=False).stdout
        entries = (entry.split("\n", 1) for entry in _split_z(raw))
        return {entry[0]: entry[1] if len(entry) > 1 else "" for entry in entries}

    def branch(self) -> str | None:
        """The checked-out branch, or None for a detached HEAD."""
        result = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return result.text.strip() if result.returncode == 0 else None

    def branch_state(self, branch: str, remote: str) -> BranchState:
        """``branch``: checked out or not, its commit, its remote-tracking commit."""
        local, tracking = f"refs/heads/{branch}", f"refs/remotes/{remote}/{branch}"
        out = self.run(
            "for-each-ref", "--format=%(HEAD)%00%(refname)%00%(objectname)", local, tracking
        ).text
        found = {}
        for line in out.splitlines():
            marker, name, commit = line.split("\0")
            found[name] = (marker == "*", commit)
        current, head = found.get(local, (False, None))
        if local not in found:  # an unborn branch has no ref yet; HEAD still names it
            current = self.branch() == branch
        return BranchState(current, head, found.get(tracking, (False, None))[1])

    def rev(self, revision: str) -> str | None:
        """The commit id ``revision`` names, or None (an unborn branch, a missing ref)."""
        result = self.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
        return result.text.strip() if result.returncode == 0 else None

    def blob(self, revision: str, path: str) -> bytes | None:
        """A file's bytes at ``revision`` (``path`` from the top level), None if absent."""
        return self.blobs([(revision, path)])[(revision, path)]

    def blobs(self, wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
        """Several files at several revisions (``""`` is the index) in one ``cat-file``."""
        keys = list(dict.fromkeys(wanted))
        if not keys:
            return {}
        names = "".join(f"{revision}:{path}\n" for revision, path in keys)
        out = self.run("cat-file", "--batch", stdin=names).stdout
        found: dict[tuple[str, str], bytes | None] = {}
        position = 0
        for key in keys:
            end = out.index(b"\n", position)
            header = out[position:end].split()
            position = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                found[key] = out[position : position + size]
                position += size + 1  # the content, then a newline
            else:  # "<name> missing", or a tree/commit where a file was expected
                found[key] = None
                if len(header) == 3:
                    position += int(header[2]) + 1
        return found

    def staged_paths(self, head: str | None) -> list[str]:
        """Paths whose index entry differs from ``head`` (all of them on an unborn branch)."""
        if head is None:
            return _split_z(self.run("ls-files", "-z").stdout)
        return _split_z(self.run("diff", "--cached", "--name-only", "-z").stdout)

    def add(self, paths: Iterable[str]) -> None:
        self.run("add", "--", *paths)

    def remove(self, paths: Iterable[str]) -> None:
        self.run("rm", "--quiet", "--", *paths)

    def unstage(self, paths: Iterable[str], head: str | None) -> None:
        """Put the index entries of ``paths`` back to ``head``'s; files are not touched."""
        wanted = list(paths)
        if head is None:
            self.run("rm", "--cached", "--quiet", "--ignore-unmatch", "--", *wanted)
        else:
            self.run("reset", "--quiet", "HEAD", "--", *wanted)

    def commit(self, message: str, paths: Iterable[str]) -> None:
        """Commit exactly ``paths`` (whatever else is staged stays out)."""
        self.run("commit", "--quiet", "--only", "--message", message, "--", *paths)

    def last_commit(self, path: str) -> str | None:
        """The newest commit that changed ``path``."""
        found = self.text("log", "-1", "--format=%H", "--", path)
        return found or None

    def last_subject(self, path: str) -> str:
        """The subject line of the newest commit that changed ``path`` ("" if none)."""
        return self.text("log", "-1", "--format=%s", "--", path)

    # -- history ---------------------------------------------------------------------

    def commits_between(self, base: str, head: str) -> list[tuple[str, str]]:
        """``(id, subject)`` of the commits in ``base..head``, oldest first."""
        out = self.run("log", "--reverse", "--format=%H%x00%s", f"{base}..{head}").text
        pairs = [line.split("\0", 1) for line in out.splitlines()]
        return [(commit, subject) for commit, subject in pairs]

    def merge_base(self, one: str, other: str) -> str | None:
        result = self.run("merge-base", one, other, check=False)
        return result.text.strip() if result.returncode == 0 else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        result = self.run("merge-base", "--is-ancestor", ancestor, descendant, check=False)
        return result.returncode == 0

    def changes(self, commit: str) -> list[Change]:
        """What ``commit`` changed against its first parent."""
        parent = self.rev(f"{commit}^") or EMPTY_TREE
        raw = self.run("diff-tree", "-r", "--raw", "-z", "--no-renames", parent, commit).stdout
        fields = _split_z(raw)
        found = []
        for header, path in zip(fields[::2], fields[1::2], strict=True):
            _old_mode, new_mode, _old_blob, new_blob, _status = header.lstrip(":").split()
            found.append(Change(path, new_mode, new_blob))
        return found

    def replay(self, commit: str, onto: str) -> str:
        """Make a commit that applies ``commit``'s changes to ``onto``'s tree, parent
        ``onto``, same message and author — without touching the index or work tree.
        Returns ``onto`` itself when those changes are already there."""
        with tempfile.TemporaryDirectory(prefix="xpost-git-") as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.run("read-tree", onto, env=index)
            lines = [
                f"0 {_ZERO_ID}\t{c.path}" if c.deleted else f"{c.mode} {c.blob}\t{c.path}"
                for c in self.changes(commit)
            ]
            self.run("update-index", "--index-info", env=index, stdin="\n".join(lines) + "\n")
            tree = self.text("write-tree", env=index)
        if tree == self.text("rev-parse", f"{onto}^{{tree}}"):
            return onto
        name, email, date = self.text("log", "-1", "--format=%an%x00%ae%x00%aI", commit).split("\0")
        message = self.run("log", "-1", "--format=%B", commit).text
        author = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date}
        return self.run("commit-tree", tree, "-p", onto, env=author, stdin=message).text.strip()

    def move_branch_keeping_changes(self, commit: str) -> None:
        """Point the current branch at ``commit``, updating only files that differ between
        it and HEAD; refuses (changing nothing) if one of those has uncommitted edits."""
        self.run("reset", "--quiet", "--keep", commit)

    # -- remotes ---------------------------------------------------------------------

    def fetch(self, remote: str, branch: str, timeout: float) -> None:
        refspec = f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"
        self.run("fetch", "--quiet", "--no-tags", remote, refspec, timeout=timeout)

    def push(self, remote: str, branch: str, timeout: float) -> PushResult:
        """Push ``branch`` (never forced) and say how it went."""
        ref = f"refs/heads/{branch}"
        try:
            result = self.run(
                "push", "--porcelain", remote, f"{ref}:{ref}", check=False, timeout=timeout
            )
        except GitTimeout as exc:
            return PushResult("failed", exc.reason)
        return parse_push(result.text, result.stderr, result.returncode)

    def ls_remote(self, remote: str, branch: str, timeout: float) -> str | None:
        """The remote's commit id for ``branch`` (None when it has no such branch)."""
        out = self.run("ls-remote", "--heads", remote, f"refs/heads/{branch}", timeout=timeout)
        line = out.text.strip()
        return line.split()[0] if line else None


# -- parsing ---------------------------------------------------------------------------

_IN_PROGRESS = {
    "MERGE_HEAD": "merge",
    "rebase-merge": "rebase",
    "rebase-apply": "rebase",
    "CHERRY_PICK_HEAD": "cherry-pick",
    "REVERT_HEAD": "revert",
}
_QUIET_ENV = {
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_TERMINAL_PROMPT": "0",  # https credentials: fail instead of asking
    "GIT_EDITOR": ":",
    "GIT_PAGER": "cat",
    "GIT_OPTIONAL_LOCKS": "0",  # `status` and friends leave the index alone
}


def parse_push(stdout: str, stderr: str, returncode: int) -> PushResult:
    """Read ``git push --porcelain``: one ``<flag>\\t<from>:<to>\\t<summary>`` per ref."""
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 3 or len(parts[0]) != 1:
            continue
        flag, summary = parts[0], parts[2]
        if flag in " +-*=":
            return PushResult("ok")
        if flag == "!":
            if "[rejected]" in summary and ("fetch first" in summary or "non-fast" in summary):
                return PushResult("non-fast-forward", summary)
            detail = _remote_lines(stderr)
            reason = summary.strip() + (f": {detail}" if detail else "")
            return PushResult("rejected", redact(reason))
    if returncode == 0:
        return PushResult("ok")
    return PushResult("failed", git_reason(stderr))


def git_reason(stderr: str) -> str:
    """git's error lines (``remote:``, ``error:``, ``fatal:``) as one redacted line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    chosen = [line for line in lines if line.startswith(_ERROR_PREFIXES)] or lines[-1:]
    text = "; ".join(_strip_prefix(line) for line in chosen) or "no message"
    return redact(text)[:400]


def redact(text: str) -> str:
    """Remove credentials embedded in URLs."""
    return _URL_CREDENTIALS.sub(r"\1***@", text)


def _remote_lines(stderr: str) -> str:
    lines = [line[len("remote:") :].strip() for line in stderr.splitlines()]
    kept = [
        line
        for raw, line in zip(stderr.splitlines(), lines, strict=True)
        if raw.startswith("remote:") and line
    ]
    return "; ".join(kept)[:400]


def _strip_prefix(line: str) -> str:
    for prefix in _ERROR_PREFIXES:
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    return line


def _split_z(raw: bytes) -> list[str]:
    return [part.decode("utf-8", "surrogateescape") for part in raw.split(b"\0") if part]


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    # POSIX: git runs in its own session (start_new_session), so its ssh and hooks die
    # with it. Windows has no process groups here: kill git itself.
    with contextlib.suppress(ProcessLookupError):
        if sys.platform == "win32":
            process.kill()
        else:
            os.killpg(process.pid, signal.SIGKILL)
    process.communicate()
