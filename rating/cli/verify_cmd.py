"""``ratecard verify-export``: prove that a published manifest tells the truth about its objects."""

from __future__ import annotations

import click

from rating.errors import RatecardError


@click.command("verify-export")
@click.argument("location")
@click.option("--endpoint-url", help="S3-compatible endpoint (default: AWS).")
@click.option("--region", help="S3 region (default: the AWS configuration chain).")
def verify_export(location: str, endpoint_url: str | None, region: str | None) -> None:
    """Check every file LOCATION/manifest.json names: present, same size, same sha256.

    LOCATION is a dataset's directory or s3://bucket/prefix, e.g.
    s3://billing/exports/period=2026-10/focus (a trailing /manifest.json is fine).
    Exits non-zero with one line naming what differs.
    """
    from rating.export import S3Options, SinkError, open_sink, verify

    location = location.removesuffix("/manifest.json")
    try:
        sink = open_sink(location, S3Options(endpoint_url=endpoint_url, region=region))
    except SinkError as error:
        raise RatecardError(f"verify-export: {error}") from error
    verified = verify(sink)
    click.echo(
        f"ok: {verified.manifest_url}: {verified.files} file(s), {verified.rows} rows, "
        f"{verified.size} bytes, run {verified.run_id}"
    )
