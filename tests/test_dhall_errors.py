"""Dhall failures become one ``file:line:column: what`` message naming the right file.

The tests pin the place, the kind of failure and the names a reader needs,
not the exact phrasing (they were written to hold for the ``dhall`` binding
too, which the loader used before ``rating.dhall``).
"""

from pathlib import Path

import pytest

from rating.errors import RatecardError
from rating.library import catalog_dir
from rating.load.dhall import evaluate, evaluate_text, imported_files


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))


def _error(path: Path) -> str:
    with pytest.raises(RatecardError) as caught:
        evaluate(path)
    message = str(caught.value)
    assert "Error(Dhall" not in message and "<current file>" not in message
    return message


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_parse_error_in_the_root_file(tmp_path: Path) -> None:
    root = _write(tmp_path / "catalog.dhall", "{ a = 1,\nb = }\n")
    message = _error(root)
    assert message.startswith(f"{root}:2:5: parse error: expected expression")
    assert "\n    b = }\n        ^" in message


def test_parse_error_in_an_imported_file(tmp_path: Path) -> None:
    root = _write(tmp_path / "catalog.dhall", "let P = ./partners/p.dhall\nin P\n")
    partner = _write(tmp_path / "partners" / "p.dhall", "{ y = 1,\n  z = }\n")
    assert _error(root).startswith(f"{partner}:2:7: parse error: expected expression")


def test_type_error_two_imports_deep(tmp_path: Path) -> None:
    root = _write(tmp_path / "catalog.dhall", "let X = ./sub/f.dhall\nin X\n")
    _write(tmp_path / "sub" / "f.dhall", "{ a = ../d.dhall }\n")
    culprit = _write(tmp_path / "d.dhall", "-- prices\n{ y = 1,\n  z = 1 + True }\n")
    message = _error(root)
    assert message.startswith(f"{culprit}:3:7: type error: ")
    assert "z = 1 + True" in message


def test_missing_field_in_a_completion_names_the_fields(tmp_path: Path) -> None:
    library = catalog_dir() / "package.dhall"
    root = _write(tmp_path / "catalog.dhall", "let P = ./products.dhall\nin P\n")
    products = _write(
        tmp_path / "products.dhall",
        f'let C = {library}\nin  [ C.Product::{{ id = "x", displayName = "y" }} ]\n',
    )
    message = _error(root).splitlines()[0]
    assert message.startswith(f"{products}:2:7: type error: ")
    assert "record missing field price," in message and "usageType" in message


def test_missing_import_names_the_path(tmp_path: Path) -> None:
    root = _write(tmp_path / "catalog.dhall", "let B = ./nope.dhall\nin B\n")
    message = _error(root)
    assert message.startswith(f"{root}:1:9: cannot import ./nope.dhall: no such file")
    assert str(tmp_path / "nope.dhall") in message


def test_missing_root_file(tmp_path: Path) -> None:
    assert _error(tmp_path / "absent.dhall") == f"{tmp_path / 'absent.dhall'}: no such file"


def test_evaluate_text_reports_the_expression(tmp_path: Path) -> None:
    with pytest.raises(RatecardError, match=r"<expression>:1:1: type error"):
        evaluate_text("1 + True", tmp_path)
    _write(tmp_path / "x.dhall", "{ schema = 1 }")
    assert evaluate_text('(./"x.dhall").schema', tmp_path) == 1


def test_import_scan_ignores_comments_text_and_operators(tmp_path: Path) -> None:
    _write(tmp_path / "a.dhall", "1")
    _write(tmp_path / "b.dhall", "2")
    root = _write(
        tmp_path / "c.dhall",
        '-- ./nope.dhall\n{- ../x.dhall -}\nlet t = "./fake.dhall"\n'
        'in { a = ./a.dhall, b = (./"b.dhall") } // { c = t }\n',
    )
    assert imported_files(root) == (root, tmp_path / "a.dhall", tmp_path / "b.dhall")


def test_unexpected_character_after_a_complete_expression(tmp_path: Path) -> None:
    root = _write(tmp_path / "catalog.dhall", "{ products = [ 1\n}\n")
    message = _error(root)
    assert message.startswith(f"{root}:2:1: parse error: ")
    assert message.endswith("\n    }\n    ^")


def test_wrong_nested_field_type_is_named_by_its_path(tmp_path: Path) -> None:
    library = catalog_dir() / "package.dhall"
    product = (
        'C.Product::{ id = "x", displayName = "y", resourceType = "r", '
        'scope = C.Scope.platformType "OpenStack", usage = C.Usage.time "h", '
        'usageType = "h", price = C.Price.perUnit "EUR" 1.0, '
        'seller = C.Seller::{ sellerId = "s", sellerProductGroup = "g" } }'
    )
    root = _write(
        tmp_path / "catalog.dhall",
        f"let C = {library}\n"
        f'in  C.Catalog::{{ name = "n", products = [ {product} // {{ usage = "h" }} ] }}\n',
    )
    message = _error(root).splitlines()[0]
    assert message.startswith(f"{root}:2:5: type error: ")
    assert "field products.usage is Text but" in message
