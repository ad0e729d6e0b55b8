"""Where a side of the diff comes from: a catalog path, or ``git:REF:PATH``.

``git:REF:PATH`` is the catalog at ``PATH`` (relative to the repository root,
as in ``git show REF:PATH``) in the git repository of the current directory,
at commit ``REF``. The tree at that commit is extracted with ``git
archive`` (see below where) — git runs with an argument list, never a
shell — and loaded under the same import policy as any catalog, so an old
commit cannot import more than the working tree may. REF and PATH are
untrusted text: REF must name a commit (``git rev-parse --verify``) and may
not look like an option; PATH must stay inside the tree.

The tree goes to the same place on every run, a directory named by the
commit in the private cache directory (emptied before use, removed
after): cached evaluations and models are keyed by their files' paths as
well as their contents (a value can hold its own path: ``as Location``,
sources in messages), so a fresh temporary directory would miss them on
every run.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rating.api import Ratecard, open_catalog
from rating.cache import private_cache_dir
from rating.errors import RatecardError
from rating.locks import exclusive

GIT_PREFIX = "git:"


@dataclass(frozen=True)
class Side:
    """One catalog of the diff: what the user wrote, the loaded catalog, how to show its paths."""

    spec: str  # as given: a path or git:REF:PATH
    catalog: Ratecard
    checkout: str  # the directory its paths are shown relative to: cwd, or a git side's checkout
    prefix: str  # what replaces ``checkout/`` in shown paths: "" or a git side's "REF:"

    def shown(self, text: str) -> str:
        """``text`` with the side's file paths as the user would write them."""
        return _relabel(text, self.checkout, self.prefix)


def open_side(
    spec: str, allow_imports: Iterable[str], on_finding: Callable[[str], None] | None = None
) -> Side:
    """Load the catalog ``spec`` names; a git side's checkout is gone when this returns.

    Each ``check`` finding — warnings, and the errors that refuse the side —
    is passed to ``on_finding`` as one line, as ``check`` words it, with the
    side's paths as the user writes them (default: kept in the catalog's warnings).
    """
    kinds = tuple(allow_imports)
    if not spec.startswith(GIT_PREFIX):
        if not Path(spec).exists():
            raise RatecardError(f"{spec}: no such catalog file or directory")
        catalog = open_catalog(spec, allow_imports=kinds, on_finding=on_finding)
        return Side(spec, catalog, str(Path.cwd()), "")
    ref, path = _parse(spec)
    top = _git(["rev-parse", "--show-toplevel"], Path.cwd(), spec, "not inside a git repository")
    commit = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        Path(top),
        spec,
        f"{ref!r} is not a commit in the repository at {top}",
    )
    with _checkout(commit) as checkout:
        _extract(Path(top), commit, checkout, spec)
        if not (checkout / path).exists():
            raise RatecardError(f"{spec}: no {path} at {ref}")
        shown = None if on_finding is None else _relabelled(on_finding, checkout, f"{ref}:")
        try:
            catalog = open_catalog(checkout / path, allow_imports=kinds, on_finding=shown)
        except RatecardError as error:
            message = _relabel(str(error), str(checkout), f"{ref}:")
            raise RatecardError(message, exit_code=error.exit_code) from None
    return Side(spec, catalog, str(checkout), f"{ref}:")


@contextmanager
def _checkout(commit: str) -> Iterator[Path]:
    """An empty private directory for the tree of ``commit``, the same on every run.

    A lock file beside it keeps concurrent runs apart: a run that finds the
    directory in use (or the cache unwritable) takes a temporary one —
    uncached, as correct. The lock goes with the process, so a killed run
    leaves nothing in the way.
    """
    cache = private_cache_dir()
    with exclusive(cache / f"git-{commit}.lock", wait=False) as held:
        if not held:
            with tempfile.TemporaryDirectory(prefix="ratecard-diff-") as scratch:
                yield Path(scratch).resolve()
            return
        directory = cache / f"git-{commit}"
        shutil.rmtree(directory, ignore_errors=True)  # what a killed run left
        directory.mkdir(mode=0o700)
        try:
            yield directory.resolve()
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def _relabel(text: str, directory: str, prefix: str) -> str:
    return text.replace(f"{directory}/", prefix)


def _relabelled(echo: Callable[[str], None], directory: Path, prefix: str) -> Callable[[str], None]:
    """``echo`` of lines whose paths under ``directory`` read ``prefix``…"""
    return lambda line: echo(_relabel(line, str(directory), prefix))


def _parse(spec: str) -> tuple[str, PurePosixPath]:
    ref, colon, path = spec.removeprefix(GIT_PREFIX).partition(":")
    if not ref or not colon or not path:
        raise RatecardError(f"{spec}: expected git:REF:PATH, e.g. git:main:catalog.dhall")
    if ref.startswith("-"):
        raise RatecardError(f"{spec}: REF {ref!r} may not start with '-'")
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise RatecardError(
            f"{spec}: PATH {path!r} must be relative to the repository root, without '..'"
        )
    return ref, relative


def _git(args: list[str], where: Path, spec: str, failure: str) -> str:
    """Run git (argument list, no shell) and return its first output line."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=where, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise RatecardError(f"{spec}: cannot run git: {error.strerror}") from None
    if done.returncode != 0 or not done.stdout.strip():
        raise RatecardError(f"{spec}: {failure}")
    return done.stdout.strip().splitlines()[0]


def _extract(top: Path, commit: str, target: Path, spec: str) -> None:
    """The tree of ``commit`` into ``target``, streamed; links leaving the tree are refused."""
    with subprocess.Popen(
        ["git", "archive", "--format=tar", commit],
        cwd=top,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as archive:
        assert archive.stdout is not None
        try:
            with tarfile.open(fileobj=archive.stdout, mode="r|") as tar:
                tar.extractall(target, filter="data")
        except (tarfile.TarError, OSError) as error:
            raise RatecardError(
                f"{spec}: cannot extract the tree at {commit[:12]}: {error}"
            ) from None
    if archive.returncode != 0:
        raise RatecardError(f"{spec}: git archive failed for {commit[:12]}")
