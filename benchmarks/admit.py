"""Benchmark ``ratecard serve``: admits per second and latency over loopback.

Starts the real server (a subprocess, uvicorn) on a catalog with one vCPU
quota large enough that every admit is allowed and reserved (the costlier
path: each one is held against the next), fires ``--admits`` admits of 1 vCPU
over ``--concurrency`` kept-alive connections at once, and prints admits/s,
p50 and p99 latency beside the aim of issue #18 (≥ 1,000 admits/s, p99 < 50 ms
on 2 cores), with the server's CPU seconds: on a shared machine they say more
than the wall time.

    python benchmarks/admit.py [--admits 5000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

from tabulate import tabulate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from serving import post_concurrently, serving  # the tests' real server

from rating.library import catalog_dir

SERVER = "openstack.nova.server"
AT = "2026-10-15T00:00:00Z"


def _files(root: Path) -> tuple[Path, Path]:
    catalog, fleet = root / "catalog.dhall", root / "fleet.jsonl"
    catalog.write_text(
        f"let C = {catalog_dir() / 'package.dhall'}\n"
        'in C.Catalog::{ name = "bench", quotas = [ C.Quota::{ id = "vcpu", tenant = "bench", '
        f'resourceType = "{SERVER}", measure = C.Quota.sum "vcpu" "{{vCPU}}", '
        "limit = 1000000.0 } ] }\n"
    )
    held = {
        "time": "2026-10-01T00:00:00Z",
        "event": "create",
        "resource": {"id": "vm-held", "type": SERVER},
        "scope": {"platformType": "OpenStack", "tenant": "bench"},
        "traits": {"vcpu": 10, "ramMb": 1024, "state": "ACTIVE"},
    }
    fleet.write_text(json.dumps(held) + "\n")
    return catalog, fleet


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--admits", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    request = {
        "tenant": "bench",
        "resourceType": SERVER,
        "traits": {"vcpu": 1, "ramMb": 1024, "state": "ACTIVE"},
    }
    body = json.dumps(request).encode()
    scratch = tempfile.TemporaryDirectory(prefix="ratecard-bench-")
    with scratch, serving(*_files(Path(scratch.name)), "--at", AT) as server:
        asyncio.run(post_concurrently(server.url, "/v1/admit", body, 200, 10))  # warm up
        cpu = _cpu_seconds(server.process.pid)
        wall, latencies, answers = asyncio.run(
            post_concurrently(server.url, "/v1/admit", body, args.admits, args.concurrency)
        )
        cpu = _cpu_seconds(server.process.pid) - cpu
    statuses = {status for status, _ in answers}
    allowed = sum(json.loads(answer)["decision"] == "allow" for _, answer in answers)
    latencies.sort()

    def ms(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * share))] * 1000

    rows = [
        ["admits/s", f"{args.admits / wall:,.0f}", "≥ 1,000"],
        ["p50 latency (ms)", f"{ms(0.50):.1f}", ""],
        ["p99 latency (ms)", f"{ms(0.99):.1f}", "< 50"],
        ["server CPU s / 1,000 admits", f"{cpu / args.admits * 1000:.2f}", ""],
    ]
    print(
        f"{args.admits:,} admits, concurrency {args.concurrency}, HTTP {sorted(statuses)}; "
        f"allowed and reserved {allowed:,}"
    )
    print(tabulate(rows, headers=["", "measured", "aim"], disable_numparse=True))


if __name__ == "__main__":
    main()
