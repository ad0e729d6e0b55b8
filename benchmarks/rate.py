"""Benchmark ``ratecard rate`` end to end (Parquet → Parquet) against a 500-entry catalog.

Usage::

    python benchmarks/rate.py --sizes 1000000,10000000 [--workdir DIR]

For each size it generates an hourly synthetic fleet (``rating.generate``) of
about that many samples, runs ``ratecard rate CATALOG fleet.parquet --out
li.parquet`` as a child process and records wall time, samples/s and the
child's peak RSS. The catalog is written as Dhall, split over several files
(base entries, per-location and per-tenant overrides), so catalog loading is
part of the measurement. The reference rater is timed on a 100k-sample subset
for the speed ratio. Prints a table at the end.
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
    """An hourly October fleet of about ``samples`` samples; returns the exact count."""
    from rating.generate.cli import parse_interval
    from rating.generate.fleet import plan_fleet, sample_schema
    from rating.generate.write import write_samples
    from rating.period import Period

    resources = max(1, round(samples / HOURS * 1.15))  # churn: not every resource lives all month
    fleet = plan_fleet(resources, Period.parse("2026-10"), 7, parse_interval("1h"), 40)
    write_samples(fleet.batches(), sample_schema(), str(out))
    return pq.ParquetFile(out).metadata.num_rows


def run_rate(catalog: Path, fleet: Path, out: Path) -> tuple[float, float, int, str]:
    """Wall and CPU seconds, peak RSS (KiB) of this child alone (wait4), its stderr summary.

    CPU seconds (user + system) stay comparable when other work shares the cores.
    """
    log = out.with_suffix(".log")
    command = [str(RATECARD), "rate", str(catalog), str(fleet), "--period", "2026-10"]
    started = time.perf_counter()
    with log.open("w") as stderr:
        child = subprocess.Popen([*command, "--out", str(out)], stderr=stderr)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ratecard rate failed: {log.read_text()}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, log.read_text()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--reference-subset", type=int, default=100_000)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="ratecard-bench-"))
    catalog = write_catalog(work / "catalog")
    print(
        f"workdir {work}; catalog: 500 entries in "
        f"{len(list(catalog.parent.glob('*.dhall')))} files",
        file=sys.stderr,
    )
    rows = []
    fleets = []
    for size in (int(s) for s in args.sizes.split(",")):
        fleet = work / f"fleet-{size}.parquet"
        began = time.perf_counter()
        count = (
            pq.ParquetFile(fleet).metadata.num_rows
            if fleet.exists()
            else generate_fleet(size, fleet)
        )
        print(f"fleet {count:,} samples ({time.perf_counter() - began:.1f} s)", file=sys.stderr)
        seconds, cpu, peak_kib, summary = run_rate(catalog, fleet, work / f"li-{size}.parquet")
        print(summary, file=sys.stderr)
        rows.append(
            [
                f"{count:,}",
                f"{seconds:.1f}",
                f"{cpu:.1f}",
                f"{count / seconds:,.0f}",
                f"{peak_kib / 1024:,.0f}",
            ]
        )
        fleets.append(fleet)
    ref = reference_rate(catalog, fleets[0], args.reference_subset)
    print(tabulate(rows, headers=["samples", "wall s", "CPU s", "samples/s", "peak RSS MiB"]))
    best = max(float(r[3].replace(",", "")) for r in rows)
    print(
        f"reference rater: {ref:,.0f} samples/s on {args.reference_subset:,} samples; "
        f"engine/reference = {best / ref:,.0f}x"
    )
    print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
