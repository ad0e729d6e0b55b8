"""Where a side of the diff comes from: a catalog path, or ``git:REF:PATH``.

``git:REF:PATH`` is the catalog at ``PATH`` (relative to the repository root,
as in ``git show REF:PATH``) in the git repository of the current directory,
at commit ``REF``. The tree at that commit is extracted into a temporary
directory with ``git archive`` — git runs with an argument list, never a
shell — and loaded under the same import policy as any catalog, so an old
commit cannot import more than the working tree may. REF and PATH are
untrusted text: REF must name a commit (``git rev-parse --verify``) and may
not look like an option; PATH must stay inside the tree.
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rating.api import Ratecard, open_catalog
from rating.errors import RatecardError

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


def open_side(spec: str, allow_imports: Iterable[str]) -> Side:
    """Load the catalog ``spec`` names; a git side's checkout is gone when this returns."""
    kinds = tuple(allow_imports)
    if not spec.startswith(GIT_PREFIX):
        if not Path(spec).exists():
            raise RatecardError(f"{spec}: no such catalog file or directory")
        return Side(spec, open_catalog(spec, allow_imports=kinds), str(Path.cwd()), "")
    ref, path = _parse(spec)
    top = _git(["rev-parse", "--show-toplevel"], Path.cwd(), spec, "not inside a git repository")
    commit = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
        Path(top),
        spec,
        f"{ref!r} is not a commit in the repository at {top}",
    )
    with tempfile.TemporaryDirectory(prefix="ratecard-diff-") as scratch:
        checkout = Path(scratch).resolve()
        _extract(Path(top), commit, checkout, spec)
        if not (checkout / path).exists():
            raise RatecardError(f"{spec}: no {path} at {ref}")
        try:
            catalog = open_catalog(checkout / path, allow_imports=kinds)
        except RatecardError as error:
            message = _relabel(str(error), str(checkout), f"{ref}:")
            raise RatecardError(message, exit_code=error.exit_code) from None
    return Side(spec, catalog, str(checkout), f"{ref}:")


def _relabel(text: str, directory: str, prefix: str) -> str:
    return text.replace(f"{directory}/", prefix)


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
