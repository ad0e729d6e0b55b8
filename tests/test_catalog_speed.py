"""Large catalogs split over product files and partner parts: values, files and error places.

(The binding's workarounds these tests used to cover — rewriting large files,
splicing separately evaluated files — are gone with the binding.)"""

from pathlib import Path

import pytest

from rating.errors import RatecardError
from rating.library import catalog_dir
from rating.load.catalog import load_catalog

LIBRARY = catalog_dir() / "package.dhall"
HEADER = f"""{{- a header comment {{- nested -}} -}}
let C = {LIBRARY}

let compute = C.Seller::{{ sellerId = "acme", sellerProductGroup = "Compute" }}

let openstack = C.Scope.platformType "OpenStack"

let east = C.Scope.location "OpenStack" "eu-east"
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))


def _product(index: int, scope: str = "openstack", extra: str = "") -> str:
    return f"""C.Product::{{
    , id = "p-{index}" -- the id
    , displayName = "Product \\"{index}\\""
    , resourceType = "openstack.nova.server"
    , scope = {scope}
    , filter = [ C.Condition.equals "flavor" (C.Value.text "m{index}") ]
    , usage = C.Usage.timeQuantity "vcpu" "{{vCPU}}.h"
    , usageType = "vCPU hours"
    , price = C.Price.perUnit "EUR" {index}.{index}5
    , seller = compute{extra}
    }}"""


def _catalog(root: Path, products: int = 10) -> Path:
    """A catalog of two product files and two partner parts, like a large operator's."""
    (root / "partners").mkdir(parents=True)
    for name in ("a", "b"):
        items = ", ".join(_product(i).replace('"p-', f'"{name}-') for i in range(products))
        (root / f"{name}.dhall").write_text(f"{HEADER}\nin  [ {items} ]\n")
        part = (
            f'{HEADER}\nin  C.Part::{{ name = "{name}-partner", sellerId = "{name}-partner", '
            f"products = [ {items.replace(f'{name}-', f'{name}p-')} ] }}\n"
        )
        (root / "partners" / f"{name}.dhall").write_text(part)
    (root / "catalog.dhall").write_text(
        f'let C = {LIBRARY}\nin  C.Catalog::{{ name = "big", products = ./a.dhall # ./b.dhall,'
        " parts = [ ./partners/a.dhall, ./partners/b.dhall ] }\n"
    )
    return root / "catalog.dhall"


def test_partner_parts_load_with_their_files(tmp_path: Path) -> None:
    root = _catalog(tmp_path / "c")
    catalog = load_catalog(root)
    assert [part.name for part in catalog.parts] == ["big", "a-partner", "b-partner"]
    assert catalog.parts[1].file == str(tmp_path / "c" / "partners" / "a.dhall")
    # 10 products in each of a.dhall, b.dhall and the two partner files
    assert len(catalog.products) == 40


def test_an_error_in_a_large_product_file_names_its_line(tmp_path: Path) -> None:
    root = _catalog(tmp_path / "c")
    broken = tmp_path / "c" / "b.dhall"
    lines = broken.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if '"b-7"' in text)
    lines[line - 1] = lines[line - 1].replace('"b-7"', "7")
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(RatecardError) as caught:
        load_catalog(root)
    assert str(caught.value).startswith(f"{broken}:")


def _many_files(root: Path, files: int = 5) -> Path:
    """A catalog importing ``files`` product files of three products each."""
    root.mkdir(parents=True)
    for f in range(files):
        items = ", ".join(_product(i).replace('"p-', f'"f{f}-') for i in range(3))
        (root / f"{f}.dhall").write_text(f"{HEADER}\nin  [ {items} ]\n")
    imports = " # ".join(f"./{f}.dhall" for f in range(files))
    (root / "catalog.dhall").write_text(
        f'let C = {LIBRARY}\nin  C.Catalog::{{ name = "many", products = {imports} }}\n'
    )
    return root / "catalog.dhall"


@pytest.fixture
def _helper_for_small_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    from rating.load import prefetch

    monkeypatch.setattr(prefetch, "MIN_FILES", 2)
    monkeypatch.setattr(prefetch, "MIN_BYTES", 0)


@pytest.mark.usefixtures("_helper_for_small_catalogs")
def test_a_helper_process_changes_nothing_but_the_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helped = load_catalog(_many_files(tmp_path / "helped"))
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "alone-cache"))
    from rating.load import prefetch

    monkeypatch.setattr(prefetch, "MIN_FILES", 10**9)
    alone = load_catalog(_many_files(tmp_path / "alone"))
    assert [p.id for p in helped.products] == [p.id for p in alone.products]
    assert [p.price for p in helped.products] == [p.price for p in alone.products]
    assert not list((tmp_path / "cache").glob(".*.tmp"))  # a stopped helper leaves nothing


@pytest.mark.usefixtures("_helper_for_small_catalogs")
def test_an_error_in_a_file_the_helper_evaluates_is_reported_by_the_loader(
    tmp_path: Path,
) -> None:
    root = _many_files(tmp_path / "c")
    broken = tmp_path / "c" / "4.dhall"  # the helper's first file
    broken.write_text(broken.read_text().replace('"f4-1"', "41"))
    with pytest.raises(RatecardError) as caught:
        load_catalog(root)
    assert str(caught.value).startswith(f"{broken}:")
