"""Importers (kubectl, OpenStack CLI, Cloud Foundry v3, CloudEvents) and ``samples convert``.

The fixtures in tests/data/importers/ are written to the platforms' real
output shapes, odd cases included; the expected trait values are worked out
by hand from the fixtures.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow.compute as pc
import pytest
from click.testing import CliRunner

from rating.cli import main
from rating.importers.kubernetes import BadQuantity, quantity
from rating.load.samples import RejectSink, open_samples
from rating.load.traits import builtin_resource_types

DATA = Path(__file__).resolve().parent / "data" / "importers"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AT = "2026-10-01T00:00:00Z"


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str


def run(*args: str | Path, input: str | None = None) -> Result:
    """``ratecard ARGS`` in-process through the console script's entry point."""
    with CliRunner().isolation(input=input) as (out, err, _):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return Result(code, out.getvalue().decode(), err.getvalue().decode())


def samples_of(result: Result) -> dict[str, dict]:
    """The emitted samples by resource name (or id)."""
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    return {r["resource"].get("name", r["resource"]["id"]): r for r in records}


def summary(result: Result) -> list[str]:
    return result.stderr.splitlines()


def assert_valid(result: Result, tmp_path: Path) -> None:
    """What an importer printed passes the readers' validation: no record rejected."""
    path = tmp_path / "out.jsonl"
    path.write_text(result.stdout)
    reader = open_samples([str(path)], builtin_resource_types(), rejects=RejectSink())
    for _ in reader:
        pass
    assert reader.total.rejected == 0
    assert reader.total.valid == len(result.stdout.splitlines()) > 0


# --- Kubernetes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", Decimal(2)),
        ("0.1", Decimal("0.1")),
        ("1Gi", Decimal(1 << 30)),
        ("512M", Decimal(512_000_000)),
        ("1.5Ki", Decimal(1536)),
        ("2e3", Decimal(2000)),
        ("1E", Decimal(10**18)),
        ("1Ei", Decimal(1 << 60)),
        ("100n", Decimal("1e-7")),
    ],
)
def test_kubernetes_quantities(text: str, value: Decimal) -> None:
    assert quantity(text) == value


@pytest.mark.parametrize("text", ["two", "1 Gi", "-1", "1e999999999", "", "1GB", None])
def test_kubernetes_bad_quantities(text: object) -> None:
    with pytest.raises(BadQuantity):
        quantity(text)


def test_kubernetes_pods_and_claims(tmp_path: Path) -> None:
    result = run(
        "import", "kubernetes", DATA / "kubectl-pods-pvc.json",
        "--mapping", DATA / "mapping.yaml", "--at", AT,
    )  # fmt: skip
    samples = samples_of(result)
    api = samples["api-7d9f8c6b5-x2kq4"]
    # requests cpu "500m", memory "1Gi" → 500 m{CPU}, 1024 MiBy
    assert api["traits"] == {"milliCpu": 500, "ramMb": 1024, "status": "Running"}
    assert api["resource"] == {
        "id": "3f6c1a2e-8d4b-4f51-b7a2-9c0d1e2f3a41",
        "type": "kubernetes.pod",
        "name": "api-7d9f8c6b5-x2kq4",
    }
    assert api["scope"] == {
        "platformType": "Kubernetes",
        "location": "eu-de-2",
        "platformInstance": "k8s-prod",
        "tenant": "team-blue",
    }
    assert api["time"] == AT
    # containers 250m + 100m and 256Mi + 64Mi, sidecar 50m/32Mi; the init container
    # "migrate" (2 CPUs, 128Mi) runs before the sidecar starts: max(2000, 400) m and
    # max(128, 352) MiB.
    assert samples["worker-0"]["traits"] == {"milliCpu": 2000, "ramMb": 352, "status": "Running"}
    assert samples["debug-shell"]["traits"] == {"milliCpu": 0, "ramMb": 0, "status": "Running"}
    assert samples["debug-shell"]["scope"]["tenant"] == "team-data"  # not mapped: itself
    # 512M = 512,000,000 bytes = 488.28 MiB, rounded up
    assert samples["report-28312345-abcde"]["traits"] == {
        "milliCpu": 1000,
        "ramMb": 489,
        "status": "Succeeded",
    }
    assert samples["pg-data"]["traits"] == {
        "status": "Bound",
        "storageMb": 20480,
        "storageClassName": "ssd",
    }
    # 5G = 5e9 bytes = 4768.37 MiB, rounded up
    assert samples["scratch"]["traits"]["storageMb"] == 4769
    assert len(samples) == 6
    lines = summary(result)
    assert lines[0] == ("ratecard import kubernetes: read 8 objects, emitted 6 samples, skipped 2")
    assert "  skipped 1: not a Pod or PersistentVolumeClaim (first: kind 'Service')" in lines
    assert any(line.startswith("  skipped 1: invalid resource quantity") for line in lines)
    assert any("BestEffort" in line and "debug-shell" in line for line in lines)
    assert any(line.startswith("  note 1: terminated pod") for line in lines)
    assert any(line.startswith("  note 1: pod with init containers") for line in lines)
    assert_valid(result, tmp_path)


