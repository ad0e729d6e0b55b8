"""Exports stay true under concurrency and crashes: real ``ratecard export`` processes.

Each case runs the console script against a directory and against moto's
standalone S3 server on 127.0.0.1: three concurrent exports with different
inputs, and exports SIGKILLed (``RATECARD_TEST_KILL_AT``) at every step. After
each, the manifest readers see must verify, and the next normal export (run
in-process, to keep the file fast) must leave exactly the manifest and the
objects it names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import s3server
from s3server import S3Endpoint, s3_client
from test_export_s3 import focus_dataset, many_items

from rating.errors import RatecardError
from rating.export import DirectorySink, S3Options, S3Sink, Sink, publish, verify
from rating.export.publish import KILL_AT

s3_endpoint = s3server.s3_endpoint  # the module-scoped fixture, used by name below
RATECARD = Path(sys.executable).parent / "ratecard"
PERIOD = "2026-10"
PREFIX = f"period={PERIOD}/focus"


@dataclass
class Target:
    """Where the exports go: ``--to`` (plus options) for the CLI, a sink for the checks."""

    to: str
    options: list[str]
    sink: Sink

    def objects(self) -> set[str]:
        return {stored.key for stored in self.sink.list(PREFIX)}

    def manifest(self) -> bytes | None:
        return self.sink.get(f"{PREFIX}/manifest.json")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The catalog ``ratecard init`` scaffolds: self-contained, so other edits cannot break it."""
    project = tmp_path_factory.mktemp("project")
    subprocess.run([RATECARD, "init", str(project / "p")], check=True, capture_output=True)
    return project / "p" / "catalog.dhall"


def samples(directory: Path, vms: int) -> Path:
    """Two hourly samples of ``vms`` virtual machines: two line items each (vCPU and RAM)."""
    path = directory / f"samples-{vms}.jsonl"
    lines = []
    for vm in range(vms):
        for hour in range(2):
            record = {
                "time": f"2026-10-01T{hour:02d}:00:00Z",
                "resource": {"id": f"vm-{vm}", "type": "openstack.nova.server", "name": "web"},
                "scope": {
                    "platformType": "OpenStack",
                    "location": "eu-de-1",
                    "platformInstance": "pike",
                    "tenant": "proj-42",
                },
                "traits": {"vcpu": 2, "ramMb": 4096, "flavor": "m1.medium", "state": "ACTIVE"},
            }
            lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(params=["directory", "s3"])
def target(
    request: pytest.FixtureRequest, tmp_path: Path, s3_endpoint: S3Endpoint
) -> Iterator[Target]:
    if request.param == "directory":
        yield Target(str(tmp_path / "out"), [], DirectorySink(tmp_path / "out"))
        return
    bucket = "f-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    s3_client(s3_endpoint.url).create_bucket(Bucket=bucket)
    url = f"s3://{bucket}/exports"
    sink = S3Sink(url, S3Options(endpoint_url=s3_endpoint.url))
    yield Target(url, ["--endpoint-url", s3_endpoint.url], sink)


def export_command(catalog: Path, sample_file: Path, target: Target) -> list[str]:
    return [
        str(RATECARD),
        "export",
        str(catalog),
        str(sample_file),
        "--period",
        PERIOD,
        "--to",
        target.to,
        "--rows-per-file",
        "2",
        *target.options,
    ]


def killed_export(catalog: Path, sample_file: Path, target: Target, step: str) -> None:
    """Run ``ratecard export`` until it SIGKILLs itself at ``step``."""
    command = export_command(catalog, sample_file, target)
    env = {**os.environ, KILL_AT: step}
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr


def run_id(output: str) -> str:
    found = re.search(r"run (\S+),", output)
    assert found, output
    return found[1]


def assert_clean(target: Target) -> None:
    """Only the manifest and the objects it names are left; the manifest verifies."""
    verify(target.sink, PREFIX)
    manifest = json.loads(target.manifest() or b"")
    named = {f"{PREFIX}/{entry['key']}" for entry in manifest["files"]}
    assert target.objects() == named | {f"{PREFIX}/manifest.json"}


