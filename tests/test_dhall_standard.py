"""Conformance of ``rating.dhall`` against the Dhall standard's own test suite (v23.1.0).

The suite is vendored, unmodified, in ``tests/dhall-lang`` (with the Prelude and
its licence); ``RATECARD_DHALL_STANDARD`` points the tests at another checkout.
Each category follows ``tests/README.md`` of the suite. Cases listed in
``dhall_expected_failures.txt`` are strict xfails: a case that starts passing
fails the run until it is removed from the list, so the list can only shrink.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from dhall_hosts import SuiteHosts

from rating.dhall import (
    DhallDecodeError,
    DhallError,
    Expr,
    alpha_beta_normalize,
    decode,
    encode,
    infer,
    normalize,
    parse_bytes,
    semantic_hash,
)
from rating.dhall.alpha import alpha_normalize
from rating.dhall.imports import Location, Resolver
from rating.dhall.syntax import HERE

_DEFAULT = Path(__file__).resolve().parent / "dhall-lang"
STANDARD = Path(os.environ.get("RATECARD_DHALL_STANDARD", _DEFAULT))
SUITE = STANDARD / "tests"
# The suite's `as Location` answers assume the standard is checked out as ./dhall-lang.
MOUNT_NAME = "dhall-lang"
EXPECTED_FAILURES_FILE = Path(__file__).with_name("dhall_expected_failures.txt")


def _expected_failures() -> dict[str, str]:
    failures = {}
    for line in EXPECTED_FAILURES_FILE.read_text().splitlines():
        case, _, reason = line.partition("#")
        if case.strip():
            failures[case.strip()] = reason.strip()
    return failures


EXPECTED_FAILURES = _expected_failures()


def _cases(category: str, outcome: str, suffix: str) -> list[object]:
    """One pytest param per test file of ``category/outcome`` ending in ``suffix``."""
    folder = SUITE / category / outcome
    if not folder.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{folder} not found"))]
    params = []
    for path in sorted(folder.rglob("*" + suffix)):
        if path.name.endswith("ENV.dhall"):
            continue  # the environment of another case, not a case
        stem = str(path.relative_to(SUITE))[: -len(suffix)]
        marks = []
        if stem in EXPECTED_FAILURES:
            marks.append(pytest.mark.xfail(strict=True, reason=EXPECTED_FAILURES[stem]))
        params.append(pytest.param(path, id=stem, marks=marks))
    return params


class Suite(NamedTuple):
    """Where the cases run: ``root`` holds ``./dhall-lang`` (the standard); ``hosts`` serve URLs."""

    root: Path
    hosts: SuiteHosts


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Suite]:
    """The standard mounted as ``./dhall-lang`` and its web hosts served locally."""
    root = tmp_path_factory.mktemp("dhall")
    (root / MOUNT_NAME).symlink_to(STANDARD, target_is_directory=True)
    yield from (Suite(root, hosts) for hosts in SuiteHosts(STANDARD).serving())


def _environment(case: Path) -> dict[str, str]:
    """DHALL_TEST_VAR as the README asks, plus the case's ``…ENV.dhall`` if any."""
    env = {"DHALL_TEST_VAR": "6 * 7"}
    # A success case xA.dhall has xENV.dhall, a failure case x.dhall has xENV.dhall.
    stem = case.name.removesuffix(".dhall")
    stem = stem.removesuffix("A") if "success" in case.parts else stem
    env_file = case.with_name(stem + "ENV.dhall")
    if env_file.exists():
        entries = normalize(parse_bytes(env_file.read_bytes(), str(env_file)))
        for entry in getattr(entries, "items", ()):
            key, value = entry.fields["mapKey"], entry.fields["mapValue"]
            env[key.suffix] = value.suffix
    return env