def test_kubernetes_single_object_from_stdin_and_strict() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "ns", "uid": "u-1"},
        "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "1"}}}]},
    }
    result = run("import", "kubernetes", "--at", AT, input=json.dumps(pod))
    assert samples_of(result)["p"]["traits"] == {"milliCpu": 1000, "ramMb": 0, "status": "Unknown"}
    as_array = run("import", "kubernetes", "--at", AT, input=json.dumps([pod, pod | {"kind": "x"}]))
    assert samples_of(as_array) == samples_of(result)  # `jq .items` output: the array's objects
    assert summary(as_array)[0].endswith("read 2 objects, emitted 1 samples, skipped 1")
    assert samples_of(result)["p"]["scope"] == {"platformType": "Kubernetes", "tenant": "ns"}
    pod["kind"] = "Deployment"
    result = run("import", "kubernetes", "--at", AT, "--strict", input=json.dumps(pod))
    assert result.exit_code == 1 and result.stdout == ""
    assert "skipped 1: not a Pod or PersistentVolumeClaim" in result.stderr


# --- OpenStack --------------------------------------------------------------------------


def import_openstack(kind: str, *options: str | Path) -> Result:
    return run(
        "import", "openstack", kind, DATA / f"openstack-{kind}.json",
        "--mapping", DATA / "openstack-mapping.json", "--at", AT, *options,
    )  # fmt: skip


def test_openstack_servers_with_flavors(tmp_path: Path) -> None:
    result = import_openstack(
        "servers", "--flavors", DATA / "openstack-flavors.json", "--tenant", "proj-42"
    )
    samples = samples_of(result)
    assert samples["web-1"]["traits"] == {
        "state": "ACTIVE",
        "flavor": "m1.medium",
        "vcpu": 2,
        "ramMb": 4096,
        "diskRoot": 40,
        "diskEphemeral": 0,
        "disk": 40,
    }
    assert samples["db-1"]["traits"]["disk"] == 100  # 80 root + 20 ephemeral
    assert samples["gpu-test"]["traits"] == {"state": "ERROR", "flavor": "g1.custom"}
    assert samples["web-1"]["scope"] == {
        "platformType": "OpenStack",
        "location": "eu-de-1",
        "platformInstance": "pike",
        "tenant": "proj-42",  # `server list` shows no project: --tenant
    }
    assert any("flavor not found" in line and "8c5a3b2e" in line for line in summary(result))
    assert_valid(result, tmp_path)


def test_openstack_server_api_json_embeds_its_flavor() -> None:
    api = {
        "servers": [
            {
                "id": "s-1",
                "name": "api-vm",
                "status": "ACTIVE",
                "tenant_id": "b2c3d4e5f6a74b8c9d0e1f2a3b4c5d6e",
                "flavor": {"original_name": "m1.small", "vcpus": 1, "ram": 2048, "disk": 20,
                           "ephemeral": 0, "swap": 0, "extra_specs": {}},
            }
        ]
    }  # fmt: skip
    result = run(
        "import", "openstack", "servers", "--at", AT,
        "--mapping", DATA / "openstack-mapping.json", input=json.dumps(api),
    )  # fmt: skip
    sample = samples_of(result)["api-vm"]
    assert sample["traits"] == {
        "state": "ACTIVE",
        "flavor": "m1.small",
        "vcpu": 1,
        "ramMb": 2048,
        "diskRoot": 20,
        "diskEphemeral": 0,
        "disk": 20,
    }
    assert sample["scope"]["tenant"] == "proj-42"


