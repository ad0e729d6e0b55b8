"""FOCUS 1.2 mapping: hand-checked values, our own conformance rules, the FinOps validator."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from focusvalidator import ensure_venv, real_failures, run_validator
from hypothesis import given, settings
from hypothesis import strategies as st
from ratefixtures import discounts_catalog, make_discount

from rating.errors import RatecardError
from rating.export import FOCUS_SCHEMA, to_focus
from rating.export.encode import csv_bytes, decimal_text, encode, parquet_bytes
from rating.export.focus import focus_dataset
from rating.export.units import focus_unit
from rating.model import Catalog, DiscountRule, DiscountSelector, DiscountTier
from rating.period import Period
from rating.rate.result import LINE_ITEM_SCHEMA
from rating.report import build_reports

OCT = datetime(2026, 10, 1, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)


def item(**overrides: object) -> dict[str, object]:
    """One line item with sensible defaults (a VM's vCPU hours for one day)."""
    row: dict[str, object] = {
        "period": "2026-10",
        "tenant": "proj-42",
        "platform_type": "OpenStack",
        "location": "eu-de-1",
        "platform_instance": "pike",
        "resource_id": "vm-7f3",
        "resource_type": "openstack.nova.server",
        "resource_name": "web-1",
        "product_id": "vm-vcpu",
        "product_name": "VM vCPU",
        "seller_id": "platform-team",
        "seller_product_group": "Compute",
        "service_category": "Compute",
        "usage_type": "vCPU hours",
        "quantity": Decimal("96"),
        "unit": "{vCPU}.h",
        "unit_price": Decimal("0.0125"),
        "amount": Decimal("1.2"),
        "currency": "EUR",
        "start": OCT,
        "end": datetime(2026, 10, 2, tzinfo=UTC),
        "catalog_version": "cat-1",
    }
    row.update(overrides)
    return row


def example_items() -> pa.Table:
    """Usage in two units and tenants, a graduated-tier line, and a minimum-charge adjustment."""
    rows = [
        item(),
        item(
            resource_id="vol-1",
            resource_type="openstack.cinder.volume",
            resource_name="data",
            product_id="volume-gib",
            product_name="Volume GiB",
            seller_product_group="Storage",
            service_category="Storage",
            usage_type="GiB hours",
            quantity=Decimal("240.5"),
            unit="GiBy.h",
            unit_price=Decimal("0.0001"),
            amount=Decimal("0.02405"),
            end=datetime(2026, 10, 11, tzinfo=UTC),
        ),
        # Graduated tiers: the amount is below unit_price × quantity (later tiers are cheaper).
        item(
            tenant="proj-7",
            resource_id="vm-a1",
            resource_name="Büro-Server",  # non-ASCII: folded for the validator
            quantity=Decimal("1000.333333333333"),
            unit_price=Decimal("0.01"),
            amount=Decimal("8.5"),
        ),
        item(  # as the rater writes it: one unit at the top-up amount
            resource_id=None,
            resource_name=None,
            usage_type="minimum charge",
            quantity=Decimal(1),
            unit="1",
            unit_price=Decimal("3.8"),
            amount=Decimal("3.8"),
            end=NOV,
        ),
    ]
    return pa.Table.from_pylist(rows, schema=LINE_ITEM_SCHEMA)


def report_catalog() -> Catalog:
    """An operator discount on proj-7's VMs and a fee on everything proj-42 buys."""
    commitment = make_discount(
        DiscountRule.FIXED_PERCENTAGE,
        id="vm-commitment",
        display_name="VM commitment",
        scope=DiscountSelector(tenant="proj-7"),
        percentage=Decimal("-3"),
    )
    fee = make_discount(
        DiscountRule.TIERED_FIXED_AMOUNT,
        id="ops-fee",
        display_name="Operations fee",
        scope=DiscountSelector(tenant="proj-42"),
        tiers=(DiscountTier(Decimal(0), Decimal("2.5")),),
    )
    return discounts_catalog(commitment, fee, seller_id="platform-team", version="cat-1")


def example_focus() -> pa.Table:
    """The example items with their reports' discount, fee and rounding rows."""
    items = example_items()
    reports = build_reports(report_catalog(), items, Period.parse("2026-10"))
    return to_focus(items, provider_name="Sovereign Cloud", reports=reports)


def test_known_answer_for_a_usage_line() -> None:
    row = to_focus(example_items(), provider_name="Sovereign Cloud").to_pylist()[0]
    assert row["BillingAccountId"] == row["SubAccountId"] == "proj-42"
    assert row["ChargeCategory"] == "Usage"
    assert row["ChargeFrequency"] == "Usage-Based"
    assert row["ChargeClass"] is None
    assert row["PricingUnit"] == row["ConsumedUnit"] == "vCPU-Hours"
    assert row["PricingQuantity"] == row["ConsumedQuantity"] == Decimal("96")
    assert row["ListUnitPrice"] == Decimal("0.0125")
    assert row["ListCost"] == row["ContractedCost"] == Decimal("1.2")
    assert row["BilledCost"] == row["EffectiveCost"] == Decimal("1.2")
    assert row["ProviderName"] == row["InvoiceIssuerName"] == "Sovereign Cloud"
    assert row["PublisherName"] == row["x_SellerId"] == "platform-team"
    assert row["InvoiceId"] == "INV-proj-42-2026-10-provisional"
    assert (row["BillingPeriodStart"], row["BillingPeriodEnd"]) == (OCT, NOV)
    assert (row["ServiceCategory"], row["ServiceSubcategory"]) == ("Compute", "Virtual Machines")
    assert row["RegionId"] == row["x_Location"] == "eu-de-1"
    assert row["x_CatalogVersion"] == "cat-1"
    assert row["SkuId"] == row["x_ProductId"] == "vm-vcpu"


def test_tiered_line_keeps_list_cost_exact_and_bills_the_amount() -> None:
    row = to_focus(example_items()).to_pylist()[2]
    assert row["ListCost"] == Decimal("10.00333333333333")  # 0.01 × 1000.333333333333, unrounded
    assert row["BilledCost"] == row["EffectiveCost"] == Decimal("8.5")
    assert row["ResourceName"] == "Buro-Server"


def test_catalog_frequencies_override_the_label_guess() -> None:
    focus = to_focus(example_items(), frequencies={"vm-vcpu": "Recurring"})
    assert focus.column("ChargeFrequency").to_pylist() == [
        "Recurring",
        "Usage-Based",  # volume-gib: not in the mapping, guessed from "GiB hours"
        "Recurring",
        "Recurring",  # the minimum charge stays Recurring
    ]


def test_each_service_name_has_one_category() -> None:
    """FOCUS: exactly one ServiceCategory per ServiceName, whatever the resource types."""
    rows = [
        item(product_name="Bundle", resource_type="openstack.nova.server"),
        item(
            product_name="Bundle",
            resource_type="openstack.cinder.volume",
            resource_id="v",
            service_category="Storage",
        ),
    ]
    focus = to_focus(pa.Table.from_pylist(rows, schema=LINE_ITEM_SCHEMA))
    services = {(r["ServiceCategory"], r["ServiceSubcategory"]) for r in focus.to_pylist()}
    assert services == {("Compute", "Virtual Machines")}  # the smallest category wins


def test_minimum_charge_is_an_adjustment_without_usage_columns() -> None:
    row = to_focus(example_items()).to_pylist()[3]
    assert row["ChargeCategory"] == "Adjustment"
    assert row["ChargeFrequency"] == "Recurring"
    for column in ("PricingQuantity", "PricingUnit", "ConsumedQuantity", "ListUnitPrice"):
        assert row[column] is None, column
    assert row["ResourceId"] is None and row["ResourceType"] is None
    assert row["BilledCost"] == row["ListCost"] == Decimal("3.8")


def test_report_rows_known_answer() -> None:
    """Discount → Credit, fee and rounding → Adjustment; costs all equal the billed amount."""
    rounding, fee, credit = example_focus().to_pylist()[4:]
    # proj-42 Storage: 0.02405 EUR exact, 0.02 billed → a -0.00405 rounding row
    assert (rounding["ChargeCategory"], rounding["BilledCost"]) == (
        "Adjustment",
        Decimal("-0.00405"),
    )
    assert rounding["ServiceName"] == "Rounding" and rounding["x_SellerProductGroup"] == "Storage"
    # ops-fee: tier 0 reached by 5.02405 EUR → +2.50
    assert (fee["ChargeCategory"], fee["BilledCost"], fee["x_DiscountId"]) == (
        "Adjustment",
        Decimal("2.50"),
        "ops-fee",
    )
    # vm-commitment: -3 % of 8.5 = -0.255, half-even → -0.26
    assert (credit["ChargeCategory"], credit["BilledCost"], credit["BillingAccountId"]) == (
        "Credit",
        Decimal("-0.26"),
        "proj-7",
    )
    for row in (rounding, fee, credit):
        assert row["ChargeClass"] is None and row["ChargeFrequency"] == "Recurring"
        assert row["ListCost"] == row["ContractedCost"] == row["EffectiveCost"] == row["BilledCost"]
        for column in ("PricingQuantity", "PricingUnit", "ListUnitPrice", "ResourceId", "SkuId"):
            assert row[column] is None, column
        assert (row["ChargePeriodStart"], row["ChargePeriodEnd"]) == (OCT, NOV)
        assert row["ProviderName"] == row["InvoiceIssuerName"] == "Sovereign Cloud"
        assert row["PublisherName"] == "platform-team"


def billed_per_tenant_and_currency(focus: pa.Table) -> dict[tuple[str, str], Decimal]:
    sums: dict[tuple[str, str], Decimal] = {}
    for row in focus.select(["BillingAccountId", "BillingCurrency", "BilledCost"]).to_pylist():
        key = (row["BillingAccountId"], row["BillingCurrency"])
        sums[key] = sums.get(key, Decimal(0)) + row["BilledCost"]
    return sums


def report_totals(reports) -> dict[tuple[str, str], Decimal]:
    return {(r.tenant, t.currency): t.amount for r in reports for t in r.totals}


def test_billed_cost_sums_to_the_report_totals() -> None:
    """Per tenant and currency, FOCUS BilledCost adds up to the rounded report total exactly."""
    assert billed_per_tenant_and_currency(example_focus()) == {
        ("proj-42", "EUR"): Decimal("7.52"),  # 5.00 + 0.02 + 2.50 fee
        ("proj-7", "EUR"): Decimal("8.24"),  # 8.50 - 0.26 discount
    }


def test_example_fleet_billed_cost_equals_report_totals() -> None:
    """The example catalog and fleet: FOCUS and ``ratecard report`` agree cent for cent."""
    from rating.load.catalog import load_catalog
    from rating.load.samples import open_samples
    from rating.rate.engine import rate

    catalog = load_catalog(EXAMPLES / "catalogs" / "private-cloud")
    period = Period.parse("2026-10")
    samples = open_samples(
        [str(EXAMPLES / "samples" / "fleet-2026-10.jsonl")], catalog.resource_types
    )
    items = rate(catalog, samples, period).line_items
    reports = build_reports(catalog, items, period)
    focus = focus_dataset(catalog, items, period)
    assert billed_per_tenant_and_currency(focus) == report_totals(reports)
    categories = {row["ChargeCategory"] for row in focus.select(["ChargeCategory"]).to_pylist()}
    assert categories == {"Usage", "Adjustment", "Credit"}


# Every unit in docs/ and examples/, and every data-size prefix: (UCUM, FOCUS unit).
UNITS = [
    ("h", "Hours"),
    ("s", "Seconds"),
    ("min", "Minutes"),
    ("d", "Days"),
    ("wk", "7 Days"),  # FOCUS has no Week
    ("mo", "Months"),
    ("mo_cal", "Months"),
    ("a", "Years"),
    ("1", "Units"),
    ("By", "B"),
    ("kBy", "KB"),
    ("MBy", "MB"),
    ("GBy", "GB"),
    ("TBy", "TB"),
    ("PBy", "PB"),
    ("EBy", "EB"),
    ("KiBy", "KiB"),
    ("MiBy", "MiB"),
    ("GiBy", "GiB"),
    ("TiBy", "TiB"),
    ("PiBy", "PiB"),
    ("EiBy", "EiB"),
    ("bit", "b"),
    ("kbit", "Kb"),
    ("Mbit", "Mb"),
    ("Gbit", "Gb"),
    ("Tbit", "Tb"),
    ("Kibit", "Kib"),
    ("Gibit", "Gib"),
    ("ZBy", "1000 EB"),  # beyond exa: a unit quantity
    ("By{raw}", "B"),  # an annotation after a unit is decoration
    ("{vCPU}", "vCPUs"),
    ("{CPU}", "CPUs"),
    ("{query}", "Queries"),
    ("{request}", "Requests"),
    ("{instance}", "Instances"),
    ("{pool}", "Pools"),
    ("{listener}", "Listeners"),
    ("{API call}", "API Calls"),
    ("m{CPU}", "MilliCPUs"),  # millicores: no fractional unit quantity in FOCUS
    ("k{request}", "1000 Requests"),
    ("10*6{query}", "1000000 Queries"),
    ("10*3{query}", "1000 Queries"),
    ("10^3{query}", "1000 Queries"),
    ("{vCPU}.h", "vCPU-Hours"),
    ("h.{vCPU}", "vCPU-Hours"),
    ("{CPU}.h", "CPU-Hours"),
    ("m{CPU}.h", "MilliCPU-Hours"),
    ("GiBy.h", "GiB-Hours"),
    ("GiBy.mo", "GiB-Months"),
    ("GiBy.mo_cal", "GiB-Months"),
    ("MiBy.s", "MiB-Seconds"),
    ("10*3{query}.h", "Thousand Query-Hours"),  # the validator takes no digits here
    ("GBy/s", "GB/Second"),
    ("{request}/s", "Requests/Second"),
    ("10*3{request}/s", "Thousand Requests/Second"),
    ("Mbit/s", "Mb/Second"),
    ("GBy/wk", "GB/7 Days"),
    ("1/h", "Units/Hour"),
]


@pytest.mark.parametrize(("ucum", "focus"), [*UNITS, (None, None)])
def test_ucum_to_focus_units(ucum: str | None, focus: str | None) -> None:
    assert focus_unit(ucum) == focus


def test_every_example_catalog_unit_is_in_the_table() -> None:
    """The example catalog's price units and trait units are all covered by UNITS."""
    from rating.load.catalog import load_catalog

    catalog = load_catalog(EXAMPLES / "catalogs" / "private-cloud")
    used = {p.usage.unit for p in catalog.products}
    used |= {t.unit for rt in catalog.resource_types for t in rt.traits if t.unit}
    assert used <= {ucum for ucum, _ in UNITS}, used - {ucum for ucum, _ in UNITS}


def test_rejects_tables_of_another_schema() -> None:
    with pytest.raises(RatecardError, match="LINE_ITEM_SCHEMA"):
        to_focus(pa.table({"tenant": ["a"]}))


money = st.decimals(min_value=0, max_value=10**6, places=12, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(money, money), min_size=1, max_size=20))
def test_list_and_contracted_cost_are_exact_products(pairs: list[tuple[Decimal, Decimal]]) -> None:
    """The validator skips this rule, so we own it: ListCost = ListUnitPrice × PricingQuantity."""
    rows = [
        item(quantity=q, unit_price=p, amount=(q * p).quantize(Decimal("1E-12"))) for q, p in pairs
    ]
    table = pa.Table.from_pylist(rows, schema=LINE_ITEM_SCHEMA)
    with localcontext() as exact:
        exact.prec = 100  # Python's default 28 digits would round the reference product
        for row in to_focus(table).to_pylist():
            assert row["ListCost"] == row["ListUnitPrice"] * row["PricingQuantity"]
            assert row["ContractedCost"] == row["ContractedUnitPrice"] * row["PricingQuantity"]


