"""The HTML showback site (issue #21): same numbers as the JSON, safe, self-contained.

The example fleet is rated once; its reports are written as JSON and as HTML
from the same run, and every table of every page is compared with the JSON
documents. Hostile names must come out as text, the site must name no
external URL, and a real headless Chromium (skipped with the reason where it
is missing; a failure under ``RATECARD_REQUIRE_ALL=1``) must run the page's
script under its Content-Security-Policy, sort a table and print a PDF.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pyarrow as pa
import pytest
from browser import find_chromium, run_headless

import rating
from rating.errors import RatecardError
from rating.report.chart import axis_ticks, split_by_day
from rating.report.model import TenantReport
from rating.report.output import render_stream, write_directory
from rating.report.render_json import render_json

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT / "examples" / "catalogs" / "private-cloud"
FLEET = ROOT / "examples" / "samples" / "fleet-2026-10.jsonl"
HOSTILE = ("<script>alert(1)</script>", "\"'><img src=x onerror=alert(2)>")


# ---------------------------------------------------------------- parsing


@dataclasses.dataclass
class Cell:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclasses.dataclass
class Row:
    section: str  # thead, tbody, tfoot
    classes: str
    cells: list[Cell] = dataclasses.field(default_factory=list)


class Page(HTMLParser):
    """Tables by id (rows of cells), every element's attributes, and the script count."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[Row]] = {}
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._table: list[Row] | None = None
        self._section = "tbody"
        self._cell: Cell | None = None
        self._skip = 0
        self.feed(source)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        self.elements.append((tag, named))
        if tag in ("script", "style", "svg"):
            self._skip += 1
        elif tag == "table":
            self._table = self.tables.setdefault(str(named.get("id")), [])
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr" and self._table is not None:
            self._table.append(Row(self._section, str(named.get("class") or "")))
        elif tag in ("td", "th") and self._table is not None:
            self._cell = Cell(tag, named)
            self._table[-1].cells.append(self._cell)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "svg"):
            self._skip -= 1
        elif tag == "table":
            self._table = None
        elif tag in ("td", "th"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.text += data

    def rows(self, table: str, section: str = "tbody") -> list[Row]:
        return [row for row in self.tables[table] if row.section == section]


def numbers(row: Row) -> list[str]:
    """The JSON texts of a row's numeric cells, checking each shows the same value."""
    values = []
    for cell in row.cells:
        if "num" in str(cell.attrs.get("class")) and cell.tag == "td":
            value = cell.attrs.get("data-value")
            if value is None:
                continue
            assert Decimal(cell.text.strip()) == Decimal(value), (cell.text, value)
            values.append(value)
    return values


def texts(row: Row) -> list[str]:
    return [" ".join(cell.text.split()) for cell in row.cells]


def conversion(line: dict) -> list[str]:
    return [line["exchangeRate"], line["baseAmount"]] if "exchangeRate" in line else []


# ---------------------------------------------------------------- the example run


BREAKDOWNS = ("cell", "service-category", "label:costCenter")  # what the example fleet has


@pytest.fixture(scope="module")
def rated() -> rating.api.Rated:
    return rating.open_catalog(CATALOG).rate(FLEET, period="2026-10")


@pytest.fixture(scope="module")
def reports(rated) -> rating.api.Reports:
    return rated.reports()


@pytest.fixture(scope="module")
def site(reports, tmp_path_factory) -> tuple[Path, Path]:
    """The same run written as JSON and as HTML: (json dir, html dir)."""
    base = tmp_path_factory.mktemp("site")
    reports.write(base / "json", "json")
    reports.write(base / "html", "html")
    return base / "json", base / "html"


@pytest.fixture(scope="module")
def grouped(rated, tmp_path_factory) -> dict[str, Path]:
    """The same run as JSON ``--by DIM``, per breakdown dimension: its directory."""
    base = tmp_path_factory.mktemp("grouped")
    for dimension in BREAKDOWNS:
        rated.reports(by=dimension).write(base / dimension.replace(":", "-"), "json")
    return {dimension: base / dimension.replace(":", "-") for dimension in BREAKDOWNS}


def page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def test_site_has_an_index_and_a_page_per_tenant(site, reports):
    _, html = site
    assert sorted(p.name for p in html.iterdir()) == sorted(
        ["index.html", *(f"{r.tenant}.html" for r in reports)]
    )


def test_tenant_pages_show_the_json_numbers(site):
    json_dir, html = site
    for document_path in sorted(json_dir.glob("*.json")):
        if document_path.name == "chargeback.json":
            continue
        document = json.loads(document_path.read_text(encoding="utf-8"))
        parsed = page(html / f"{document['tenant']}.html")

        totals = parsed.rows("totals")
        assert [texts(r)[0] for r in totals] == [t["currency"] for t in document["totals"]]
        assert [numbers(r) for r in totals] == [
            [t["exactAmount"], t["roundingDifference"], t["amount"]] for t in document["totals"]
        ]
        assert [numbers(r) for r in parsed.rows("totals", "tfoot")] == (
            [[document["baseTotal"]]] if document["baseTotal"] is not None else []
        )

        expected_lines = []
        for line in document["lines"]:
            expected_lines.append(
                (
                    "top",
                    f"{line['sellerId']} / {line['sellerProductGroup']}",
                    [
                        line["exactAmount"],
                        line["roundingDifference"],
                        line["amount"],
                        *conversion(line),
                    ],
                )
            )
            for detail in line["details"]:
                expected_lines.append(
                    (
                        "detail",
                        f"· {detail['productName']} {detail['productId']}",
                        [detail["quantity"], detail["amount"]],
                    )
                )
        assert [
            (row.classes, texts(row)[0], numbers(row)) for row in parsed.rows("lines")
        ] == expected_lines

        if document["discounts"]:
            assert [numbers(r) for r in parsed.rows("discounts")] == [
                [
                    d["sourceAmount"],
                    d["rate"],
                    *([d["threshold"]] if d["threshold"] is not None else []),
                    d["exactAmount"],
                    d["roundingDifference"],
                    d["amount"],
                    *conversion(d),
                ]
                for d in document["discounts"]
            ]

        resources = [
            (resource, detail, line)
            for line in document["lines"]
            for detail in line["details"]
            for resource in detail["resources"]
        ]
        assert [(texts(r)[0], numbers(r)) for r in parsed.rows("resources")] == [
            (res["resourceId"] or "minimum charge", [res["quantity"], res["amount"]])
            for res, _, _ in resources
        ]
        assert [
            (texts(r)[0], texts(r)[2], texts(r)[3], numbers(r)) for r in parsed.rows("slices")
        ] == [
            (
                res["resourceId"] or "minimum charge",
                piece["start"] or "",
                piece["end"] or "",
                [piece["quantity"], piece["unitPrice"], piece["amount"]],
            )
            for res, _, _ in resources
            for piece in res["slices"]
        ]
        _check_daily_tables(parsed, document)


def breakdown_tables(parsed: Page) -> dict[str, str]:
    """The page's breakdown tables: dimension → table id."""
    return {
        str(attrs["data-dimension"]): str(attrs["id"])
        for tag, attrs in parsed.elements
        if tag == "table" and "data-dimension" in attrs
    }


def none_text(value: str | None) -> str:
    return "(none)" if value is None else value


def test_breakdowns_show_the_json_of_by_each_dimension(site, grouped):
    """Per tenant page: each dimension's groups as ``report --by DIM`` has them; on the
    index, cells per tenant and the other dimensions as the ``--by DIM`` chargeback."""
    _, html = site
    index = page(html / "index.html")
    assert list(breakdown_tables(index)) == list(BREAKDOWNS)
    for dimension, directory in grouped.items():
        documents = [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(directory.glob("*.json"))
            if p.name != "chargeback.json"
        ]
        for document in documents:
            parsed = page(html / f"{document['tenant']}.html")
            assert document["by"] == [dimension]
            rows = parsed.rows(breakdown_tables(parsed)[dimension])
            assert [(texts(r)[:2], numbers(r)) for r in rows] == [
                (
                    [none_text(group["value"]), total["currency"]],
                    [total["exactAmount"], total["roundingDifference"], total["amount"]],
                )
                for group in document["groups"]
                for total in group["totals"]
            ]
        rows = index.rows(breakdown_tables(index)[dimension])
        if dimension == "cell":
            assert [(texts(r)[:3], numbers(r)) for r in rows] == [
                (
                    [d["tenant"], none_text(group["value"]), total["currency"]],
                    [total["exactAmount"], total["roundingDifference"], total["amount"]],
                )
                for d in documents
                for group in d["groups"]
                for total in group["totals"]
            ]
        else:
            chargeback = json.loads((directory / "chargeback.json").read_text(encoding="utf-8"))
            assert [(texts(r)[:2], numbers(r)) for r in rows] == [
                (
                    [none_text(c[dimension]), c["currency"]],
                    [c["amount"], *([c["baseAmount"]] if "baseAmount" in c else [])],
                )
                for c in chargeback["chargeback"]
            ]


def test_a_run_without_cells_or_labels_shows_no_such_breakdown(rated, tmp_path):
    """A dimension no line item has a value for is left out (the service category stays)."""
    columns = rated.line_items.column_names
    bare = rated.line_items.set_column(
        columns.index("cell"), "cell", pa.nulls(rated.line_items.num_rows, pa.string())
    )
    bare = bare.set_column(
        columns.index("label.costCenter"),
        "label.costCenter",
        pa.nulls(bare.num_rows, pa.string()),
    )
    breakdowns = dataclasses.replace(rated, _line_items=bare).reports().breakdowns()
    assert [b.dimension for b in breakdowns] == ["service-category"]
    write_directory(list(rated.reports()), "html", tmp_path, breakdowns=breakdowns)
    assert list(breakdown_tables(page(tmp_path / "index.html"))) == ["service-category"]
    assert list(breakdown_tables(page(tmp_path / "proj-7.html"))) == ["service-category"]


def _check_daily_tables(parsed: Page, document: dict) -> None:
    """Each currency's daily table adds up, per group, to its lines' exact amounts."""
    currencies = sorted({line["currency"] for line in document["lines"]})
    for number, currency in enumerate(currencies):
        table = f"daily-{number}"
        groups = [c.text for c in parsed.rows(table, "thead")[0].cells[1:-1]]
        lines = {
            f"{line['sellerId']} / {line['sellerProductGroup']}": Decimal(line["exactAmount"])
            for line in document["lines"]
            if line["currency"] == currency
        }
        assert groups == list(lines)
        days = [[Decimal(v) for v in numbers(row)] for row in parsed.rows(table)]
        for cells in days:
            assert sum(cells[:-1]) == cells[-1]  # the day total
        footer = [Decimal(v) for v in numbers(parsed.rows(table, "tfoot")[0])]
        assert footer == [sum(column) for column in list(zip(*days, strict=True))[:-1]]
        assert footer == list(lines.values())


def test_index_shows_the_json_numbers(site):
    json_dir, html = site
    documents = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(json_dir.glob("*.json"))
        if p.name != "chargeback.json"
    ]
    chargeback = json.loads((json_dir / "chargeback.json").read_text(encoding="utf-8"))
    parsed = page(html / "index.html")

    assert [(texts(r)[0], texts(r)[1], numbers(r)) for r in parsed.rows("tenant-totals")] == [
        (d["tenant"], t["currency"], [t["exactAmount"], t["roundingDifference"], t["amount"]])
        for d in documents
        for t in d["totals"]
    ]
    sums: dict[str, Decimal] = {}
    for document in documents:
        for total in document["totals"]:
            sums[total["currency"]] = sums.get(total["currency"], Decimal(0)) + Decimal(
                total["amount"]
            )
    assert [
        (texts(r)[0], Decimal(numbers(r)[0])) for r in parsed.rows("currency-totals")
    ] == sorted(sums.items())

    assert [texts(r)[:3] + texts(r)[4:5] + numbers(r) for r in parsed.rows("groups")] == [
        row
        for d in documents
        for row in (
            *(
                [
                    d["tenant"],
                    line["sellerId"],
                    line["sellerProductGroup"],
                    line["currency"],
                    line["amount"],
                ]
                for line in d["lines"]
            ),
            *(
                [d["tenant"], x["sellerId"], x["displayName"], x["currency"], x["amount"]]
                for x in d["discounts"]
            ),
        )
    ]
    assert [texts(r)[:3] + numbers(r) for r in parsed.rows("chargeback")] == [
        [c["tenant"], c["sellerId"], c["currency"], c["amount"]]
        + ([c["baseAmount"]] if "baseAmount" in c else [])
        for c in chargeback["chargeback"]
    ]