def test_concurrent_exports_leave_one_complete_true_manifest(
    catalog: Path, target: Target, tmp_path: Path
) -> None:
    inputs = [samples(tmp_path, vms) for vms in (9, 10, 11)]
    runs = [
        subprocess.Popen(
            export_command(catalog, path, target),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in inputs
    ]
    outputs = {}
    for index, process in enumerate(runs):
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        outputs[run_id(stdout)] = index
    verified = verify(target.sink, PREFIX)
    winner = outputs[verified.run_id]  # the manifest is one of the three runs, complete
    manifest = json.loads(target.manifest() or b"")
    assert manifest["rows"] == verified.rows == 2 * (9, 10, 11)[winner]
    assert manifest["reconciliation"]["read"] == 2 * (9, 10, 11)[winner]
    assert {entry["key"].split("/")[1] for entry in manifest["files"]} == {verified.run_id}
    # The losers' objects are garbage: the next export collects them.
    publish(focus_dataset(many_items(4), rows_per_file=2), target.sink)
    assert_clean(target)
    check = subprocess.run(
        [RATECARD, "verify-export", f"{target.to}/{PREFIX}", *target.options],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0 and check.stdout.startswith("ok: "), check.stderr


@pytest.mark.parametrize(
    "step", ["after-part:3", "before-manifest", "during-manifest", "during-cleanup"]
)
def test_killed_export_never_leaves_a_lying_manifest(
    catalog: Path, target: Target, tmp_path: Path, step: str
) -> None:
    good = focus_dataset(many_items(14), rows_per_file=2)
    publish(good, target.sink)
    previous = target.manifest()
    killed_export(catalog, samples(tmp_path, 8), target, step)
    verify(target.sink, PREFIX)  # whatever readers see now is complete and true
    replaced = json.loads(target.manifest() or b"")["rows"] == 2 * 8
    if step == "during-cleanup":  # the new manifest was in place before clean-up began
        assert replaced
    elif step == "during-manifest":  # a PUT whose bytes left before the kill still lands, whole
        assert target.manifest() == previous or replaced
    else:
        assert target.manifest() == previous
    assert len(target.objects()) > 1 + 7  # stale objects of the killed run (or the first)
    publish(good, target.sink)
    assert_clean(target)


def test_verifier_names_what_differs(tmp_path: Path) -> None:
    sink = DirectorySink(tmp_path)
    done = publish(focus_dataset(many_items(6), rows_per_file=2), sink)
    assert verify(sink, PREFIX).rows == 6
    first, second = (Path(sink.url(f.key)) for f in done.files[:2])
    first.write_bytes(first.read_bytes()[::-1])  # same size, other bytes
    second.unlink()
    with pytest.raises(RatecardError) as error:
        verify(sink, PREFIX)
    message = str(error.value)
    assert "\n" not in message and message.startswith("verify: 2 of 3 file(s) named by")
    assert "part-00000.parquet has a different sha256" in message
    assert "part-00001.parquet is missing" in message
    with pytest.raises(RatecardError, match=r"verify: .*: no manifest$"):
        verify(sink, "period=2026-11/focus")


def test_refused_manifest_keeps_a_true_one(s3_endpoint: S3Endpoint) -> None:
    """A failed manifest PUT may still have landed: the run's parts stay for the next run."""
    s3_client(s3_endpoint.url).create_bucket(Bucket="manifest-refused")
    url = "s3://manifest-refused/x"
    direct = S3Sink(url, S3Options(endpoint_url=s3_endpoint.url))
    publish(focus_dataset(many_items(4), rows_per_file=2), direct)
    s3_endpoint.proxy.faults.fail_keys = {"manifest.json"}  # refused forever
    flaky = S3Sink(url, S3Options(endpoint_url=s3_endpoint.proxy.url, max_attempts=2))
    try:
        with pytest.raises(RatecardError, match="names either the previous export or this"):
            publish(focus_dataset(many_items(6), rows_per_file=2), flaky)
    finally:
        s3_endpoint.proxy.reset()
    assert verify(direct, PREFIX).rows == 4
    publish(focus_dataset(many_items(6), rows_per_file=2), direct)
    assert_clean(Target(url, [], direct))
