"""Benchmark ``ratecard rate`` end to end against its floor, per input format and size.

Usage::

    python benchmarks/rate.py [--sizes 1000000,10000000] [--text-large] [--large]
                              [--runs 3] [--workdir DIR]

For each format (Parquet, JSON Lines, CSV) and size it generates an hourly
synthetic fleet (``rating.generate``, the same samples in every format),
then runs, interleaved ``--runs`` times, as child processes:

- ``ratecard rate CATALOG fleet.EXT --out li.parquet`` against a 500-entry
  catalog written as Dhall over several files (so catalog loading counts);
- the floor: DuckDB reading the same file, ``LEAD(time) OVER (PARTITION BY
  resource ORDER BY time)`` and writing Parquet, the least any rater of these
  samples must do.

It prints one table: the minimum wall and CPU seconds (user + system: they
stay comparable when other work shares the cores) of each, samples/s, the
peak RSS and the ratio of the walls. JSON Lines and CSV run at sizes up to
1 M only unless ``--text-large`` (10 M samples of JSON Lines are several
GB); ``--large`` adds 50 M samples of Parquet. Then the reference rater is
timed on a 100k-sample subset.
"""

from __future__ import annotations

import argparse
import compileall
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tabulate import tabulate

import rating
from rating.rate.dialect import DUCKDB

REPO = Path(__file__).resolve().parent.parent
RATECARD = Path(sys.executable).with_name("ratecard")
HOURS = 744  # October

# (id, resource type, platform type, usage Dhall, unit price, optional filter)
_BASE = [
    (
        "vm-vcpu",
        "openstack.nova.server",
        "OpenStack",
        'C.Usage.timeQuantity "vcpu" "{vCPU}.h"',
        "0.012",
        "state",
    ),
    (
        "vm-ram",
        "openstack.nova.server",
        "OpenStack",
        'C.Usage.timeQuantity "ramMb" "GiBy.h"',
        "0.004",
        "state",
    ),
    ("vm-hours", "openstack.nova.server", "OpenStack", 'C.Usage.time "h"', "0.001", None),
    (
        "vm-disk",
        "openstack.nova.server",
        "OpenStack",
        'C.Usage.timeQuantity "disk" "GiBy.h"',
        "0.0001",
        None,
    ),
    (
        "volume",
        "openstack.cinder.volume",
        "OpenStack",
        'C.Usage.timeQuantity "size" "GiBy.h"',
        "0.00012",
        None,
    ),
    (
        "k8s-cpu",
        "kubernetes.pod",
        "Kubernetes",
        'C.Usage.timeQuantity "milliCpu" "{CPU}.h"',
        "0.02",
        None,
    ),
    (
        "k8s-ram",
        "kubernetes.pod",
        "Kubernetes",
        'C.Usage.timeQuantity "ramMb" "GiBy.h"',
        "0.003",
        None,
    ),
    (
        "k8s-pvc",
        "kubernetes.persistent-volume-claim",
        "Kubernetes",
        'C.Usage.timeQuantity "storageMb" "GiBy.h"',
        "0.0001",
        None,
    ),
    (
        "cf-ram",
        "cloudfoundry.app",
        "CloudFoundry",
        'C.Usage.timeQuantity "ramMb" "GiBy.h"',
        "0.006",
        None,
    ),
    ("fip", "openstack.neutron.floating-ip", "OpenStack", 'C.Usage.time "h"', "0.005", None),
    ("router", "openstack.neutron.router", "OpenStack", 'C.Usage.time "h"', "0.01", None),
    ("lb", "openstack.neutron.load-balancer", "OpenStack", 'C.Usage.time "h"', "0.03", None),
]
_TENANTS = [f"proj-{n:02d}" for n in range(40)]
_LOCATIONS = ["eu-de-1", "eu-de-2"]


