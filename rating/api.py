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

import glob
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from rating.check.findings import Finding
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.load.samples import Reject, RejectSink
from rating.model import Catalog, FxRate
from rating.period import Period
from rating.rate.result import Counts, RateOptions, UnmatchedGroup
from rating.report.model import TenantReport

Samples = str | Path | pa.Table | pa.RecordBatchReader | Any
"""A path or glob (``.jsonl``, ``.csv``, ``.parquet``, compressed, ``-`` = stdin), an Arrow
table or record batch reader, a pandas or Polars frame — or a list of these."""

Progress = Callable[[int], None]
"""Called with the number of samples just read; off (None) by default."""

_GLOB = set("*?[")


def open_catalog(
    path: str | Path,
    *,
    allow_imports: Iterable[str] = (),
    check: bool = True,
) -> Ratecard:
    """Load the catalog at ``path`` (a ``.dhall`` file or its directory).

    ``allow_imports`` widens the import policy as ``--allow-import`` does
    (``"env"``, ``"remote"``, ``"outside-root"``; docs/security.md). With
    ``check`` (the default) a catalog ``ratecard check`` finds an error in is
    refused (:class:`RatecardError`, exit code 1), as every rating command does.
    """
    from rating.check.gate import require_no_errors
    from rating.load.catalog import load_catalog

    location = Path(path)
    policy = ImportPolicy.from_options(allow_imports)
    model = load_catalog(location, imports=policy)
    warnings: list[str] = []
    if check:
        require_no_errors(model, location, echo=warnings.append)
    return Ratecard(location, model, policy, tuple(warnings))


@dataclass(frozen=True)
class Ratecard:
    """A loaded catalog, ready to rate; ``model`` is the typed catalog (:mod:`rating.model`)."""

    path: Path
    model: Catalog
    imports: ImportPolicy = field(default_factory=ImportPolicy)
    warnings: tuple[str, ...] = ()  # ``check`` warnings, one line each, when it was checked

    def findings(self, *, run_examples: bool = True) -> list[Finding]:
        """Everything ``ratecard check`` reports on this catalog."""
        from rating.check.gate import catalog_findings

        return catalog_findings(self.model, run_examples=run_examples)

    def rate(
        self,
        samples: Samples | Sequence[Samples],
        *,
        period: str | Period | None = None,
        interval: timedelta = timedelta(hours=1),
        interval_for: dict[str, timedelta] | None = None,
        engine: str = "duckdb",
        spark_master: str | None = None,
        rejects: str | Path | None = None,
        progress: Progress | None = None,
    ) -> Rated:
        """Rate ``samples`` for ``period`` (default: the samples' month) into line items.

        Every input is validated; invalid records are counted and kept in
        :attr:`Rated.rejects` (all of them written to ``rejects``, a JSON Lines
        file, if given) — never dropped silently. ``engine="spark"`` runs the
        same plan on Apache Spark (``spark_master``, default local).
        """
        options = RateOptions(interval, dict(interval_for or {}))
        chosen = Period.parse(period) if isinstance(period, str) else period
        if engine not in ("duckdb", "spark"):
            raise RatecardError(f"engine {engine!r}: expected 'duckdb' or 'spark'")
        with _sample_paths(samples) as (paths, names):
            if engine == "spark":
                return self._rate_on_spark(paths, names, chosen, options, spark_master)
            return self._rate_embedded(paths, names, chosen, options, rejects, progress)

    def _rate_embedded(self, paths, names, period, options, rejects, progress) -> Rated:
        from rating.load.samples import open_samples
        from rating.rate.engine import rate

        sink = RejectSink(Path(rejects) if rejects is not None else None)
        reader = open_samples(paths, self.model.resource_types, rejects=sink)
        result = rate(self.model, reader, period, options, progress=progress)
        counts = result.counts.with_rejects(reader.total.rejected)
        return Rated(
            catalog=self.model,
            period=_period_of(result.line_items, period),
            line_items=result.line_items,
            counts=counts,
            unmatched=tuple(result.unmatched),
            rejects=tuple(_renamed(r, names) for r in sink.first),
        )

    def _rate_on_spark(self, paths, names, period, options, master) -> Rated:
        from rating.rate.spark import rate_on_spark, start_session

        spark = start_session(master, {})
        rating = rate_on_spark(spark, self.model, paths, period, options)
        result = rating.collect()
        return Rated(
            catalog=self.model,
            period=rating.period,
            line_items=result.line_items,
            counts=result.counts,
            unmatched=tuple(result.unmatched),
            rejects=(),
        )


