"""``ratecard collect`` (issue #19 item 3) and datasets as sample inputs (item 5).

The end-to-end test collects three hourly ticks of a changing fleet, printed
by a small script, and rates the dataset. Expected line items, worked out by
hand (one product: 0.5 EUR per vCPU.h, sample-and-hold for 1h):

* tick 00:00: vm-1 2 vCPU (t-a), vm-2 4 vCPU (t-b)
* tick 01:00: vm-1 resized to 4 vCPU, vm-2 unchanged
* tick 02:00: vm-1 4 vCPU, vm-2 gone, vm-3 1 vCPU (t-b) new

vm-1 [00:00, 01:00) 2 vCPU.h = 1.00 and [01:00, 03:00) 8 vCPU.h = 4.00;
vm-2 [00:00, 02:00) 8 vCPU.h = 4.00; vm-3 [02:00, 03:00) 1 vCPU.h = 0.50.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import rating
from rating.cli import main
from rating.collect import Job, check_every, collect_tick, run
from rating.errors import RatecardError
from rating.library import catalog_dir
from rating.load.samples.writers import write_samples
from rating.load.traits import builtin_resource_types

HOUR = timedelta(hours=1)
START = datetime(2026, 10, 1, tzinfo=UTC)

CATALOG = f"""let C = {catalog_dir().resolve().as_posix()}/package.dhall
in  C.Catalog::{{
    , name = "collected"
    , products =
      [ C.Product::{{
        , id = "vcpu"
        , displayName = "vCPU"
        , resourceType = "openstack.nova.server"
        , scope = C.Scope.platformType "OpenStack"
        , usage = C.Usage.timeQuantity "vcpu" "{{vCPU}}.h"
        , usageType = "vCPU hours"
        , price = C.Price.perUnit "EUR" 0.5
        , seller = C.Seller::{{ sellerId = "acme", sellerProductGroup = "Cloud" }}
        }}
      ]
    }}
"""

# The fleet by tick hour: resource id → (tenant, vCPUs). Hour 9 prints an invalid record;
# any other hour not listed makes the script fail.
FLEET_SCRIPT = """
import json, os, sys
from datetime import datetime

fleets = {
    0: {"vm-1": ("t-a", 2), "vm-2": ("t-b", 4)},
    1: {"vm-1": ("t-a", 4), "vm-2": ("t-b", 4)},
    2: {"vm-1": ("t-a", 4), "vm-3": ("t-b", 1)},
    9: {"vm-1": ("t-a", -1)},
}
tick = os.environ["RATECARD_TICK"]
hour = datetime.fromisoformat(tick).hour
if hour not in fleets:
    sys.exit("no fleet at this hour")
for vm, (tenant, vcpu) in fleets[hour].items():
    print(json.dumps({
        "time": tick,
        "resource": {"id": vm, "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack", "tenant": tenant},
        "traits": {"vcpu": vcpu, "ramMb": 1024, "state": "ACTIVE"},
    }))