def _load(path: Path, suite: Suite, use_cache: bool = True) -> Expr:
    """Parse a case file and resolve its imports as the suite's README describes.

    Remote imports go to the local :class:`SuiteHosts` (the resolver's fetch hook).
    """
    cache = SUITE / "import" / "cache" / "dhall" if use_cache else suite.root / "no-cache"
    resolver = Resolver(
        root=suite.root,
        env=_environment(path),
        home=SUITE / "import" / "home",
        cache_dir=cache,
        update_cache=False,  # the README asks to treat the suite's cache as read-only
        fetch_remote=suite.hosts.fetch,
    )
    here = Location(HERE, (MOUNT_NAME, *path.relative_to(STANDARD).parts))
    return resolver.resolve(parse_bytes(path.read_bytes(), str(path)), here)


def _partner(path: Path, suffix: str) -> Path:
    return path.with_name(path.name.removesuffix("A.dhall").removesuffix("A.dhallb") + suffix)


# -- parser ------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("parser", "success", "A.dhall"))
def test_parser_success(case: Path) -> None:
    expr = parse_bytes(case.read_bytes(), str(case))
    assert encode(expr) == _partner(case, "B.dhallb").read_bytes()


@pytest.mark.parametrize("case", _cases("parser", "failure", ".dhall"))
def test_parser_failure(case: Path) -> None:
    with pytest.raises(DhallError):
        parse_bytes(case.read_bytes(), str(case))


# -- binary decoding -----------------------------------------------------------


@pytest.mark.parametrize("case", _cases("binary-decode", "success", "A.dhallb"))
def test_binary_decode_success(case: Path) -> None:
    expected = parse_bytes(_partner(case, "B.dhall").read_bytes())
    assert decode(case.read_bytes()) == expected


@pytest.mark.parametrize("case", _cases("binary-decode", "failure", ".dhallb"))
def test_binary_decode_failure(case: Path) -> None:
    with pytest.raises(DhallDecodeError):
        decode(case.read_bytes())


# -- normalization -------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("normalization", "success", "A.dhall"))
def test_normalization(case: Path, suite: Suite) -> None:
    expected = _load(_partner(case, "B.dhall"), suite)
    expr = _load(case, suite)
    normal = normalize(expr)
    assert encode(normal) == encode(expected)
    # Cross-check the two alpha-normalizers: syntactic, and during read-back.
    assert encode(alpha_normalize(normal)) == encode(alpha_beta_normalize(expr))


@pytest.mark.parametrize("case", _cases("alpha-normalization", "success", "A.dhall"))
def test_alpha_normalization(case: Path) -> None:
    expected = parse_bytes(_partner(case, "B.dhall").read_bytes())
    assert encode(alpha_normalize(parse_bytes(case.read_bytes()))) == encode(expected)


@pytest.mark.parametrize("case", _cases("semantic-hash", "success", "A.dhall"))
def test_semantic_hash(case: Path, suite: Suite) -> None:
    expected = _partner(case, "B.hash").read_text().strip()
    assert semantic_hash(alpha_beta_normalize(_load(case, suite))) == expected


# -- type inference ------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("type-inference", "success", "A.dhall"))
def test_type_inference_success(case: Path, suite: Suite) -> None:
    expected = parse_bytes(_partner(case, "B.dhall").read_bytes())
    # The README: type-inference cases resolve their imports without the cache.
    assert encode(infer(_load(case, suite, use_cache=False))) == encode(expected)


@pytest.mark.parametrize("case", _cases("type-inference", "failure", ".dhall"))
def test_type_inference_failure(case: Path, suite: Suite) -> None:
    with pytest.raises(DhallError):
        infer(_load(case, suite, use_cache=False))


# -- imports -------------------------------------------------------------------


@pytest.mark.parametrize("case", _cases("import", "success", "A.dhall"))
def test_import_success(case: Path, suite: Suite) -> None:
    expected = normalize(_load(_partner(case, "B.dhall"), suite))
    assert encode(normalize(_load(case, suite))) == encode(expected)


@pytest.mark.parametrize("case", _cases("import", "failure", ".dhall"))
def test_import_failure(case: Path, suite: Suite) -> None:
    with pytest.raises(DhallError):
        infer(_load(case, suite))