@dataclass(frozen=True)
class Rated:
    """One rating run: line items (a ``pyarrow.Table``), counts, unmatched and rejects.

    ``counts`` reconcile: read = rated + unmatched + rejected + duplicates +
    outside period. ``rejects`` holds the first 100 rejected records.
    """

    catalog: Catalog
    period: Period
    line_items: pa.Table
    counts: Counts
    unmatched: tuple[UnmatchedGroup, ...]
    rejects: tuple[Reject, ...]

    def totals(self) -> dict[str, Decimal]:
        """The sum of line-item amounts per currency (unrounded)."""
        totals: dict[str, Decimal] = {}
        for row in self.line_items.select(["currency", "amount"]).to_pylist():
            totals[row["currency"]] = totals.get(row["currency"], Decimal(0)) + row["amount"]
        return dict(sorted(totals.items()))

    def reports(
        self,
        *,
        tenants: Iterable[str] | None = None,
        fx: Iterable[FxRate] | str | Path | None = None,
        base_currency: str | None = None,
        rounding: str = "half-even",
        generated_at: datetime | None = None,
    ) -> Reports:
        """One usage report per tenant (only ``tenants`` if given), with the chargeback.

        ``fx`` is a list of :class:`~rating.model.FxRate` or a ``from,to,rate``
        CSV file; its rates override the catalog's for the same pair.
        """
        from rating.currencies import is_currency
        from rating.report import build_reports, read_fx_csv, rounding_mode

        if base_currency is not None and not is_currency(base_currency):
            raise RatecardError(
                f"base currency {base_currency!r}: not an ISO 4217 currency code (e.g. EUR)"
            )
        rates = read_fx_csv(fx) if isinstance(fx, str | Path) else fx
        items = self.line_items
        if tenants is not None:
            wanted = sorted(set(tenants))
            items = items.filter(pa.compute.is_in(items.column("tenant"), pa.array(wanted)))
            missing = sorted(set(wanted) - set(items.column("tenant").to_pylist()))
            if missing:
                raise RatecardError(
                    f"no line items for tenant(s) {', '.join(missing)} in {self.period.label}"
                )
        built = build_reports(
            self.catalog,
            items,
            self.period,
            fx=rates,
            base_currency=base_currency,
            rounding=rounding_mode(rounding),
            generated_at=generated_at,
        )
        return Reports(tuple(built))

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
        s3: Any = None,
    ) -> Any:
        """Publish to a directory or ``s3://bucket/prefix`` (docs/export.md).

        ``format``: ``focus`` / ``focus-csv`` (FOCUS 1.2), ``parquet`` / ``csv`` /
        ``json`` (line items). ``s3`` is an :class:`rating.export.S3Options`.
        Returns the :class:`rating.export.Publication` (run id, files, manifest).
        """
        from rating.export import Dataset, S3Options, SinkError, open_sink, publish

        if format not in EXPORT_FORMATS:
            raise RatecardError(f"format {format!r}: expected one of {', '.join(EXPORT_FORMATS)}")
        name, encoding, focus = EXPORT_FORMATS[format]
        table = self.focus(provider_name=provider_name) if focus else self.line_items
        try:
            sink = open_sink(to, s3 or S3Options())
        except SinkError as error:
            raise RatecardError(f"--to: {error}") from error
        dataset = Dataset(
            name,
            self.period.label,
            table,
            encoding,
            rows_per_file,
            catalog_version=self.catalog.version,
            counts=self.counts,
        )
        return publish(dataset, sink)


EXPORT_FORMATS = {
    "focus": ("focus", "parquet", True),
    "focus-csv": ("focus-csv", "csv", True),
    "parquet": ("line-items", "parquet", False),
    "csv": ("line-items-csv", "csv", False),
    "json": ("line-items-jsonl", "jsonl", False),
}
"""Export format → (dataset name in the key layout, file encoding, FOCUS mapping?). Each
has its own prefix: a manifest describes exactly one dataset and prunes its stale parts."""


@dataclass(frozen=True)
class Reports:
    """Tenant usage reports, sorted by tenant; renders and writes them as the CLI does."""

    items: tuple[TenantReport, ...]

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

        return write_directory(list(self.items), format, Path(directory))


# ---------------------------------------------------------------- samples


@contextmanager
def _sample_paths(samples: Samples | Sequence[Samples]) -> Iterator[tuple[list[str], dict]]:
    """Paths the readers take: globs expanded, in-memory tables as temporary Parquet files.

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
                paths.extend(_expanded(str(item)))
                continue
            table = _arrow(item)
            path = str(Path(scratch) / f"table-{number}.parquet")
            pq.write_table(table, path)
            paths.append(path)
            names[path] = f"<table {number}>"
        yield paths, names


def _expanded(text: str) -> list[str]:
    if not _GLOB & set(text):
        return [text]
    found = sorted(glob.glob(text, recursive=True))
    if not found:
        raise RatecardError(f"{text}: no file matches this pattern")
    return found


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


def _period_of(line_items: pa.Table, chosen: Period | None) -> Period:
    """The run's period: the one given, else the line items' (the samples' month)."""
    if chosen is not None:
        return chosen
    labels = set(line_items.column("period").to_pylist()) if line_items.num_rows else set()
    if len(labels) == 1:
        return Period.parse(labels.pop())
    raise RatecardError("give a period: the samples do not lie in one calendar month")
