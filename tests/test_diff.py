"""`ratecard diff` (issue #20): catalog changes, bill changes to the cent, git sides, exit codes.

Every expected figure is computed by hand in the test from a small catalog
written as Dhall (importing the library by absolute path) and a few samples:

* t-a: vm-1, 2 vCPU, 4 GiB, 2 hours: 4 vCPU.h, 8 GiB.h
* t-b: vm-2, 4 vCPU, 8 GiB, 3 hours: 12 vCPU.h, 24 GiB.h
* t-c: vol-1, 100 GiB, 2 hours: 200 GiB.h (no product in the base catalog: unmatched)

Base prices: vCPU 0.5 per vCPU.h; RAM graduated, 0.25 per GiB.h up to 10, then 0.1.
Base totals: t-a 4 × 0.5 + 8 × 0.25 = 4.00; t-b 12 × 0.5 + 10 × 0.25 + 14 × 0.1 = 9.90.
"""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

import rating
from rating.cli import cli, main
from rating.diff import CatalogDiff, compare, open_side
from rating.errors import RatecardError
from rating.library import catalog_dir

GOLDEN = Path(__file__).resolve().parent / "golden" / "diff"
CATALOG_LIBRARY = catalog_dir().resolve()

VCPU = ("vcpu", "openstack.nova.server", 'C.Usage.timeQuantity "vcpu" "{vCPU}.h"')
RAM = ("ram", "openstack.nova.server", 'C.Usage.timeQuantity "ramMb" "GiBy.h"')
VOLUME = ("volume", "openstack.cinder.volume", 'C.Usage.timeQuantity "size" "GiBy.h"')
VCPU_PRICE = 'C.Price.perUnit "EUR" 0.5'
RAM_TIERS = 'C.Price.graduated "EUR" [ C.Tier.upTo 10.0 0.25, C.Tier.rest 0.1 ]'


def product(kind: tuple[str, str, str], price: str, extra: str = "") -> str:
    """One product entry in Dhall, its ``id = …`` on a line of its own (the source line)."""
    id_, resource_type, usage = kind
    return f"""
      C.Product::{{
        , id = "{id_}"
        , displayName = "{id_}"
        , resourceType = "{resource_type}"
        , scope = C.Scope.platformType "OpenStack"
        , usage = {usage}
        , usageType = "{id_} hours"
        , price = {price}
        , seller = C.Seller::{{ sellerId = "acme", sellerProductGroup = "Cloud" }}{extra}
        }}"""


def catalog(*products: str) -> str:
    entries = ",".join(products)
    return (
        f"let C = {CATALOG_LIBRARY.as_posix()}/package.dhall\n"
        f'in  C.Catalog::{{ name = "diffed", products = [{entries}\n    ] }}\n'
    )


BASE = catalog(product(VCPU, VCPU_PRICE), product(RAM, RAM_TIERS))


def _vm(resource: str, tenant: str, hour: int, vcpu: int) -> dict:
    return {
        "time": f"2026-10-01T{hour:02}:00:00Z",
        "resource": {"id": resource, "type": "openstack.nova.server"},
        "scope": {"platformType": "OpenStack", "tenant": tenant},
        "traits": {"vcpu": vcpu, "ramMb": vcpu * 2048, "state": "ACTIVE"},
    }


