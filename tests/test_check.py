"""`ratecard check`: rules on hand-built catalogs, output formats, exit codes, broken examples."""

from __future__ import annotations

import dataclasses
import itertools
import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from rating.check import Severity, check_catalog
from rating.check.output import render
from rating.check.rules.overlap import filters_overlap
from rating.cli import cli
from rating.load.schedule import PriceChange, expand_schedule
from rating.model import (
    Catalog,
    CatalogExample,
    CatalogPart,
    Condition,
    ConditionOp,
    Discount,
    DiscountRule,
    DiscountScope,
    DiscountSelector,
    DiscountTier,
    FxRate,
    Price,
    PriceModel,
    Product,
    ResourceType,
    ScopeLevel,
    ScopeSelector,
    Seller,
    Tier,
    Trait,
    TraitType,
    Usage,
    UsageKind,
)

VM = ResourceType(
    id="test.vm",
    platform="Test",
    display_name="VM",
    description="a test virtual machine",
    traits=(
        Trait("vcpu", TraitType.INTEGER, True, "{vCPU}", "cores"),
        Trait("ramMb", TraitType.INTEGER, True, "MiBy", "memory"),
        Trait("flavor", TraitType.TEXT, True, None, "flavor name"),
        Trait("state", TraitType.TEXT, False, None, "state"),
        Trait("gpu", TraitType.BOOL, True, None, "has a GPU"),
        Trait("restarts", TraitType.INTEGER, True, None, "count without unit"),
        Trait("tags", TraitType.LIST_TEXT, True, None, "labels"),
    ),
)
OPERATOR = Seller("operator", "Compute")
PLATFORM = ScopeSelector(ScopeLevel.PLATFORM_TYPE, "OpenStack")


def eq(trait: str, value) -> Condition:
    return Condition(trait, ConditionOp.EQUALS, (value,))


def product(line: int = 1, **changes) -> Product:
    base = Product(
        id="vm-hours",
        display_name="VM hours",
        description="",
        resource_type="test.vm",
        scope=PLATFORM,
        filter=(eq("state", "ACTIVE"),),
        usage=Usage(UsageKind.TIME, "h"),
        usage_type="hours",
        price=Price("EUR", PriceModel.PER_UNIT, unit_price=Decimal("0.05")),
        seller=OPERATOR,
        source=f"catalog.dhall:{line}",
    )
    return dataclasses.replace(base, **changes)


def catalog(*products: Product, **changes) -> Catalog:
    part = CatalogPart("base", "operator", False, "catalog.dhall", products=products)
    base = Catalog("test", "v1", (part,), (VM,))
    return dataclasses.replace(base, **changes)


def codes(cat: Catalog) -> list[str]:
    return [f.code for f in check_catalog(cat)]


def test_clean_catalog_has_no_findings():
    assert check_catalog(catalog(product())) == []


def test_unknown_resource_type_names_product_and_line():
    [finding] = check_catalog(catalog(product(line=7, resource_type="openstack.nova.sever")))
    assert (finding.code, finding.severity, finding.file, finding.line) == (
        "unknown-resource-type",
        Severity.ERROR,
        "catalog.dhall",
        7,
    )
    assert '"openstack.nova.sever"' in finding.message and finding.subject == "vm-hours"


def test_unknown_trait():
    [finding] = check_catalog(catalog(product(filter=(eq("flavour", "m1"),))))
    assert finding.code == "unknown-trait" and '"flavour"' in finding.message


@pytest.mark.parametrize(
    "condition",
    [
        eq("vcpu", "4"),  # Text value for an Integer trait
        eq("flavor", 4),  # Integer value for a Text trait
        eq("gpu", "yes"),
        eq("vcpu", True),  # Bool is not an Integer
        Condition("flavor", ConditionOp.RANGE, at_least=Decimal(1)),
        Condition("vcpu", ConditionOp.REGEX, pattern="4"),
    ],
)
def test_wrong_value_type(condition):
    assert codes(catalog(product(filter=(condition,)))) == ["wrong-value-type"]


