"""The ``ratecard`` command line.

Each subcommand lives in its own module and is imported only when invoked,
so ``ratecard --help`` and quick commands do not pay for DuckDB, PyArrow or
boto3 start-up. Every :class:`~rating.errors.RatecardError` becomes one line on
stderr and a non-zero exit code (docs/errors.md); even a bug is one line, exit 70.
"""

import importlib
import importlib.util
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

import click

from rating import __version__
from rating.errors import RatecardError

# command name -> "module:attribute" of a click command
_COMMANDS = {
    "traits": "rating.cli.traits_cmd:traits",
    "samples": "rating.cli.samples_cmd:samples",
    "import": "rating.cli.import_cmd:import_",
    "collect": "rating.cli.collect_cmd:collect",
    "check": "rating.cli.check_cmd:check",
    "test": "rating.cli.check_cmd:test",
    "init": "rating.cli.init_cmd:init",
    "rate": "rating.cli.rate_cmd:rate",
    "report": "rating.cli.report_cmd:report",
    "diff": "rating.cli.diff_cmd:diff",
    "export": "rating.cli.export_cmd:export",
    "verify-export": "rating.cli.verify_cmd:verify_export",
    "quota": "rating.cli.quota_cmd:quota",
    "admit": "rating.cli.admit_cmd:admit",
    "budget": "rating.cli.budget_cmd:budget",
    "alerts": "rating.cli.alerts_cmd:alerts",
    "serve": "rating.cli.serve_cmd:serve",
}


class _StdoutClosed(Exception):
    """stdout's reader went away; raised past click, which would turn it into exit 1."""


class _LazyGroup(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as error:
            raise _StdoutClosed from error

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


INTERNAL_ERROR = 70  # EX_SOFTWARE: a bug in ratecard, not in the user's input
INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C


def main(args: Sequence[str] | None = None) -> None:
    """Console-script entry point: every way out is one line on stderr and a documented code.

    User errors (:class:`RatecardError`, click usage errors) exit with their
    code; Ctrl-C exits 130; a closed stdout (``ratecard rate … | head``) exits
    quietly; anything else is a bug: exit 70 with a one-line "internal error"
    and a request to report it, the traceback only with ``RATECARD_DEBUG=1``.
    """
    try:
        # In non-standalone mode click returns ctx.exit()'s code instead of exiting.
        code = cli.main(args=args, prog_name="ratecard", standalone_mode=False)
    except click.UsageError as error:
        _fail(f"{error.format_message()} (see '{_command_path(error)} --help')", error.exit_code)
    except click.ClickException as error:
        _fail(error.format_message(), error.exit_code)
    except (click.Abort, KeyboardInterrupt):
        _fail("interrupted", INTERRUPTED, prefix="ratecard: ")
    except RatecardError as error:
        _fail(_one_line(str(error)), error.exit_code)
    except _StdoutClosed:
        _quiet_exit_on_closed_stdout()
    except Exception as error:
        if os.environ.get("RATECARD_DEBUG") == "1":
            traceback.print_exc()
        _fail(
            f"internal error: {type(error).__name__}: {_one_line(str(error))} — this is a bug "
            "in ratecard; please report it with the command line "
            "(RATECARD_DEBUG=1 shows the traceback)",
            INTERNAL_ERROR,
        )
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int, *, prefix: str = "ratecard: error: ") -> NoReturn:
    try:
        sys.stderr.write(f"{prefix}{message}\n")
        sys.stderr.flush()
    except OSError:  # stderr gone too: the exit code is all that is left
        pass
    sys.exit(code)


def _one_line(text: str) -> str:
    """A message as one line: the first of several (third-party errors run to pages)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no message)"


def _command_path(error: click.UsageError) -> str:
    return error.ctx.command_path if error.ctx is not None else "ratecard"


def _quiet_exit_on_closed_stdout() -> NoReturn:
    """The reader of stdout went away: stop without "Exception ignored … BrokenPipeError".

    Python flushes stdout once more at exit, which fails again on the closed
    pipe; pointing stdout at /dev/null first makes that flush harmless.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is no file (tests capture it): nothing to flush
        pass
    sys.exit(0)