def test_costs_beyond_list_cost_precision_are_a_clear_error() -> None:
    huge = item(quantity=Decimal(10**13), unit_price=Decimal(10**13), amount=Decimal(1))
    with pytest.raises(RatecardError, match="too large"):
        to_focus(pa.Table.from_pylist([huge], schema=LINE_ITEM_SCHEMA))


def test_our_own_conformance_rules() -> None:
    """Rules the validator does not check: allowed values, x_ prefixes, non-null usage fields."""
    focus = example_focus()
    standard = {f for f in FOCUS_SCHEMA.names if not f.startswith("x_")}
    assert all(name[0].isupper() for name in standard)
    for row in focus.to_pylist():
        assert row["ChargeCategory"] in {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
        assert row["ChargeFrequency"] in {"One-Time", "Recurring", "Usage-Based"}
        assert row["ChargeClass"] in {None, "Correction"}
        if row["ChargeCategory"] == "Usage":
            for column in ("ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "SkuId"):
                assert row[column] is not None, column
            assert row["PricingCategory"] == "Standard"
        for value in row.values():
            assert not isinstance(value, str) or value.isascii()


def test_csv_text_follows_the_validator_rules() -> None:
    text = csv_bytes(to_focus(example_items())).decode()
    header, first, *_, last = text.splitlines()
    cells = dict(zip(header.split(","), next(csv.reader([first])), strict=True))
    assert cells["PricingQuantity"] == "96.0"  # decimals always carry a point
    assert cells["ChargePeriodStart"] == "2026-10-01T00:00:00Z"
    assert ",," in last  # nulls are empty unquoted fields
    assert '""' not in text


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text(max_size=8)), min_size=1, max_size=10),
    st.lists(
        st.one_of(st.none(), st.decimals(min_value=-(10**6), max_value=10**6, places=12)),
        min_size=1,
        max_size=10,
    ),
)
def test_csv_cells_round_trip(texts: list[str | None], amounts: list[Decimal | None]) -> None:
    """Strings survive quoting, nulls are bare empty cells, decimals keep value and a point."""
    texts = [t.replace("\r", "") if t else t for t in texts]  # csv module folds lone CRs
    rows = min(len(texts), len(amounts))
    texts, amounts = texts[:rows], amounts[:rows]
    table = pa.table(
        {
            "t": pa.array(texts, pa.string()),
            "d": pa.array(amounts, pa.decimal128(38, 12)),
        }
    )
    data = csv_bytes(table).decode()
    parsed = list(csv.reader(io.StringIO(data, newline="")))[1:]
    assert len(parsed) == rows
    for (text, amount), (text_cell, amount_cell) in zip(
        zip(texts, amounts, strict=True), parsed, strict=True
    ):
        assert text_cell == (text or "")
        if amount is None:
            assert amount_cell == ""
        else:
            assert "." in amount_cell and Decimal(amount_cell) == amount
    lines = data.split("\n")[1:] if not any(t and "\n" in t for t in texts) else []
    for line, text in zip(lines, texts, strict=False):  # lines has a trailing ""
        if text == "":
            assert line.startswith('""')
        if text is None:
            assert line.startswith(",")