def test_double_value_accepts_integers_and_integer_rejects_floats():
    assert codes(catalog(product(filter=(eq("vcpu", 4.5),)))) == ["wrong-value-type"]
    assert codes(catalog(product(filter=(eq("vcpu", 4),)))) == []


@pytest.mark.parametrize(
    ("usage", "code"),
    [
        (Usage(UsageKind.TIME_QUANTITY, "GiBy.h", "ramMb"), None),
        (Usage(UsageKind.TIME_QUANTITY, "MiBy.min", "ramMb"), None),
        (Usage(UsageKind.TIME_QUANTITY, "{vCPU}.h", "ramMb"), "incommensurable-unit"),
        (Usage(UsageKind.TIME_QUANTITY, "GiBy", "ramMb"), "incommensurable-unit"),
        (Usage(UsageKind.TIME, "GiBy"), "incommensurable-unit"),
        (Usage(UsageKind.TIME, "d"), None),
        (Usage(UsageKind.TIME, "mo_cal"), None),
        (Usage(UsageKind.TIME_QUANTITY, "GiBy.mo_cal", "ramMb"), None),
        (Usage(UsageKind.TIME_QUANTITY, "GiBy.mo", "ramMb"), None),
        (Usage(UsageKind.QUANTITY, "mo_cal", "ramMb"), "incommensurable-unit"),
        (Usage(UsageKind.QUANTITY, "GiBy", "ramMb"), None),
        (Usage(UsageKind.QUANTITY, "h", "ramMb"), "incommensurable-unit"),
        (Usage(UsageKind.QUANTITY, "1", "flavor"), "non-numeric-usage-trait"),
        (Usage(UsageKind.TIME_QUANTITY, "h", "restarts"), "usage-trait-without-unit"),
        (Usage(UsageKind.TIME_QUANTITY, "GiBy.h", "memory"), "unknown-trait"),
        (Usage(UsageKind.TIME, "hours"), "invalid-unit"),
    ],
)
def test_usage_units(usage, code):
    assert codes(catalog(product(usage=usage))) == ([code] if code else [])


def test_incommensurable_message_names_both_units():
    usage = Usage(UsageKind.TIME_QUANTITY, "{vCPU}.h", "ramMb")
    [finding] = check_catalog(catalog(product(usage=usage)))
    assert '"{vCPU}.h"' in finding.message and "ramMb" in finding.message


# ---------------------------------------------------------------- overlap


def test_disjoint_equalities_do_not_overlap():
    a = product(1, filter=(eq("flavor", "m1.small"),))
    b = product(2, filter=(eq("flavor", "m1.large"),))
    assert codes(catalog(a, b)) == []


def test_overlap_reports_pair_and_witness():
    a = product(1, filter=(Condition("flavor", ConditionOp.ONE_OF, ("m1.small", "m1.large")),))
    b = product(9, filter=(eq("flavor", "m1.large"), eq("state", "ACTIVE")))
    [finding] = check_catalog(catalog(a, b))
    assert finding.code == "ambiguous-overlap"
    assert "catalog.dhall:1 and catalog.dhall:9" in finding.message
    assert '{"flavor": "m1.large", "state": "ACTIVE"}' in finding.message


def test_ranges_overlap_with_witness_inside_both():
    a = product(1, filter=(Condition("vcpu", ConditionOp.RANGE, at_least=Decimal(2)),))
    b = product(2, filter=(Condition("vcpu", ConditionOp.RANGE, below=Decimal(8)),))
    [finding] = check_catalog(catalog(a, b))
    assert '{"vcpu": 2}' in finding.message


def test_adjacent_ranges_do_not_overlap():
    a = product(1, filter=(Condition("vcpu", ConditionOp.RANGE, below=Decimal(4)),))
    b = product(2, filter=(Condition("vcpu", ConditionOp.RANGE, at_least=Decimal(4)),))
    assert codes(catalog(a, b)) == []