SAMPLES = [
    *(_vm("vm-1", "t-a", hour, 2) for hour in range(2)),
    *(_vm("vm-2", "t-b", hour, 4) for hour in range(3)),
    *(
        {
            "time": f"2026-10-01T{hour:02}:00:00Z",
            "resource": {"id": "vol-1", "type": "openstack.cinder.volume"},
            "scope": {"platformType": "OpenStack", "tenant": "t-c"},
            "traits": {"size": 100, "status": "in-use"},
        }
        for hour in range(2)
    ),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A directory with samples.jsonl and the base catalog as old.dhall, and the cwd."""
    (tmp_path / "samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in SAMPLES))
    (tmp_path / "old.dhall").write_text(BASE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def diff_to(new_catalog: str) -> CatalogDiff:
    """The diff of the base catalog (old.dhall) against ``new_catalog`` on the samples."""
    Path("new.dhall").write_text(new_catalog)
    old, new = open_side("old.dhall", ()), open_side("new.dhall", ())
    runs = [side.catalog.rate("samples.jsonl", period="2026-10") for side in (old, new)]
    return compare(old, new, *runs)


def tenants(result: CatalogDiff) -> dict[str, tuple[D, D, D, D]]:
    """Tenant → (old, new, delta, delta %) in EUR."""
    return {
        c.name: (c.old, c.new, c.delta, c.percent.quantize(D("0.01")))
        for c in result.bills.tenants
        if c.currency == "EUR"
    }


def lines(result: CatalogDiff) -> dict[str, tuple[D, D]]:
    """Product id → (old, new), only those that changed."""
    return {c.name: (c.old, c.new) for c in result.bills.lines if c.delta}


def aspects(result: CatalogDiff) -> list[tuple[str, str, str, str, str]]:
    return [
        (entry.status, entry.id, aspect.aspect, aspect.old, aspect.new)
        for entry in result.entries
        for aspect in entry.changes
    ]


def test_price_change(workdir):
    result = diff_to(catalog(product(VCPU, 'C.Price.perUnit "EUR" 0.75'), product(RAM, RAM_TIERS)))
    assert aspects(result) == [
        ("changed", "vcpu", "price", "PerUnit EUR 0.5", "PerUnit EUR 0.75"),
    ]
    assert result.entries[0].source == "new.dhall:4"
    # t-a: 4 vCPU.h × 0.25 more = +1.00 on 4.00; t-b: 12 × 0.25 = +3.00 on 9.90
    assert tenants(result) == {
        "t-b": (D("9.90"), D("12.90"), D("3.00"), D("30.30")),
        "t-a": (D("4.00"), D("5.00"), D("1.00"), D("25.00")),
    }
    assert lines(result) == {"vcpu": (D("8"), D("12"))}  # 16 vCPU.h × 0.5 → × 0.75


def test_tier_change(workdir):
    cheaper_rest = RAM_TIERS.replace("rest 0.1", "rest 0.05")
    result = diff_to(catalog(product(VCPU, VCPU_PRICE), product(RAM, cheaper_rest)))
    assert aspects(result) == [
        ("changed", "ram", "tiers", "up to 10.0: 0.25; rest: 0.1", "up to 10.0: 0.25; rest: 0.05")
    ]
    # only t-b passes 10 GiB.h: its 14 GiB.h above cost 0.05 less each = -0.70
    assert tenants(result) == {
        "t-b": (D("9.90"), D("9.20"), D("-0.70"), D("-7.07")),
        "t-a": (D("4.00"), D("4.00"), D("0.00"), D("0.00")),
    }


def test_new_product_matches_samples_and_a_tenant_from_zero(workdir):
    volume = product(VOLUME, 'C.Price.perUnit "EUR" 0.01')
    result = diff_to(catalog(product(VCPU, VCPU_PRICE), product(RAM, RAM_TIERS), volume))
    [(status, id_, _, old, new)] = aspects(result)
    assert (status, id_, old) == ("added", "volume", "")
    assert new == "openstack.cinder.volume: PerUnit EUR 0.01"
    # t-c: 200 GiB.h × 0.01 = 2.00, from nothing: moved by more than any percentage
    [first, *_] = result.bills.tenants
    assert (first.name, first.old, first.new) == ("t-c", D(0), D("2.00"))
    assert first.percent == D("Infinity")
    assert (result.samples.newly_matched, result.samples.newly_unmatched) == (2, 0)
    assert (result.samples.old_unmatched, result.samples.new_unmatched) == (2, 0)


def test_removed_product(workdir):
    result = diff_to(catalog(product(VCPU, VCPU_PRICE)))
    assert aspects(result) == [
        (
            "removed",
            "ram",
            "",
            "openstack.nova.server: Graduated EUR up to 10.0: 0.25; rest: 0.1",
            "",
        )
    ]
    assert result.entries[0].source == "old.dhall:14"
    # t-a loses 8 × 0.25 = 2.00; t-b loses 10 × 0.25 + 14 × 0.1 = 3.90
    assert tenants(result) == {
        "t-a": (D("4.00"), D("2.00"), D("-2.00"), D("-50.00")),
        "t-b": (D("9.90"), D("6.00"), D("-3.90"), D("-39.39")),
    }


def test_validity_change(workdir):
    until_one = '\n        , validUntil = Some "2026-10-01T01:00:00Z"'
    result = diff_to(catalog(product(VCPU, VCPU_PRICE, until_one), product(RAM, RAM_TIERS)))
    assert aspects(result) == [
        ("changed", "vcpu", "validity", "always", "[, 2026-10-01T01:00:00Z)")
    ]
    # only the first hour keeps its vCPU price: t-a 2 vCPU.h × 0.5, t-b 4 vCPU.h × 0.5
    assert tenants(result) == {
        "t-b": (D("9.90"), D("5.90"), D("-4.00"), D("-40.40")),
        "t-a": (D("4.00"), D("3.00"), D("-1.00"), D("-25.00")),
    }
    assert result.samples.newly_unmatched == 0  # the later samples still match the RAM price


def test_diff_is_two_reports_subtracted(workdir):
    new = catalog(product(VCPU, 'C.Price.perUnit "EUR" 0.7'), product(RAM, RAM_TIERS))
    result = diff_to(new)
    reports = [
        rating.open_catalog(path).rate("samples.jsonl", period="2026-10").reports().tenants
        for path in ("old.dhall", "new.dhall")
    ]
    for change in result.bills.tenants:
        old, new_total = (
            next((t.amount for t in r[change.name].totals if t.currency == change.currency), D(0))
            if change.name in r
            else D(0)
            for r in reports
        )
        assert (change.old, change.new, change.delta) == (old, new_total, new_total - old)


def test_both_sides_are_rated_over_one_read_of_the_samples(workdir):
    """`rating.rate_each` reads the samples once and gives each catalog its own run."""
    Path("new.dhall").write_text(NEW_EVERYTHING)
    old, new = (rating.open_catalog(path) for path in ("old.dhall", "new.dhall"))
    read: list[int] = []
    together = rating.rate_each([old, new], "samples.jsonl", period="2026-10", progress=read.append)
    assert sum(read) == len(SAMPLES)
    for catalog, run in zip((old, new), together, strict=True):
        alone = catalog.rate("samples.jsonl", period="2026-10")
        assert run.line_items.equals(alone.line_items) and run.counts == alone.counts
    assert not together[0].line_items.equals(together[1].line_items)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["diff", *args])


def exit_code(capsys, *args: str) -> tuple[int, str, str]:
    """``ratecard diff ARGS`` as the console script runs it: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exit_:
        main(["diff", *args])
    captured = capsys.readouterr()
    return exit_.value.code, captured.out, captured.err


NEW_EVERYTHING = catalog(
    product(VCPU, 'C.Price.perUnit "EUR" 0.75'),
    product(VOLUME, 'C.Price.perUnit "EUR" 0.01'),
)


def test_markdown_matches_the_golden_file(workdir):
    """Re-record with ``RATECARD_UPDATE_GOLDEN=1`` and review the diff of tests/golden/diff/."""
    (workdir / "new.dhall").write_text(NEW_EVERYTHING)
    result = invoke("old.dhall", "new.dhall", "samples.jsonl", "--format", "markdown")
    assert result.exit_code == 0, result.output
    golden = GOLDEN / "price-new-removed.md"
    if os.environ.get("RATECARD_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.stdout)
    assert result.stdout == golden.read_text()
    assert "old.dhall:\nperiod 2026-10: samples read 7, rated 5, unmatched 2" in result.stderr


def test_markdown_keeps_a_regex_filter_literal(workdir):
    flavors = '\n        , filter = [ C.Condition.regex "flavor" "m1\\\\..*|m2" ]'
    (workdir / "new.dhall").write_text(
        catalog(product(VCPU, VCPU_PRICE, flavors), product(RAM, RAM_TIERS))
    )
    result = invoke("old.dhall", "new.dhall", "samples.jsonl", "--format", "markdown")
    # no sample has a flavor: the vCPU price is gone, t-a -2.00 and t-b -6.00
    assert "| filter   |       | `flavor Regex /m1\\..*\\|m2/` |" in result.stdout
    assert "| t-b      | EUR        | 9.90  | 3.90  | -6.00   | -60.61 %  |" in result.stdout


def test_json_has_every_tenant_with_exact_strings(workdir):
    (workdir / "new.dhall").write_text(NEW_EVERYTHING)
    result = invoke("old.dhall", "new.dhall", "samples.jsonl", "--format", "json")
    document = json.loads(result.stdout)
    # t-a: 4 × 0.75 = 3.00; t-b: 12 × 0.75 = 9.00; t-c: 2.00 (RAM is gone)
    assert [(t["id"], t["old"], t["new"], t["delta_percent"]) for t in document["tenants"]] == [
        ("t-c", "0", "2.00", "Infinity"),
        ("t-a", "4.00", "3.00", "-25.00"),
        ("t-b", "9.90", "9.00", "-9.09"),
    ]


@pytest.mark.parametrize(("threshold", "code"), [("30.31", 0), ("30.30", 1), ("0", 1)])
def test_fail_above(workdir, capsys, threshold, code):
    """t-b moves by +30.303 %, t-a by +25 %: above 30.30 but not above 30.31."""
    (workdir / "new.dhall").write_text(
        catalog(product(VCPU, 'C.Price.perUnit "EUR" 0.75'), product(RAM, RAM_TIERS))
    )
    args = ("old.dhall", "new.dhall", "samples.jsonl", "--fail-above", threshold)
    status, out, err = exit_code(capsys, *args)
    assert status == code
    assert "| t-b" in out or "t-b " in out  # the diff is printed either way
    if code:
        moved = 1 if threshold == "30.30" else 2
        assert err.splitlines()[-1] == (
            f"ratecard: error: --fail-above {threshold}: {moved} tenant total(s) moved by "
            f"more than {threshold} %, t-b EUR the most (9.90 → 12.90)"
        )


def test_fail_above_counts_a_total_from_zero_as_infinite(workdir, capsys):
    (workdir / "new.dhall").write_text(NEW_EVERYTHING)
    args = ("old.dhall", "new.dhall", "samples.jsonl", "--fail-above", "1000000")
    status, out, err = exit_code(capsys, *args)
    assert status == 1
    assert "t-c EUR the most (0 → 2.00)" in err
    assert "+∞ (from 0)" in out and "∞: the amount was zero before" in out


def test_bad_fail_above_is_exit_2(workdir, capsys):
    status, _, err = exit_code(
        capsys, "old.dhall", "old.dhall", "samples.jsonl", "--fail-above", "x"
    )
    assert status == 2
    assert err == "ratecard: error: --fail-above 'x': expected a percentage ≥ 0, e.g. 5 or 2.5\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def test_git_side_reads_the_catalog_at_a_commit(workdir):
    git(workdir, "init", "-q")
    git(workdir, "add", "old.dhall")
    git(workdir, "commit", "-q", "-m", "base")
    (workdir / "old.dhall").write_text(
        catalog(product(VCPU, 'C.Price.perUnit "EUR" 0.75'), product(RAM, RAM_TIERS))
    )
    result = invoke("git:HEAD:old.dhall", "old.dhall", "samples.jsonl", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["old"] == "git:HEAD:old.dhall"
    assert [(e["id"], e["source"]) for e in document["entries"]] == [("vcpu", "old.dhall:4")]
    assert {t["id"]: t["delta"] for t in document["tenants"]}["t-b"] == "3.00"
    # the old side's sources name the commit, not a temporary directory
    old = open_side("git:HEAD:old.dhall", ())
    assert old.catalog.model.products[0].source.endswith("/old.dhall:4")
    assert old.shown(old.catalog.model.products[0].source) == "HEAD:old.dhall:4"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("git:nope:old.dhall", "git:nope:old.dhall: 'nope' is not a commit in the repository at"),
        ("git:--output=x:old.dhall", "REF '--output=x' may not start with '-'"),
        ("git:HEAD:../old.dhall", "PATH '../old.dhall' must be relative to the repository root"),
        ("git:HEAD:/etc/passwd", "PATH '/etc/passwd' must be relative to the repository root"),
        ("git:HEAD", "git:HEAD: expected git:REF:PATH"),
        ("git:HEAD:missing.dhall", "git:HEAD:missing.dhall: no missing.dhall at HEAD"),
    ],
)
def test_bad_git_side_is_one_line_exit_2(workdir, capsys, spec, message):
    git(workdir, "init", "-q")
    git(workdir, "add", "old.dhall")
    git(workdir, "commit", "-q", "-m", "base")
    with pytest.raises(SystemExit) as exit_:
        main(["diff", spec, "old.dhall", "samples.jsonl"])
    assert exit_.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("ratecard: error: ") and message in line


def test_git_side_outside_a_repository_is_one_line(workdir):
    with pytest.raises(RatecardError, match="not inside a git repository"):
        open_side("git:HEAD:old.dhall", ())


def test_stdin_cannot_be_read_twice(workdir, capsys):
    status, _, err = exit_code(capsys, "old.dhall", "old.dhall", "-")
    assert (status, err) == (
        2,
        "ratecard: error: SAMPLES: '-' (stdin) cannot be read twice; give files\n",
    )


def test_check_errors_of_a_side_are_listed_one_line_each(workdir, capsys):
    """As `check` words them, with a git side's paths as REF:PATH (not its checkout)."""
    Path("dup.dhall").write_text(catalog(product(VCPU, VCPU_PRICE), product(VCPU, VCPU_PRICE)))
    git(workdir, "init", "-q")
    git(workdir, "add", "dup.dhall")
    git(workdir, "commit", "-q", "-m", "base")
    overlap = (
        'error[overlapping-validity] product "vcpu": entries at {0}:4 and {0}:14 have the same '
        "scope and filter and overlapping validity periods"
    )
    for side, shown in (("dup.dhall", "dup.dhall"), ("git:HEAD:dup.dhall", "HEAD:dup.dhall")):
        status, out, err = exit_code(capsys, "old.dhall", side, "samples.jsonl")
        assert (status, out) == (1, "")
        assert err.splitlines() == [
            f"{shown}:14: {overlap.format(shown)}",
            f"ratecard: error: {shown}: the catalog has 1 error(s) (see `ratecard check`); "
            "nothing was rated",
        ]


def test_git_side_loads_from_the_cache_the_second_time(workdir, monkeypatch):
    """The tree is extracted to the same private place every run, so cache keys
    (paths and contents) match; nothing of it stays behind."""
    import rating.load.catalog as loader

    git(workdir, "init", "-q")
    git(workdir, "add", "old.dhall")
    git(workdir, "commit", "-q", "-m", "base")
    first = open_side("git:HEAD:old.dhall", ())

    def uncached(*_args, **_kwargs):
        raise AssertionError("converted again: the cache missed")

    monkeypatch.setattr(loader, "_convert", uncached)
    second = open_side("git:HEAD:old.dhall", ())
    assert second.catalog.model == first.catalog.model
    assert not Path(second.checkout).exists()


def test_git_side_in_use_by_another_run_loads_from_a_temporary_directory(workdir):
    import fcntl

    from rating.cache import private_cache_dir

    git(workdir, "init", "-q")
    git(workdir, "add", "old.dhall")
    git(workdir, "commit", "-q", "-m", "base")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=workdir, capture_output=True, text=True, check=True
    ).stdout.strip()
    with (private_cache_dir() / f"git-{commit}.lock").open("wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a concurrent diff of the same commit does
        side = open_side("git:HEAD:old.dhall", ())
    assert Path(side.checkout).name.startswith("ratecard-diff-")
    assert side.shown(side.catalog.model.products[0].source) == "HEAD:old.dhall:4"