"""


class FakeClock:
    """Time that moves only when slept through; ``jumps`` add time after the n-th sleep."""

    def __init__(self, start: datetime, jumps: dict[int, timedelta] | None = None) -> None:
        self.time = start
        self.sleeps = 0
        self.jumps = jumps or {}

    def now(self) -> datetime:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.time += timedelta(seconds=seconds) + self.jumps.get(self.sleeps, timedelta(0))


@pytest.fixture
def fleet(tmp_path: Path) -> tuple[str, ...]:
    script = tmp_path / "fleet.py"
    script.write_text(FLEET_SCRIPT)
    return (sys.executable, str(script))


def job(command: tuple[str, ...], out: Path) -> Job:
    return Job(command, HOUR, out, builtin_resource_types())


def collect_until(job: Job, clock: FakeClock, end: datetime) -> list[str]:
    """Run the collector on ``clock`` until it reaches ``end``; the log lines."""
    log: list[str] = []
    run(job, clock, lambda: clock.now() >= end, log.append)
    return log


def files(directory: Path) -> list[str]:
    """Every file under ``directory``, hidden ones included, relative and sorted."""
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def test_collect_three_ticks_then_rate_the_dataset(tmp_path, fleet, monkeypatch):
    out = tmp_path / "dataset"
    clock = FakeClock(START - timedelta(seconds=1))
    log = collect_until(job(fleet, out), clock, START + 3 * HOUR)

    assert [line.split(" to ")[0] for line in log] == [
        "first tick 2026-10-01T00:00:00Z, then every 1:00:00",
        "2026-10-01T00:00:00Z: wrote 2 samples",
        "2026-10-01T01:00:00Z: wrote 2 samples",
        "2026-10-01T02:00:00Z: wrote 2 samples",
    ]
    written = files(out)
    assert len(written) == 3
    assert all(name.startswith("period=2026-10/20261001T0") for name in written)
    assert [name.split("/")[1][:16] for name in written] == [
        "20261001T000000Z",
        "20261001T010000Z",
        "20261001T020000Z",
    ]

    (tmp_path / "catalog.dhall").write_text(CATALOG)
    monkeypatch.chdir(tmp_path)
    rate = ["rate", "catalog.dhall", "dataset", "--period", "2026-10", "--format", "jsonl"]
    with CliRunner().isolation() as (stdout, stderr, _), pytest.raises(SystemExit) as done:
        main(rate)
    assert done.value.code == 0, stderr.getvalue().decode()
    items = [json.loads(line) for line in stdout.getvalue().decode().splitlines()]
    got = sorted(
        (i["resource_id"], i["start"][11:16], i["end"][11:16], Decimal(i["amount"])) for i in items
    )
    assert got == [
        ("vm-1", "00:00", "01:00", Decimal("1.00")),
        ("vm-1", "01:00", "03:00", Decimal("4.00")),
        ("vm-2", "00:00", "02:00", Decimal("4.00")),
        ("vm-3", "02:00", "03:00", Decimal("0.50")),
    ]


def test_a_failed_command_or_invalid_output_skips_the_tick(tmp_path, fleet):
    out = tmp_path / "dataset"
    log: list[str] = []
    assert not collect_tick(job(fleet, out), START + 5 * HOUR, lambda: False, log.append)
    assert not collect_tick(job(fleet, out), START + 9 * HOUR, lambda: False, log.append)
    assert log == [
        "2026-10-01T05:00:00Z: tick skipped: command exited with status 1",
        "2026-10-01T09:00:00Z: tick skipped: invalid output, 1 record(s) rejected; "
        "first: stdout:1: vm-1: traits.vcpu: negative value -1 for a measured trait (unit {vCPU})",
    ]
    assert files(out) == []


def test_missed_ticks_are_logged_not_back_filled(tmp_path, fleet):
    out = tmp_path / "dataset"
    # Asleep for 90 minutes between the 00:00 tick and the next: 01:00 is missed, 02:00 runs.
    clock = FakeClock(START - timedelta(seconds=1), jumps={2: timedelta(minutes=90)})
    log = collect_until(job(fleet, out), clock, START + 3 * HOUR)
    assert [line.split(" to ")[0] for line in log] == [
        "first tick 2026-10-01T00:00:00Z, then every 1:00:00",
        "2026-10-01T00:00:00Z: wrote 2 samples",
        "missed 1 tick(s), 2026-10-01T01:00:00Z: not running then (suspended?); not back-filled",
        "2026-10-01T02:00:00Z: wrote 2 samples",
    ]
    assert len(files(out)) == 2


def test_every_must_divide_a_day():
    assert check_every(timedelta(minutes=15), "--every") == timedelta(minutes=15)
    for bad in (timedelta(hours=7), timedelta(days=2)):
        with pytest.raises(RatecardError, match="must divide a day"):
            check_every(bad, "--every")


def start_collector(out: Path, every: str, command: list[str]) -> subprocess.Popen:
    """``ratecard collect`` as a real process, so that it can be sent real signals."""
    argv = [sys.executable, "-m", "rating.cli", "collect", "--every", every, "--out", str(out)]
    return subprocess.Popen([*argv, "--", *command], stderr=subprocess.PIPE, text=True)


def stop(collector: subprocess.Popen, number: signal.Signals) -> str:
    """Send the signal; the collector's stderr once it has exited (killed after 20 s)."""
    try:
        collector.send_signal(number)
        _, stderr = collector.communicate(timeout=20)
    finally:
        if collector.poll() is None:
            collector.kill()
    return stderr


def test_sigterm_while_waiting_for_the_next_tick_stops_at_once(tmp_path, fleet):
    collector = start_collector(tmp_path / "dataset", "1d", list(fleet))
    assert collector.stderr is not None
    assert "first tick" in collector.stderr.readline()
    stderr = stop(collector, signal.SIGTERM)
    assert collector.returncode == 0, stderr
    assert stderr == "ratecard collect: stopped by SIGTERM\n"
    assert not (tmp_path / "dataset").exists()


