"""Time rating.dhall on one list of 1,600 record literals (issue #23's target).

The old binding's type checker grew superlinearly with list length; this
checks that parsing, type-checking and normalizing stay linear by timing
``--records`` records and the same list twice as long. Target: <= 1 s for
1,600 records, and about 2x the time for 2x the records.

    python benchmarks/dhall_eval.py [--records 1600]
"""

from __future__ import annotations

import argparse
import time

from rating.dhall import infer, normalize, parse

TARGET_SECONDS = 1.0
RECORD = (
    '  {sep} {{ id = "svc-{i:05d}", displayName = "Service {i}", price = {i}.25'
    ', quantity = {i}, active = True, unit = Some "vCPU.h"'
    ', tags = [ "compute", "tier-{t}" ]'
    ", window = {{ start = 2026-01-01, end = 2026-12-31 }} }}\n"
)


def catalog(records: int) -> str:
    """Dhall source of a list of ``records`` record literals, as a catalog writes them."""
    lines = [RECORD.format(sep="[" if i == 0 else ",", i=i, t=i % 7) for i in range(records)]
    return "".join(lines) + "  ]\n"


def run(records: int) -> tuple[float, float, float]:
    """Seconds spent parsing, type-checking and normalizing ``records`` records."""
    source = catalog(records)
    start = time.perf_counter()
    expr = parse(source, "bench.dhall")
    parsed = time.perf_counter()
    infer(expr)
    checked = time.perf_counter()
    normalize(expr)
    done = time.perf_counter()
    return parsed - start, checked - parsed, done - checked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1600)
    args = parser.parse_args()
    run(50)  # warm up imports and caches
    for records in (args.records, 2 * args.records):
        parse_s, check_s, norm_s = run(records)
        total = parse_s + check_s + norm_s
        target = TARGET_SECONDS * records / 1600
        print(
            f"{records:6d} records: parse {parse_s:.3f} s + type-check {check_s:.3f} s"
            f" + normalize {norm_s:.3f} s = {total:.3f} s   (target <= {target:.1f} s)"
        )


if __name__ == "__main__":
    main()