def test_site_fetches_nothing_and_is_small(site):
    _, html = site
    files = list(html.iterdir())
    assert sum(p.stat().st_size for p in files) < 2_000_000
    for path in files:
        source = path.read_text(encoding="utf-8")
        for marker in ("http://", "https://", "url(", "@import", "//fonts"):
            assert marker not in source, (path.name, marker)
        parsed = Page(source)
        for tag, attrs in parsed.elements:
            for name in ("src", "href", "action", "xlink:href", "srcset", "poster", "data"):
                value = attrs.get(name)
                if value is None or (name == "data" and tag != "object"):
                    continue
                assert tag in ("a",) and name == "href", (path.name, tag, name, value)
                assert value.startswith("#") or (html / value).is_file(), (path.name, value)
        policy = [a["content"] for t, a in parsed.elements if a.get("http-equiv")]
        assert policy and "default-src 'none'" in str(policy[0])


# ---------------------------------------------------------------- hostile names


def _hostile(report: TenantReport, name: str) -> TenantReport:
    """The report with every name a sample or catalog controls replaced by ``name``."""
    lines = tuple(
        dataclasses.replace(
            line,
            seller_id=name,
            seller_product_group=name,
            details=tuple(
                dataclasses.replace(
                    detail,
                    product_name=name,
                    usage_type=name,
                    unit=name,
                    resources=tuple(
                        dataclasses.replace(
                            res,
                            resource_id=name,
                            resource_name=name,
                            resource_type=name,
                            # a minimum-charge style slice: no times, spread over the period
                            slices=tuple(
                                dataclasses.replace(piece, start=None, end=None)
                                for piece in res.slices
                            ),
                        )
                        for res in detail.resources
                    ),
                )
                for detail in line.details
            ),
        )
        for line in report.lines
    )
    discounts = tuple(
        dataclasses.replace(d, display_name=name, seller_id=name) for d in report.discounts
    )
    return dataclasses.replace(
        report, tenant=name, catalog_name=name, lines=lines, discounts=discounts
    )


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_stay_text(reports, tmp_path, name):
    hostile = [_hostile(report, f"{name}{i}") for i, report in enumerate(reports)]
    trend = [(date(2026, 9, 1), hostile), (date(2026, 10, 1), hostile)]  # names in the trend too
    written = write_directory(hostile, "html", tmp_path, trend=trend)
    assert len(written) == len(hostile) + 1
    for path in written:
        source = path.read_text(encoding="utf-8")
        assert "<script>alert" not in source and "<img" not in source, path.name
        parsed = Page(source)
        tags = [tag for tag, _ in parsed.elements]
        assert tags.count("script") == 1 and "img" not in tags
        assert not any(key.startswith("on") for _, attrs in parsed.elements for key in attrs), (
            path.name
        )
        assert name in "".join(parsed.text)  # shown, as text


