"""The Python API: open a catalog, rate samples, build reports, export — one way each.

The CLI is option parsing on top of these calls, so the two cannot drift: the
same checks, the same reconciliation, the same errors (:class:`RatecardError`
with the CLI's one-line message). Nothing here prints; progress is a callback.

    >>> import rating
    >>> catalog = rating.open_catalog("examples/catalogs/private-cloud")
    >>> rated = catalog.rate("examples/samples/fleet-2026-10.jsonl", period="2026-10")
    >>> rated.counts.read == rated.counts.rated + rated.counts.unmatched + rated.counts.rejected
    True
    >>> sorted(rated.reports().tenants)
    ['proj-42', 'proj-7', 'team-blue']

See docs/python-api.md for a walk-through.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rating.errors import RatecardError
from rating.load.datasets import sample_paths
from rating.load.imports import ImportPolicy
from rating.load.samples import Reject, RejectSink
from rating.model import Catalog, FxRate, ResourceType
from rating.outputs import writable_file
from rating.period import Period
from rating.rate.result import Counts, RateOptions, UnmatchedGroup

if TYPE_CHECKING:
    from rating.check.findings import Finding
    from rating.control.budget import BudgetUse
    from rating.control.quota import QuotaUse
    from rating.control.request import Request
    from rating.control.state import Holdings
    from rating.export import Publication, S3Options, Sink
    from rating.report.breakdowns import Breakdown
    from rating.report.gauges import SiteControls
    from rating.report.model import TenantReport

Samples = str | Path | pa.Table | pa.RecordBatchReader | Any
"""A path or glob (``.jsonl``, ``.csv``, ``.parquet``, compressed, ``-`` = stdin), a directory
or ``period=YYYY-MM`` dataset, an Arrow table or record batch reader, a pandas or Polars
frame — or a list of these."""

Progress = Callable[[int], None]
"""Called with the number of samples just read; off (None) by default."""


def open_catalog(
    path: str | Path,
    *,
    allow_imports: Iterable[str] | ImportPolicy = (),
    check: bool = True,
    on_finding: Callable[[str], None] | None = None,
) -> Ratecard:
    """Load the catalog at ``path`` (a ``.dhall`` file or its directory).

    ``allow_imports`` widens the import policy as ``--allow-import`` does
    (``"env"``, ``"remote"``, ``"outside-root"``; docs/security.md). With
    ``check`` (the default) a catalog ``ratecard check`` finds an error in is
    refused (:class:`RatecardError`, exit code 1), as every rating command does;
    each finding is passed to ``on_finding`` as one line (default: kept in
    :attr:`Ratecard.warnings`, errors are then only counted in the exception).
    """
    from rating.check.gate import require_no_errors
    from rating.load.catalog import load_catalog

    location = Path(path)
    policy = (
        allow_imports
        if isinstance(allow_imports, ImportPolicy)
        else ImportPolicy.from_options(allow_imports)
    )
    model = load_catalog(location, imports=policy)
    findings: list[str] = []
    if check:
        require_no_errors(model, location, echo=on_finding or findings.append)
    return Ratecard(location, model, policy, tuple(findings))


@dataclass(frozen=True)
class Ratecard:
    """A loaded catalog, ready to rate; ``model`` is the typed catalog (:mod:`rating.model`)."""

    path: Path
    model: Catalog
    imports: ImportPolicy = field(default_factory=ImportPolicy)
    warnings: tuple[str, ...] = ()  # ``check`` warnings, one line each, unless passed on

    def findings(self, *, run_examples: bool = True) -> list[Finding]:
        """Everything ``ratecard check`` reports on this catalog."""
        from rating.check.gate import catalog_findings

        return catalog_findings(self.model, run_examples=run_examples)

    def resource_types(self, traits: str | Path | None = None) -> tuple[ResourceType, ...]:
        """The types samples are checked against: built-in, the catalog's, a traits file's.

        A ``traits`` file is Dhall held to the catalog's import policy.
        """
        if traits is None:
            return self.model.resource_types
        from rating.load.traits import load_resource_types, merge_resource_types

        extra = load_resource_types(Path(traits), self.imports)
        return merge_resource_types(self.model.resource_types, extra, str(traits))

    def rate(
        self,
        samples: Samples | Sequence[Samples],
        *,
        period: str | Period | None = None,
        as_of: datetime | None = None,
        interval: timedelta = timedelta(hours=1),
        interval_for: Mapping[str, timedelta] | None = None,
        engine: str = "duckdb",
        spark_master: str | None = None,
        spark_conf: Mapping[str, str] | None = None,
        traits: str | Path | None = None,
        rejects: str | Path | None = None,
        progress: Progress | None = None,
    ) -> Rated:
        """Rate ``samples`` for ``period`` (default: the samples' month) into line items.

        ``as_of`` inside the period rates it up to that instant only — the interim
        invoice: samples from ``as_of`` on count as outside the period, and
        :attr:`Rated.as_of` (and each report) says the period is not over.

        Every input is validated against the resource types (plus a ``traits``
        file's); invalid records are counted and the first 100 kept in
        :attr:`Rated.rejects` (all of them written to ``rejects``, a JSON Lines
        file, if given) — never dropped silently. ``engine="spark"`` runs the
        same plan on Apache Spark (``spark_master`` and ``spark_conf`` as for
        ``spark-submit``; Parquet, JSON Lines or CSV files, docs/spark.md).
        """
        chosen = Period.parse(period) if isinstance(period, str) else period
        interim = None
        if as_of is not None:
            chosen, interim = _interim(chosen, as_of)
        rated = rate_each(
            [self],
            samples,
            period=chosen,
            interval=interval,
            interval_for=interval_for,
            engine=engine,
            spark_master=spark_master,
            spark_conf=spark_conf,
            traits=traits,
            rejects=rejects,
            progress=progress,
        )[0]
        return rated if interim is None else replace(rated, as_of=interim)

    def holdings(
        self,
        samples: Samples | Sequence[Samples],
        *,
        at: datetime,
        interval: timedelta = timedelta(hours=1),
        interval_for: Mapping[str, timedelta] | None = None,
        traits: str | Path | None = None,
        rejects: str | Path | None = None,
    ) -> Holdings:
        """Each resource's latest state at or before ``at``: what quotas measure.

        Deleted resources are left out, as are those whose last plain sample's
        ``interval`` is over (sample-and-hold, as rating reads it). Samples are
        read and validated as for rating (rejects counted, the first 100 kept,
        all written to ``rejects``).
        """
        from rating.control.state import holdings
        from rating.load.samples import open_samples

        if rejects is not None:
            writable_file(Path(rejects), "rejects")
        sink = RejectSink(Path(rejects) if rejects is not None else None)
        with _sample_paths(samples, None) as (paths, _names):
            reader = open_samples(paths, self.resource_types(traits), rejects=sink)
            options = _rate_options(interval, interval_for, reader.resource_types)
            held = holdings(reader, at, options)
        held.counts.read += reader.total.rejected
        held.counts.rejected = reader.total.rejected
        return held

    def quota_status(self, held: Holdings) -> list[QuotaUse]:
        """Every quota's utilization by the resources ``held`` (:meth:`holdings`)."""
        from rating.control.measure import factors
        from rating.control.quota import utilization

        return utilization(self.model.controls.quotas, held.resources, factors(self.model))

    def budget_status(
        self,
        samples: Samples | Sequence[Samples],
        *,
        period: str | Period,
        as_of: datetime,
        interval: timedelta = timedelta(hours=1),
        interval_for: Mapping[str, timedelta] | None = None,
        traits: str | Path | None = None,
    ) -> tuple[Rated, list[BudgetUse]]:
        """Each budget's month-to-date spend at ``as_of``, forecast and level.

        The month is rated up to ``as_of`` as :meth:`rate` does (the run is
        returned for its reconciliation); spend is after discounts and fees
        (rating.control.budget says when it cannot be).
        """
        from rating.control.budget import budget_status, month_to_date

        month = Period.parse(period) if isinstance(period, str) else period
        to_date = month_to_date(month, as_of)
        rated = self.rate(
            samples, period=to_date, interval=interval, interval_for=interval_for, traits=traits
        )
        reports = rated.reports().tenants if rated.line_items.num_rows else {}
        uses = budget_status(
            self.model.controls.budgets,
            reports,
            rated.line_items.to_pylist(),
            to_date,
            month.end,
            self.model.products,
        )
        return rated, uses

    def site_controls(
        self,
        samples: Samples | Sequence[Samples],
        rated: Rated,
        *,
        interval: timedelta = timedelta(hours=1),
        interval_for: Mapping[str, timedelta] | None = None,
        traits: str | Path | None = None,
    ) -> SiteControls | None:
        """The HTML site's quota and budget gauges for ``rated`` (a run of ``samples``);
        None when the catalog has neither.

        Quotas measure the resources' state at the rated period's last instant (its end,
        or the interim run's ``as_of``, excluded: what rating counts). Budgets take the
        run's spend — no second rating — when the period is a calendar month, up to
        ``as_of`` with its forecast for an interim run.
        """
        from rating.control.budget import budget_status
        from rating.report.gauges import SiteControls

        controls = self.model.controls
        if not controls.quotas and not controls.budgets:
            return None
        at = rated.period.end - timedelta(microseconds=1)
        quotas: list[QuotaUse] = []
        if controls.quotas:
            held = self.holdings(
                samples, at=at, interval=interval, interval_for=interval_for, traits=traits
            )
            quotas = self.quota_status(held)
        month = Period.month_of(rated.period.start)
        is_month = month.start == rated.period.start and (
            rated.period.end == month.end or rated.as_of is not None
        )
        budgets: list[BudgetUse] = []
        if controls.budgets and is_month:
            reports = rated.reports().tenants if rated.line_items.num_rows else {}
            budgets = budget_status(
                controls.budgets,
                reports,
                rated.line_items.to_pylist(),
                rated.period,
                month.end,
                self.model.products,
            )
        return SiteControls(
            at,
            tuple(quotas),
            tuple(budgets),
            interim=rated.as_of is not None,
            budgets_skipped=bool(controls.budgets) and not is_month,
        )

    def request_lines(
        self, request: Request, *, at: datetime, traits: str | Path | None = None
    ) -> list[dict[str, Any]]:
        """Line items of one requested resource created at ``at``, to the end of its month.

        Its forecast cost, priced by the engine like any sample; empty at the month's end.
        """
        month = Period.month_of(at)
        if at >= month.end:
            return []
        types = self.resource_types(traits)
        resource_type = next(rt for rt in types if rt.id == request.resource_type)
        sample = request.as_sample(at, resource_type.platform)
        with tempfile.TemporaryDirectory(prefix="ratecard-request-") as scratch:
            path = Path(scratch) / "request.jsonl"
            path.write_text(json.dumps(sample) + "\n", encoding="utf-8")
            rest = replace(month, start=at)
            return self.rate(str(path), period=rest, traits=traits).line_items.to_pylist()


def rate_each(
    catalogs: Sequence[Ratecard],
    samples: Samples | Sequence[Samples],
    *,
    period: str | Period | None = None,
    interval: timedelta = timedelta(hours=1),
    interval_for: Mapping[str, timedelta] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    spark_conf: Mapping[str, str] | None = None,
    traits: str | Path | None = None,
    rejects: str | Path | None = None,
    progress: Progress | None = None,
) -> list[Rated]:
    """:meth:`Ratecard.rate` against each catalog, in order, over one read of the samples.

    What ``ratecard diff`` compares: reading and validating the samples is
    most of a run on JSON Lines and CSV, so it is done once (on DuckDB, when
    the catalogs check samples against the same resource types; else once
    per catalog). An inferred period is the first run's for all.
    """
    if not catalogs:
        return []
    chosen = Period.parse(period) if isinstance(period, str) else period
    if engine not in ("duckdb", "spark"):
        raise RatecardError(f"engine {engine!r}: expected 'duckdb' or 'spark'")
    if rejects is not None:
        writable_file(Path(rejects), "rejects")
    types = [catalog.resource_types(traits) for catalog in catalogs]
    options = _rate_options(interval, interval_for, [rt for each in types for rt in each])
    with _sample_paths(samples, chosen) as (paths, names):
        if engine == "spark":
            if rejects is not None:
                raise RatecardError("rejects are not available with the Spark engine")
            spark = (spark_master, spark_conf)
            return [
                _rate_on_spark(catalog, paths, each, chosen, options, *spark)
                for catalog, each in zip(catalogs, types, strict=True)
            ]
        if any(each != types[0] for each in types):  # validated differently: read each time
            return [
                _rate_embedded([catalog], paths, names, each, chosen, options, rejects, progress)[0]
                for catalog, each in zip(catalogs, types, strict=True)
            ]
        return _rate_embedded(catalogs, paths, names, types[0], chosen, options, rejects, progress)


def _rate_options(
    interval: timedelta,
    interval_for: Mapping[str, timedelta] | None,
    resource_types: Sequence[ResourceType],
) -> RateOptions:
    """The run's sampling intervals; one for a resource type no sample can have fails.

    A misspelt type would otherwise keep the default interval unseen, and its
    samples would each cover that interval instead of the one meant.
    """
    known = {rt.id for rt in resource_types}
    for type_id in interval_for or {}:
        if type_id not in known:
            raise RatecardError(
                f"--interval-for {type_id}: no such resource type "
                "(ratecard traits lists them; --traits adds more)"
            )
    return RateOptions(interval, dict(interval_for or {}))


def _rate_embedded(
    catalogs, paths, names, types, period, options, rejects, progress
) -> list[Rated]:
    from rating.load.samples import open_samples
    from rating.rate import engine

    sink = RejectSink(Path(rejects) if rejects is not None else None)
    models = [catalog.model for catalog in catalogs]
    # The labels any catalog's dimensions read (each plan ignores the others').
    labels = dict.fromkeys(n for model in models for n in model.dimensions.read_labels)
    reader = open_samples(paths, types, rejects=sink, labels=tuple(labels))
    results = engine.rate_each(models, reader, period, options, progress=progress)
    rejected = tuple(_renamed(r, names) for r in sink.first)
    return [
        Rated(
            catalog=model,
            period=result.period or period,  # type: ignore[arg-type]
            counts=result.counts.with_rejects(reader.total.rejected),
            unmatched=tuple(result.unmatched),
            rejects=rejected,
            _line_items=result.line_items,
        )
        for model, result in zip(models, results, strict=True)
    ]


def _rate_on_spark(catalog, paths, types, period, options, master, conf) -> Rated:
    from rating.rate.spark import rate_on_spark, start_session

    spark = start_session(master, conf)
    run = rate_on_spark(spark, catalog.model, paths, period, options, types)
    return Rated(
        catalog=catalog.model,
        period=run.period,
        counts=run.counts,
        unmatched=tuple(run.unmatched),
        rejects=(),
        _spark=run,
    )


@dataclass(frozen=True)
class Written:
    """What :meth:`Rated.write` wrote: line items and their total amount per currency."""

    lines: int
    totals: dict[str, Decimal]


@dataclass(frozen=True)
class Rated:
    """One rating run: line items (a ``pyarrow.Table``), counts, unmatched and rejects.

    ``counts`` reconcile: read = rated + unmatched + rejected + duplicates +
    outside period. ``rejects`` holds the first 100 rejected records. A Spark
    run keeps its line items in Spark until they are asked for.
    """

    catalog: Catalog
    period: Period
    counts: Counts
    unmatched: tuple[UnmatchedGroup, ...]
    rejects: tuple[Reject, ...]
    _line_items: pa.Table | None = field(default=None, repr=False)
    _spark: Any = field(default=None, repr=False)  # a SparkRating, for Spark runs
    as_of: datetime | None = None  # an interim run: ``period`` rated up to here, not over

    @functools.cached_property
    def line_items(self) -> pa.Table:
        """Line items (LINE_ITEM_SCHEMA), sorted; exact ``decimal128(38, 12)`` amounts."""
        if self._line_items is not None:
            return self._line_items
        return self._spark.collect().line_items

    def totals(self) -> dict[str, Decimal]:
        """The sum of line-item amounts per currency (unrounded).

        Summed in Arrow's DECIMAL(38, 12), exact; Python's Decimal would round
        to 28 digits and take a Python object per line item.
        """
        currency, amount = self.line_items.column("currency"), self.line_items.column("amount")
        return {
            code: pc.sum(amount.filter(pc.equal(currency, code))).as_py()
            for code in sorted(pc.unique(currency).to_pylist())
        }

    def write(self, target: str | Path, format: str = "parquet") -> Written:
        """Write the line items (``parquet``, ``jsonl``, ``csv``) byte for byte as the CLI does.

        A Spark run writes a URI target (``s3a://…``) itself, as a Parquet dataset.
        """
        from rating.rate.files import FILE_FORMATS, write_line_items

        if format not in FILE_FORMATS:
            raise RatecardError(f"format {format!r}: expected one of {', '.join(FILE_FORMATS)}")
        if self._spark is not None and "://" in str(target):
            if format != "parquet":
                raise RatecardError(f"{target}: Spark writes line items to URIs as Parquet only")
            self._spark.write_parquet(str(target))
            return Written(*self._spark.summary())
        write_line_items(self.line_items, target, format)
        return Written(self.line_items.num_rows, self.totals())

    def reports(
        self,
        *,
        tenants: Iterable[str] | None = None,
        fx: Iterable[FxRate] | str | Path | None = None,
        base_currency: str | None = None,
        rounding: str = "half-even",
        generated_at: datetime | None = None,
        by: str | Sequence[str] = (),
        granularity: str = "month",
    ) -> Reports:
        """One usage report per tenant (only ``tenants`` if given), with the chargeback.

        ``fx`` is a list of :class:`~rating.model.FxRate` or a ``from,to,rate``
        CSV file; its rates override the catalog's for the same pair. ``by``
        (``"tenant,cell"`` or a list) groups by dimensions, ``granularity="day"``
        adds daily buckets (docs/reports.md).
        """
        from rating.currencies import require_currency
        from rating.report import build_reports, read_fx_csv, rounding_mode

        if base_currency is not None:
            require_currency(base_currency, "base currency")
        rates = read_fx_csv(fx) if isinstance(fx, str | Path) else fx
        items = self.line_items
        if tenants is not None:
            wanted = sorted(set(tenants))
            items = items.filter(pc.is_in(items.column("tenant"), pa.array(wanted, pa.string())))
            missing = sorted(set(wanted) - set(items.column("tenant").to_pylist()))
            if missing:
                listed = ", ".join(map(repr, missing))
                raise RatecardError(f"no line items for tenant(s) {listed} in {self.period.label}")
        regroup = functools.partial(
            build_reports,
            self.catalog,
            items,
            self.period,
            fx=rates,
            base_currency=base_currency,
            rounding=rounding_mode(rounding),
            generated_at=generated_at,
            as_of=self.as_of,
        )
        built = regroup(by=by, granularity=granularity)
        return Reports(tuple(built), (lambda dimension: regroup(by=dimension)), self.catalog)

    def focus(self, *, provider_name: str = "ratecard") -> pa.Table:
        """The run as FOCUS 1.2 rows: line items plus each tenant's discount and fee rows."""
        from rating.export.focus import focus_dataset

        return focus_dataset(
            self.catalog, self.line_items, self.period, provider_name=provider_name
        )

    def export(
        self,
        to: str,
        *,
        format: str = "focus",
        provider_name: str = "ratecard",
        rows_per_file: int = 1_000_000,
        s3: S3Options | None = None,
        on_progress: Callable[[str, int], Progress | None] | None = None,
        controls: SiteControls | None = None,
    ) -> Publication:
        """Publish to a directory or ``s3://bucket/prefix`` (docs/export.md).

        ``format``: ``focus`` / ``focus-csv`` (FOCUS 1.2), ``parquet`` / ``csv`` /
        ``json`` (line items), ``html`` (the showback site of :meth:`reports`,
        with ``controls``' gauges when given: :meth:`Ratecard.site_controls`).
        ``s3`` holds the endpoint, region and encryption.
        ``on_progress(file, bytes)`` may return a byte-count callback per upload.
        Data objects go first, the manifest (with the reconciliation) last.
        """
        from rating.export import Dataset, publish

        if format not in EXPORT_FORMATS:
            raise RatecardError(f"format {format!r}: expected one of {', '.join(EXPORT_FORMATS)}")
        if format == "html":
            return self._export_site(to, s3, on_progress, controls)
        name, encoding, focus = EXPORT_FORMATS[format]
        table = self.focus(provider_name=provider_name) if focus else self.line_items
        sink = _export_sink(to, s3)
        dataset = Dataset(
            name,
            self.period.label,
            table,
            encoding,
            rows_per_file,
            catalog_version=self.catalog.version,
            counts=self.counts,
        )
        return publish(dataset, sink, on_progress=on_progress)

    def _export_site(
        self,
        to: str,
        s3: S3Options | None,
        on_progress: Callable[[str, int], Progress | None] | None,
        controls: SiteControls | None,
    ) -> Publication:
        """The showback site of :meth:`reports`: its pages, manifest and entry page."""
        from rating.export.site import Site, publish_site
        from rating.report.output import html_pages

        reports = self.reports()
        pages = html_pages(list(reports), to, reports.breakdowns(), controls)
        site = Site(self.period.label, tuple(pages), self.catalog.version, self.counts)
        return publish_site(site, _export_sink(to, s3), on_progress=on_progress)


def _export_sink(to: str, s3: S3Options | None) -> Sink:
    """The ``--to`` directory or S3 prefix; a bad one is a one-line error."""
    from rating.export import S3Options, SinkError, open_sink

    try:
        return open_sink(to, s3 or S3Options())
    except SinkError as error:
        raise RatecardError(f"--to: {error}") from error


EXPORT_FORMATS = {
    "focus": ("focus", "parquet", True),
    "focus-csv": ("focus-csv", "csv", True),
    "parquet": ("line-items", "parquet", False),
    "csv": ("line-items-csv", "csv", False),
    "json": ("line-items-jsonl", "jsonl", False),
    "html": ("html", "html", False),  # the showback site's pages (rating.export.site)
}
"""Export format → (dataset name in the key layout, file encoding, FOCUS mapping?). Each
has its own prefix: a manifest describes exactly one dataset and prunes its stale parts."""


@dataclass(frozen=True)
class Reports:
    """Tenant usage reports, sorted by tenant; renders and writes them as the CLI does."""

    items: tuple[TenantReport, ...]
    # How the same run's reports are rebuilt by one dimension, and its catalog: the HTML
    # site's breakdowns (None: reports not from a run, the site shows none).
    regroup: Callable[[str], Sequence[TenantReport]] | None = field(
        default=None, repr=False, compare=False
    )
    catalog: Catalog | None = field(default=None, repr=False, compare=False)
    # The site's quota and budget gauges (Ratecard.site_controls; None: the site has none).
    controls: SiteControls | None = field(default=None, repr=False, compare=False)
    # The site's trend: each month's reports, (first day of the month, reports), in order.
    trend: tuple[tuple[date, tuple[TenantReport, ...]], ...] = field(
        default=(), repr=False, compare=False
    )

    def with_controls(self, controls: SiteControls | None) -> Reports:
        """These reports, their HTML site showing ``controls`` (:meth:`Ratecard.site_controls`)."""
        return replace(self, controls=controls)

    def with_trend(self, months: Sequence[tuple[str | Period, Reports]]) -> Reports:
        """These reports, their HTML site showing a trend across ``months`` (each a calendar
        month, ``"2026-08"`` or a :class:`Period`, and its reports; in order, several)."""
        trend = []
        for month, reports in months:
            period = Period.parse(month) if isinstance(month, str) else month
            trend.append((period.start.date(), tuple(reports.items)))
        return replace(self, trend=tuple(trend))

    def __iter__(self) -> Iterator[TenantReport]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def tenants(self) -> dict[str, TenantReport]:
        return {report.tenant: report for report in self.items}

    def render(self, format: str = "table") -> str:
        """All reports as one text (``table``, ``json``: a document per line, ``csv``)."""
        from rating.report.output import render_stream

        return render_stream(list(self.items), format)

    def write(self, directory: str | Path, format: str = "json") -> list[Path]:
        """``<tenant>.<ext>`` per report and ``chargeback.<ext>``; the paths written."""
        from rating.report.output import write_directory

        breakdowns = self.breakdowns() if format == "html" else ()
        return write_directory(
            list(self.items),
            format,
            Path(directory),
            breakdowns=breakdowns,
            controls=self.controls,
            trend=self.trend,
        )

    def breakdowns(self) -> tuple[Breakdown, ...]:
        """The run's reports by cell, service category and each declared label (the HTML
        site's breakdowns), each only when some line item has a value for it."""
        from rating.report.breakdowns import site_breakdowns

        if self.regroup is None or self.catalog is None:
            return ()
        return site_breakdowns(self.regroup, self.catalog.dimensions.labels)


def _interim(period: Period | None, as_of: datetime) -> tuple[Period, datetime | None]:
    """The period rated for an invoice as of ``as_of``, and ``as_of`` when it is interim
    (before the period's end; from the end on it is the whole period, final)."""
    from rating.report.lines import text

    if period is None:
        raise RatecardError("--as-of needs --period: the period the interim invoice is part of")
    if as_of.utcoffset() is None:
        raise RatecardError(f"--as-of {as_of.isoformat()}: no time zone (give a UTC offset)")
    if as_of <= period.start:
        raise RatecardError(
            f"--as-of {text(as_of)}: not after the start of period {period.label} "
            f"({text(period.start)})"
        )
    return period.up_to(as_of), (as_of if as_of < period.end else None)


# ---------------------------------------------------------------- samples


@contextmanager
def _sample_paths(
    samples: Samples | Sequence[Samples], period: Period | None
) -> Iterator[tuple[list[str], dict]]:
    """Paths the readers take: globs and directories expanded (a partitioned dataset to the
    partitions ``period`` needs), in-memory tables as temporary Parquet files.

    Tables go through the Parquet reader, so they are validated by the same
    rules as files; ``names`` maps a temporary file back to ``<table N>`` for rejects.
    """
    items = list(samples) if isinstance(samples, list | tuple) else [samples]
    if not items:
        raise RatecardError("no samples given")
    with tempfile.TemporaryDirectory(prefix="ratecard-api-") as scratch:
        paths: list[str] = []
        names: dict[str, str] = {}
        for number, item in enumerate(items, 1):
            if isinstance(item, str | Path):
                paths.extend(sample_paths(str(item), period))
                continue
            table = _arrow(item)
            path = str(Path(scratch) / f"table-{number}.parquet")
            pq.write_table(table, path)
            paths.append(path)
            names[path] = f"<table {number}>"
        yield paths, names


def _arrow(item: Any) -> pa.Table:
    """An Arrow table of anything that speaks the Arrow stream protocol.

    ``__arrow_c_stream__`` is implemented by Arrow tables and readers, pandas
    (≥ 2.2), Polars (≥ 1.0) and DuckDB relations, so none of them is imported here.
    """
    if isinstance(item, pa.Table):
        return item
    if hasattr(item, "__arrow_c_stream__"):
        return pa.table(item)
    raise RatecardError(
        f"samples: cannot read a {type(item).__name__}; give paths, an Arrow table or "
        "record batch reader, or a pandas/Polars frame"
    )


def _renamed(reject: Reject, names: dict[str, str]) -> Reject:
    name = names.get(reject.source_file)
    return reject if name is None else replace(reject, source_file=name)
