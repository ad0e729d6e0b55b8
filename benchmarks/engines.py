"""Compare the embedded engine (DuckDB) with Spark on the same fleet and catalog.

Usage::

    python benchmarks/engines.py [--samples 10000000] [--workdir DIR]

Uses ``benchmarks/rate.py``'s 500-entry Dhall catalog and hourly fleet
generator, then runs ``ratecard rate`` once per engine as a child process:
DuckDB writes one Parquet file, Spark (``local[2]``, both cores) writes a
Parquet dataset through a ``file://`` URI, as it would to object storage on
a cluster. Reports wall time, samples/s, samples/s per core (what sizes a
cluster: DuckDB uses every core, Spark the two of ``local[2]``) and the peak
RSS of the whole process tree (for Spark: the Python driver plus the JVM), sampled from /proc every
0.2 s, and checks both engines wrote the same line items.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rate import RATECARD, generate_fleet, write_catalog

ENGINES = {
    "duckdb": lambda out: ["--out", str(out / "li-duckdb.parquet")],
    "spark": lambda out: [
        "--engine",
        "spark",
        "--spark-master",
        "local[2]",
        "--spark-conf",
        "spark.driver.memory=4g",
        "--out",
        (out / "li-spark").as_uri(),
    ],
}
CORES = {"duckdb": os.cpu_count() or 1, "spark": 2}  # the engines' parallelism here


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")),
                0,
            )
            for task in Path(f"/proc/{current}/task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue  # the process ended while we looked
    return total


def run(catalog: Path, fleet: Path, engine: str, work: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the child's process tree, and the run's summary."""
    log = work / f"{engine}.log"
    command = [str(RATECARD), "rate", str(catalog), str(fleet), "--period", "2026-10"]
    started, peak = time.perf_counter(), 0
    with log.open("w") as stderr:
        child = subprocess.Popen([*command, *ENGINES[engine](work)], stderr=stderr)
        while child.poll() is None:
            peak = max(peak, tree_rss_kib(child.pid))
            time.sleep(0.2)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{engine}: ratecard rate failed:\n{log.read_text()[-2000:]}")
    summary = "\n".join(line for line in log.read_text().splitlines() if "WARN" not in line)
    return seconds, peak, summary


def same_line_items(work: Path) -> bool:
    duck = pq.read_table(work / "li-duckdb.parquet")
    spark = pq.read_table(work / "li-spark").select(duck.column_names).cast(duck.schema)
    key = [(c, "ascending") for c in ("tenant", "product_id", "resource_id", "start")]
    return duck.sort_by(key).equals(spark.sort_by(key))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ratecard-engines-"))
    work.mkdir(parents=True, exist_ok=True)
    catalog = write_catalog(work / "catalog")
    fleet = work / f"fleet-{args.samples}.parquet"
    count = (
        pq.ParquetFile(fleet).metadata.num_rows
        if fleet.exists()
        else generate_fleet(args.samples, fleet)
    )
    print(f"workdir {work}; fleet {count:,} samples; {os.cpu_count()} cores", file=sys.stderr)
    rows = []
    for engine in ENGINES:
        seconds, peak_kib, summary = run(catalog, fleet, engine, work)
        print(f"{engine}:\n{summary}", file=sys.stderr)
        rate = count / seconds
        figures = [seconds, rate, rate / CORES[engine], peak_kib / 1024]
        rows.append([engine, *(f"{x:,.1f}" if x < 100 else f"{x:,.0f}" for x in figures)])
    headers = ["engine", "wall s", "samples/s", "samples/s per core", "peak RSS MiB"]
    print(tabulate(rows, headers=headers))
    print(f"same line items: {same_line_items(work)}")


if __name__ == "__main__":
    main()