def test_present_and_absent_are_disjoint():
    a = product(1, filter=(Condition("gpu", ConditionOp.PRESENT),))
    b = product(2, filter=(Condition("gpu", ConditionOp.ABSENT),))
    assert codes(catalog(a, b)) == []


def test_not_one_of_against_equality():
    a = product(1, filter=(Condition("flavor", ConditionOp.NOT_ONE_OF, ("m1.large",)),))
    b = product(2, filter=(eq("flavor", "m1.large"),))
    c = product(3, filter=(eq("flavor", "m1.small"),))
    assert codes(catalog(a, b)) == []
    assert codes(catalog(a, c)) == ["ambiguous-overlap"]


def test_regex_decided_by_equality_values_else_possible():
    a = product(1, filter=(Condition("flavor", ConditionOp.REGEX, pattern="m1\\..*"),))
    b = product(2, filter=(eq("flavor", "c2.large"),))
    c = product(3, filter=(Condition("flavor", ConditionOp.REGEX, pattern="c2\\..*"),))
    assert codes(catalog(a, b)) == []
    [finding] = check_catalog(catalog(a, c))
    assert finding.code == "ambiguous-overlap" and "cannot prove" in finding.message


def test_specificity_scope_and_validity_separate_entries():
    location = ScopeSelector(ScopeLevel.PLATFORM_INSTANCE, "OpenStack", "eu-de-1", "pike")
    other = ScopeSelector(ScopeLevel.PLATFORM_INSTANCE, "OpenStack", "eu-de-2", "pike")
    october = datetime(2026, 10, 1, tzinfo=UTC)
    assert codes(catalog(product(1), product(2, scope=location))) == []
    assert codes(catalog(product(1, scope=location), product(2, scope=other))) == []
    assert codes(catalog(product(1, valid_until=october), product(2, valid_from=october))) == []
    assert codes(catalog(product(1), product(2, id="other"))) == []


def test_list_trait_overlap_needs_one_element_per_condition():
    a = product(1, filter=(eq("tags", "web"),))
    b = product(2, filter=(eq("tags", "prod"),))
    [finding] = check_catalog(catalog(a, b))
    assert '{"tags": ["web", "prod"]}' in finding.message
    c = product(3, filter=(Condition("tags", ConditionOp.NOT_ONE_OF, ("web",)),))
    assert codes(catalog(a, c)) == []


def test_overlapping_validity_of_identical_entries():
    a = product(1, valid_from=datetime(2026, 1, 1, tzinfo=UTC))
    b = product(2, valid_from=datetime(2026, 6, 1, tzinfo=UTC))
    [finding] = check_catalog(catalog(a, b))
    assert finding.code == "overlapping-validity" and finding.line == 2


def test_a_gap_between_entries_of_one_scope_is_a_warning_naming_it():
    a = product(1, valid_until=datetime(2026, 3, 1, tzinfo=UTC))
    b = product(2, valid_from=datetime(2026, 4, 1, tzinfo=UTC))
    [finding] = check_catalog(catalog(a, b))
    assert (finding.code, finding.severity.value, finding.line) == ("validity-gap", "warning", 1)
    assert "from 2026-03-01T00:00:00+00:00 until 2026-04-01T00:00:00+00:00" in finding.message


def test_a_gap_a_broader_entry_covers_is_no_gap():
    tenant = ScopeSelector(ScopeLevel.TENANT, "OpenStack", tenant="proj-1")
    a = product(1, scope=tenant, valid_until=datetime(2026, 3, 1, tzinfo=UTC))
    b = product(2, scope=tenant, valid_from=datetime(2026, 4, 1, tzinfo=UTC))
    assert codes(catalog(a, b, product(3))) == []
    # … unless the broader entry leaves part of the gap open
    late = product(3, valid_from=datetime(2026, 3, 15, tzinfo=UTC))
    assert codes(catalog(a, b, late)) == ["validity-gap"]


