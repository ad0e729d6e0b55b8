"""Time loading a 5,000-product catalog split over files: first, cached and after an edit.

Generates the catalog a large operator would write (``--files`` files of
``--per-file`` products, each file importing the catalog library and
defining its own sellers and scopes) into a temporary directory, then loads
it with an empty cache directory: the first load evaluates the Dhall, the
second hits the content-addressed cache, a third follows an edit of one file.
Targets (issue #23): ≤ 3 s first, ≤ 0.3 s cached; one list of 1,600
products ≤ 1 s. The first load's CPU time is printed too, the loader's and
its helper process's (rating/load/prefetch.py): on a shared machine it says
more than the wall time.

``--catalog DIR`` times an existing catalog instead (first and cached load
only); ``--files 1 --per-file 1600`` is one list of 1,600 products in one file.

    python benchmarks/catalog_load.py [--files 50 --per-file 100] [--hoisted]
        [--catalog examples/catalogs/private-cloud]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from rating.library import catalog_dir
from rating.load.catalog import load_catalog

PRODUCT = """  , C.Product::{{
    , id = "svc-{f}-{i}"
    , displayName = "Service {f}-{i}"
    , resourceType = "openstack.nova.server"
    , scope = {scope}
    , filter = [ C.Condition.equals "flavor" (C.Value.text "m{f}.f{i}") ]
    , usage = C.Usage.timeQuantity "vcpu" "{{vCPU}}.h"
    , usageType = "vCPU hours"
    , price = C.Price.perUnit "EUR" 0.{i:03d}{f}
    , seller = compute
    }}
"""


# Helpers bound once per file, as the docs used to advise for speed; the loader
# now does the equivalent itself (docs/catalog-language.md), so this should not
# change the timings.
HOISTED = (
    "let perUnit = C.Price.perUnit\n\nlet equals = C.Condition.equals\n\n"
    "let text = C.Value.text\n\nlet timeQuantity = C.Usage.timeQuantity\n\n"
)


def write_catalog(root: Path, files: int, per_file: int, hoisted: bool = False) -> Path:
    """Write ``catalog.dhall`` importing ``products/NNN.dhall``; return the catalog path."""
    library = catalog_dir() / "package.dhall"
    (root / "products").mkdir()
    for f in range(files):
        scopes = ("openstack", 'C.Scope.location "OpenStack" "eu-de-2"')
        body = "".join(
            PRODUCT.format(f=f, i=i, scope=scopes[i % 2]) for i in range(per_file)
        ).replace("  , ", "  [ ", 1)
        if hoisted:
            for name in ("Price.perUnit", "Condition.equals", "Value.text", "Usage.timeQuantity"):
                body = body.replace(f"C.{name} ", name.split(".")[1] + " ")
        (root / "products" / f"{f:03d}.dhall").write_text(
            f"let C = {library}\n\n"
            'let compute = C.Seller::{ sellerId = "acme", sellerProductGroup = "Compute" }\n\n'
            'let openstack = C.Scope.platformType "OpenStack"\n\n'
            f"{HOISTED if hoisted else ''}in{body}  ]\n"
        )
    imports = "\n        # ".join(f"./products/{f:03d}.dhall" for f in range(files))
    catalog = root / "catalog.dhall"
    catalog.write_text(
        f'let C = {library}\n\nin  C.Catalog::{{\n    , name = "bench"\n'
        f"    , products =\n          {imports}\n    }}\n"
    )
    return catalog


def _cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU time of this process (or of its finished children)."""
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--per-file", type=int, default=100)
    parser.add_argument("--hoisted", action="store_true", help="bind helpers once per file")
    parser.add_argument("--catalog", type=Path, help="time this catalog instead of a generated one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        os.environ["RATECARD_CACHE_DIR"] = str(root / "cache")
        if args.catalog:
            catalog = args.catalog.resolve()
        else:
            catalog = write_catalog(root, args.files, args.per_file, args.hoisted)
        timings, cpu, helper = [], _cpu_seconds(), _cpu_seconds(resource.RUSAGE_CHILDREN)
        for run in range(2 if args.catalog else 3):
            if run == 2:  # edit one product file: only it is evaluated again
                edited = root / "products" / "000.dhall"
                edited.write_text(edited.read_text().replace('"Service 0-0"', '"Edited"'))
            start = time.perf_counter()
            loaded = load_catalog(catalog)
            timings.append(time.perf_counter() - start)
            if run == 0:
                cpu = _cpu_seconds() - cpu
                helper = _cpu_seconds(resource.RUSAGE_CHILDREN) - helper
        files = len(loaded.files)
        print(f"products: {len(loaded.products)} in {files} files")
        print(f"first load:  {timings[0]:.2f} s (target ≤ 3 s)")
        print(f"  cpu: {cpu:.2f} s (+ {helper:.2f} s in the helper process)")
        print(f"cached load: {timings[1]:.3f} s (target ≤ 0.3 s)")
        if len(timings) > 2:
            print(f"one file edited: {timings[2]:.2f} s")


if __name__ == "__main__":
    main()
