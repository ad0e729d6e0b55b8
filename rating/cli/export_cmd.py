"""``ratecard export``: rate samples, publish line items (FOCUS or plain) to a directory or S3."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from rating.api import EXPORT_FORMATS
from rating.cli.catalog_options import catalog_options
from rating.cli.interval_options import interval_options
from rating.cli.progress import bytes_bar
from rating.cli.rating_run import open_checked, rate_with_progress, site_gauges
from rating.cli.reconciliation import reconcile, strict_option
from rating.errors import RatecardError
from rating.identifiers import identifier_error
from rating.load.imports import ImportPolicy
from rating.period import Period


@click.command("export")
@click.argument("catalog", type=click.Path(exists=True, path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--period", "period_text", required=True, help="YYYY-MM or YYYY-MM-DD/YYYY-MM-DD.")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(list(EXPORT_FORMATS)),
    default="focus",
    show_default=True,
    help="focus = FOCUS 1.2 Parquet, focus-csv = FOCUS 1.2 CSV; parquet/csv/json = line items; "
    "html = the showback site of the tenant reports.",
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
@interval_options
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
    interval: timedelta,
    interval_for: dict[str, timedelta],
    strict: bool,
    imports: ImportPolicy,
) -> None:
    """Rate SAMPLES against CATALOG for a period and publish the result.

    Objects go to <to>/period=<P>/<dataset>/runs/<run-id>/part-NNNNN.<ext>,
    then manifest.json (rows, size, sha256 per file, reconciliation) replaces
    the previous one atomically. A failed or killed run leaves the previous
    export intact; re-running with the same data leaves the manifest as it is.
    """
    from rating.export import S3Options, SinkError
    from rating.export.sinks import check_target

    period = Period.parse(period_text)
    reason = identifier_error(provider_name)
    if reason is not None:
        raise RatecardError(f"--provider-name {provider_name!r} {reason}")
    try:  # a place that cannot be one fails before the rating, not after it
        check_target(target)
    except SinkError as error:
        raise RatecardError(f"--to: {error}") from error
    try:
        s3 = S3Options(
            endpoint_url=endpoint_url,
            region=region,
            sse=sse,
            sse_kms_key_id=sse_kms_key_id,
            checksum_sha256=checksum_sha256,
            multipart_threshold=multipart_threshold,
            max_attempts=max_attempts,
        )
    except SinkError as error:
        raise RatecardError(str(error)) from error
    card = open_checked(catalog, imports)
    rated = rate_with_progress(
        card, samples, period=period, interval=interval, interval_for=interval_for
    )
    reconcile(period.label, rated.counts, rated.unmatched, strict=strict)
    gauges = None
    if format_name == "html":
        gauges = site_gauges("export", card, samples, rated, interval, interval_for)
    done = rated.export(
        target,
        format=format_name,
        provider_name=provider_name,
        rows_per_file=rows_per_file,
        s3=s3,
        on_progress=lambda name, size: bytes_bar(size, name),
        controls=gauges,
    )
    files = done.files
    state = "unchanged, same data" if done.unchanged else "written"
    if format_name == "html":
        from rating.export.site import entry_url

        click.echo(
            f"exported {len(files)} page(s), {sum(f.size for f in files)} bytes, "
            f"run {done.run_id}, manifest {done.manifest_url} ({state}), site {entry_url(done)}"
        )
        return
    click.echo(
        f"exported {sum(f.rows for f in files)} rows in {len(files)} file(s), "
        f"{sum(f.size for f in files)} bytes, run {done.run_id}, "
        f"manifest {done.manifest_url} ({state})"
    )
