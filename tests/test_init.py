"""`ratecard init`: the scaffolded repository is complete, refuses clobbering, and checks clean."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from rating.cli import cli
from rating.errors import RatecardError
from rating.library import catalog_dir, traits_dir


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
