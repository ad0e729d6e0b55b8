"""``report --as-of T``: the interim invoice, the period rated up to T (issue #18).

tests/data/controls prices servers at 0.01 EUR per vCPU hour. vm-1 (8 vCPU)
runs all October: 744 h × 0.08 = 59.52 EUR; up to 10-16T12:00 it has run
372 h, half the month: 29.76 EUR. Its update on 10-20 is after T.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from ratefixtures import make_catalog, make_product, samples_table

import rating
from rating.model import UsageKind
from rating.period import Period
from rating.rate import engine, reference

CATALOG = Path(__file__).parent / "data" / "controls"
T = "2026-10-16T12:00:00Z"


def _sample(time: str, event: str) -> dict:
    return {
        "time": time,
        "event": event,
        "resource": {"id": "vm-1", "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack", "tenant": "acme"},
        "traits": {"state": "ACTIVE", "vcpu": 8, "ramMb": 16384},
    }


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def month(tmp_path: Path) -> Path:
    path = tmp_path / "month.jsonl"
    records = [_sample("2026-10-01T00:00:00Z", "create"), _sample("2026-10-20T00:00:00Z", "update")]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def report(month: Path, *options: str) -> subprocess.CompletedProcess:
    ratecard = Path(sys.executable).with_name("ratecard")
    command = [str(ratecard), "report", str(CATALOG), str(month), "--period", "2026-10", *options]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_half_the_month_is_half_the_invoice(month: Path) -> None:
    result = report(month, "--as-of", T, "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["totals"][0]["amount"] == "29.76"  # 8 × 372 h × 0.01
    assert (document["interim"], document["asOf"]) == (True, T)
    assert document["period"] == {"label": "2026-10", "start": "2026-10-01T00:00:00Z", "end": T}
    # read 2 = rated 1 + outside the period 1 (the update after T)
    assert (
        f"period 2026-10 to {T}: samples read 2, rated 1, unmatched 0, rejected 0, "
        "duplicates 0, outside period 1" in result.stderr
    )
    final = json.loads(report(month, "--format", "json").stdout)
    assert final["totals"][0]["amount"] == "59.52"  # 8 × 744 h × 0.01: twice the interim
    assert "interim" not in final and "asOf" not in final


def test_every_format_says_interim(month: Path, tmp_path: Path) -> None:
    table = report(month, "--as-of", T).stdout
    assert f"INTERIM invoice as of {T}: period 2026-10 is not over" in table.splitlines()[2]
    header, first = report(month, "--as-of", T, "--format", "csv").stdout.splitlines()[:2]
    assert header.startswith("report_version,tenant,period,as_of,level,")
    assert first.split(",")[2:4] == ["2026-10", T]
    assert "as_of" not in report(month, "--format", "csv").stdout.splitlines()[0]
    site = tmp_path / "site"
    assert report(month, "--as-of", T, "--format", "html", "--out", str(site)).returncode == 0
    assert f'<dt>Interim</dt><dd>as of <time datetime="{T}">' in (site / "acme.html").read_text()


def test_as_of_bounds(month: Path) -> None:
    early = report(month, "--as-of", "2026-10-01T00:00:00Z")
    assert early.returncode == 2
    assert early.stderr == (
        "ratecard: error: --as-of 2026-10-01T00:00:00Z: not after the start of period 2026-10 "
        "(2026-10-01T00:00:00Z)\n"
    )
    bad = report(month, "--as-of", "mid-month")
    assert bad.returncode == 2 and "--as-of 'mid-month': expected RFC 3339" in bad.stderr
    late = report(month, "--as-of", "2026-11-05T00:00:00Z", "--format", "json")
    assert "interim" not in json.loads(late.stdout)  # from the period's end on: final


def test_the_api_rates_up_to_as_of(month: Path) -> None:
    opened = rating.open_catalog(CATALOG)
    at = datetime(2026, 10, 16, 12, tzinfo=UTC)
    rated = opened.rate(str(month), period="2026-10", as_of=at)
    assert (rated.as_of, rated.period.end, rated.period.label) == (at, at, "2026-10")
    (tenant,) = rated.reports()
    assert (tenant.as_of, str(tenant.totals[0].amount)) == (at, "29.76")


def test_the_api_refuses_a_naive_as_of(month: Path) -> None:
    """A datetime without a zone names no instant: one clear error, not a TypeError."""
    opened = rating.open_catalog(CATALOG)
    with pytest.raises(rating.RatecardError, match=r"^--as-of 2026-10-16T12:00:00: no time zone"):
        opened.rate(str(month), period="2026-10", as_of=datetime(2026, 10, 16, 12))


@pytest.mark.parametrize("rater", ["engine", "reference"])
def test_an_interim_invoice_prorates_over_the_whole_month(rater: str) -> None:
    """A prorated 31 EUR monthly fee, the resource there from day 1: as of 10-11 it has
    been there 10 of October's 31 days, 10 EUR so far (it billed all 31 EUR before)."""
    catalog = make_catalog(
        [make_product("fee", kind=UsageKind.RECURRING, unit="mo", prorate=True, unit_price="31")]
    )
    traits = {"vcpu": 2, "ramMb": 2048, "state": "ACTIVE"}
    rows = [{"time": "2026-10-01T00:00:00Z", "event": "create", "traits": traits}]
    interim = Period.parse("2026-10").up_to(datetime(2026, 10, 11, tzinfo=UTC))
    rate = {"engine": engine.rate, "reference": reference.rate}[rater]
    (line,) = rate(catalog, samples_table(rows).to_batches(), interim).line_items.to_pylist()
    assert line["quantity"] == Decimal("0.322580645161")  # 10/31
    assert line["amount"] == Decimal(10)