def test_a_price_schedule_with_grandfathering_has_neither_gaps_nor_overlaps():
    changes = [
        PriceChange(datetime(2026, 3, 1, tzinfo=UTC), Price("EUR", PriceModel.PER_UNIT), False),
        PriceChange(datetime(2026, 4, 1, tzinfo=UTC), Price("EUR", PriceModel.PER_UNIT), False),
        PriceChange(datetime(2026, 5, 1, tzinfo=UTC), Price("EUR", PriceModel.PER_UNIT)),
    ]
    entries = expand_schedule(product(), changes)
    assert len(entries) == 4 and codes(catalog(*entries)) == []


_values = st.sampled_from(["a", "b", "c"])
_conditions = st.one_of(
    st.builds(lambda v: eq("flavor", v), _values),
    st.builds(
        lambda vs: Condition("flavor", ConditionOp.ONE_OF, tuple(vs)),
        st.lists(_values, min_size=1, max_size=3),
    ),
    st.builds(
        lambda vs: Condition("flavor", ConditionOp.NOT_ONE_OF, tuple(vs)),
        st.lists(_values, max_size=3),
    ),
    st.builds(
        lambda lo, hi: Condition("vcpu", ConditionOp.RANGE, at_least=lo, below=hi),
        st.one_of(st.none(), st.integers(0, 8).map(Decimal)),
        st.one_of(st.none(), st.integers(0, 8).map(Decimal)),
    ),
    st.builds(lambda v: eq("vcpu", v), st.integers(0, 8)),
    st.sampled_from([ConditionOp.PRESENT, ConditionOp.ABSENT]).map(lambda op: Condition("gpu", op)),
    st.builds(lambda v: eq("tags", v), _values),
    st.builds(
        lambda vs: Condition("tags", ConditionOp.NOT_ONE_OF, tuple(vs)),
        st.lists(_values, max_size=2),
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_conditions, max_size=3), st.lists(_conditions, max_size=3))
def test_overlap_witness_satisfies_both_filters_and_none_means_disjoint(left, right):
    from rating.rate.matching import condition_holds

    overlap = filters_overlap(tuple(left), tuple(right), VM)
    both = (*left, *right)
    if overlap is not None:
        assert overlap.witness is not None
        assert all(condition_holds(c, overlap.witness.get(c.trait)) for c in both)
    else:  # brute force over a small universe finds no common match either
        universe = itertools.product(
            [None, "a", "b", "c", "other"],
            [None, *range(10)],
            [None, True],
            [None, ["a"], ["b"], ["a", "b"], ["a", "b", "c"], ["other"]],
        )
        for flavor, vcpu, gpu, tags in universe:
            traits = {"flavor": flavor, "vcpu": vcpu, "gpu": gpu, "tags": tags}
            assert not all(condition_holds(c, traits[c.trait]) for c in both)


# ---------------------------------------------------------------- prices


def tiered(*tiers: tuple[str | None, str]) -> Price:
    return Price(
        "EUR",
        PriceModel.GRADUATED,
        tiers=tuple(Tier(Decimal(u) if u else None, Decimal(p)) for u, p in tiers),
    )


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        (tiered(("100", "1"), (None, "0.5")), []),
        (tiered(("100", "1"), ("50", "0.8"), (None, "0.5")), ["unsorted-tiers"]),
        (tiered(("100", "1"), ("100", "0.8"), (None, "0.5")), ["overlapping-tiers"]),
        (tiered((None, "1"), (None, "0.5")), ["unbounded-tier"]),
        (tiered(("100", "1"), ("200", "0.5")), ["bounded-last-tier"]),
        (Price("EUR", PriceModel.PACKAGE, unit_price=Decimal(5)), ["package-without-size"]),
        (Price("EUR", PriceModel.PER_UNIT, unit_price=Decimal("-1")), ["negative-price"]),
        (tiered(("100", "-1"), (None, "0.5")), ["negative-price"]),
        (Price("EUX", PriceModel.PER_UNIT, unit_price=Decimal(1)), ["unknown-currency"]),
    ],
)
def test_price_rules(price, expected):
    assert codes(catalog(product(price=price))) == expected


