"""Loading catalogs: the private-cloud example, Decimal conversion, cache, shape errors."""

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rating.errors import RatecardError
from rating.library import catalog_dir
from rating.load import native
from rating.load.catalog import load_catalog
from rating.model import (
    Catalog,
    ConditionOp,
    DiscountRule,
    PriceModel,
    ScopeLevel,
    Tier,
    UsageKind,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "catalogs" / "private-cloud"
LIBRARY = catalog_dir() / "package.dhall"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RATECARD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return load_catalog(EXAMPLE)


def _entries(catalog: Catalog, product_id: str) -> list:
    return [p for p in catalog.products if p.id == product_id]


def test_example_structure(example: Catalog) -> None:
    assert example.name == "acme-private-cloud"
    assert example.version.startswith("sha256:") and len(example.version) == len("sha256:") + 16
    base, partner = example.parts
    assert (base.seller_id, base.is_partner, Path(base.file).name) == (
        "acme",
        False,
        "catalog.dhall",
    )
    assert (partner.name, partner.seller_id, partner.is_partner) == (
        "storage-gmbh",
        "storage-gmbh",
        True,
    )
    assert partner.file == str(EXAMPLE / "partners" / "storage-gmbh.dhall")
    assert {p.seller.seller_id for p in partner.products} == {"storage-gmbh"}
    assert str(EXAMPLE / "partners" / "storage-gmbh.dhall") in example.files
    assert any(f.endswith("catalog/package.dhall") for f in example.files)
    assert example.base_currency == "EUR"
    assert [(r.from_currency, r.to_currency, r.rate) for r in example.fx_rates] == [
        ("CHF", "EUR", Decimal("1.04"))
    ]
    assert example.resource_type("acme.dns.zone").trait("queries").unit == "{query}"
    assert example.resource_type("openstack.nova.server") is not None


def test_every_builtin_resource_type_is_priced(example: Catalog) -> None:
    priced = {p.resource_type for p in example.products}
    builtin = {
        "openstack.neutron.floating-ip", "openstack.neutron.router",
        "openstack.neutron.load-balancer", "openstack.cinder.volume",
        "openstack.cinder.snapshot", "openstack.glance.image", "openstack.nova.server",
        "kubernetes.pod", "kubernetes.persistent-volume-claim", "cloudfoundry.app",
        "cloudfoundry.service-instance", "osb.service-instance", "mesh.tenant",
    }  # fmt: skip
    assert builtin <= priced


def test_vcpu_price_schedule_and_location_override(example: Catalog) -> None:
    before, after, eu_de_2 = _entries(example, "vm-vcpu")
    october_15 = datetime(2026, 10, 15, tzinfo=UTC)
    assert (before.valid_from, before.valid_until) == (None, october_15)
    assert (after.valid_from, after.valid_until) == (october_15, None)
    assert (before.price.unit_price, after.price.unit_price) == (Decimal("0.012"), Decimal("0.011"))
    assert eu_de_2.scope.level is ScopeLevel.PLATFORM_INSTANCE
    assert (eu_de_2.scope.location, eu_de_2.scope.platform_instance) == ("eu-de-2", None)
    assert before.usage.kind is UsageKind.TIME_QUANTITY
    assert (before.usage.trait, before.usage.unit) == ("vcpu", "{vCPU}.h")
    assert before.filter[0].op is ConditionOp.ONE_OF and before.filter[0].values == ("ACTIVE",)
    # one product with a price schedule: both entries point at it
    assert before.source == after.source == f"{EXAMPLE / 'catalog.dhall'}:23"
    assert eu_de_2.source == f"{EXAMPLE / 'catalog.dhall'}:36"


def test_pricing_models(example: Catalog) -> None:
    ram, proj_42 = _entries(example, "vm-ram")
    assert ram.price.model is PriceModel.GRADUATED
    assert ram.price.tiers == (
        Tier(Decimal("10000.0"), Decimal("0.004")),
        Tier(None, Decimal("0.003")),
    )
    assert (proj_42.scope.level, proj_42.scope.tenant) == (ScopeLevel.TENANT, "proj-42")
    (volume,) = _entries(example, "volume-storage")
    assert volume.price.included_quantity == Decimal("50.0")
    (gpu,) = _entries(example, "vm-gpu")
    assert gpu.price.minimum_charge == Decimal("50.0") and gpu.filter[1].pattern == "g\\d+\\..*"
    (dns,) = _entries(example, "dns-zone")
    assert (dns.price.model, dns.price.package_size, dns.price.unit_price) == (
        PriceModel.PACKAGE,
        Decimal("10.0"),
        Decimal("2.5"),
    )
    (large,) = _entries(example, "vm-large-surcharge")
    assert (large.filter[1].at_least, large.filter[1].below) == (Decimal("16.0"), Decimal("64.0"))
    (balancer,) = _entries(example, "load-balancer")
    assert (balancer.usage.kind, balancer.usage.prorate) == (UsageKind.RECURRING, True)
    (bucket,) = _entries(example, "partner-s3-bucket")
    assert (bucket.price.currency, bucket.price.model) == ("CHF", PriceModel.VOLUME)


def test_discounts_and_examples(example: Catalog) -> None:
    by_id = {d.id: d for d in example.discounts}
    team = by_id["team-data-discount"]
    assert (team.rule, team.percentage, team.scope.tenant) == (
        DiscountRule.FIXED_PERCENTAGE,
        Decimal("-5.0"),
        "team-data",
    )
    fee = by_id["openstack-support-fee"]
    assert fee.rule is DiscountRule.TIERED_FIXED_AMOUNT and fee.currency == "EUR"
    assert fee.discount_scope.product_display_name == "Virtual machine.*"
    assert fee.valid_from == datetime(2026, 10, 1, tzinfo=UTC)
    assert by_id["partner-volume-discount"].seller.seller_id == "storage-gmbh"
    (check,) = example.examples
    assert (check.expected_total, check.product_id, check.period) == (
        Decimal("0.072"),
        "vm-vcpu",
        "2026-10",
    )
    assert check.samples[0]["traits"] == {"vcpu": 2, "ramMb": 4096, "state": "ACTIVE"}
    assert check.samples[0]["resource"] == {
        "id": "vm-1",
        "type": "openstack.nova.server",
        "name": "web-1",
    }
    assert "event" not in check.samples[0]


def _product_file(price: str, extra: str = "") -> str:
    return f"""let C = {LIBRARY}
in  [ C.Product::{{
      , id = "p1"
      , displayName = "P1"
      , resourceType = "openstack.nova.server"
      , scope = C.Scope.platformType "OpenStack"
      , usage = C.Usage.time "h"
      , usageType = "hours"
      , price = C.Price.perUnit "EUR" {price}
      , seller = C.Seller::{{ sellerId = "s", sellerProductGroup = "g" }}
      {extra}
      }} ]
"""


def _tiny_catalog(root: Path, price: str = "0.1", extra: str = "") -> Path:
    (root / "products.dhall").write_text(_product_file(price, extra))
    (root / "catalog.dhall").write_text(
        f'let C = {LIBRARY}\nin C.Catalog::{{ name = "tiny", products = ./products.dhall }}\n'
    )
    return root


def test_doubles_become_shortest_round_trip_decimals(tmp_path: Path) -> None:
    catalog = load_catalog(_tiny_catalog(tmp_path, "0.1"))
    assert catalog.products[0].price.unit_price == Decimal("0.1")
    assert catalog.parts[0].seller_id == "tiny"
    assert catalog.products[0].source == f"{tmp_path / 'products.dhall'}:3"


def test_cache_hits_when_unchanged_and_misses_after_editing_an_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "c").mkdir()
    root = _tiny_catalog(tmp_path / "c")
    calls: list[Path] = []
    real = native.evaluate_file
    monkeypatch.setattr(
        native, "evaluate_file", lambda path, cache: calls.append(path) or real(path, cache)
    )
    first = load_catalog(root)
    second = load_catalog(root)
    catalog_calls = [c for c in calls if c.name == "catalog.dhall"]
    assert len(catalog_calls) == 1 and first == second
    (root / "products.dhall").write_text(_product_file("0.25"))
    third = load_catalog(root)
    assert len([c for c in calls if c.name == "catalog.dhall"]) == 2
    assert third.products[0].price.unit_price == Decimal("0.25")
    assert third.version != first.version
    assert list((tmp_path / "cache").glob("*.json"))


