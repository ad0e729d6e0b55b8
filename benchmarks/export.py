"""Benchmark: FOCUS-map and publish ~1 M line items to a local moto S3 endpoint; print MB/s.

    python benchmarks/export.py [--rows 1000000] [--format parquet|csv]

Line items are synthesized (the export does not care where they came from), so
the figure isolates mapping, encoding and upload. moto runs in-process on
127.0.0.1 and is itself the bottleneck for uploads; real S3 is usually faster.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import boto3
import pyarrow as pa
from moto.server import ThreadedMotoServer

from rating.export import Dataset, S3Options, S3Sink, publish, to_focus
from rating.rate.result import LINE_ITEM_SCHEMA, MONEY


def synthetic_line_items(rows: int) -> pa.Table:
    """``rows`` plausible line items: 200 tenants, VMs with vCPU hours, a few products."""
    start = datetime(2026, 10, 1, tzinfo=UTC)
    index = pa.array(range(rows), pa.int64()).to_pylist()
    quantity = [Decimal(24 * (1 + i % 16)) for i in index]
    price = [Decimal("0.0125")] * rows
    columns = {
        "period": ["2026-10"] * rows,
        "tenant": [f"proj-{i % 200}" for i in index],
        "platform_type": ["OpenStack"] * rows,
        "location": [f"eu-de-{1 + i % 3}" for i in index],
        "platform_instance": ["pike"] * rows,
        "resource_id": [f"vm-{i:08d}" for i in index],
        "resource_type": ["openstack.nova.server"] * rows,
        "resource_name": [f"web-{i}" for i in index],
        "product_id": [f"vm-vcpu-{i % 5}" for i in index],
        "product_name": ["VM vCPU"] * rows,
        "seller_id": ["platform-team"] * rows,
        "seller_product_group": ["Compute"] * rows,
        "usage_type": ["vCPU hours"] * rows,
        "quantity": pa.array(quantity, MONEY),
        "unit": ["{vCPU}.h"] * rows,
        "unit_price": pa.array(price, MONEY),
        "amount": pa.array([q * p for q, p in zip(quantity, price, strict=True)], MONEY),
        "currency": ["EUR"] * rows,
        "start": [start + timedelta(days=i % 30) for i in index],
        "end": [start + timedelta(days=i % 30 + 1) for i in index],
        "catalog_version": ["bench-1"] * rows,
    }
    return pa.table(columns, schema=LINE_ITEM_SCHEMA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    parser.add_argument("--rows-per-file", type=int, default=250_000)
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="bench")
        began = time.perf_counter()
        items = synthetic_line_items(args.rows)
        synthesized = time.perf_counter()
        focus = to_focus(items)
        mapped = time.perf_counter()
        dataset = Dataset("focus", "2026-10", focus, args.format, args.rows_per_file)
        sink = S3Sink("s3://bench/exports", S3Options(endpoint_url=endpoint))
        files = publish(dataset, sink).files
        published = time.perf_counter()
    finally:
        server.stop()
    size = sum(f.size for f in files) / 1e6
    print(f"rows              {args.rows:>12,}")
    print(f"synthesize        {synthesized - began:>11.2f} s")
    rate = args.rows / (mapped - synthesized)
    print(f"FOCUS mapping     {mapped - synthesized:>11.2f} s  ({rate:,.0f} rows/s)")
    print(f"encode + publish  {published - mapped:>11.2f} s  ({len(files)} files, {size:.1f} MB)")
    print(
        f"throughput        {size / (published - mapped):>11.2f} MB/s "
        f"({args.rows / (published - synthesized):,.0f} line items/s mapped and published)"
    )


if __name__ == "__main__":
    main()
