"""Publishing to a directory and to a real S3 HTTP endpoint (moto's standalone server)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest
import s3server
from click.testing import CliRunner
from s3server import ACCESS_KEY, S3Endpoint, s3_client
from test_export_focus import example_items, item

from rating.errors import RatecardError
from rating.export import Dataset, DirectorySink, S3Options, S3Sink, publish, to_focus, verify
from rating.model import Catalog
from rating.period import Period
from rating.rate.result import LINE_ITEM_SCHEMA, Counts

s3_endpoint = s3server.s3_endpoint  # the module-scoped fixture, used by name below
PERIOD = "2026-10"
FOCUS_PREFIX = f"period={PERIOD}/focus"


def many_items(n: int) -> pa.Table:
    """``n`` distinct usage lines; big enough to exceed a small multipart threshold."""
    rows = [item(resource_id=f"vm-{i:06d}", resource_name=f"web-{i}") for i in range(n)]
    return pa.Table.from_pylist(rows, schema=LINE_ITEM_SCHEMA)


def focus_dataset(table: pa.Table, rows_per_file: int = 1_000_000) -> Dataset:
    return Dataset("focus", PERIOD, to_focus(table), "parquet", rows_per_file, "cat-1")


@pytest.fixture
def bucket(s3_endpoint: S3Endpoint, request: pytest.FixtureRequest) -> str:
    name = "b-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    s3_client(s3_endpoint.url).create_bucket(Bucket=name)
    s3_endpoint.proxy.reset()
    return name


def objects(endpoint_url: str, bucket: str) -> dict[str, tuple[bytes, str]]:
    """key → (bytes, ETag) for every object in the bucket."""
    client = s3_client(endpoint_url)
    found = {}
    for entry in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        got = client.get_object(Bucket=bucket, Key=entry["Key"])
        found[entry["Key"]] = (got["Body"].read(), got["ETag"])
    return found


def data_objects(found: dict[str, tuple[bytes, str]], prefix: str) -> list[bytes]:
    """The bytes of the files the manifest under ``prefix`` names, in manifest order."""
    manifest = json.loads(found[f"{prefix}/manifest.json"][0])
    return [found[f"{prefix}/{entry['key']}"][0] for entry in manifest["files"]]


def test_directory_export_layout_and_manifest(tmp_path: Path) -> None:
    dataset = focus_dataset(many_items(5), rows_per_file=2)
    done = publish(dataset, DirectorySink(tmp_path))
    assert [f.rows for f in done.files] == [2, 2, 1]
    manifest = json.loads((tmp_path / FOCUS_PREFIX / "manifest.json").read_text())
    assert manifest["rows"] == 5
    assert manifest["catalog_version"] == "cat-1"
    assert manifest["ratecard_version"] and manifest["run_id"] == done.run_id
    for entry in manifest["files"]:
        assert entry["key"].startswith(f"runs/{done.run_id}/part-")
        data = (tmp_path / FOCUS_PREFIX / entry["key"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size"]
    # A smaller re-export removes the run the new manifest no longer names.
    again = publish(focus_dataset(many_items(1), rows_per_file=2), DirectorySink(tmp_path))
    assert sorted(
        str(p.relative_to(tmp_path / FOCUS_PREFIX)) for p in (tmp_path / FOCUS_PREFIX).rglob("*")
    ) == [
        "manifest.json",
        "runs",
        f"runs/{again.run_id}",
        f"runs/{again.run_id}/part-00000.parquet",
    ]


def test_s3_and_directory_exports_are_identical_and_idempotent(
    s3_endpoint: S3Endpoint, bucket: str, tmp_path: Path
) -> None:
    options = S3Options(
        endpoint_url=s3_endpoint.url, multipart_threshold=5 * 1024 * 1024, sse="AES256"
    )
    dataset = focus_dataset(many_items(3000), rows_per_file=1000)
    publish(dataset, S3Sink(f"s3://{bucket}/exports", options))
    publish(dataset, DirectorySink(tmp_path))
    first = objects(s3_endpoint.url, bucket)
    assert len(first) == 4  # the manifest and three parts; no lease, nothing else
    in_s3 = data_objects(first, f"exports/{FOCUS_PREFIX}")
    in_directory = {
        str(p.relative_to(tmp_path)): (p.read_bytes(), "") for p in tmp_path.rglob("*.*")
    }
    assert in_s3 == data_objects(in_directory, FOCUS_PREFIX)
    head = s3_client(s3_endpoint.url).head_object(Bucket=bucket, Key=next(iter(first)))
    assert head["ServerSideEncryption"] == "AES256"
    publish(
        focus_dataset(many_items(3000), rows_per_file=1000),
        S3Sink(f"s3://{bucket}/exports", options),
    )
    assert objects(s3_endpoint.url, bucket) == first  # same data: the manifest is kept as is


def test_large_file_goes_multipart_with_checksums(s3_endpoint: S3Endpoint, bucket: str) -> None:
    options = S3Options(
        endpoint_url=s3_endpoint.url,
        multipart_threshold=5 * 1024 * 1024,
        multipart_chunksize=5 * 1024 * 1024,
        checksum_sha256=True,
    )
    dataset = Dataset("focus", PERIOD, to_focus(many_items(20000)), "csv")
    publish(dataset, S3Sink(f"s3://{bucket}", options))
    found = objects(s3_endpoint.url, bucket)
    manifest = json.loads(found[f"{FOCUS_PREFIX}/manifest.json"][0])
    data, etag = found[f"{FOCUS_PREFIX}/{manifest['files'][0]['key']}"]
    assert len(data) > 10 * 1024 * 1024
    parts = -(-len(data) // (5 * 1024 * 1024))
    assert parts >= 2 and etag.strip('"').endswith(f"-{parts}")  # multipart ETag: md5-of-md5s-N
    assert manifest["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    head = s3_client(s3_endpoint.url).head_object(
        Bucket=bucket, Key=f"{FOCUS_PREFIX}/manifest.json", ChecksumMode="ENABLED"
    )
    manifest_sha = hashlib.sha256(found[f"{FOCUS_PREFIX}/manifest.json"][0]).digest()
    assert head["ChecksumSHA256"] == base64.b64encode(manifest_sha).decode()


def test_transient_part_failure_is_retried(s3_endpoint: S3Endpoint, bucket: str) -> None:
    s3_endpoint.proxy.faults.fail_part_numbers = {2}
    s3_endpoint.proxy.faults.fail_times = 2  # two 500s, then the endpoint recovers
    options = S3Options(
        endpoint_url=s3_endpoint.proxy.url,
        multipart_threshold=5 * 1024 * 1024,
        multipart_chunksize=5 * 1024 * 1024,
    )
    publish(
        Dataset("focus", PERIOD, to_focus(many_items(20000)), "csv"),
        S3Sink(f"s3://{bucket}", options),
    )
    assert s3_endpoint.proxy.faults.failures == {"part 2": 2}
    assert f"{FOCUS_PREFIX}/manifest.json" in objects(s3_endpoint.url, bucket)


def test_refused_part_keeps_the_previous_export_and_says_so(
    s3_endpoint: S3Endpoint, bucket: str
) -> None:
    url = f"s3://{bucket}/x"
    direct = S3Options(endpoint_url=s3_endpoint.url)
    publish(focus_dataset(many_items(10), rows_per_file=5), S3Sink(url, direct))  # an older export
    before = objects(s3_endpoint.url, bucket)
    s3_endpoint.proxy.faults.fail_keys = {"part-00001.parquet"}  # refused forever
    flaky = S3Options(endpoint_url=s3_endpoint.proxy.url, max_attempts=2)
    with pytest.raises(RatecardError) as error:
        publish(focus_dataset(many_items(12), rows_per_file=5), S3Sink(url, flaky))
    message = str(error.value)
    assert "\n" not in message
    assert "part-00001.parquet" in message and "InternalError" in message
    assert "1 part(s) stored under" in message and "removed again" in message
    assert f"s3://{bucket}/x/{FOCUS_PREFIX}/manifest.json was not changed" in message
    assert objects(s3_endpoint.url, bucket) == before  # the older export, untouched and whole
    assert verify(S3Sink(url, direct), FOCUS_PREFIX).rows == 10


def test_wrong_bucket_is_one_clear_error(s3_endpoint: S3Endpoint) -> None:
    sink = S3Sink("s3://no-such-bucket/p", S3Options(endpoint_url=s3_endpoint.url))
    with pytest.raises(
        RatecardError, match=r"nothing published: s3://no-such-bucket: .*does not exist"
    ):
        publish(focus_dataset(example_items()), sink)


def test_bad_credentials_are_one_clear_error(
    s3_endpoint: S3Endpoint, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONG")
    sink = S3Sink(f"s3://{bucket}", S3Options(endpoint_url=s3_endpoint.proxy.url))
    with pytest.raises(RatecardError, match=r"nothing published: .*(403|InvalidAccessKeyId)"):
        publish(focus_dataset(example_items()), sink)
    assert objects(s3_endpoint.url, bucket) == {}
    assert ACCESS_KEY != "AKIAWRONG"


def test_cli_exports_rated_line_items_to_s3(
    s3_endpoint: S3Endpoint, bucket: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The CLI end to end; rating is replaced by a fixed table (the rater is tested elsewhere)."""
    from rating import api
    from rating.cli import cli

    rated = api.Rated(
        catalog=Catalog("test", "v1", (), ()),
        period=Period.parse(PERIOD),
        counts=Counts(read=4, rated=4),
        unmatched=(),
        rejects=(),
        _line_items=example_items(),
    )

    class Opened:  # what open_catalog returns, rating to the fixed table
        @staticmethod
        def rate(*_args, **_options) -> api.Rated:
            return rated

    monkeypatch.setattr(api, "open_catalog", lambda *_args, **_options: Opened())
    catalog = tmp_path / "catalog.dhall"
    samples = tmp_path / "samples.jsonl"
    catalog.write_text("{}")
    samples.write_text("")
    runner = CliRunner()
    args = [str(catalog), str(samples), "--period", PERIOD, "--to", f"s3://{bucket}/cli"]
    result = runner.invoke(cli, ["export", *args, "--endpoint-url", s3_endpoint.url])
    assert result.exit_code == 0, result.output
    found = objects(s3_endpoint.url, bucket)
    assert len(data_objects(found, f"cli/{FOCUS_PREFIX}")) == 1
    assert "5 rows" in result.output  # 4 line items + the rounding row of 0.02405 EUR → 0.02
    wrong = runner.invoke(
        cli, ["export", *args[:-1], "s3://missing-bucket", "--endpoint-url", s3_endpoint.url]
    )
    assert isinstance(wrong.exception, RatecardError)
    assert "missing-bucket" in str(wrong.exception) and "\n" not in str(wrong.exception)
    csv_run = runner.invoke(
        cli, ["export", *args, "--format", "csv", "--to", str(tmp_path / "out")]
    )
    assert csv_run.exit_code == 0, csv_run.output
    assert verify(DirectorySink(tmp_path / "out"), f"period={PERIOD}/line-items-csv").rows == 4