@pytest.mark.parametrize(
    ("kind", "name", "traits", "tenant"),
    [
        ("volumes", "data", {"size": 500, "status": "in-use", "type": "ssd"}, "proj-7"),
        ("volumes", "broken", {"size": 100, "status": "error", "type": "ssd"}, "proj-7"),
        ("snapshots", "data-nightly", {"status": "available", "volumeSize": 500}, "proj-7"),
        ("floating-ips", "5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e", {}, "proj-42"),
        ("routers", "gw", {}, "proj-42"),
        ("load-balancers", "ingress", {"operatingStatus": "ONLINE", "provider": "amphora"},
         "proj-42"),
        ("images", "ubuntu-24.04", {"status": "active", "size": 3}, "proj-42"),
        ("images", "win-2022", {"status": "active", "size": 11}, "proj-7"),  # 10 GiB + 1 byte
        ("images", "upload-in-progress", {"status": "queued"}, "proj-7"),
    ],
)  # fmt: skip
def test_openstack_kinds(kind: str, name: str, traits: dict, tenant: str, tmp_path: Path) -> None:
    result = import_openstack(kind, "--tenant", "proj-7")
    sample = samples_of(result)[name]
    assert sample["traits"] == traits
    assert sample["scope"]["tenant"] == tenant
    assert_valid(result, tmp_path)


def test_openstack_odd_rows_are_reported() -> None:
    rows = [{"Name": "no-id", "Status": "available", "Size": 1}, "junk",
            {"ID": "v-1", "Status": "available", "Size": -5}]  # fmt: skip
    result = run("import", "openstack", "volumes", "--at", AT, input=json.dumps(rows))
    assert result.exit_code == 0 and result.stdout == ""
    lines = summary(result)
    assert lines[0].endswith("read 3 objects, emitted 0 samples, skipped 3")
    assert any(line.startswith("  skipped 1: no ID") for line in lines)
    assert any(line.startswith("  skipped 1: not a JSON object") for line in lines)
    assert any("invalid sample: traits.size" in line for line in lines)


# --- Cloud Foundry ----------------------------------------------------------------------


def test_cloudfoundry_one_sample_per_process(tmp_path: Path) -> None:
    mapping = tmp_path / "cf.json"
    mapping.write_text(
        json.dumps(
            {
                "platformInstance": "cf-1",
                "location": "eu-de-1",
                "tenants": {"2f35885d-0c9d-4423-83ad-fd05066f8576": "proj-42"},
            }
        )
    )
    result = run(
        "import", "cloudfoundry", DATA / "cf-apps.json",
        "--processes", DATA / "cf-processes.json", "--mapping", mapping, "--at", AT,
    )  # fmt: skip
    samples = samples_of(result)
    assert samples["shop"]["resource"]["id"] == "1cb006ee-fb05-47e1-b541-c34179ddc446"
    assert samples["shop"]["traits"] == {
        "appState": "STARTED",
        "instances": 2,
        "ramMb": 512,
        "size": 1024,
    }
    assert samples["shop"]["scope"] == {
        "platformType": "CloudFoundry",
        "location": "eu-de-1",
        "platformInstance": "cf-1",
        "tenant": "proj-42",
    }
    assert samples["shop (worker)"]["traits"]["ramMb"] == 1024
    assert samples["reports"]["traits"]["appState"] == "STOPPED"
    assert len(samples) == 3
    lines = summary(result)
    assert any("process of an app not in the apps input" in line for line in lines)
    assert any("app without a process" in line and "half-pushed" in line for line in lines)
    assert_valid(result, tmp_path)


def test_cloudfoundry_pages(tmp_path: Path) -> None:
    page = json.loads((DATA / "cf-apps.json").read_text())
    first = {**page, "resources": page["resources"][:2]}
    first["pagination"] = {**page["pagination"], "next": {"href": "…?page=2"}}
    second = {**page, "resources": page["resources"][2:]}
    only_first = tmp_path / "apps-1.json"
    only_first.write_text(json.dumps(first))
    result = run("import", "cloudfoundry", only_first, "--processes", DATA / "cf-processes.json")
    assert result.exit_code == 2
    assert "holds 2 of 3 resources: give every page" in result.stderr
    both = tmp_path / "apps.json"
    both.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    result = run(
        "import", "cloudfoundry", both, "--processes", DATA / "cf-processes.json", "--at", AT
    )
    assert len(samples_of(result)) == 3


