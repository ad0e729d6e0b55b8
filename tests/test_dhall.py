"""Behaviour of ``rating.dhall`` that the standard's suite does not pin down.

Error messages (file, line, column, source line), the ``load_file``
pipeline with local imports, integrity checks and fallbacks, and the
rendering of Doubles, which the suite only samples.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rating.dhall import (
    DhallImportError,
    DhallParseError,
    DhallTypeError,
    Resolver,
    alpha_beta_normalize,
    encode,
    infer,
    load_file,
    normalize,
    parse,
    semantic_hash,
)
from rating.dhall.builtins import show_double
from rating.dhall.errors import DhallMissingImport
from rating.dhall.imports import file_location


def test_parse_error_names_file_line_and_column() -> None:
    with pytest.raises(DhallParseError) as raised:
        parse("{ a = 1,\n  b = }\n", "catalog.dhall")
    first, source, caret = str(raised.value).splitlines()
    assert first.startswith("catalog.dhall:2:7: ")
    assert source == "  b = }"
    assert caret == "      ^"


def test_type_error_is_reported() -> None:
    with pytest.raises(DhallTypeError, match="Natural"):
        infer(parse("1 + True"))


def _same(expr_text: str, expected_text: str) -> bool:
    return encode(normalize(parse(expr_text))) == encode(parse(expected_text))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (1.0, "1.0"),
        (1234567.0, "1234567.0"),
        (1.0e7, "1.0e7"),
        (0.01, "1.0e-2"),
        (-2.5e-3, "-2.5e-3"),
        (-0.0, "-0.0"),
        (float("inf"), "Infinity"),
        (float("nan"), "NaN"),
    ],
)
def test_double_show_matches_the_reference(value: float, text: str) -> None:
    assert show_double(value) == text


def test_builtins_and_records_normalize() -> None:
    assert _same(
        "let xs = [ { n = 1 }, { n = 2 } ] in List/fold { n : Natural } xs Natural "
        "(λ(x : { n : Natural }) → λ(acc : Natural) → x.n + acc) 0",
        "3",
    )
    assert _same('Text/replace "a" "b" "banana"', '"bbnbnb"')
    assert _same("{ a = { b = 1 } } with a.c = 2", "{ a = { b = 1, c = 2 } }")


def test_load_file_resolves_local_imports(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "price.dhall").write_text("λ(n : Natural) → n * 2\n")
    (tmp_path / "lib" / "note.txt").write_text("hello")
    (tmp_path / "main.dhall").write_text(
        "let price = ./lib/price.dhall\n"
        "in  { total = price 21, note = ./lib/note.txt as Text, fallback = missing ? 7 }\n"
    )
    result = load_file(tmp_path / "main.dhall", Resolver(cache_dir=tmp_path / "cache"))
    assert encode(result) == encode(parse('{ total = 42, note = "hello", fallback = 7 }'))


def test_integrity_check_is_enforced(tmp_path: Path) -> None:
    lib = tmp_path / "lib.dhall"
    lib.write_text("{ x = 1 }")
    digest = semantic_hash(alpha_beta_normalize(parse("{ x = 1 }")))
    good = tmp_path / "good.dhall"
    good.write_text(f"./lib.dhall {digest}")
    assert encode(load_file(good, Resolver(cache_dir=tmp_path / "cache"))) == encode(
        parse("{ x = 1 }")
    )
    bad = tmp_path / "bad.dhall"
    bad.write_text("./lib.dhall sha256:" + "0" * 64)
    with pytest.raises(DhallImportError, match="integrity"):
        load_file(bad, Resolver(cache_dir=tmp_path / "cache"))


def test_cycles_are_rejected_and_not_recovered(tmp_path: Path) -> None:
    loop = tmp_path / "loop.dhall"
    loop.write_text("./loop.dhall ? 1")
    with pytest.raises(DhallImportError, match="cycle") as raised:
        load_file(loop, Resolver(cache_dir=tmp_path / "cache"))
    assert not isinstance(raised.value, DhallMissingImport)


def test_environment_imports_come_from_the_given_environment(tmp_path: Path) -> None:
    resolver = Resolver(env={"PRICE": "6 * 7"}, cache_dir=tmp_path / "cache")
    here = file_location(tmp_path / "inline.dhall")
    resolved = resolver.resolve(parse("env:PRICE + (env:UNSET ? 0)"), here)
    assert encode(normalize(resolved)) == encode(parse("42"))
