"""The ``ratecard`` command line.

Each subcommand lives in its own module and is imported only when invoked,
so ``ratecard --help`` and quick commands do not pay for DuckDB, PyArrow or
boto3 start-up. Every :class:`~rating.errors.RatecardError` becomes one line on
stderr and a non-zero exit code; tracebacks are reserved for real bugs.
"""

import importlib
import importlib.util
import sys

import click

from rating import __version__
from rating.errors import RatecardError

# command name -> "module:attribute" of a click command
_COMMANDS = {
    "traits": "rating.cli.traits_cmd:traits",
    "samples": "rating.cli.samples_cmd:samples",
    "check": "rating.cli.check_cmd:check",
    "test": "rating.cli.check_cmd:test",
    "init": "rating.cli.init_cmd:init",
    "rate": "rating.cli.rate_cmd:rate",
    "report": "rating.cli.report_cmd:report",
    "export": "rating.cli.export_cmd:export",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in _COMMANDS if self._spec(name) is not None)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = self._spec(cmd_name)
        if spec is None:
            return None
        module_name, attribute = spec.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    @staticmethod
    def _spec(name: str) -> str | None:
        spec = _COMMANDS.get(name)
        if spec is None:
            return None
        module_name = spec.split(":")[0]
        return spec if importlib.util.find_spec(module_name) is not None else None


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ratecard")
def cli() -> None:
    """Price a private cloud: Dhall product catalogs, rated samples, reports, exports."""


def main() -> None:
    """Console-script entry point: run the CLI, turning user errors into one line."""
    try:
        # In non-standalone mode click returns ctx.exit()'s code instead of exiting.
        code = cli.main(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.Abort:
        click.echo("ratecard: aborted", err=True)
        sys.exit(130)
    except RatecardError as error:
        click.echo(f"ratecard: error: {error}", err=True)
        sys.exit(error.exit_code)
    except BrokenPipeError:
        sys.exit(0)