# --- CloudEvents ------------------------------------------------------------------------


def test_cloudevents_lifecycle(tmp_path: Path) -> None:
    result = run(
        "import", "cloudevents", DATA / "cloudevents.jsonl",
        "--map", DATA / "cloudevents-mapping.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["time"], r["event"]) for r in records] == [
        ("2026-10-01T10:00:00Z", "create"),
        ("2026-10-01T16:00:00Z", "update"),
        ("2026-10-01T22:00:00Z", "delete"),
    ]
    assert records[1]["traits"] == {
        "flavor": "m1.large",
        "vcpu": 4,
        "ramMb": 8192,
        "diskRoot": 80,
        "diskEphemeral": 20,
        "state": "ACTIVE",
    }
    assert records[0]["resource"] == {
        "id": "6a3e1f0c-2b7d-4c9e-8f51-0d2a4b6c8e01",
        "type": "openstack.nova.server",
        "name": "web-1",
    }
    assert records[0]["scope"] == {
        "platformType": "OpenStack",
        "location": "eu-de-1",
        "platformInstance": "pike",
        "tenant": "proj-42",
    }
    lines = summary(result)
    assert lines[0] == "ratecard import cloudevents: read 8 objects, emitted 3 samples, skipped 5"
    for reason in (
        "event type not in the mapping",
        "not CloudEvents 1.0",
        "not a structured-mode CloudEvent",
        "no resource id where the mapping's id points",
        "not JSON",
    ):
        assert any(line.startswith(f"  skipped 1: {reason}") for line in lines), reason
    assert_valid(result, tmp_path)


def test_cloudevents_rate_as_exact_intervals(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    result = run(
        "import", "cloudevents", DATA / "cloudevents.jsonl",
        "--map", DATA / "cloudevents-mapping.yaml", "--out", events,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    items = rate(events)
    vcpu = {(i["start"], i["end"]): i["quantity"] for i in items if i["product_id"] == "vm-vcpu"}
    # 2 vCPUs from 10:00 to the resize at 16:00, then 4 until the delete at 22:00
    assert sum(Decimal(q) for q in vcpu.values()) == 2 * 6 + 4 * 6


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"platformType": "X", "events": {"t": {"event": "destroy"}}},
         "events.t.event: expected one of create"),
        ({"platformType": "X", "events": {}}, "events: expected an object"),
        ({"platformType": "X", "cells": {}}, "unknown key 'cells'"),
        ({"platformType": "X", "events": {"t": {"event": "create", "resourceType": "r",
                                                "id": 5}}}, "events.t.id: expected a dotted"),
        ({"events": {"t": {"event": "create", "resourceType": "r", "id": "data.id"}}},
         "platformType: missing"),
    ],
)  # fmt: skip
def test_cloudevents_mapping_errors(mapping: dict, message: str, tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(mapping))
    result = run("import", "cloudevents", "--map", path, input="")
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


# --- Errors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["kubernetes", "--at", AT], '{"items": [', "<stdin>:1:12: not JSON"),
        (["kubernetes", "--at", AT], "", "<stdin>: empty input"),
        (["kubernetes", "missing.json"], None, "missing.json: no such file"),
        (["kubernetes", "--at", "yesterday"], "{}", "--at 'yesterday': expected an RFC 3339"),
        (["openstack", "servers", "--mapping", "m.json"], "[]", "cannot read the mapping"),
        (["cloudfoundry", "--processes", "-"], "{}", "APPS and --processes cannot both be stdin"),
        (["kubernetes"], "[" * 100_000, "<stdin>: unusable JSON: nested too deeply"),
        (["openstack", "volumes"], "[" + "1" * 5000 + "]", "<stdin>: unusable JSON: Exceeds"),
    ],
)
def test_errors_are_one_line(args: list[str], stdin: str | None, message: str) -> None:
    result = run("import", *args, input=stdin)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cloudevents_hostile_lines_are_skipped() -> None:
    lines = "[" * 100_000 + "\n" + '{"a": ' + "1" * 5000 + "}\n"
    result = run(
        "import", "cloudevents", "--map", DATA / "cloudevents-mapping.yaml", input=lines
    )  # fmt: skip
    assert result.exit_code == 0 and result.stdout == ""
    assert "  skipped 2: unusable JSON (huge number or deep nesting) (first: line 1)" in (
        summary(result)
    )