@pytest.mark.parametrize(
    ("extra", "field", "problem"),
    [
        (', validFrom = Some "15.10.2026"', "validFrom", "is not a date"),
        (', validUntil = Some "2026-10-15T00:00:00"', "validUntil", "is not a date"),
    ],
)
def test_bad_dates_name_file_product_and_field(
    tmp_path: Path, extra: str, field: str, problem: str
) -> None:
    with pytest.raises(RatecardError) as caught:
        load_catalog(_tiny_catalog(tmp_path, extra=extra))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'products.dhall'}: product 'p1': field {field}: ")
    assert problem in message


def test_shape_errors_without_the_library(tmp_path: Path) -> None:
    """Plain records with enums as text are accepted, and checked field by field."""
    scope = '{ level = "PlatformType", platformType = "OpenStack" }'
    product = (
        '{ id = "raw", displayName = "Raw", resourceType = "openstack.nova.server", '
        f"scope = {scope}, filter = [] : List {{}}, "
        'usage = { kind = "Time", unit = "h" }, usageType = "hours", '
        'price = { currency = "EUR", model = "Tiered", unitPrice = 1.0 }, '
        'seller = { sellerId = "s", sellerProductGroup = "g" } }'
    )
    (tmp_path / "catalog.dhall").write_text(f'{{ name = "raw", products = [ {product} ] }}\n')
    with pytest.raises(RatecardError) as caught:
        load_catalog(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path / 'catalog.dhall'}: product 'raw': price: field model: unknown value "
        "'Tiered' (one of PerUnit, Graduated, Volume, Package)"
    )


