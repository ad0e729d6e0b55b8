"""``ratecard export --format html``: the showback site published like any export (issue #21).

The example fleet is rated once and its site published to a directory and to
a real S3 HTTP endpoint (moto's standalone server): the pages are the bytes
``ratecard report --format html`` writes, under the run's own keys with a
manifest that ``verify`` accepts, S3 serves them as ``text/html; charset=utf-8``,
and the entry page forwards a real headless Chromium to the site, from
``file://`` and straight from the bucket over HTTP.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import s3server
from s3server import S3Endpoint, s3_client
from test_report_html import CATALOG, FLEET, chromium_browser, run_chromium

import rating
from rating.export import DirectorySink, S3Options, verify

s3_endpoint = s3server.s3_endpoint  # the module-scoped fixture, used by name below
SITE = "period=2026-10/html"


@pytest.fixture(scope="module")
def rated() -> rating.api.Rated:
    return rating.open_catalog(CATALOG).rate(FLEET, period="2026-10")


@pytest.fixture(scope="module")
def pages(rated, tmp_path_factory) -> dict[str, bytes]:
    """What ``ratecard report --format html --out DIR`` writes for the same run."""
    out = tmp_path_factory.mktemp("report")
    return {path.name: path.read_bytes() for path in rated.reports().write(out, "html")}


@pytest.fixture
def bucket(s3_endpoint: S3Endpoint, request: pytest.FixtureRequest) -> str:
    name = "h-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    s3_client(s3_endpoint.url).create_bucket(Bucket=name)
    return name


def test_s3_export_publishes_the_pages_as_html(rated, pages, s3_endpoint, bucket, tmp_path):
    options = S3Options(endpoint_url=s3_endpoint.url)
    done = rated.export(f"s3://{bucket}/reports", format="html", s3=options)
    client = s3_client(s3_endpoint.url)
    listed = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    run = f"reports/{SITE}/runs/{done.run_id}"
    assert sorted(listed) == sorted(
        [f"reports/{SITE}/index.html", f"reports/{SITE}/manifest.json"]
        + [f"{run}/{name}" for name in pages]
    )
    for name, data in pages.items():
        got = client.get_object(Bucket=bucket, Key=f"{run}/{name}")
        assert got["Body"].read() == data, name
        assert got["ContentType"] == "text/html; charset=utf-8", name
    entry = client.get_object(Bucket=bucket, Key=f"reports/{SITE}/index.html")
    assert entry["ContentType"] == "text/html; charset=utf-8"
    target = f"runs/{done.run_id}/index.html"
    assert f'content="0; url={target}"' in entry["Body"].read().decode()
    manifest = client.get_object(Bucket=bucket, Key=f"reports/{SITE}/manifest.json")
    assert manifest["ContentType"] == "application/json"
    assert json.loads(manifest["Body"].read())["encoding"] == "html"

    sink = rating.export.open_sink(f"s3://{bucket}/reports", options)
    checked = verify(sink, SITE)
    assert (checked.files, checked.run_id) == (len(pages), done.run_id)
    again = rated.export(f"s3://{bucket}/reports", format="html", s3=options)
    assert again.unchanged and again.run_id == done.run_id

    # Straight from the bucket over HTTP, readable by anyone as a static S3 site is: the
    # entry page forwards to the site, which the browser renders as HTML.
    public = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(public))
    browser = chromium_browser()
    url = f"{s3_endpoint.url}/{bucket}/reports/{SITE}/index.html"
    dom = run_chromium(
        browser, tmp_path / "profile", "--virtual-time-budget=3000", "--dump-dom", url
    )
    assert "<h1>Showback 2026-10" in dom and 'data-enhanced="sort filter"' in dom


def test_the_command_exports_a_site_that_opens_from_file(pages, tmp_path):
    command = Path(sys.executable).with_name("ratecard")
    arguments = [str(command), "export", str(CATALOG), str(FLEET), "--period", "2026-10"]
    arguments += ["--format", "html", "--to", str(tmp_path / "out")]
    done = subprocess.run(arguments, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    entry = tmp_path / "out" / SITE / "index.html"
    assert done.stdout.startswith(f"exported {len(pages)} page(s), ")
    assert done.stdout.rstrip().endswith(f"(written), site {entry}")
    published = verify(DirectorySink(tmp_path / "out"), SITE)
    run = tmp_path / "out" / SITE / "runs" / str(published.run_id)
    assert {p.name: p.read_bytes() for p in run.iterdir()} == pages

    browser = chromium_browser()
    dom = run_chromium(
        browser, tmp_path / "profile", "--virtual-time-budget=3000", "--dump-dom", entry.as_uri()
    )
    assert "<h1>Showback 2026-10" in dom and 'href="proj-42.html"' in dom
