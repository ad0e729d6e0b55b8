"""The fast evaluation of large catalog files: same values as evaluating them as written."""

from pathlib import Path

import pytest
from conftest import BINDING_UNAVAILABLE, binding_available, skip_without_binding
from hypothesis import given, settings
from hypothesis import strategies as st

from rating.errors import RatecardError
from rating.library import catalog_dir
from rating.load import dhall as dhall_module
from rating.load import dhall_rewrite
from rating.load.catalog import load_catalog, product_splice

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


def _assert_same_value(tmp_path: Path, text: str, rewritten: bool = True) -> None:
    source = tmp_path / "source" / "file.dhall"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text)
    fast = dhall_rewrite.rewrite(source, tmp_path / "fast")
    assert (fast.path is not None) == rewritten
    if fast.path is not None:
        skip_without_binding()  # the rewrite exists for the binding: compare with it
        import dhall

        assert dhall.load(fast.path.open()) == dhall.load(source.open())


SCOPES = ("openstack", "east", 'C.Scope.tenant "OpenStack" "t-1"', 'C.Scope.location "K" "x"')


def test_body_list_with_varied_scopes(tmp_path: Path) -> None:
    items = ",\n  ".join(_product(i, SCOPES[i % 4]) for i in range(20))
    _assert_same_value(tmp_path, f"{HEADER}\nin  [ {items} ]\n")


def test_annotated_body_list_and_optional_fields(tmp_path: Path) -> None:
    extras = ('\n    , validFrom = Some "2026-10-15"', "", '\n    , description = "x"')
    items = ", ".join(_product(i, extra=extras[i % 3]) for i in range(12))
    _assert_same_value(tmp_path, f"{HEADER}\nin  [ {items} ] : List C.Product.Type\n")


def test_partner_part_with_products_and_multiline_text(tmp_path: Path) -> None:
    items = ", ".join(
        _product(i, extra=f"\n    , description =\n        ''\n        line {i}\n        ''")
        for i in range(10)
    )
    part = f"""{HEADER}
in  C.Part::{{
    , name = "partner"
    , sellerId = "partner"
    , products = [ {items} ]
    , discounts =
      [ C.Discount::{{
        , id = "d"
        , displayName = "D"
        , rule = C.DiscountRule.fixedPercentage "EUR" -5.0
        , scope = C.Discount.within openstack
        }}
      ]
    }}
"""
    _assert_same_value(tmp_path, part)


def test_let_bound_lists_see_only_earlier_bindings(tmp_path: Path) -> None:
    first = ", ".join(_product(i) for i in range(9))
    second = ", ".join(_product(i, "later") for i in range(9, 18))
    text = (
        f"{HEADER}\nlet firstBatch = [ {first} ]\n"
        f'let later = C.Scope.tenant "OpenStack" "t-9"\n'
        f"let secondBatch = [ {second} ]\nin  firstBatch # secondBatch\n"
    )
    _assert_same_value(tmp_path, text)


def test_interpolated_text_literals(tmp_path: Path) -> None:
    items = ", ".join(
        _product(i, extra=f', description = "{i}: ${{"on " ++ openstack.platformType}} {{x}}"')
        for i in range(10)
    )
    _assert_same_value(tmp_path, f"{HEADER}\nin  [ {items} ]\n")


def test_plain_records_and_numbers(tmp_path: Path) -> None:
    items = ", ".join(
        f'{{ id = "r{i}", n = {i}, i = -{i}, d = {i}.5e1, b = True, o = None Natural }}'
        for i in range(10)
    )
    _assert_same_value(tmp_path, f"let x = 1 in [ {items} ]")


def test_items_binding_variables_are_left_in_place(tmp_path: Path) -> None:
    items = ", ".join(f"(\\(x : Natural) -> x + {i}) 1" for i in range(10))
    _assert_same_value(tmp_path, f"let f = 1 in [ {items} ]", rewritten=False)


def test_relative_imports_stay_valid(tmp_path: Path) -> None:
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "shared.dhall").write_text('"from a sibling"')
    items = ", ".join(_product(i, extra=", description = ./shared.dhall") for i in range(9))
    _assert_same_value(tmp_path, f"{HEADER}\nin  [ {items} ]\n")