def _product(pid: str, rtype: str, usage: str, price: str, scope: str, cond: str | None) -> str:
    condition = (
        '[ C.Condition.oneOf "state" [ C.Value.text "ACTIVE" ] ]'
        if cond == "state"
        else "[] : List C.Condition.Type"
    )
    return f"""C.Product::{{
        , id = "{pid}"
        , displayName = "{pid}"
        , resourceType = "{rtype}"
        , scope = {scope}
        , filter = {condition}
        , usage = {usage}
        , usageType = "{pid} usage"
        , price = C.Price.perUnit "EUR" {price}
        , seller = C.Seller::{{ sellerId = "acme", sellerProductGroup = "bench" }}
        }}"""


def write_catalog(directory: Path, entries: int = 500) -> Path:
    """A catalog of ``entries`` products over several Dhall files; returns catalog.dhall."""
    directory.mkdir(parents=True, exist_ok=True)
    package = REPO / "catalog" / "package.dhall"
    products: list[str] = []
    for pid, rtype, platform, usage, price, cond in _BASE:
        products.append(
            _product(pid, rtype, usage, price, f'C.Scope.platformType "{platform}"', cond)
        )
        for loc in _LOCATIONS:
            scope = f'C.Scope.location "{platform}" "{loc}"'
            products.append(_product(pid, rtype, usage, price, scope, cond))
    n = 0
    while len(products) < entries:
        pid, rtype, platform, usage, price, cond = _BASE[n % len(_BASE)]
        tenant = _TENANTS[(n // len(_BASE)) % len(_TENANTS)]
        scope = f'C.Scope.tenant "{platform}" "{tenant}"'
        products.append(_product(pid, rtype, usage, price, scope, cond))
        n += 1
    files = []
    chunk = 100
    for k in range(0, len(products), chunk):
        path = directory / f"products-{k // chunk}.dhall"
        body = "\n      , ".join(products[k : k + chunk])
        path.write_text(f"let C = {package}\n\nin  [ {body}\n    ]\n")
        files.append(f"./{path.name}")
    catalog = directory / "catalog.dhall"
    catalog.write_text(
        f'let C = {package}\n\nin  C.Catalog::{{\n    , name = "bench"\n'
        f'    , sellerId = Some "acme"\n    , products = {" # ".join(files)}\n    }}\n'
    )
    return catalog


def generate_fleet(samples: int, out: Path) -> int:
    """An hourly October fleet of about ``samples`` samples; returns the exact count.

    Written to ``out`` (in the format its name gives) unless already there:
    the same samples every time, in every format.
    """
    from rating.generate.cli import parse_interval
    from rating.generate.fleet import plan_fleet, sample_schema
    from rating.generate.write import write_samples
    from rating.period import Period

    resources = max(1, round(samples / HOURS * 1.15))  # churn: not every resource lives all month
    fleet = plan_fleet(resources, Period.parse("2026-10"), 7, parse_interval("1h"), 40)
    if not out.exists():
        write_samples(fleet.batches(), sample_schema(), str(out))
    return fleet.samples


@dataclass(frozen=True)
class Run:
    """One child process: wall and CPU seconds, peak RSS in KiB."""

    wall: float
    cpu: float
    peak_kib: int


def run_child(command: list[str], log: Path) -> Run:
    """Run ``command`` with its stderr in ``log``; measures this child alone (wait4).

    Its stdout is dropped: DuckDB draws its progress bar there, over the table.
    """
    started = time.perf_counter()
    with log.open("w") as stderr:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command[0]} failed: {log.read_text()}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def rate_command(catalog: Path, fleet: Path, out: Path) -> list[str]:
    """``ratecard rate`` of ``fleet`` into ``out`` (Parquet)."""
    period = ["--period", "2026-10"]
    return [str(RATECARD), "rate", str(catalog), str(fleet), *period, "--out", str(out)]


# What the floor reads of each format: the resource and the time of every sample.
_SCANS = {
    "parquet": 'SELECT "resource.id" AS rid, "time" AS t FROM read_parquet({path})',
    "jsonl": 'SELECT resource.id AS rid, "time" AS t FROM read_json({path})',
    "csv": 'SELECT "resource.id" AS rid, "time" AS t FROM read_csv({path})',
}
_FLOOR = "import sys, duckdb; duckdb.connect().execute(sys.argv[1])"


def floor_command(fmt: str, fleet: Path, out: Path) -> list[str]:
    """A Python child running the floor query (scan, one window, Parquet write) on ``fleet``."""
    scan = _SCANS[fmt].format(path=DUCKDB.literal(str(fleet)))
    query = (
        "COPY (SELECT rid, t, LEAD(t) OVER (PARTITION BY rid ORDER BY t) AS t_next "
        f"FROM ({scan})) TO {DUCKDB.literal(str(out))} (FORMAT parquet)"
    )
    return [sys.executable, "-c", _FLOOR, query]


def reference_rate(catalog_path: Path, fleet: Path, samples: int) -> float:
    """Samples/s of the reference rater on the first ``samples`` rows of ``fleet``."""
    from rating.load.catalog import load_catalog
    from rating.load.samples import open_samples
    from rating.period import Period
    from rating.rate import reference

    catalog = load_catalog(catalog_path)
    batches, n = [], 0
    for batch in open_samples([str(fleet)], catalog.resource_types, batch_size=samples):
        batches.append(batch.slice(0, samples - n))
        n += batches[-1].num_rows
        if n >= samples:
            break
    started = time.perf_counter()
    reference.rate(catalog, batches, Period.parse("2026-10"))
    return n / (time.perf_counter() - started)


def measure(fmt: str, size: int, catalog: Path, work: Path, runs: int) -> list[str]:
    """The table row of ``size`` samples in ``fmt``."""
    fleet = work / f"fleet-{size}.{fmt}"
    began = time.perf_counter()
    count = generate_fleet(size, fleet)
    print(f"{fleet.name}: {count:,} samples ({time.perf_counter() - began:.1f} s)", file=sys.stderr)
    rated, floors = [], []
    for _ in range(runs):  # interleaved: both meet the same neighbours on the machine
        floors.append(run_child(floor_command(fmt, fleet, work / "floor.parquet"), work / "f.log"))
        rated.append(run_child(rate_command(catalog, fleet, work / "li.parquet"), work / "r.log"))
    print((work / "r.log").read_text(), file=sys.stderr, end="")
    wall, floor = min(r.wall for r in rated), min(r.wall for r in floors)
    return [
        fmt,
        f"{count:,}",
        f"{wall:.2f}",
        f"{min(r.cpu for r in rated):.2f}",
        f"{count / wall:,.0f}",
        f"{max(r.peak_kib for r in rated) / 1024:,.0f}",
        f"{floor:.2f}",
        f"{min(r.cpu for r in floors):.2f}",
        f"{wall / floor:.1f}",
    ]


def warm_bytecode() -> None:
    """Compile ratecard's modules, as installing it does (``pip`` writes their bytecode).

    A source checkout installed in place compiles them on first import, unless
    PYTHONDONTWRITEBYTECODE is set (as in some containers): every run would
    then compile 200 modules again, 0.15 s that no installed copy pays.
    """
    compileall.compile_dir(Path(rating.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--text-large", action="store_true", help="JSON Lines and CSV above 1 M")
    parser.add_argument("--large", action="store_true", help="add 50 M samples of Parquet")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--reference-subset", type=int, default=100_000)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ratecard-bench-"))
    warm_bytecode()
    catalog = write_catalog(work / "catalog")
    print(f"workdir {work}; catalog: 500 entries", file=sys.stderr)
    sizes = [int(s) for s in args.sizes.split(",")] + ([50_000_000] if args.large else [])
    rows = [
        measure(fmt, size, catalog, work, args.runs)
        for size in sizes
        for fmt in _SCANS
        if fmt == "parquet" or size <= 1_000_000 or (args.text_large and size < 50_000_000)
    ]
    headers = ["format", "samples", "wall s", "CPU s", "samples/s", "peak RSS MiB"]
    print(tabulate(rows, [*headers, "floor s", "floor CPU s", "× floor"], disable_numparse=True))
    smallest = work / f"fleet-{sizes[0]}.parquet"
    generate_fleet(sizes[0], smallest)
    ref = reference_rate(catalog, smallest, args.reference_subset)
    print(f"reference rater: {ref:,.0f} samples/s on {args.reference_subset:,} samples")
    print(f"cores: {os.cpu_count()}; minimum of {args.runs} interleaved runs each")


if __name__ == "__main__":
    main()