def test_mapping_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("tenants:\n  ns: [a, b]\n")
    result = run("import", "kubernetes", "--mapping", bad, input="{}")
    assert result.exit_code == 2 and "tenants.ns: expected non-empty text" in result.stderr
    bad.write_text("tenants: {ns: x\n")
    result = run("import", "kubernetes", "--mapping", bad, input="{}")
    assert result.exit_code == 2 and "m.yaml:" in result.stderr and "not YAML" in result.stderr


# --- End to end: import → rate ----------------------------------------------------------


def rate(samples: Path) -> list[dict]:
    result = run(
        "rate", EXAMPLES / "catalogs" / "private-cloud", samples,
        "--period", "2026-10", "--format", "jsonl",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_import_openstack_servers_then_rate(tmp_path: Path) -> None:
    samples = tmp_path / "servers.jsonl"
    result = import_openstack(
        "servers", "--flavors", DATA / "openstack-flavors.json",
        "--tenant", "proj-42", "--out", samples,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    items = rate(samples)
    by_product = {(i["resource_name"], i["product_id"]): i for i in items}
    # web-1 (ACTIVE, m1.medium: 2 vCPU, 4 GiB) for one interval (1 h) at the catalog's prices
    assert by_product["web-1", "vm-vcpu"]["quantity"] == "2.000000000000"
    assert by_product["web-1", "vm-vcpu"]["amount"] == "0.024000000000"
    assert by_product["web-1", "vm-ram"]["quantity"] == "4.000000000000"
    assert by_product["web-1", "vm-ram"]["unit"] == "GiBy.h"
    # db-1 is SHUTOFF and gpu-test in ERROR: no vCPU or RAM charges
    assert {p for n, p in by_product if n != "web-1"} <= {"vm-legacy-setup"}
    assert {i["tenant"] for i in items} == {"proj-42"}


def test_import_kubernetes_then_rate(tmp_path: Path) -> None:
    samples = tmp_path / "k8s.parquet"
    result = run(
        "import", "kubernetes", DATA / "kubectl-pods-pvc.json",
        "--mapping", DATA / "mapping.yaml", "--at", AT, "--out", samples,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    by_product = {(i["resource_name"], i["product_id"]): i for i in rate(samples)}
    assert by_product["api-7d9f8c6b5-x2kq4", "k8s-cpu"]["quantity"] == "0.500000000000"
    assert by_product["api-7d9f8c6b5-x2kq4", "k8s-ram"]["quantity"] == "1.000000000000"
    assert ("report-28312345-abcde", "k8s-cpu") not in by_product  # Succeeded
    assert ("pg-data", "k8s-volume-ssd") in by_product
    assert ("scratch", "k8s-volume-standard") not in by_product  # Pending


# --- samples convert --------------------------------------------------------------------


def normalized(path: Path):
    reader = open_samples([str(path)], builtin_resource_types())
    table = reader.read_all().drop_columns(["source_file", "source_line"])
    return table.sort_by([("resource_id", "ascending"), ("time", "ascending")])


def test_convert_round_trip(tmp_path: Path) -> None:
    original = EXAMPLES / "samples" / "fleet-2026-10.jsonl"
    chain = [original, tmp_path / "a.parquet", tmp_path / "b.csv.gz", tmp_path / "c.jsonl.zst",
             tmp_path / "d.jsonl"]  # fmt: skip
    for source, target in itertools.pairwise(chain):
        result = run("samples", "convert", source, "--out", target)
        assert result.exit_code == 0, result.stderr
        assert result.stderr.startswith("read 708, written 708, rejected 0")
    assert normalized(chain[-1]).equals(normalized(original))
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("out.txt", "--out {out}: unknown format; name it .jsonl, .csv or .parquet"),
        ("missing/out.parquet", "--out {out}: directory {parent} does not exist"),
    ],
)
def test_convert_refuses_an_output_it_cannot_write_before_reading(
    tmp_path: Path, name: str, message: str
) -> None:
    out = tmp_path / name
    result = run("samples", "convert", EXAMPLES / "samples" / "fleet-2026-10.jsonl", "--out", out)
    assert result.exit_code == 2
    assert message.format(out=out, parent=out.parent) in result.stderr
    assert "read 708" not in result.stderr and not out.exists()


def test_convert_keeps_events_and_fractional_times(tmp_path: Path) -> None:
    source = tmp_path / "events.jsonl"
    record = {
        "time": "2026-10-01T10:00:00.250+02:00",
        "event": "create",
        "resource": {"id": "vm-1", "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack"},
        "traits": {"state": "ACTIVE", "vcpu": 2},
    }
    source.write_text(json.dumps(record) + "\n")
    parquet, back = tmp_path / "e.parquet", tmp_path / "e.jsonl"
    assert run("samples", "convert", source, "--out", parquet).exit_code == 0
    assert run("samples", "convert", parquet, "--out", back).exit_code == 0
    assert json.loads(back.read_text()) == {
        **record,
        "time": "2026-10-01T08:00:00.250000Z",
    }
    assert pc.all(pc.equal(normalized(back)["time"], normalized(source)["time"])).as_py()


def test_convert_rejects(tmp_path: Path) -> None:
    out, rejects = tmp_path / "ok.csv", tmp_path / "rejects.jsonl"
    result = run(
        "samples", "convert", EXAMPLES / "samples" / "broken.jsonl",
        "--out", out, "--rejects", rejects,
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stderr.startswith("read 7, written 1, rejected 6")
    assert len(rejects.read_text().splitlines()) == 6
    assert len(out.read_text().splitlines()) == 2  # header + the valid record


def test_convert_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes((EXAMPLES / "samples" / "fleet-2026-10.jsonl").read_bytes())
    result = run("samples", "convert", path, "--out", path)
    assert result.exit_code == 2 and "is also an input" in result.stderr
    assert path.read_bytes() == (EXAMPLES / "samples" / "fleet-2026-10.jsonl").read_bytes()


def test_every_import_rates_against_the_example_catalog(tmp_path: Path) -> None:
    """Each platform's samples meet the example catalog's products; only the odd
    objects (a Pending claim, a Succeeded pod, a volume in error, a queued image,
    servers not ACTIVE) match none."""
    outputs = []
    for kind in ("servers", "volumes", "snapshots", "floating-ips", "routers",
                 "load-balancers", "images"):  # fmt: skip
        outputs.append(tmp_path / f"{kind}.jsonl")
        flavors = ("--flavors", DATA / "openstack-flavors.json") if kind == "servers" else ()
        result = import_openstack(kind, "--tenant", "proj-7", "--out", outputs[-1], *flavors)
        assert result.exit_code == 0, result.stderr
    outputs.append(tmp_path / "cf.csv")
    result = run(
        "import", "cloudfoundry", DATA / "cf-apps.json", "--processes", DATA / "cf-processes.json",
        "--platform-instance", "cf-1", "--at", AT, "--out", outputs[-1],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    outputs.append(tmp_path / "k8s.jsonl.gz")
    result = run(
        "import", "kubernetes", DATA / "kubectl-pods-pvc.json",
        "--mapping", DATA / "mapping.yaml", "--at", AT, "--out", outputs[-1],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    result = run(
        "rate", EXAMPLES / "catalogs" / "private-cloud", *outputs,
        "--period", "2026-10", "--format", "jsonl",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "samples read 22, rated 18, unmatched 4, rejected 0" in result.stderr
    rated = {json.loads(line)["resource_type"] for line in result.stdout.splitlines()}
    assert rated == {
        "openstack.nova.server",
        "openstack.cinder.volume",
        "openstack.cinder.snapshot",
        "openstack.neutron.floating-ip",
        "openstack.neutron.router",
        "openstack.neutron.load-balancer",
        "openstack.glance.image",
        "cloudfoundry.app",
        "kubernetes.pod",
        "kubernetes.persistent-volume-claim",
    }
