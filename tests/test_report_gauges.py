"""Quota and budget gauges on the HTML site (issue #21): the numbers of ``quota status``
and ``budget status``, per tenant, with the level as text as well as colour."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browser import find_chromium, run_headless
from test_controls import CATALOG, FLEET
from test_report_html import Page, numbers, texts

import rating

ROOT = Path(__file__).resolve().parents[1]
AT = datetime(2026, 10, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATECARD_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in FLEET))
    return path


def _site(fleet: Path, out: Path, as_of: datetime | None) -> tuple[rating.Ratecard, Page, Page]:
    card = rating.open_catalog(CATALOG)
    rated = card.rate(str(fleet), period="2026-10", as_of=as_of)
    reports = rated.reports().with_controls(card.site_controls(str(fleet), rated))
    reports.write(out, "html")
    tenant = Page((out / "acme.html").read_text(encoding="utf-8"))
    index = Page((out / "index.html").read_text(encoding="utf-8"))
    return card, tenant, index


def test_interim_gauges_show_quota_and_budget_status(fleet: Path, tmp_path: Path) -> None:
    card, page, index = _site(fleet, tmp_path / "site", AT)
    held = card.holdings(str(fleet), at=AT)
    expected = {q["id"]: q for q in (use.as_json() for use in card.quota_status(held))}
    rows = {row.cells[0].text: row for row in page.rows("quotas")}
    assert rows.keys() == expected.keys()
    for quota_id, quota in expected.items():
        row = rows[quota_id]
        percent = [quota["percent"]] if quota["percent"] is not None else []
        assert numbers(row) == [quota["used"], quota["limit"], *percent, str(quota["resources"])]
        assert texts(row)[8] == quota["level"]
    # 3 servers × 8 vCPU = 24 of 30 = 80 % → yellow; cell web 16 of 16 → red
    assert numbers(rows["acme-vcpu"])[:3] == ["24", "30", "80"]
    assert texts(rows["acme-vcpu"])[8] == "yellow"
    assert texts(rows["web-vcpu"])[1] == "web" and texts(rows["web-vcpu"])[8] == "red"
    meters = {a.get("aria-label"): a for tag, a in page.elements if tag == "meter"}
    vcpu = meters["acme-vcpu: 24 of 30 {vCPU}, 80 %, yellow"]
    assert (vcpu["value"], vcpu["max"]) == ("24", "30")

    _, (budget,) = card.budget_status(str(fleet), period="2026-10", as_of=AT)
    shown = budget.as_json()
    (row,) = page.rows("budgets")
    assert numbers(row) == [
        shown["spent"],
        shown["amount"],
        shown["percent"],
        shown["forecast"],
        shown["forecastPercent"],
    ]
    assert numbers(row) == ["79.68", "210", "37.94", "177.6", "84.57"]
    assert [texts(row)[9], texts(row)[12]] == ["green", "yellow"]

    (worst,) = index.rows("control-levels")
    assert texts(worst)[:3] == ["acme", "red", "web-vcpu"]


def test_a_final_run_shows_the_month_without_forecast(fleet: Path, tmp_path: Path) -> None:
    card, page, _ = _site(fleet, tmp_path / "site", None)
    (row,) = page.rows("budgets")
    # the whole of October: vm-5 (created 11-01) is not yet held
    rows = {r.cells[0].text: r for r in page.rows("quotas")}
    assert numbers(rows["acme-vcpu"])[:3] == ["24", "30", "80"]
    assert "Forecast" not in " ".join(texts(page.tables["budgets"][0]))
    rated = card.rate(str(fleet), period="2026-10")
    spent = rated.reports().tenants["acme"].totals[0].exact_amount
    assert numbers(row)[0] == str(spent.normalize() + 0)


def test_a_catalog_without_controls_has_no_section(tmp_path: Path) -> None:
    card = rating.open_catalog(ROOT / "examples" / "catalogs" / "private-cloud")
    samples = str(ROOT / "examples" / "samples" / "fleet-2026-10.jsonl")
    rated = card.rate(samples, period="2026-10")
    controls = card.site_controls(samples, rated)
    assert controls is None
    out = tmp_path / "site"
    rated.reports().with_controls(controls).write(out, "html")
    for page in out.glob("*.html"):
        source = page.read_text(encoding="utf-8")
        assert "Quotas and budgets" not in source and "<meter" not in source


def test_the_command_draws_gauges(fleet: Path, tmp_path: Path) -> None:
    from test_controls import run

    out = tmp_path / "site"
    result = run(
        "report", str(CATALOG), str(fleet), "--period", "2026-10", "--as-of",
        "2026-10-15T00:00:00Z", "--format", "html", "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    page = Page((out / "acme.html").read_text(encoding="utf-8"))
    assert numbers(page.rows("budgets")[0])[:2] == ["79.68", "210"]


def test_the_exported_site_draws_the_same_gauges(fleet: Path, tmp_path: Path) -> None:
    """``export --format html`` publishes the site ``report --format html`` writes, gauges too."""
    from test_controls import run

    def site(command: str, option: str, out: Path) -> None:
        month = ["--period", "2026-10", "--format", "html", option, str(out)]
        result = run(command, str(CATALOG), str(fleet), *month)
        assert result.returncode == 0, result.stderr

    site("export", "--to", tmp_path / "export")
    (page,) = (tmp_path / "export" / "period=2026-10" / "html" / "runs").glob("*/acme.html")
    # the whole month (no --as-of) at 0.01 EUR per vCPU hour: vm-1, vm-2 8 × 744 h each,
    # vm-3 8 × 720 h, vm-4 4 × 24 h = 59.52 + 59.52 + 57.60 + 0.96 = 177.60 of 210
    (budget,) = Page(page.read_text(encoding="utf-8")).rows("budgets")
    assert numbers(budget)[:2] == ["177.6", "210"]
    site("report", "--out", tmp_path / "report")
    assert page.read_bytes() == (tmp_path / "report" / "acme.html").read_bytes()


def test_samples_from_stdin_give_a_site_without_gauges_and_say_so(
    fleet: Path, tmp_path: Path
) -> None:
    ratecard = Path(sys.executable).with_name("ratecard")
    out = tmp_path / "site"
    command = [str(ratecard), "report", str(CATALOG), "-", "--period", "2026-10"]
    result = subprocess.run(
        [*command, "--format", "html", "--out", str(out)],
        input=fleet.read_text(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "no quota or budget gauges in the site: samples from stdin" in result.stderr
    assert "<meter" not in (out / "acme.html").read_text(encoding="utf-8")


def test_chromium_shows_the_meters_without_errors(fleet: Path, tmp_path: Path) -> None:
    browser = find_chromium()
    if browser is None:
        pytest.skip("the browser test needs Chromium: apt-get install chromium (see .ci/run)")
    _site(fleet, tmp_path / "site", AT)
    page = tmp_path / "site" / "acme.html"
    done = run_headless(
        browser, tmp_path / "profile", "--enable-logging=stderr", "--dump-dom", page.as_uri()
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'class="gauge yellow"' in done.stdout and "data-enhanced" in done.stdout
    for problem in ("Content Security Policy", "Uncaught", "ERR_", "Refused"):
        assert problem not in done.stderr, done.stderr[-2000:]
