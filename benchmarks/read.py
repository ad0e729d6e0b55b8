"""Benchmark the sample readers: Parquet, JSON Lines and CSV read and validated.

Usage::

    python benchmarks/read.py [--samples 1000000] [--large] [--formats parquet,jsonl,csv]
                              [--workdir DIR]

Writes an hourly synthetic fleet (``rating.generate``) of about ``--samples``
samples (10 million with ``--large``) in each format, then reads every file
in a child process with ``open_samples`` into normalized batches, the way
``ratecard samples validate`` does, and records the wall and CPU seconds of
reading (CPU of all threads: comparable when other work shares the cores) and
the child's peak RSS. Prints one table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

FORMATS = ("parquet", "jsonl", "csv")


def write_formats(samples: int, work: Path, formats: list[str]) -> dict[str, Path]:
    """The fleet as Parquet first, then rewritten in every other format asked for."""
    import pyarrow.parquet as pq
    from rate import generate_fleet  # benchmarks/rate.py: the rating benchmark's fleet

    from rating.generate.fleet import sample_schema
    from rating.generate.write import write_samples

    parquet = work / f"fleet-{samples}.parquet"
    if not parquet.exists():
        generate_fleet(samples, parquet)
    paths = {}
    for fmt in formats:
        path = work / f"fleet-{samples}.{fmt}"
        if not path.exists():
            batches = pq.ParquetFile(parquet).iter_batches(batch_size=1 << 19)
            write_samples(batches, sample_schema(), str(path))
        paths[fmt] = path
    return paths


def child(path: str) -> None:
    """Read ``path`` as ``samples validate`` does; print samples read, wall and CPU seconds."""
    from rating.load.samples import open_samples
    from rating.load.traits import builtin_resource_types

    types = builtin_resource_types()
    wall, cpu = time.perf_counter(), time.process_time()  # CPU of every thread
    reader = open_samples([path], types)
    for _ in reader:
        pass
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if reader.total.rejected:
        raise SystemExit(f"{path}: {reader.total.rejected} rejects in a generated fleet")
    print(reader.total.read, wall, cpu)


def measure(path: Path) -> tuple[int, float, float, int]:
    """Samples read, wall and CPU seconds of reading, peak RSS (KiB) of a child reading ``path``.

    The child's start (imports, loading the resource types) is not timed.
    """
    process = subprocess.Popen(
        # -P: modules beside this script must not shadow installed ones in the child
        [sys.executable, "-P", __file__, "--child", str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    read, wall, cpu = process.stdout.read().split()
    _, status, usage = os.wait4(process.pid, 0)  # this child's peak RSS, not all children's
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"reading {path} failed")
    return int(read), float(wall), float(cpu), usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1_000_000)
    parser.add_argument("--large", action="store_true", help="10 million samples")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    samples = 10_000_000 if args.large else args.samples
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ratecard-read-"))
    work.mkdir(parents=True, exist_ok=True)
    paths = write_formats(samples, work, args.formats.split(","))
    rows = []
    for fmt, path in paths.items():
        read, seconds, cpu, peak_kib = measure(path)
        rows.append(
            [
                fmt,
                f"{read:,}",
                f"{seconds:.2f}",
                f"{cpu:.2f}",
                f"{read / seconds:,.0f}",
                f"{peak_kib / 1024:,.0f}",
            ]
        )
    headers = ["format", "samples", "wall s", "CPU s", "samples/s", "peak RSS MiB"]
    print(tabulate(rows, headers=headers))
    print(f"workdir {work}; cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