# ---------------------------------------------------------------- pieces


def test_a_slice_splits_exactly_across_days():
    start = datetime(2026, 10, 1, 16, tzinfo=UTC)
    end = datetime(2026, 10, 3, 8, tzinfo=UTC)
    shares = split_by_day(Decimal("1.000000000000"), start, end)
    assert [day.day for day, _ in shares] == [1, 2, 3]
    assert sum(share for _, share in shares) == Decimal(1)
    assert [share for _, share in shares] == [
        Decimal("0.200000000000"),
        Decimal("0.600000000000"),
        Decimal("0.200000000000"),
    ]
    thirds = split_by_day(Decimal("0.000000000010"), start, start.replace(day=4, hour=16))
    assert sum(share for _, share in thirds) == Decimal("0.000000000010")
    assert split_by_day(Decimal(5), start, start) == [(start.date(), Decimal(5))]


def test_axis_ticks_cover_the_range():
    assert axis_ticks(Decimal(0), Decimal("7.2")) == [Decimal(v) for v in (0, 2, 4, 6, 8)]
    ticks = axis_ticks(Decimal("-0.3"), Decimal("0.9"))
    assert ticks[0] <= Decimal("-0.3") and ticks[-1] >= Decimal("0.9") and Decimal(0) in ticks


def _ratecard(*arguments: str) -> subprocess.CompletedProcess[str]:
    """The installed command (next to this Python), as a user runs it."""
    command = Path(sys.executable).with_name("ratecard")
    return subprocess.run(
        [str(command), "report", str(CATALOG), str(FLEET), "--period", "2026-10", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_command_writes_the_site_or_says_it_needs_a_directory(tmp_path):
    done = _ratecard("--format", "html", "--out", str(tmp_path / "site"))
    assert done.returncode == 0, done.stderr
    assert f"wrote {tmp_path / 'site' / 'index.html'}" in done.stderr
    assert (tmp_path / "site" / "proj-7.html").is_file()
    failed = _ratecard("--format", "html")
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    last = failed.stderr.strip().splitlines()[-1]
    assert last == "ratecard: error: --format html: a site of several pages needs --out DIR"


def test_no_tenants_gives_an_index_saying_so(tmp_path):
    assert write_directory([], "html", tmp_path) == [tmp_path / "index.html"]
    assert "No line items in this period." in (tmp_path / "index.html").read_text("utf-8")


def test_html_needs_a_directory(reports):
    with pytest.raises(RatecardError, match="needs --out DIR"):
        render_stream(list(reports), "html")


def test_a_tenant_called_index_clashes(reports, tmp_path):
    renamed = [dataclasses.replace(next(iter(reports)), tenant="index")]
    with pytest.raises(RatecardError, match=r"index\.html"):
        write_directory(renamed, "html", tmp_path)


# ---------------------------------------------------------------- a real browser


def chromium_browser() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("the browser test needs Chromium: apt-get install chromium (see .ci/run)")
    return found


def run_chromium(browser: str, profile: Path, *arguments: str) -> str:
    done = run_headless(browser, profile, *arguments)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_chromium_runs_the_script_sorts_and_prints(site, tmp_path):
    browser = chromium_browser()
    _, html = site
    profile = tmp_path / "profile"

    # The pages as written: our script runs under the page's own CSP (its hash matches).
    dom = run_chromium(browser, profile, "--dump-dom", (html / "index.html").as_uri())
    assert 'data-enhanced="sort filter"' in dom
    assert '<th scope="col" data-sort="num" aria-sort="none"><button type="button">' in dom
    assert 'type="search"' in dom

    # Click a sort button twice: a copy of a page with a test script (and a CSP letting it
    # run) records the order after each click; amounts include negative discounts.
    source = (html / "index.html").read_text(encoding="utf-8")
    clicker = (
        "<script>window.addEventListener('load', function () {"
        "var b = document.querySelectorAll('#groups thead button')[5];"
        "function order() { return Array.prototype.map.call("
        "document.querySelectorAll('#groups tbody tr'),"
        " function (r) { return r.cells[5].getAttribute('data-value'); }).join(' '); }"
        "b.click(); document.body.setAttribute('data-up', order());"
        "b.click(); document.body.setAttribute('data-down', order());"
        "document.body.setAttribute('data-aria', b.parentNode.getAttribute('aria-sort'));"
        "});</script>"
    )
    source = re.sub(r"script-src [^;]+;", "script-src 'unsafe-inline';", source)
    probe = html.parent / "probe.html"
    probe.write_text(source.replace("</body>", clicker + "</body>"), encoding="utf-8")
    dom = run_chromium(browser, profile, "--virtual-time-budget=2000", "--dump-dom", probe.as_uri())
    up = re.search(r'data-up="([^"]*)"', dom)
    down = re.search(r'data-down="([^"]*)"', dom)
    assert up is not None and down is not None, dom[-2000:]
    values = [Decimal(v) for v in up.group(1).split()]
    assert len(values) > 3 and min(values) < 0
    assert values == sorted(values)
    assert [Decimal(v) for v in down.group(1).split()] == sorted(values, reverse=True)
    assert 'data-aria="descending"' in dom

    pdf = tmp_path / "proj-42.pdf"
    run_chromium(
        browser,
        profile,
        "--no-pdf-header-footer",
        f"--print-to-pdf={pdf}",
        (html / "proj-42.html").as_uri(),
    )
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000


# ---------------------------------------------------------------- a trend across months

CONTROLS = ROOT / "tests" / "data" / "controls"  # servers at 0.01 EUR per vCPU hour


def _server(time: str, rid: str, tenant: str, event: str = "create", vcpu: int = 1) -> dict:
    return {
        "time": time,
        "event": event,
        "resource": {"id": rid, "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack", "tenant": tenant, "cell": "web"},
        "traits": {"state": "ACTIVE", "vcpu": vcpu, "ramMb": 2048},
    }


# acme: 2 vCPU for 10 days in August, 4 vCPU for 3 days in September, 1 vCPU for 36 h in
# October; beta: 8 vCPU for a day in August and for 6 h in October, nothing in September.
MONTHS = [
    _server("2026-08-01T00:00:00Z", "vm-a", "acme", vcpu=2),
    _server("2026-08-11T00:00:00Z", "vm-a", "acme", "delete", vcpu=2),
    _server("2026-08-10T00:00:00Z", "vm-d", "beta", vcpu=8),
    _server("2026-08-11T00:00:00Z", "vm-d", "beta", "delete", vcpu=8),
    _server("2026-09-01T00:00:00Z", "vm-b", "acme", vcpu=4),
    _server("2026-09-04T00:00:00Z", "vm-b", "acme", "delete", vcpu=4),
    _server("2026-10-01T00:00:00Z", "vm-c", "acme", vcpu=1),
    _server("2026-10-02T12:00:00Z", "vm-c", "acme", "delete", vcpu=1),
    _server("2026-10-05T00:00:00Z", "vm-e", "beta", vcpu=8),
    _server("2026-10-05T06:00:00Z", "vm-e", "beta", "delete", vcpu=8),
]
# By hand: vCPU × hours × 0.01 EUR; None: no report that month (the table shows —).
EXPECTED = {
    "acme": {"2026-08": "4.80", "2026-09": "2.88", "2026-10": "0.36"},  # 2×240, 4×72, 1×36
    "beta": {"2026-08": "1.92", "2026-09": None, "2026-10": "0.48"},  # 8×24, —, 8×6
}


def _report(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("ratecard")
    return subprocess.run(
        [str(command), "report", str(CONTROLS), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def trend_site(tmp_path_factory) -> tuple[Path, Path]:
    """(samples, site) of ``--period 2026-08..2026-10``."""
    base = tmp_path_factory.mktemp("trend")
    samples = base / "fleet.jsonl"
    samples.write_text("".join(json.dumps(record) + "\n" for record in MONTHS))
    done = _report(str(samples), "--period", "2026-08..2026-10", "--format", "html")
    assert done.returncode == 2 and "needs --out DIR" in done.stderr
    site = base / "site"
    done = _report(
        str(samples), "--period", "2026-08..2026-10", "--format", "html", "--out", str(site)
    )
    assert done.returncode == 0, done.stderr
    return samples, site


def _trend_rows(parsed: Page) -> list[list[str]]:
    return [texts(row) for row in parsed.rows("trend-0")]


def test_a_range_of_months_shows_each_months_json_totals(trend_site):
    samples, site = trend_site
    card = rating.open_catalog(CONTROLS)
    documents = {}  # (tenant, month) → the month's JSON report
    for month in ("2026-08", "2026-09", "2026-10"):
        for report in card.rate(samples, period=month).reports():
            documents[report.tenant, month] = json.loads(render_json(report))
    assert sorted(p.name for p in site.iterdir()) == ["acme.html", "beta.html", "index.html"]
    for tenant, expected in EXPECTED.items():
        parsed = page(site / f"{tenant}.html")
        assert f"{tenant} — 2026-10" in " ".join(parsed.text)  # the last month's site
        assert parsed.rows("trend-0", "thead")[0].cells[-1].text == "Total"
        rows = parsed.rows("trend-0")
        assert [texts(row)[0] for row in rows] == list(expected)
        for row, (month, amount) in zip(rows, expected.items(), strict=True):
            document = documents.get((tenant, month))
            if amount is None:
                assert document is None and texts(row)[1] == "—" and numbers(row) == []
                continue
            assert [t["amount"] for t in document["totals"]] == [amount]
            assert numbers(row) == [amount]
        # The site is the last month's: its totals are October's.
        assert numbers(parsed.rows("totals")[0])[-1] == expected["2026-10"]
    index = page(site / "index.html")
    assert [cell.text for cell in index.rows("trend-0", "thead")[0].cells] == [
        "Month",
        "acme",
        "beta",
        "Total",
    ]
    assert [numbers(row) for row in index.rows("trend-0")] == [
        ["4.80", "1.92", "6.72"],
        ["2.88", "2.88"],
        ["0.36", "0.48", "0.84"],
    ]
    assert texts(index.rows("trend-0")[1])[2] == "—"


def test_a_single_month_has_no_trend(site):
    _, html = site
    assert "h-trend" not in (html / "index.html").read_text("utf-8")
    assert "h-trend" not in (html / "proj-7.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("period", "extra", "message"),
    [
        ("2026-08..2026-10", ("--format", "json"), "a range of months needs --format html"),
        ("2026-10..2026-08", ("--format", "html"), "the first month is after the last"),
        ("2026-01..2029-01", ("--format", "html"), "37 months, at most 36"),
        ("2026-08..2026-10-01", ("--format", "html"), "a range is YYYY-MM..YYYY-MM (months"),
    ],
)
def test_bad_ranges_are_one_line_errors(trend_site, tmp_path, period, extra, message):
    samples, _ = trend_site
    done = _report(str(samples), "--period", period, *extra, "--out", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith(f"ratecard: error: --period {period!r}: {message}")


def test_a_range_cannot_read_stdin_twice(trend_site, tmp_path):
    samples, _ = trend_site
    command = Path(sys.executable).with_name("ratecard")
    arguments = ["-", "--period", "2026-08..2026-10", "--format", "html", "--out", tmp_path / "o"]
    done = subprocess.run(
        [str(command), "report", str(CONTROLS), *map(str, arguments)],
        input=samples.read_text(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "ratecard: error: --period '2026-08..2026-10': samples from stdin (-) can be read "
        "only once, a range rates them once per month"
    ]


def test_chromium_runs_the_script_on_a_trend_site(trend_site, tmp_path):
    browser = chromium_browser()
    _, site = trend_site
    dom = run_chromium(browser, tmp_path / "profile", "--dump-dom", (site / "acme.html").as_uri())
    assert 'data-enhanced="sort filter"' in dom and 'id="trend-0"' in dom