def test_bounded_last_tier_is_a_warning():
    [finding] = check_catalog(
        catalog(
            product(
                price=tiered(
                    ("100", "1"),
                )
            )
        )
    )
    assert finding.severity is Severity.WARNING


def test_mixed_currencies_warn():
    usd = Price("USD", PriceModel.PER_UNIT, unit_price=Decimal(1))
    tenant = ScopeSelector(ScopeLevel.TENANT, "OpenStack", "eu", "pike", "t1")
    findings = check_catalog(catalog(product(1), product(2, scope=tenant, price=usd)))
    assert [(f.code, f.severity) for f in findings] == [("mixed-currencies", Severity.WARNING)]


def test_bad_regex_in_condition_and_discount():
    bad = product(filter=(Condition("flavor", ConditionOp.REGEX, pattern="m1.(large"),))
    discount = Discount(
        id="d1",
        display_name="partner fee",
        rule=DiscountRule.FIXED_PERCENTAGE,
        scope=DiscountSelector(platform_type="OpenStack"),
        discount_scope=DiscountScope(seller_id="[partner"),
        currency="EUR",
        percentage=Decimal(5),
        source="catalog.dhall:30",
    )
    part = CatalogPart("base", "operator", False, "catalog.dhall", (bad,), (discount,))
    findings = check_catalog(Catalog("t", "v", (part,), (VM,)))
    assert [(f.code, f.subject) for f in findings] == [
        ("bad-regex", "vm-hours"),
        ("bad-regex", "d1"),
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, []),
        ({"percentage": None}, ["incomplete-discount"]),
        ({"rule": DiscountRule.TIERED_PERCENTAGE}, ["incomplete-discount"]),
        (
            {
                "rule": DiscountRule.TIERED_PERCENTAGE,
                "tiers": (
                    DiscountTier(Decimal(100), Decimal(-5)),
                    DiscountTier(Decimal(10), Decimal(-2)),
                ),
            },
            ["unsorted-tiers"],
        ),
        (
            {
                "rule": DiscountRule.TIERED_FIXED_AMOUNT,
                "tiers": (DiscountTier(Decimal(0), Decimal(-5)),),
            },
            [],
        ),
        ({"currency": "EUX"}, ["unknown-currency"]),
    ],
)
def test_discount_rules(changes, expected):
    discount = Discount(
        id="d1",
        display_name="volume discount",
        rule=DiscountRule.FIXED_PERCENTAGE,
        scope=DiscountSelector(platform_type="OpenStack"),
        discount_scope=DiscountScope(),
        currency="EUR",
        percentage=Decimal(-5),
    )
    part = CatalogPart(
        "base",
        "operator",
        False,
        "catalog.dhall",
        (product(),),
        (dataclasses.replace(discount, **changes),),
    )
    assert codes(Catalog("t", "v", (part,), (VM,))) == expected


def test_missing_fx_rate_when_base_currency_set():
    usd = product(2, id="other", price=Price("USD", PriceModel.PER_UNIT, unit_price=Decimal(1)))
    cat = catalog(product(1), usd, base_currency="EUR")
    [finding] = check_catalog(cat)
    assert finding.code == "missing-fx-rate" and "USD" in finding.message
    fixed = dataclasses.replace(cat, fx_rates=(FxRate("USD", "EUR", Decimal("0.92")),))
    assert check_catalog(fixed) == []


def test_partner_seller_and_override():
    base = CatalogPart("base", "operator", False, "catalog.dhall", (product(1),))
    partner_seller = Seller("acme", "Backup")
    own = product(3, id="acme-backup", seller=partner_seller, source="partners/acme.dhall:3")
    wrong = product(5, id="acme-other", source="partners/acme.dhall:5")
    steal = product(7, seller=partner_seller, source="partners/acme.dhall:7")
    partner = CatalogPart("acme", "acme", True, "partners/acme.dhall", (own, wrong, steal))
    findings = check_catalog(Catalog("t", "v", (base, partner), (VM,)))
    got = {(f.code, f.file, f.line) for f in findings}
    assert ("partner-seller", "partners/acme.dhall", 5) in got
    assert ("partner-override", "partners/acme.dhall", 7) in got