def test_sigterm_abandons_the_running_command_and_leaves_no_files(tmp_path):
    """The command runs (it touched its marker) when SIGTERM arrives."""
    marker = tmp_path / "running"
    command = [
        sys.executable,
        "-c",
        "import pathlib, sys, time; pathlib.Path(sys.argv[1]).touch(); time.sleep(60)",
        str(marker),
    ]
    out = tmp_path / "dataset"
    collector = start_collector(out, "5s", command)
    deadline = time.monotonic() + 30
    while not marker.exists() and collector.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.exists(), "the command never started"
    stderr = stop(collector, signal.SIGTERM)
    assert collector.returncode == 0, stderr
    assert "tick skipped: stop requested while the command ran; tick abandoned" in stderr
    assert stderr.rstrip().endswith("ratecard collect: stopped by SIGTERM")
    assert files(out) == []


# ---------------------------------------------------------------- datasets as inputs


def vm_sample(time: str, vm: str = "vm-1") -> dict:
    return {
        "time": time,
        "resource": {"id": vm, "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack", "tenant": "t-a"},
        "traits": {"vcpu": 2, "ramMb": 1024, "state": "ACTIVE"},
    }


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    """September: 3 samples (Parquet), October: 2 (JSON Lines), a hidden partial file."""
    root = tmp_path / "dataset"
    types = builtin_resource_types()
    september = [vm_sample(f"2026-09-30T{h:02}:00:00Z") for h in (21, 22, 23)]
    october = [vm_sample(f"2026-10-01T{h:02}:00:00Z") for h in (0, 1)]
    for month, rows, name in (("09", september, "a.parquet"), ("10", october, "b.jsonl")):
        directory = root / f"period=2026-{month}"
        directory.mkdir(parents=True)
        write_samples(rows, directory / name, types)
    (root / "period=2026-10" / ".c.parquet.partial").write_text("being written")
    (root / "period=2026-10" / "_SUCCESS").write_text("")
    return root


@pytest.fixture
def catalog(tmp_path: Path) -> rating.Ratecard:
    (tmp_path / "catalog.dhall").write_text(CATALOG)
    return rating.open_catalog(tmp_path / "catalog.dhall")


def test_a_period_reads_only_its_partitions(dataset, catalog):
    october = catalog.rate(dataset, period="2026-10")
    assert october.counts.read == 2
    assert october.counts.outside_period == 0
    both = catalog.rate(str(dataset), period="2026-09-30/2026-10-02")
    assert both.counts.read == 5
    assert both.counts.rated == 5


def test_without_a_period_every_partition_is_read(dataset, catalog):
    with pytest.raises(RatecardError, match=r"samples span several months \(2026-09 to 2026-10\)"):
        catalog.rate(dataset)


def test_a_glob_reads_the_whole_dataset(dataset, catalog):
    assert catalog.rate(f"{dataset}/period=*/*", period="2026-10").counts.read == 5


def test_a_plain_directory_is_its_sample_files(tmp_path, catalog):
    directory = tmp_path / "samples"
    directory.mkdir()
    types = builtin_resource_types()
    write_samples([vm_sample("2026-10-01T00:00:00Z")], directory / "one.jsonl.gz", types)
    write_samples([vm_sample("2026-10-01T01:00:00Z")], directory / "two.csv", types)
    (directory / "notes.txt").write_text("not samples")
    (directory / "nested").mkdir()
    assert catalog.rate(directory, period="2026-10").counts.read == 2


def test_unusable_directories_are_one_line_errors(tmp_path, catalog):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(RatecardError, match="empty: is a directory with no sample files"):
        catalog.rate(empty)
    (tmp_path / "ds" / "period=2026-09").mkdir(parents=True)
    write_samples(
        [vm_sample("2026-09-01T00:00:00Z")],
        tmp_path / "ds" / "period=2026-09" / "a.jsonl",
        builtin_resource_types(),
    )
    missing = r"ds: no sample files for 2026-10 \(partitions: 2026-09\)"
    with pytest.raises(RatecardError, match=missing):
        catalog.rate(tmp_path / "ds", period="2026-10")
    (tmp_path / "ds" / "period=last-month").mkdir()
    with pytest.raises(RatecardError, match="period=last-month: expected a partition named"):
        catalog.rate(tmp_path / "ds", period="2026-09")


def test_collected_files_are_flat_parquet_like_samples_convert(tmp_path, fleet):
    out = tmp_path / "dataset"
    assert collect_tick(job(fleet, out), START, lambda: False, lambda line: None)
    [written] = files(out)
    names = pq.read_schema(out / written).names
    assert names[:3] == ["time", "event", "resource.id"]
    assert "source_file" not in names and "traits.vcpu" in names
    assert os.listdir(out) == ["period=2026-10"]
