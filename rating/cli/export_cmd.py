"""``ratecard export``: rate samples, publish line items (FOCUS or plain) to a directory or S3."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
import pyarrow as pa

from rating.errors import RatecardError
from rating.period import Period

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
    catalog_path: Path, sample_paths: tuple[str, ...], period: Period
) -> tuple[pa.Table, dict[str, str]]:
    """Line items rated by the DuckDB engine, and each product's FOCUS ChargeFrequency."""
    from rating.export.focus import frequencies_from_catalog
    from rating.load.catalog import load_catalog
    from rating.load.samples import open_samples
    from rating.rate.engine import rate

    catalog = load_catalog(catalog_path)
    batches = open_samples(list(sample_paths), catalog.resource_types)
    return rate(catalog, batches, period).line_items, frequencies_from_catalog(catalog)


def _progress_bar(total_bytes: int, label: str) -> Callable[[int], None] | None:
    """A tqdm byte counter on a terminal; nothing when stderr is a file or pipe."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = tqdm(total=total_bytes, unit="B", unit_scale=True, desc=label, leave=False)

    def update(sent: int) -> None:
        bar.update(sent)
        if bar.n >= total_bytes:
            bar.close()

    return update


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
) -> None:
    """Rate SAMPLES against CATALOG for a period and publish the result.

    Objects go to <to>/period=<P>/<dataset>/part-NNNNN.<ext>, then
    manifest.json (rows, bytes, sha256 per file) last. Re-running rewrites the
    same bytes; a failed run leaves no manifest.
    """
    from rating.export import Dataset, S3Options, SinkError, open_sink, publish, to_focus

    period = Period.parse(period_text)
    dataset_name, encoding, focus = _FORMATS[format_name]
    table, frequencies = rate_line_items(catalog, samples, period)
    if focus:
        table = to_focus(table, provider_name=provider_name, frequencies=frequencies)
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
    dataset = Dataset(dataset_name, period.label, table, encoding, rows_per_file)
    keys = dataset.part_keys()
    files = publish(
        dataset,
        sink,
        on_progress=lambda index, size: _progress_bar(size, keys[index].rsplit("/", 1)[-1]),
    )
    total = sum(f.bytes for f in files)
    click.echo(
        f"exported {sum(f.rows for f in files)} rows in {len(files)} file(s), {total} bytes, "
        f"manifest {sink.url(dataset.prefix + '/manifest.json')}"
    )
