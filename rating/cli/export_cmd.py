"""``ratecard export``: rate samples, publish line items (FOCUS or plain) to a directory or S3."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.progress import bytes_bar, samples_bar
from rating.cli.reconciliation import add_rejects, reconcile, strict_option
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.period import Period

if TYPE_CHECKING:
    from rating.model import Catalog
    from rating.rate.result import RatingResult

# --format → (dataset name in the key layout, file encoding, FOCUS mapping?). Each encoding
# has its own prefix: a manifest describes exactly one dataset and prunes its stale parts.
_FORMATS = {
    "focus": ("focus", "parquet", True),
    "focus-csv": ("focus-csv", "csv", True),
    "parquet": ("line-items", "parquet", False),
    "csv": ("line-items-csv", "csv", False),
    "json": ("line-items-jsonl", "jsonl", False),
}


def rate_line_items(
    catalog_path: Path,
    sample_paths: tuple[str, ...],
    period: Period,
    imports: ImportPolicy | None = None,
) -> tuple[RatingResult, Catalog]:
    """The DuckDB engine's rating (rejects counted in), and the catalog (FOCUS needs it)."""
    from rating.check.gate import load_checked_catalog
    from rating.load.samples import open_samples
    from rating.rate.engine import rate

    catalog = load_checked_catalog(catalog_path, imports)
    reader = open_samples(list(sample_paths), catalog.resource_types)
    with samples_bar() as progress:
        result = rate(catalog, reader, period, progress=progress)
    add_rejects(result.counts, reader.total.rejected)
    return result, catalog


@click.command("export")
@click.argument("catalog", type=click.Path(exists=True, path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--period", "period_text", required=True, help="YYYY-MM or YYYY-MM-DD/YYYY-MM-DD.")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(list(_FORMATS)),
    default="focus",
    show_default=True,
    help="focus = FOCUS 1.2 Parquet, focus-csv = FOCUS 1.2 CSV; parquet/csv/json = line items.",
)
@click.option("--to", "target", required=True, help="A directory or s3://bucket/prefix.")
@click.option("--endpoint-url", help="S3-compatible endpoint (default: AWS).")
@click.option("--region", help="S3 region (default: the AWS configuration chain).")
@click.option("--sse", type=click.Choice(["AES256", "aws:kms"]), help="Server-side encryption.")
@click.option("--sse-kms-key-id", help="KMS key for --sse aws:kms.")
@click.option("--checksum-sha256", is_flag=True, help="Ask S3 to verify a SHA-256 per object.")
@click.option("--provider-name", default="ratecard", show_default=True, help="FOCUS ProviderName.")
@click.option("--rows-per-file", type=click.IntRange(min=1), default=1_000_000, show_default=True)
@click.option(
    "--multipart-threshold",
    type=click.IntRange(min=5 * 1024 * 1024),
    default=64 * 1024 * 1024,
    show_default=True,
    help="Bytes above which an object is uploaded in parts.",
)
@click.option("--max-attempts", type=click.IntRange(min=1), default=5, show_default=True)
@strict_option
@catalog_options
def export(
    catalog: Path,
    samples: tuple[str, ...],
    period_text: str,
    format_name: str,
    target: str,
    endpoint_url: str | None,
    region: str | None,
    sse: str | None,
    sse_kms_key_id: str | None,
    checksum_sha256: bool,
    provider_name: str,
    rows_per_file: int,
    multipart_threshold: int,
    max_attempts: int,
    strict: bool,
    imports: ImportPolicy,
) -> None:
    """Rate SAMPLES against CATALOG for a period and publish the result.

    Objects go to <to>/period=<P>/<dataset>/runs/<run-id>/part-NNNNN.<ext>,
    then manifest.json (rows, size, sha256 per file, reconciliation) replaces
    the previous one atomically. A failed or killed run leaves the previous
    export intact; re-running with the same data leaves the manifest as it is.
    """
    from rating.export import Dataset, S3Options, SinkError, open_sink, publish
    from rating.export.focus import focus_dataset

    period = Period.parse(period_text)
    dataset_name, encoding, focus = _FORMATS[format_name]
    result, rated_catalog = rate_line_items(catalog, samples, period, imports)
    reconcile(period.label, result.counts, result.unmatched, strict=strict)
    table = result.line_items
    if focus:
        table = focus_dataset(rated_catalog, table, period, provider_name=provider_name)
    options = S3Options(
        endpoint_url=endpoint_url,
        region=region,
        sse=sse,
        sse_kms_key_id=sse_kms_key_id,
        checksum_sha256=checksum_sha256,
        multipart_threshold=multipart_threshold,
        max_attempts=max_attempts,
    )
    try:
        sink = open_sink(target, options)
    except SinkError as error:
        raise RatecardError(f"--to: {error}") from error
    dataset = Dataset(
        dataset_name,
        period.label,
        table,
        encoding,
        rows_per_file,
        catalog_version=result.catalog_version,
        counts=result.counts,  # the manifest records the reconciliation
    )
    done = publish(dataset, sink, on_progress=lambda name, size: bytes_bar(size, name))
    files = done.files
    state = "unchanged, same data" if done.unchanged else "written"
    click.echo(
        f"exported {sum(f.rows for f in files)} rows in {len(files)} file(s), "
        f"{sum(f.size for f in files)} bytes, run {done.run_id}, "
        f"manifest {sink.url(done.manifest_key)} ({state})"
    )
