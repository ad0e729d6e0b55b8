"""Quotas, budgets and throttling (issue #18): catalog language, check, quota status,
admission and budget status, with answers computed by hand.

The catalog is tests/data/controls: tenant "acme" with cells "web" and "batch",
servers at 0.01 EUR per vCPU hour. FLEET at 2026-10-15T00:00Z holds vm-1 and
vm-2 (web: 8 vCPU, 16 GiB, ACTIVE) and vm-3 (batch: 8 vCPU, 8 GiB, SHUTOFF);
vm-4 was deleted on 10-04 and vm-5 comes later (11-01).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import rating
from rating.check import check_catalog
from rating.control.admission import BudgetView, decide
from rating.control.budget import BudgetUse
from rating.control.model import (
    Action,
    Budget,
    Controls,
    Measure,
    MeasureKind,
    Quota,
    Subject,
    Thresholds,
    ThrottleRule,
    Trigger,
)
from rating.control.quota import QuotaUse
from rating.control.request import Request
from rating.errors import RatecardError
from rating.library import catalog_dir
from rating.load.catalog import load_catalog
from rating.model import Catalog, Usage, UsageKind

CATALOG = Path(__file__).parent / "data" / "controls"
SERVER = "openstack.nova.server"
AT = "2026-10-15T00:00:00Z"


def _server(time: str, rid: str, cell: str, event: str = "create", **traits) -> dict:
    return {
        "time": time,
        "event": event,
        "resource": {"id": rid, "type": SERVER},
        "scope": {"platformType": "OpenStack", "tenant": "acme", "cell": cell},
        "traits": {"state": "ACTIVE", **traits},
    }


FLEET = [
    _server("2026-10-01T00:00:00Z", "vm-1", "web", vcpu=8, ramMb=16384),
    _server("2026-10-01T00:00:00Z", "vm-2", "web", vcpu=8, ramMb=16384),
    _server("2026-10-02T00:00:00Z", "vm-3", "batch", vcpu=8, ramMb=8192, state="SHUTOFF"),
    _server("2026-10-03T00:00:00Z", "vm-4", "batch", vcpu=4, ramMb=4096),
    _server("2026-10-04T00:00:00Z", "vm-4", "batch", event="delete", vcpu=4, ramMb=4096),
    _server("2026-11-01T00:00:00Z", "vm-5", "web", vcpu=2),
]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in FLEET))
    return path


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RATECARD_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        return load_catalog(CATALOG)


def run(*args: str) -> subprocess.CompletedProcess:
    """The installed ``ratecard``, end to end: exit code, stdout and stderr as users see them."""
    ratecard = Path(sys.executable).with_name("ratecard")
    return subprocess.run([str(ratecard), *args], capture_output=True, text=True, check=False)


# ---------------------------------------------------------------- catalog language


def test_catalog_declares_quotas_budgets_and_rules(catalog: Catalog) -> None:
    controls = catalog.controls
    assert [q.id for q in controls.quotas] == [
        "acme-vcpu",
        "acme-ram",
        "acme-active-servers",
        "web-vcpu",
    ]
    ram = controls.quota("acme-ram")
    assert ram.measure == Measure(MeasureKind.SUM, "GiBy", "ramMb")
    assert ram.thresholds == Thresholds(Decimal(80), Decimal(95))  # the defaults
    assert controls.quota("web-vcpu").cell == "web"
    assert controls.quota("acme-active-servers").measure.kind is MeasureKind.COUNT
    assert controls.budget("acme-compute").amount == Decimal(210)
    rule = controls.throttling[0]
    assert (rule.when.subject, rule.when.id, rule.when.at_least) == ("Budget", "acme-compute", 100)
    assert [(a.action, a.resource_type) for a in rule.deny] == [("create", SERVER)]
    assert check_catalog(catalog) == []


def _write_catalog(tmp_path: Path, quotas: str) -> Path:
    path = tmp_path / "catalog.dhall"
    path.write_text(
        f"let C = {catalog_dir() / 'package.dhall'}\n"
        f'in C.Catalog::{{ name = "q", quotas = [ {quotas} ] }}\n'
    )
    return path


def test_a_loader_error_names_file_quota_and_field(tmp_path: Path) -> None:
    path = _write_catalog(
        tmp_path,
        'C.Quota::{ id = "neg", tenant = "t", resourceType = "x", limit = -1.0 }',
    )
    with pytest.raises(RatecardError) as error:
        load_catalog(path)
    assert str(error.value) == f"{path}: quota 'neg': field limit: must not be negative, got -1.0"


def test_a_sum_measure_without_trait_is_refused(tmp_path: Path) -> None:
    quota = (
        'C.Quota::{ id = "s", tenant = "t", resourceType = "x", limit = 1.0, '
        'measure = { kind = C.Quota.MeasureKind.Sum, trait = None Text, unit = "1" } }'
    )
    with pytest.raises(RatecardError, match=r"quota 's': measure: field trait: a Sum measure"):
        load_catalog(_write_catalog(tmp_path, quota))


def _codes(catalog: Catalog, **controls) -> list[tuple[str, str | None]]:
    changed = dataclasses.replace(catalog.controls, **{k: tuple(v) for k, v in controls.items()})
    findings = check_catalog(dataclasses.replace(catalog, controls=changed))
    return [(f.code, f.subject) for f in findings if f.severity == "error"]


def test_check_finds_cell_quota_above_tenant_and_bad_units(catalog: Catalog) -> None:
    quotas = list(catalog.controls.quotas)
    web = catalog.controls.quota("web-vcpu")
    ram = catalog.controls.quota("acme-ram")
    too_big = dataclasses.replace(web, id="web-too-big", limit=Decimal(31))  # tenant: 30
    # 40 000 MiBy = 39.06 GiBy: within the tenant's 64 GiBy, though the number is larger
    ram_cell = dataclasses.replace(
        ram, id="web-ram", cell="web", measure=Measure(MeasureKind.SUM, "MiBy", "ramMb"),
        limit=Decimal(40000),
    )  # fmt: skip
    seconds = dataclasses.replace(
        ram, id="ram-in-s", measure=Measure(MeasureKind.SUM, "s", "ramMb")
    )
    unordered = dataclasses.replace(
        web, id="unordered", cell="batch", thresholds=Thresholds(Decimal(90), Decimal(80))
    )
    errors = _codes(catalog, quotas=[*quotas, too_big, ram_cell, seconds, unordered, web])
    assert sorted(errors) == [
        ("cell-quota-above-tenant", "web-too-big"),
        ("duplicate-id", "web-vcpu"),  # both copies, one finding (same place and message)
        ("incommensurable-quota", "ram-in-s"),
        ("unordered-thresholds", "unordered"),
    ]


def test_check_finds_unknown_currency_and_trigger(catalog: Catalog) -> None:
    budget = dataclasses.replace(catalog.controls.budgets[0], currency="XXZ")
    rule = dataclasses.replace(
        catalog.controls.throttling[1],
        when=dataclasses.replace(catalog.controls.throttling[1].when, id="nope"),
    )
    errors = _codes(catalog, budgets=[budget], throttling=[rule])
    assert sorted(errors) == [
        ("unknown-currency", "acme-compute"),
        ("unknown-trigger", "web-ram-full"),
    ]


# ---------------------------------------------------------------- quota status


def test_quota_status_known_answers(fleet: Path) -> None:
    result = run("quota", "status", str(CATALOG), str(fleet), "--at", AT, "--format", "json")
    assert result.returncode == 0, result.stderr
    quotas = {q["id"]: q for q in json.loads(result.stdout)["quotas"]}
    # 3 servers × 8 vCPU = 24 of 30 = 80 % → yellow (warning 80)
    assert (quotas["acme-vcpu"]["used"], quotas["acme-vcpu"]["percent"]) == ("24", "80")
    assert quotas["acme-vcpu"]["level"] == "yellow"
    # (16384 + 16384 + 8192) MiBy / 1024 = 40 GiBy of 64 = 62.5 % → green
    assert (quotas["acme-ram"]["used"], quotas["acme-ram"]["percent"]) == ("40", "62.5")
    assert quotas["acme-ram"]["level"] == "green"
    # ACTIVE servers: vm-1, vm-2 (vm-3 is SHUTOFF) = 2 of 4 = 50 %, warning 50 → yellow
    assert (quotas["acme-active-servers"]["used"], quotas["acme-active-servers"]["level"]) == (
        "2",
        "yellow",
    )
    # cell web: vm-1 + vm-2 = 16 of 16 = 100 % → red
    assert (quotas["web-vcpu"]["used"], quotas["web-vcpu"]["level"]) == ("16", "red")
    assert quotas["web-vcpu"]["resources"] == 2
    assert (
        "samples read 6, current 3, deleted 1, ended 0, superseded 1, after 1, rejected 0, "
        "duplicates 0" in result.stderr
    )


def test_quota_status_earlier_and_fail_on(fleet: Path) -> None:
    # At 10-03T12:00 vm-4 (4 vCPU) still runs: 8 + 8 + 8 + 4 = 28 of 30 = 93.33 % → yellow
    result = run(
        "quota", "status", str(CATALOG), str(fleet), "--at", "2026-10-03T12:00:00Z",
        "--format", "json", "--tenant", "acme", "--fail-on", "red",
    )  # fmt: skip
    quotas = {q["id"]: q for q in json.loads(result.stdout)["quotas"]}
    assert quotas["acme-vcpu"]["percent"] == "93.33"
    assert result.returncode == 1  # web-vcpu is red
    # ACTIVE: vm-1, vm-2, vm-4 = 3 of 4 = 75 % = critical → red, as is web (16 of 16)
    assert (
        "--fail-on red: 2 quota(s) at red or above: acme-active-servers (red), web-vcpu (red)"
        in result.stderr
    )
    table = run("quota", "status", str(CATALOG), str(fleet), "--at", AT)
    assert table.returncode == 0
    assert "acme-vcpu" in table.stdout and "yellow" in table.stdout


def test_a_plain_sample_holds_for_its_interval(tmp_path: Path) -> None:
    # vm-a sampled at 23:30 still runs at midnight (1 h interval); vm-b's sample at 22:00
    # ended at 23:00: 8 of 30 vCPU. With --interval 3h both run: 16.
    fleet = tmp_path / "sampled.jsonl"
    records = [
        {**_server("2026-10-14T23:30:00Z", "vm-a", "batch", vcpu=8), "event": None},
        {**_server("2026-10-14T22:00:00Z", "vm-b", "batch", vcpu=8), "event": None},
    ]
    fleet.write_text("".join(json.dumps({k: v for k, v in r.items() if v}) + "\n" for r in records))

    def used(*options: str) -> str:
        result = run("quota", "status", str(CATALOG), str(fleet), "--at", AT, "--format", "json",
                     *options)  # fmt: skip
        return {q["id"]: q["used"] for q in json.loads(result.stdout)["quotas"]}["acme-vcpu"]

    assert used() == "8"
    assert used("--interval", "3h") == "16"


def test_a_created_resource_holds_past_its_samples_interval(tmp_path: Path) -> None:
    # vm-c, created at 20:00 and sampled at 22:00, exists until an event ends it: at
    # midnight it still holds 8 vCPU (the engines bill it to then too); vm-d, sampled
    # after its delete, holds nothing once that sample's hour is over.
    fleet = tmp_path / "created.jsonl"
    records = [
        _server("2026-10-14T20:00:00Z", "vm-c", "batch", vcpu=8),
        {**_server("2026-10-14T22:00:00Z", "vm-c", "batch", vcpu=8), "event": None},
        _server("2026-10-14T20:00:00Z", "vm-d", "batch", vcpu=4),
        _server("2026-10-14T21:00:00Z", "vm-d", "batch", event="delete", vcpu=4),
        {**_server("2026-10-14T22:00:00Z", "vm-d", "batch", vcpu=4), "event": None},
    ]
    fleet.write_text("".join(json.dumps({k: v for k, v in r.items() if v}) + "\n" for r in records))
    result = run("quota", "status", str(CATALOG), str(fleet), "--at", AT, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert {q["id"]: q["used"] for q in json.loads(result.stdout)["quotas"]}["acme-vcpu"] == "8"
    assert "current 1, deleted 0, ended 1, superseded 3" in result.stderr


def test_quota_status_bad_instant(fleet: Path) -> None:
    result = run("quota", "status", str(CATALOG), str(fleet), "--at", "yesterday")
    assert result.returncode == 2
    assert "--at 'yesterday': expected RFC 3339" in result.stderr


# ---------------------------------------------------------------- admission


def _admit(fleet: Path, tmp_path: Path, request: object, at: str = AT):
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request))
    return run("admit", str(CATALOG), str(fleet), "--request", str(path), "--at", at)


def _request(cell: str, vcpu: int, **fields) -> dict:
    traits = {"vcpu": vcpu, "ramMb": 1024, "state": "ACTIVE"}
    return {"tenant": "acme", "cell": cell, "resourceType": SERVER, "traits": traits, **fields}


def test_admit_allows_exactly_what_fits(fleet: Path, tmp_path: Path) -> None:
    # 24 used + 6 = 30 = the limit: allowed; budget: forecast 177.6 (see the budget tests)
    # + 6 vCPU × 408 h × 0.01 = 24.48 → 202.08 ≤ 210
    result = _admit(fleet, tmp_path, _request("batch", 6))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["decision"] == "allow"
    # 24 + 7 = 31 > 30: denied by 1 vCPU; 2 ACTIVE + 1 = 3 ≤ 4 passes
    result = _admit(fleet, tmp_path, _request("batch", 7))
    assert result.returncode == 1
    decision = json.loads(result.stdout)
    assert decision["decision"] == "deny"
    assert [(d["id"], d["after"], d["excess"]) for d in decision["denials"]] == [
        ("acme-vcpu", "31", "1")
    ]


def test_admit_counts_the_cell_quota_and_count(fleet: Path, tmp_path: Path) -> None:
    # cell web holds 16 of 16: one more vCPU there exceeds the cell quota by 1, not the tenant's
    result = _admit(fleet, tmp_path, _request("web", 1))
    denials = json.loads(result.stdout)["denials"]
    assert result.returncode == 1
    assert [(d["id"], d["excess"]) for d in denials] == [("web-vcpu", "1")]
    assert "quota web-vcpu (tenant acme, cell web) exceeded by 1 {vCPU}" in denials[0]["message"]
    # 3 × 2 vCPU in batch: 24 + 6 = 30 fits; ACTIVE servers 2 + 3 = 5 > 4 → exceeded by 1
    result = _admit(fleet, tmp_path, _request("batch", 2, count=3))
    denials = json.loads(result.stdout)["denials"]
    assert [(d["id"], d["excess"]) for d in denials] == [("acme-active-servers", "1")]


def test_admit_throttled_by_a_budget(tmp_path: Path) -> None:
    # 16 servers × 8 vCPU from 10-01 = 128 vCPU × 0.01 EUR × 24 h × 7 days = 215.04 EUR by
    # 10-08 ≥ 100 % of the 210 EUR budget: the rule denies create (beside the vCPU quota).
    fleet = tmp_path / "big.jsonl"
    fleet.write_text(
        "".join(
            json.dumps(_server("2026-10-01T00:00:00Z", f"vm-{n}", "x", vcpu=8)) + "\n"
            for n in range(16)
        )
    )
    result = _admit(fleet, tmp_path, _request("y", 1), at="2026-10-08T00:00:00Z")
    denials = {d["id"]: d for d in json.loads(result.stdout)["denials"]}
    assert result.returncode == 1
    assert denials["no-servers-when-broke"]["kind"] == "throttling"
    # forecast: 215.04 + 1.28 EUR/h × 576 h left (10-08 → 11-01) = 952.32; the request's
    # 1 vCPU × 576 h × 0.01 = 5.76 → 958.08 > 210 by 748.08
    budget = denials["acme-compute"]
    assert (budget["kind"], budget["after"], budget["excess"]) == ("budget", "958.08", "748.08")


@pytest.mark.parametrize(
    ("request_body", "message"),
    [
        ([1], "a request is a JSON object, got list"),
        ({"cell": "web", "resourceType": SERVER}, "field tenant: missing"),
        ({"tenant": "acme", "resourceType": "nope"}, "field resourceType: unknown resource type"),
        (_request("web", 1, count=0), "field count: expected a whole number"),
        (_request("web", 1, colour="red"), "field colour: unknown field"),
        ({"tenant": "acme", "resourceType": SERVER, "traits": {"vcpu": 1}}, "field traits.state"),
    ],
)
def test_admit_bad_request_is_one_line_exit_2(
    fleet: Path, tmp_path: Path, request_body: object, message: str
) -> None:
    result = _admit(fleet, tmp_path, request_body)
    assert result.returncode == 2
    assert f"request.json: {message}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_admit_refuses_a_tenant_nobody_knows(fleet: Path, tmp_path: Path) -> None:
    # Known only once the fleet is read (a tenant may hold resources without quotas), so
    # the state's reconciliation line comes first; the error is the one line after it.
    result = _admit(fleet, tmp_path, {**_request("web", 1), "tenant": "acme-typo"})
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1].endswith(
        "request.json: field tenant: unknown tenant 'acme-typo' "
        "(no quota, budget or throttling rule names it and it holds nothing)"
    )


def test_admit_malformed_json(fleet: Path, tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_text("{not json")
    result = run("admit", str(CATALOG), str(fleet), "--request", str(path), "--at", AT)
    assert result.returncode == 2 and "request.json: not JSON" in result.stderr


_QUOTA = Quota(
    id="q",
    tenant="t",
    cell=None,
    resource_type="r",
    filter=(),
    measure=Measure(MeasureKind.COUNT, "1"),
    limit=Decimal(10),
    thresholds=Thresholds(),
)


@given(used=st.integers(0, 20), count=st.integers(1, 20))
def test_admission_allows_iff_it_fits(used: int, count: int) -> None:
    use = QuotaUse(_QUOTA, Fraction(used), used)
    decision = decide(
        Controls(quotas=(_QUOTA,)), [use], {"q": Fraction(1)}, Request("t", "r", count=count)
    )
    assert decision.allowed == (used + count <= 10)
    if not decision.allowed:
        assert decision.denials[0].excess == used + count - 10


def test_a_rule_on_a_quota_denies_its_actions_from_its_trigger() -> None:
    rule = ThrottleRule(
        id="r",
        tenant="t",
        cell=None,
        when=Trigger(Subject.QUOTA, "q", Decimal(80)),
        deny=(Action("upload", "r"),),
    )
    controls = Controls(quotas=(_QUOTA,), throttling=(rule,))
    upload = Request("t", "r", action="upload")
    # 8 of 10 = 80 % ≥ 80: denied; an upload adds no resource, so the quota itself passes
    denied = decide(controls, [QuotaUse(_QUOTA, Fraction(8), 8)], {"q": Fraction(1)}, upload)
    assert [(d.kind, d.id) for d in denied.denials] == [("throttling", "r")]
    # 7 of 10 = 70 %: allowed; and a create is not an action the rule denies
    allowed = decide(controls, [QuotaUse(_QUOTA, Fraction(7), 7)], {"q": Fraction(1)}, upload)
    assert allowed.allowed
    create = Request("t", "r")
    assert decide(controls, [QuotaUse(_QUOTA, Fraction(8), 8)], {"q": Fraction(1)}, create).allowed


def test_a_request_is_allowed_up_to_the_budget_exactly() -> None:
    budget = Budget("b", "t", None, None, None, Decimal(100), "EUR", Thresholds())
    use = BudgetUse(budget, spent=Decimal(50), forecast=Decimal(90), after_discounts=True)
    request = Request("t", "r")
    # forecast 90 + request 10 = 100 = the budget: allowed; + 10.01 → over by 0.01
    fits = decide(
        Controls(budgets=(budget,)), [], {}, request, BudgetView([use], {"b": Decimal(10)})
    )
    assert fits.allowed
    over = BudgetView([use], {"b": Decimal("10.01")})
    (denial,) = decide(Controls(budgets=(budget,)), [], {}, request, over).denials
    assert (denial.kind, denial.after, denial.excess) == (
        "budget",
        Decimal("100.01"),
        Decimal("0.01"),
    )


# ---------------------------------------------------------------- budget status


def test_budget_status_known_answers(fleet: Path) -> None:
    result = run(
        "budget", "status", str(CATALOG), str(fleet), "--period", "2026-10", "--as-of", AT,
        "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (budget,) = json.loads(result.stdout)["budgets"]
    # vm-1, vm-2: 8 vCPU × 336 h (10-01 → 10-15) × 0.01 = 26.88 each; vm-3: 8 × 312 h × 0.01
    # = 24.96; vm-4: 4 × 24 h × 0.01 = 0.96 → 79.68 EUR of 210 → 37.94 %, green
    assert (budget["spent"], budget["percent"], budget["level"]) == ("79.68", "37.94", "green")
    # 24 vCPU still run: 0.24 EUR/h × 408 h left (10-15 → 11-01) = 97.92 → 177.6 = 84.57 %
    assert (budget["forecast"], budget["forecastPercent"]) == ("177.6", "84.57")
    assert budget["forecastLevel"] == "yellow"
    assert budget["afterDiscounts"] is True
    assert "period 2026-10 to 2026-10-15T00:00:00Z: samples read 6, rated 5" in result.stderr


def test_a_cell_budget_counts_its_line_items(catalog: Catalog, fleet: Path) -> None:
    tenant_budget = catalog.controls.budgets[0]
    web = dataclasses.replace(tenant_budget, id="web", cell="web", amount=Decimal(100))
    assert _codes(catalog, budgets=[tenant_budget, web]) == []
    too_big = dataclasses.replace(web, id="too-big", amount=Decimal(211))  # tenant: 210
    assert _codes(catalog, budgets=[tenant_budget, too_big]) == [
        ("cell-budget-above-tenant", "too-big")
    ]
    model = dataclasses.replace(catalog, controls=Controls(budgets=(web,)))
    opened = rating.Ratecard(CATALOG, model)
    at = datetime(2026, 10, 15, tzinfo=UTC)
    _, (use,) = opened.budget_status(str(fleet), period="2026-10", as_of=at)
    # web: vm-1 + vm-2 = 2 × 26.88 = 53.76 (line items, before discounts); they run on at
    # 0.16 EUR/h × 408 h = 65.28 → forecast 119.04 of 100 → red
    assert (use.spent, use.forecast, use.after_discounts) == (
        Decimal("53.76"),
        Decimal("119.04"),
        False,
    )
    assert (use.level, use.forecast_level) == ("green", "red")


@pytest.mark.parametrize(
    ("prorate", "spent", "forecast"),
    [
        # 79.68 (vCPU hours, as above) + 4 × 31 (each server's fee, in full when it
        # appeared) = 203.68; only the vCPU hours run on: + 97.92 = 301.6
        (False, "203.68", "301.6"),
        # the fee by days present: vm-1, vm-2 14 of 31 days, vm-3 13, vm-4 1 → 42 EUR;
        # 121.68. vm-1..3 are there 17 days more (10-15 → 11-01): + 51 + 97.92 = 270.6
        (True, "121.68", "270.6"),
    ],
)
def test_a_monthly_fee_is_forecast_as_charged(
    catalog: Catalog, fleet: Path, prorate: bool, spent: str, forecast: str
) -> None:
    base = catalog.parts[0].products[0]
    fee = dataclasses.replace(
        base,
        id="server-fee",
        filter=(),
        usage=Usage(UsageKind.RECURRING, "mo", None, prorate),
        price=dataclasses.replace(base.price, unit_price=Decimal(31)),
    )
    part = dataclasses.replace(catalog.parts[0], products=(*catalog.parts[0].products, fee))
    model = dataclasses.replace(catalog, parts=(part, *catalog.parts[1:]))
    at = datetime(2026, 10, 15, tzinfo=UTC)
    _, (use,) = rating.Ratecard(CATALOG, model).budget_status(
        str(fleet), period="2026-10", as_of=at
    )
    assert (use.spent, use.forecast) == (Decimal(spent), Decimal(forecast))


def test_budget_status_fail_on_and_month_only(fleet: Path) -> None:
    # by 10-31T00:00 vm-1..3 add 16 days more: 79.68 + 24 × 0.01 × 384 = 171.84 of 210
    # = 81.83 % → yellow
    result = run(
        "budget", "status", str(CATALOG), str(fleet), "--period", "2026-10",
        "--as-of", "2026-10-31T00:00:00Z", "--fail-on", "yellow",
    )  # fmt: skip
    assert result.returncode == 1
    assert "171.84" in result.stdout
    assert "acme-compute (yellow)" in result.stderr
    result = run("budget", "status", str(CATALOG), str(fleet), "--period", "2026-10-01/2026-10-10")
    assert result.returncode == 2 and "budgets are per calendar month" in result.stderr