@pytest.mark.parametrize(
    "construct",
    [
        "let name = \"x\" in [ ''\n${name}'' ]",
        "let x = 1 let x = 2 in [ x@1 ]",
        "let home = env:HOME as Text in [ home ]",
        "let here = ./x.dhall as Location in [ here ]",
        "let __rc1 = 1 in [ __rc1 ]",
    ],
)
def test_constructs_the_rewrite_does_not_handle_leave_the_file_alone(
    tmp_path: Path, construct: str
) -> None:
    source = tmp_path / "file.dhall"
    source.write_text(construct.replace("[", "[ " + "1, " * 10, 1))
    assert dhall_rewrite.rewrite(source, tmp_path / "fast").path is None


PRICES = (
    'C.Price.perUnit "EUR" {x}',
    'C.Price.graduated "EUR" [ C.Tier.upTo 10.0 {x}, C.Tier.rest 0.5 ]',
    'C.Price.included 5.0 (C.Price.volume "CHF" [ C.Tier.rest {x} ])',
    'C.Price.minimum {x} (C.Price.package "EUR" 10.0 2.5)',
)
USAGES = (
    'C.Usage.timeQuantity "vcpu" "{{vCPU}}.h"',
    'C.Usage.time "h"',
    "C.Usage.oneTime",
    'C.Usage.recurringProrated "mo"',
)
FILTERS = (
    '[ C.Condition.equals "flavor" (C.Value.text "{n}") ]',
    '[ C.Condition.oneOf "state" [ C.Value.text "ACTIVE", C.Value.integer +{i} ] ]',
    '[ C.Condition.regex "flavor" "g{i}\\\\..*", C.Condition.atLeast "vcpu" {x} ]',
    "[] : List C.Condition.Type",
)


@settings(max_examples=15)
@pytest.mark.skipif(not binding_available(), reason=BINDING_UNAVAILABLE)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(SCOPES),
            st.sampled_from(PRICES),
            st.sampled_from(USAGES),
            st.sampled_from(FILTERS),
            st.sampled_from(("", ', description = "d"', ', validUntil = Some "2027-01-01"')),
            st.text(alphabet='abc \\"é', max_size=6),
            st.floats(min_value=0, max_value=1e6, allow_nan=False),
        ),
        min_size=dhall_rewrite.MIN_ITEMS,
        max_size=24,
    )
)
def test_any_product_list_evaluates_the_same(
    tmp_path_factory: pytest.TempPathFactory,
    products: list[tuple[str, str, str, str, str, str, float]],
) -> None:
    items = []
    for i, (scope, price, usage, filter_, extra, name, number) in enumerate(products):
        text = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
        condition = filter_.format(n="".join(filter(str.isalnum, name)), i=i, x=repr(number))
        items.append(
            f'C.Product::{{ id = "p{i}", displayName = {text}, resourceType = "r", '
            f'scope = {scope}, filter = {condition}, usage = {usage.format()}, usageType = "u", '
            f"price = {price.format(x=repr(number))}, seller = compute{extra} }}"
        )
    _assert_same_value(tmp_path_factory.mktemp("any"), f"{HEADER}\nin  [ {', '.join(items)} ]\n")


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


@pytest.mark.usefixtures("binding_evaluator")
def test_a_product_file_the_rewrite_cannot_handle_is_still_spliced(tmp_path: Path) -> None:
    root = _catalog(tmp_path / "c", products=2)
    product_file = tmp_path / "c" / "a.dhall"
    product_file.write_text(
        product_file.read_text().replace("let compute", "let c = C@0 let compute")
    )
    root.write_text(
        root.read_text().replace(", parts = [ ./partners/a.dhall, ./partners/b.dhall ]", "")
    )
    spliced, _ = dhall_module.evaluate_tracked(root, product_splice())
    assert spliced == dhall_module._evaluate_uncached(root)
    assert len(list((tmp_path / "cache").glob("leaf-*.json"))) == 2


@pytest.mark.usefixtures("binding_evaluator")
def test_partner_parts_are_spliced_and_cached_like_product_files(tmp_path: Path) -> None:
    root = _catalog(tmp_path / "c")
    spliced, _ = dhall_module.evaluate_tracked(root, product_splice())
    assert spliced == dhall_module._evaluate_uncached(root)
    assert len(list((tmp_path / "cache").glob("leaf-*.json"))) == 4
    catalog = load_catalog(root)
    assert [part.name for part in catalog.parts] == ["big", "a-partner", "b-partner"]
    assert catalog.parts[1].file == str(tmp_path / "c" / "partners" / "a.dhall")


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