def test_invalid_example_shape():
    example = CatalogExample(
        "broken", ({"time": "2026-10-01T00:00:00Z"},), "2026-13", Decimal(1), "EUR"
    )
    messages = [f.message for f in check_catalog(catalog(product(), examples=(example,)))]
    assert any('"resource.id"' in m for m in messages)
    assert any("month must be 01..12" in m for m in messages)


# ---------------------------------------------------------------- output and CLI


def _findings():
    return check_catalog(
        catalog(
            product(3, resource_type="nope"),
            product(
                4,
                id="b",
                price=tiered(
                    ("1", "1"),
                ),
            ),
        )
    )


def test_human_output_groups_by_file():
    text = render(_findings(), "catalog.dhall", "human")
    assert text.startswith('catalog.dhall:3: error[unknown-resource-type] product "vm-hours"')
    assert "\ncatalog.dhall:4: warning[bounded-last-tier] " in text
    assert text.endswith("1 error(s), 1 warning(s)")


def test_json_output_is_stable():
    document = json.loads(render(_findings(), "catalog.dhall", "json"))
    assert document["summary"] == {"errors": 1, "warnings": 1}
    assert set(document["findings"][0]) == {
        "severity",
        "code",
        "message",
        "file",
        "line",
        "subject",
    }


def test_github_annotations():
    lines = render(_findings(), "catalog.dhall", "github").splitlines()
    assert lines[0].startswith("::error file=catalog.dhall,line=3,title=unknown-resource-type::")
    assert lines[1].startswith("::warning file=catalog.dhall,line=4,title=bounded-last-tier::")


def test_gitlab_code_quality():
    issues = json.loads(render(_findings(), "catalog.dhall", "gitlab"))
    assert issues[0]["location"] == {"path": "catalog.dhall", "lines": {"begin": 3}}
    assert issues[0]["severity"] == "major" and len(issues[0]["fingerprint"]) == 64


@pytest.mark.parametrize(
    ("products", "args", "exit_code"),
    [
        ((product(),), [], 0),
        (
            (
                product(
                    price=tiered(
                        ("1", "1"),
                    )
                ),
            ),
            [],
            0,
        ),
        (
            (
                product(
                    price=tiered(
                        ("1", "1"),
                    )
                ),
            ),
            ["--strict"],
            1,
        ),
        ((product(resource_type="nope"),), ["--format", "json"], 1),
    ],
)
def test_exit_codes_with_a_stubbed_loader(monkeypatch, products, args, exit_code):
    import rating.cli.check_cmd as check_cmd

    monkeypatch.setattr(check_cmd, "_load", lambda path, *_options: catalog(*products))
    result = CliRunner().invoke(cli, ["check", "catalog.dhall", *args])
    assert result.exit_code == exit_code, result.output


# ---------------------------------------------------------------- broken example catalogs

BROKEN = Path(__file__).resolve().parent.parent / "examples" / "broken-catalogs"
SHARED = ("--allow-import", "outside-root")  # the broken catalogs share ../common.dhall


@pytest.mark.parametrize(
    "case", sorted(p.name for p in BROKEN.iterdir() if (p / "expected.txt").is_file())
)
def test_broken_catalog_produces_its_finding(case):
    pytest.importorskip("rating.load.catalog")
    code, substring = (BROKEN / case / "expected.txt").read_text().splitlines()[:2]
    result = CliRunner().invoke(
        cli, ["check", str(BROKEN / case / "catalog.dhall"), "--format", "json", *SHARED]
    )
    if code == "unusable-input":
        assert result.exit_code == 2, result.output
        assert substring in result.stderr.splitlines()[0]
        [finding] = json.loads(result.stdout)["findings"]
        assert finding["code"] == "unusable-input" and finding["file"].endswith("catalog.dhall")
        assert f"{finding['file']}:{finding['line']}" in result.stderr
        return
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {f["code"] for f in findings if f["severity"] == "error"} == {code}
    assert any(substring in f["message"] for f in findings if f["code"] == code), findings


