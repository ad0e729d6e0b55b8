"""The README's output excerpts are what its commands print today.

A stale excerpt (an old catalog hash, a changed amount) misleads the first
reader; each one is compared with a fresh run of its command on the bundled
example.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from rating.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```[a-z]*\n(.*?)^```", README, re.S | re.M)
MAIN_COMMAND = next(
    line for block in BLOCKS for line in block.splitlines() if line.startswith("ratecard report")
)
EXCERPTS = [block for block in BLOCKS if block.startswith("$ ratecard ")]


def output_of(command: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """stdout of a README command line (``ratecard …``), run from the repository root."""
    monkeypatch.chdir(ROOT)
    program, *arguments = shlex.split(command)
    assert program == "ratecard"
    result = CliRunner().invoke(cli, arguments)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_report_excerpt_is_what_the_main_command_prints(monkeypatch) -> None:
    (excerpt,) = [block for block in BLOCKS if block.startswith("Tenant usage report:")]
    assert excerpt in output_of(MAIN_COMMAND.split("#")[0], monkeypatch)


@pytest.mark.parametrize("block", EXCERPTS, ids=lambda block: block.splitlines()[0][:60])
def test_each_command_excerpt_is_what_its_command_prints(block: str, monkeypatch) -> None:
    command, printed = block.split("\n", 1)
    assert printed.removeprefix("…\n") in output_of(command.removeprefix("$ "), monkeypatch)
