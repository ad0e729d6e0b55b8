"""`ratecard init`: the scaffolded repository is complete, refuses clobbering, and checks clean."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from rating.cli import cli
from rating.errors import RatecardError
from rating.library import catalog_dir, prelude_dir, traits_dir


def test_init_writes_repository(tmp_path):
    target = tmp_path / "repo"
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    for relative in (
        "catalog.dhall",
        "catalog/package.dhall",
        "traits/package.dhall",
        "samples/example.jsonl",
        ".github/workflows/ratecard.yml",
        ".gitlab-ci.yml",
        "README.md",
    ):
        assert (target / relative).is_file(), relative
    vendored = sorted(p.relative_to(catalog_dir()) for p in catalog_dir().rglob("*.dhall"))
    assert (
        sorted(p.relative_to(target / "catalog") for p in (target / "catalog").rglob("*.dhall"))
        == vendored
    )
    assert (target / "traits/openstack/nova/server.dhall").read_text() == (
        traits_dir() / "openstack/nova/server.dhall"
    ).read_text()
    workflow = (target / ".github/workflows/ratecard.yml").read_text()
    assert "pip install ratecard" in workflow
    assert "ratecard check catalog.dhall --format github" in workflow
    assert "ratecard check catalog.dhall" in (target / ".gitlab-ci.yml").read_text()
    assert "./catalog/package.dhall" in (target / "catalog.dhall").read_text()
    for line in (target / "samples/example.jsonl").read_text().splitlines():
        assert json.loads(line)["resource"]["type"] == "openstack.nova.server"


def test_init_refuses_non_empty_directory_unless_forced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert isinstance(result.exception, RatecardError)
    assert "not empty" in str(result.exception)
    assert not (tmp_path / "catalog.dhall").exists()
    forced = CliRunner().invoke(cli, ["init", str(tmp_path), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (tmp_path / "catalog.dhall").is_file() and (tmp_path / "notes.txt").read_text() == "mine"


def test_init_then_check_is_clean(tmp_path):
    pytest.importorskip("rating.load.catalog")
    CliRunner().invoke(cli, ["init", str(tmp_path / "repo")])
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "repo" / "catalog.dhall")])
    assert result.exit_code == 0, result.output
    assert "ok, no findings" in result.output


def test_init_sample_rates_against_starter_catalog(tmp_path):
    """The sample file is priced, not left unmatched: 3 hours of vCPU and RAM."""
    pytest.importorskip("rating.load.catalog")
    pytest.importorskip("rating.rate.reference")
    from rating.load.catalog import load_catalog
    from rating.load.samples.records import RecordValidator, RowBuilder, normalize
    from rating.period import Period
    from rating.rate.reference import rate
    from rating.rate.result import RateOptions

    CliRunner().invoke(cli, ["init", str(tmp_path / "repo")])
    catalog = load_catalog(tmp_path / "repo" / "catalog.dhall")
    validator = RecordValidator(catalog.resource_types)
    rows = RowBuilder(catalog.resource_types)
    lines = (tmp_path / "repo" / "samples/example.jsonl").read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        record = json.loads(line)
        assert validator.check(record) is None
        rows.add(normalize(record, validator.types[record["resource"]["type"]]), "x", number)
    result = rate(catalog, [rows.flush()], Period.parse("2026-10"), RateOptions())
    # vm-1: 2 h x (2 vCPU x 0.02 + 4 GiB x 0.005) = 0.12; vm-2: 1 h x (4 x 0.02 + 8 x 0.005) = 0.12
    assert result.totals() == {"EUR": Decimal("0.24")}


def test_ci_posts_the_diff_beside_check(tmp_path):
    """Both CI files stay valid YAML, keep `check` and add a diff job for pull/merge requests."""
    import yaml

    CliRunner().invoke(cli, ["init", str(tmp_path)])
    github = yaml.safe_load((tmp_path / ".github/workflows/ratecard.yml").read_text())
    assert set(github["jobs"]) == {"check", "diff"}
    assert github["jobs"]["diff"]["if"] == "github.event_name == 'pull_request'"
    steps = [step.get("run", "") for step in github["jobs"]["diff"]["steps"]]
    assert any(run.startswith('ratecard diff "git:origin/$BASE:catalog.dhall"') for run in steps)
    assert any(run.startswith("gh pr comment") for run in steps)
    gitlab = yaml.safe_load((tmp_path / ".gitlab-ci.yml").read_text())
    assert set(gitlab) == {"ratecard-check", "ratecard-diff"}
    script = gitlab["ratecard-diff"]["script"]
    assert any("--format markdown > diff.md" in line for line in script)
    assert any("merge_requests/$CI_MERGE_REQUEST_IID/notes" in line for line in script)


def test_init_repository_diffs_against_its_last_commit(tmp_path, monkeypatch):
    """What the CI diff job runs: the vendored library loads at a git ref too."""
    import subprocess

    CliRunner().invoke(cli, ["init", str(tmp_path)])
    monkeypatch.chdir(tmp_path)
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "init"]):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], check=True
        )
    catalog = tmp_path / "catalog.dhall"
    text = catalog.read_text().replace('"EUR" 0.02', '"EUR" 0.03')
    catalog.write_text(text.replace("expectedTotal = 0.06", "expectedTotal = 0.08"))
    sides = ["git:HEAD:catalog.dhall", "catalog.dhall"]
    result = CliRunner().invoke(
        cli, ["diff", *sides, "samples/example.jsonl", "--format", "markdown"]
    )
    assert result.exit_code == 0, result.output
    # vm-1: 2 h × 2 vCPU × 0.01 more = 0.04 (0.12 → 0.16); vm-2: 1 h × 4 vCPU × 0.01 = 0.04
    assert "| proj-42  | EUR        | 0.12  | 0.16  | 0.04    | +33.33 %  |" in result.stdout
    assert "| changed  | product | vcpu-hours | price" in result.stdout


def test_init_vendors_the_prelude_for_catalogs_that_import_it(tmp_path):
    """Issue #23: `--prelude` copies the v23.1.0 Prelude; the starter catalog, with its
    products built by ``List/map`` from it, passes `check` (examples included)."""
    target = tmp_path / "repo"
    assert CliRunner().invoke(cli, ["init", str(target), "--prelude"]).exit_code == 0
    vendored = target / "Prelude/List/map.dhall"
    assert vendored.read_text() == (prelude_dir() / "List/map.dhall").read_text()
    catalog = target / "catalog.dhall"
    text = catalog.read_text()
    start = text.index('[ server "vcpu-hours"')
    end = text.index("]", text.index("0.005")) + 1
    mapped = """./Prelude/List/map.dhall
        { id : Text, usage : C.Usage.Type, price : Double }
        C.Product.Type
        ( \\(p : { id : Text, usage : C.Usage.Type, price : Double }) ->
            server p.id p.id p.usage p.id (C.Price.perUnit "EUR" p.price)
        )
        [ { id = "vcpu-hours", usage = C.Usage.timeQuantity "vcpu" "{vCPU}.h", price = 0.02 }
        , { id = "ram-hours", usage = C.Usage.timeQuantity "ramMb" "GiBy.h", price = 0.005 }
        ]"""
    catalog.write_text(text[:start] + mapped + text[end:])
    result = CliRunner().invoke(cli, ["check", str(catalog)])
    assert result.exit_code == 0, result.output
    assert "ok, no findings" in result.output