# ---------------------------------------------------------------- catalog examples

SAMPLE = {
    "time": "2026-10-01T10:00:00Z",
    "resource": {"id": "vm-1", "type": "test.vm", "name": "web-1"},
    "scope": {"platformType": "OpenStack", "tenant": "proj-42"},
    "traits": {"vcpu": 4, "ramMb": 8192, "state": "ACTIVE"},
}


def example(expected: str, samples=(SAMPLE,)) -> CatalogExample:
    return CatalogExample("one VM hour", tuple(samples), "2026-10", Decimal(expected), "EUR")


def test_example_totals_are_checked_with_the_reference_rater():
    pytest.importorskip("rating.rate.reference")
    # one sample covers one 1 h interval at 0.05 EUR/h
    assert check_catalog(catalog(product(), examples=(example("0.05"),))) == []
    [finding] = check_catalog(catalog(product(), examples=(example("0.06"),)))
    assert finding.code == "example-failed"
    assert finding.message == 'example "one VM hour": expected 0.06 EUR, got 0.05 EUR'


def test_example_with_an_invalid_sample_fails_with_its_field():
    pytest.importorskip("rating.rate.reference")
    bad = {**SAMPLE, "traits": {"vcpu": "four", "state": "ACTIVE"}}
    [finding] = check_catalog(catalog(product(), examples=(example("0.05", (bad,)),)))
    assert finding.code == "example-failed" and "sample 1: traits.vcpu" in finding.message


def test_test_command_reports_each_example(monkeypatch):
    pytest.importorskip("rating.rate.reference")
    import rating.cli.check_cmd as check_cmd

    examples = (example("0.05"), dataclasses.replace(example("1.00"), name="too much"))
    monkeypatch.setattr(
        check_cmd, "_load", lambda path, **_options: catalog(product(), examples=examples)
    )
    result = CliRunner().invoke(cli, ["test", "catalog.dhall"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        'ok   example "one VM hour": expected 0.05 EUR, got 0.05 EUR',
        'FAIL example "too much": expected 1.00 EUR, got 0.05 EUR',
        "1 passed, 1 failed",
    ]


def test_unusable_input_exits_2_with_one_line(tmp_path):
    pytest.importorskip("rating.load.catalog")
    result = CliRunner().invoke(
        cli, ["check", str(tmp_path / "missing.dhall"), "--format", "github"]
    )
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "missing.dhall" in result.stderr
    assert result.stdout.startswith("::error file=") and "title=unusable-input::" in result.stdout


REPO = Path(__file__).resolve().parent.parent


def test_ratecard_script_annotates_for_github():
    """End to end through the installed console script, as a CI job runs it."""
    script = Path(sys.executable).with_name("ratecard")
    if not script.exists():
        pytest.skip("ratecard console script not installed next to this interpreter")
    pytest.importorskip("rating.load.catalog")
    catalog_file = "examples/broken-catalogs/unknown-currency/catalog.dhall"
    run = subprocess.run(
        [str(script), "check", catalog_file, "--format", "github", *SHARED],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert run.stdout.startswith("::error file=examples/broken-catalogs/")
    assert "title=unknown-currency::" in run.stdout


def test_example_catalog_checks_clean():
    catalog_file = REPO / "examples" / "catalogs" / "private-cloud" / "catalog.dhall"
    if not catalog_file.is_file():
        pytest.skip("the example catalog is not there yet")
    result = CliRunner().invoke(cli, ["check", str(catalog_file)])
    assert result.exit_code == 0, result.output + result.stderr