def test_decimal_text() -> None:
    assert decimal_text(Decimal("1488")) == "1488.0"
    assert decimal_text(Decimal("1.200000000000")) == "1.2"
    assert decimal_text(Decimal("0E-12")) == "0.0"


def test_parquet_types_and_bytes_are_deterministic() -> None:
    focus = to_focus(example_items())
    data = parquet_bytes(focus)
    assert data == parquet_bytes(to_focus(example_items()))
    schema = pq.read_schema(io.BytesIO(data))
    assert schema.field("BilledCost").type == pa.decimal128(38, 12)
    assert schema.field("ChargePeriodStart").type == pa.timestamp("us", tz="UTC")
    assert schema.field("InvoiceId").type == pa.string()


@pytest.fixture(scope="session")
def focus_python() -> Path:
    return ensure_venv()


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["parquet", "csv"])
def test_finops_validator_accepts_our_export(
    focus_python: Path, tmp_path: Path, encoding: str
) -> None:
    data_file = tmp_path / f"focus.{encoding}"
    data_file.write_bytes(encode(example_focus(), encoding))
    results = run_validator(focus_python, data_file, tmp_path)
    assert sum(1 for r in results.values() if r.get("ok") is True) > 250
    assert real_failures(results) == {}


@pytest.mark.slow
def test_finops_validator_rejects_a_broken_dataset(focus_python: Path, tmp_path: Path) -> None:
    focus = to_focus(example_items())
    broken = focus.set_column(
        focus.schema.get_field_index("ChargePeriodStart"),
        "ChargePeriodStart",
        pa.array([None] * focus.num_rows, pa.timestamp("us", tz="UTC")),
    ).drop_columns(["BillingCurrency"])
    data_file = tmp_path / "broken.parquet"
    data_file.write_bytes(parquet_bytes(broken))
    failures = real_failures(run_validator(focus_python, data_file, tmp_path))
    assert any(rule.startswith("ChargePeriodStart") for rule in failures), failures
    assert any("BillingCurrency" in rule or "BillingCurrency" in m for rule, m in failures.items())


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.slow
def test_finops_validator_accepts_the_rated_example_fleet(
    focus_python: Path, tmp_path: Path
) -> None:
    """End to end: the example catalog and fleet, rated and exported by the CLI, validate clean."""
    from click.testing import CliRunner

    from rating.cli import cli

    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "export",
            str(EXAMPLES / "catalogs" / "private-cloud"),
            str(EXAMPLES / "samples" / "fleet-2026-10.jsonl"),
            "--period",
            "2026-10",
            "--format",
            "focus-csv",
            "--to",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    (data_file,) = (out / "period=2026-10" / "focus-csv").rglob("part-*.csv")
    rows = list(csv.DictReader(io.StringIO(data_file.read_text())))
    assert {r["ChargeCategory"] for r in rows} == {"Usage", "Adjustment", "Credit"}
    assert real_failures(run_validator(focus_python, data_file, tmp_path)) == {}


@pytest.mark.slow
def test_finops_validator_accepts_every_unit(focus_python: Path, tmp_path: Path) -> None:
    """One usage row per unit of the table; the validator's FormatUnit rule passes on all."""
    rows = [
        item(resource_id=f"r-{index}", unit=ucum, product_id=f"p-{index}")
        for index, (ucum, _) in enumerate(UNITS)
    ]
    data_file = tmp_path / "units.parquet"
    data_file.write_bytes(
        parquet_bytes(to_focus(pa.Table.from_pylist(rows, schema=LINE_ITEM_SCHEMA)))
    )
    results = run_validator(focus_python, data_file, tmp_path)
    for rule in ("PricingUnit-C-003-O", "ConsumedUnit-C-003-O"):
        assert results[rule]["ok"] is True, results[rule]
    assert real_failures(results) == {}
