"""Benchmark ``ratecard diff`` against one ``ratecard rate`` of the same samples.

Usage::

    python benchmarks/diff.py [--sizes 1000000] [--formats parquet,jsonl] [--runs 3]
                              [--workdir DIR]

The catalogs are ``benchmarks/rate.py``'s 500-entry catalog and a copy with
the vCPU price raised; the fleets are its hourly synthetic fleets. Per format
and size, interleaved ``--runs`` times as child processes: ``ratecard rate
OLD fleet --out li.parquet`` and ``ratecard diff OLD NEW fleet --format
json``. It prints the minimum walls and CPU seconds (user + system: they
stay comparable when other work shares the cores), their ratios and the
target (issue #20: a diff costs at most 1.5 rates; both sides share one
read and one scan of the samples).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from rate import RATECARD, generate_fleet, rate_command, run_child, write_catalog
from tabulate import tabulate

TARGET = 1.5


def raised_prices(catalog: Path, directory: Path) -> Path:
    """A copy of the catalog at ``catalog`` with the vCPU price raised by a quarter."""
    shutil.copytree(catalog.parent, directory, dirs_exist_ok=True)
    for path in directory.glob("products-*.dhall"):
        path.write_text(path.read_text().replace('"EUR" 0.012', '"EUR" 0.015'))
    return directory / catalog.name


def diff_command(old: Path, new: Path, fleet: Path) -> list[str]:
    period = ["--period", "2026-10"]
    return [str(RATECARD), "diff", str(old), str(new), str(fleet), *period, "--format", "json"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--formats", default="parquet,jsonl")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ratecard-bench-"))
    old = write_catalog(work / "catalog")
    new = raised_prices(old, work / "catalog-new")
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for fmt in args.formats.split(","):
            fleet = work / f"fleet-{size}.{fmt}"
            count = generate_fleet(size, fleet)
            rates, diffs = [], []
            for _ in range(args.runs):  # interleaved: both meet the same neighbours
                rates.append(
                    run_child(rate_command(old, fleet, work / "li.parquet"), work / "r.log")
                )
                diffs.append(run_child(diff_command(old, new, fleet), work / "d.log"))
            rate, diff = min(r.wall for r in rates), min(d.wall for d in diffs)
            rate_cpu, diff_cpu = min(r.cpu for r in rates), min(d.cpu for d in diffs)
            walls = (f"{rate:.2f}", f"{diff:.2f}", f"{diff / rate:.2f}")
            cpus = (f"{rate_cpu:.2f}", f"{diff_cpu:.2f}", f"{diff_cpu / rate_cpu:.2f}")
            rows.append([fmt, f"{count:,}", *walls, *cpus])
    headers = ["format", "samples", "rate s", "diff s", "diff / rate"]
    headers += ["rate CPU s", "diff CPU s", "CPU ratio", f"target ≤ {TARGET}"]
    print(tabulate([[*row, TARGET] for row in rows], headers=headers, disable_numparse=True))


if __name__ == "__main__":
    main()
