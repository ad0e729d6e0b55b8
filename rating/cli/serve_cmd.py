"""``ratecard serve CATALOG SAMPLES…``: admission decisions and quota status over HTTP.

Binds 127.0.0.1 by default and refuses to start without a bearer token
(``--token-file`` or ``RATECARD_SERVE_TOKEN``): every endpoint but ``/healthz``
needs it. The catalog must pass ``check``; it and the samples are reloaded when
a file changes, and a catalog that fails is not loaded (the previous one stays
in force). docs/quotas.md, "Serving decisions".
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from datetime import timedelta
from pathlib import Path

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.control_options import instant
from rating.cli.interval_options import interval_options, parse_duration
from rating.cli.traits_cmd import traits_option
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy

TOKEN_VARIABLE = "RATECARD_SERVE_TOKEN"
_SHORTEST_TOKEN = 16  # characters: a guessable token is no protection


@click.command()
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"File holding the bearer token (default: ${TOKEN_VARIABLE}).",
)
@click.option(
    "--reservation-ttl",
    "ttl_text",
    default="60s",
    show_default=True,
    help="How long an allowed admit holds capacity unless confirmed or cancelled.",
)
@click.option(
    "--reload-interval",
    "reload_text",
    default="2s",
    show_default=True,
    help="How often the catalog's and samples' files are checked for changes.",
)
@click.option(
    "--refresh",
    "refresh_text",
    default="1m",
    show_default=True,
    help="Re-read the samples at least this often (plain samples end after their interval).",
)
@click.option("--at", "at_text", help="Decide at this fixed RFC 3339 instant (default: now).")
@interval_options
@traits_option
@catalog_options
def serve(
    catalog: Path,
    samples: tuple[str, ...],
    host: str,
    port: int,
    token_file: Path | None,
    ttl_text: str,
    reload_text: str,
    refresh_text: str,
    at_text: str | None,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    traits_file: Path | None,
    imports: ImportPolicy,
) -> None:
    """Serve admits, quota and budget status and throttling decisions over HTTP."""
    import uvicorn

    from rating.serve.app import create_app
    from rating.serve.reservations import Ledger
    from rating.serve.state import Live, Source

    token = _token(token_file)
    if "-" in samples:
        raise RatecardError("samples: stdin (-) cannot be reloaded; give files or directories")
    ttl = parse_duration(ttl_text, "--reservation-ttl")
    reload_every = parse_duration(reload_text, "--reload-interval")
    _log_to_stderr()
    source = Source(
        catalog=catalog,
        samples=samples,
        imports=imports,
        interval=interval,
        interval_for=interval_for,
        traits=traits_file,
        at=instant(at_text, "--at") if at_text else None,
    )
    live = Live(source, refresh=parse_duration(refresh_text, "--refresh"))
    app = create_app(live, Ledger(ttl), token, reload_every.total_seconds())
    listener = _listen(host, port)
    address, bound = listener.getsockname()[:2]
    controls = live.snapshot.ratecard.model.controls
    click.echo(
        f"ratecard serve: listening on http://{_url_host(address)}:{bound} "
        f"(catalog {live.snapshot.ratecard.model.name}: {len(controls.quotas)} quotas, "
        f"{len(controls.budgets)} budgets, {len(controls.throttling)} throttling rules)",
        err=True,
    )
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[listener])


def _token(token_file: Path | None) -> str:
    """The bearer token: the file's first line, else the environment variable."""
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise RatecardError(f"--token-file {token_file}: cannot read it: {error}") from None
        token, where = (lines[0].strip() if lines else ""), f"--token-file {token_file}"
    else:
        token, where = os.environ.get(TOKEN_VARIABLE, "").strip(), f"${TOKEN_VARIABLE}"
        if not token:
            raise RatecardError(
                f"no bearer token: set {TOKEN_VARIABLE} or pass --token-file "
                "(every endpoint but /healthz needs it)"
            )
    if len(token) < _SHORTEST_TOKEN or not token.isascii() or not token.isprintable():
        raise RatecardError(
            f"{where}: the token must be at least {_SHORTEST_TOKEN} printable ASCII characters"
        )
    return token


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free one; the line above says which)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it every answer on a kept-alive connection waits 40 ms for a delayed ACK
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(2048)
    except OSError as error:
        listener.close()
        raise RatecardError(f"--host {host} --port {port}: cannot listen: {error}") from None
    listener.setblocking(False)
    return listener


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address else address


def _log_to_stderr() -> None:
    """Reloads and their failures, one line each on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("ratecard serve: %(message)s"))
    logger = logging.getLogger("ratecard.serve")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