def test_missing_catalog_file(tmp_path: Path) -> None:
    with pytest.raises(RatecardError, match="no such catalog file"):
        load_catalog(tmp_path)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=4))
def test_any_double_price_is_its_shortest_round_trip_text(
    tmp_path: Path, prices: list[float]
) -> None:
    root = tmp_path / f"h{abs(hash(tuple(prices)))}"
    root.mkdir(exist_ok=True)
    products = ", ".join(
        _product_file(repr(price))
        .split("in  [ ", 1)[1]
        .rsplit(" ]", 1)[0]
        .replace('"p1"', f'"p{i}"')
        for i, price in enumerate(prices)
    )
    (root / "catalog.dhall").write_text(
        f'let C = {LIBRARY}\nin C.Catalog::{{ name = "h", products = [ {products} ] }}\n'
    )
    loaded = load_catalog(root)
    assert [p.price.unit_price for p in loaded.products] == [Decimal(repr(p)) for p in prices]


def _split_catalog(root: Path, products: str) -> Path:
    """A catalog importing two product files (ids a1, b1) through ``products``."""
    for name in ("a", "b"):
        (root / f"{name}.dhall").write_text(_product_file("0.5").replace('"p1"', f'"{name}1"', 1))
    (root / "catalog.dhall").write_text(
        f'let C = {LIBRARY}\nin C.Catalog::{{ name = "split", products = {products} }}\n'
    )
    return root


def test_each_imported_file_is_cached_by_content(tmp_path: Path) -> None:
    """An edit evaluates the edited file again, no other."""
    (tmp_path / "c").mkdir()
    root = _split_catalog(tmp_path / "c", "./a.dhall # ./b.dhall")
    assert [p.id for p in load_catalog(root).products] == ["a1", "b1"]
    cached = set((tmp_path / "cache").glob("native-*.pickle"))
    assert len(cached) >= 3  # a.dhall, b.dhall and the library files they import
    (root / "b.dhall").write_text(_product_file("0.75").replace('"p1"', '"b1"', 1))
    edited = load_catalog(root)
    assert [p.price.unit_price for p in edited.products] == [Decimal("0.5"), Decimal("0.75")]
    assert len(set((tmp_path / "cache").glob("native-*.pickle")) - cached) == 1


def test_a_root_may_look_inside_the_lists_it_imports(tmp_path: Path) -> None:
    reverse = "List/reverse C.Product.Type (./a.dhall # ./b.dhall)"
    catalog = load_catalog(_split_catalog(tmp_path, reverse))
    assert [p.id for p in catalog.products] == ["b1", "a1"]


def test_an_error_in_one_product_file_names_that_file(tmp_path: Path) -> None:
    root = _split_catalog(tmp_path, "./a.dhall # ./b.dhall")
    (root / "b.dhall").write_text(_product_file('"cheap"').replace('"p1"', '"b1"', 1))
    with pytest.raises(RatecardError) as caught:
        load_catalog(root)
    assert str(caught.value).startswith(f"{root / 'b.dhall'}:")
