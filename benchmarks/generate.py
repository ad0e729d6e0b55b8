"""Benchmark: generate about 10 million samples to Parquet and report the time.

Run: ``python benchmarks/generate.py [--samples 10000000] [--out PATH]``.
The fleet size is chosen from the sample target (one month, hourly); the
figure printed is wall-clock seconds for planning, expanding and writing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from rating.generate import plan_fleet, sample_schema, write_samples
from rating.period import Period


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    period = Period.parse(args.period)
    probe = plan_fleet(10_000, period, args.seed)
    resources = round(args.samples * 10_000 / probe.samples)

    with tempfile.TemporaryDirectory() as scratch:
        out = args.out or Path(scratch) / "fleet.parquet"
        began = time.perf_counter()
        fleet = plan_fleet(resources, period, args.seed)
        write_samples(fleet.batches(), sample_schema(), str(out))
        seconds = time.perf_counter() - began
        metadata = pq.ParquetFile(out).metadata
        size_mb = out.stat().st_size / 1e6
    print(
        f"generate: {resources} resources, {metadata.num_rows:,} samples, "
        f"{metadata.num_row_groups} row groups, {size_mb:.1f} MB Parquet in {seconds:.2f} s "
        f"({metadata.num_rows / seconds / 1e6:.2f} M samples/s)"
    )


if __name__ == "__main__":
    main()
