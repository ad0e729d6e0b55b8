"""End-to-end: ``ratecard traits …`` and ``ratecard samples validate …``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from rating.cli import cli
from rating.library import traits_dir
from rating.load.traits import builtin_resource_types, json_schema

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "samples"
# The console script installed next to the interpreter running the tests (any venv).
RATECARD = str(Path(sys.executable).parent / "ratecard")


def run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.output


def user_types(tmp_path: Path) -> Path:
    path = tmp_path / "acme.dhall"
    path.write_text(
        f"let Trait = {traits_dir() / 'Trait.dhall'}\n"
        'in [ { id = "acme.backup", platform = "Acme", displayName = "Backup",\n'
        '       description = "Nightly backups",\n'
        '       traits = [ Trait.required Trait.natural "storedGb" (Some "GBy") "Stored data" ]\n'
        "     } ]\n"
    )
    return path


def test_traits_list() -> None:
    code, out = run("traits", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "platform", "#traits", "description"]
    assert len(lines) == 2 + 13
    server = next(line for line in lines if line.startswith("openstack.nova.server "))
    assert server.split()[1:3] == ["OpenStack", "7"]


def test_traits_show_table_and_json() -> None:
    code, out = run("traits", "show", "kubernetes.pod")
    assert code == 0
    rows = {line.split()[0]: line.split()[1:4] for line in out.splitlines()[3:]}
    assert rows == {
        "milliCpu": ["Integer", "no", "m{CPU}"],
        "ramMb": ["Integer", "no", "MiBy"],
        "status": ["Text", "no", "Pod"],  # no unit: the description follows
    }
    code, out = run("traits", "show", "openstack.cinder.volume", "--format", "json")
    assert code == 0
    volume = next(rt for rt in builtin_resource_types() if rt.id == "openstack.cinder.volume")
    assert json.loads(out) == json_schema(volume)


def test_traits_user_file(tmp_path: Path) -> None:
    path = str(user_types(tmp_path))
    code, out = run("traits", "list", "--traits", path)
    assert code == 0 and "acme.backup" in out and len(out.splitlines()) == 2 + 14
    code, out = run("traits", "show", "acme.backup", "--traits", path, "--format", "json")
    assert json.loads(out)["properties"]["storedGb"]["minimum"] == 0


def test_traits_show_unknown_type_exits_2() -> None:
    done = subprocess.run(
        [RATECARD, "traits", "show", "nope"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith("ratecard: error: unknown resource type 'nope' (known: ")


def test_validate_clean_files() -> None:
    files = [str(EXAMPLES / f"fleet-2026-10.{s}") for s in ("jsonl", "csv", "parquet")]
    code, out = run("samples", "validate", *files)
    assert code == 0
    assert out.splitlines()[-1].split() == ["total", "2124", "2124", "0"]


def test_validate_broken_file(tmp_path: Path) -> None:
    broken = str(EXAMPLES / "broken.jsonl")
    rejects = tmp_path / "rejects.jsonl"
    code, out = run("samples", "validate", broken, "--rejects", str(rejects))
    assert code == 1
    assert out.splitlines()[2].split() == [broken, "7", "1", "6"]
    assert "first problems (6 of 6):" in out
    assert f"  {broken}:3: vol-no-size: traits.size: missing required trait 'size'" in out
    assert len(rejects.read_text().splitlines()) == 6
    code, out = run("samples", "validate", broken, "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["total"] == {"read": 7, "valid": 1, "rejected": 6}
    assert report["problems"][2].endswith('unknown resource type "openstack.trove.database"')


def test_validate_stdin_and_user_types(tmp_path: Path) -> None:
    line = {
        "time": "2026-10-01T00:00:00Z",
        "resource": {"id": "b-1", "type": "acme.backup"},
        "scope": {"platformType": "Acme"},
        "traits": {"storedGb": 12},
    }
    text = json.dumps(line) + "\n" + json.dumps(line | {"traits": {"storedGb": -1}}) + "\n"
    code, out = run("samples", "validate", "-", "--traits", str(user_types(tmp_path)), input=text)
    assert code == 1
    assert out.splitlines()[2].split() == ["-", "2", "1", "1"]
    assert "-:2: b-1: traits.storedGb: expected Natural, got -1" in out


def test_validate_missing_file_exits_2() -> None:
    done = subprocess.run(
        [RATECARD, "samples", "validate", "absent.jsonl"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "ratecard: error: absent.jsonl: no such file\n"
