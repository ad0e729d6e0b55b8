"""``ratecard alerts CATALOG SAMPLES… [--at T] [--state FILE] [--webhook URL]``: threshold alerts.

Quotas are measured at T as ``quota status`` measures them, budgets rated up to
T as ``budget status`` rates them (each reconciliation on stderr). Every
threshold crossed — warning, critical, over the limit — is an alert, said once
per (kind, holder, id, threshold, month): JSON Lines on stdout (or appended to
``--out``), then POSTed to the webhook. The state file records an alert once
it is delivered — written to ``--out`` without a webhook, taken (2xx) by the
webhook with one — so a rerun says only what is new, and an alert that could
not be delivered is said again next time (at-least-once; docs/quotas.md).
"""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rating.cli.catalog_options import catalog_options
from rating.cli.control_options import instant
from rating.cli.interval_options import interval_options
from rating.cli.rating_run import open_checked
from rating.cli.reconciliation import reconcile, reconcile_state, strict_option
from rating.cli.traits_cmd import traits_option
from rating.errors import RatecardError
from rating.load.imports import ImportPolicy
from rating.locks import exclusive
from rating.outputs import writable_file
from rating.period import Period, stamp

if TYPE_CHECKING:
    from rating.api import Ratecard
    from rating.control.alerts import Alert
    from rating.control.webhook import Webhook


@click.command()
@click.argument("catalog", type=click.Path(path_type=Path))
@click.argument("samples", nargs=-1, required=True)
@click.option("--at", "at_text", help="RFC 3339 instant (default: now).")
@click.option(
    "--period", "period_text", help="The month alerts belong to, YYYY-MM (default: T's month)."
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON file of the alerts already delivered (created; without it every crossing is new).",
)
@click.option(
    "--webhook",
    "webhook_url",
    envvar="RATECARD_ALERT_WEBHOOK",
    help="POST each new alert here as JSON (env RATECARD_ALERT_WEBHOOK keeps it off ps).",
)
@click.option(
    "--webhook-secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sign each body: X-Ratecard-Signature: sha256=HMAC-SHA256(file's bytes, body).",
)
@click.option("--out", "out", default="-", show_default=True, help="Append JSON Lines here.")
@interval_options
@strict_option
@traits_option
@catalog_options
def alerts(
    catalog: Path,
    samples: tuple[str, ...],
    at_text: str | None,
    period_text: str | None,
    state_path: Path | None,
    webhook_url: str | None,
    webhook_secret_file: Path | None,
    out: str,
    interval: timedelta,
    interval_for: dict[str, timedelta],
    strict: bool,
    traits_file: Path | None,
    imports: ImportPolicy,
) -> None:
    """Say each quota and budget threshold crossing once: JSON Lines, then the webhook."""
    from rating.control.alert_state import load_state, recent, save_state
    from rating.control.alerts import alert_json, new_alerts

    at = instant(at_text, "--at")
    period = _month(period_text, at)
    webhook = _webhook(webhook_url, webhook_secret_file)
    if out != "-":
        writable_file(Path(out), "--out")
    options = {"interval": interval, "interval_for": interval_for, "traits": traits_file}
    # Runs sharing a state file take turns from reading it to writing it back: two
    # at once would both find an alert new and both say it.
    with _turn(state_path):
        said = load_state(state_path) if state_path is not None else {}
        crossings = _crossings(
            open_checked(catalog, imports), list(samples), at, period, options, strict
        )
        fresh = new_alerts(crossings, said)
        documents = [alert_json(alert, stamp(at)) for alert in fresh]
        _write_lines(out, documents)
        delivered, failure = fresh, None
        if webhook is not None:
            delivered, failure = _deliver(webhook, fresh, documents)
        if state_path is not None and delivered:
            now = {**said, **{alert.key: stamp(at) for alert in delivered}}
            save_state(state_path, recent(now, period))
    click.echo(
        f"alerts at {stamp(at)} for {period.label}: {len(crossings):,} crossings, "
        f"{len(crossings) - len(fresh):,} said before, {len(fresh):,} new, "
        f"{len(delivered):,} delivered",
        err=True,
    )
    if failure is not None:
        raise RatecardError(failure, exit_code=1)


def _turn(state_path: Path | None) -> AbstractContextManager[object]:
    """This run's turn at the state file: a lock file beside it (``STATE.lock``), waited for.

    Without a state file there is nothing to share. A lock file that cannot be
    created (a read-only directory) leaves the run unlocked: writing the state
    would fail there anyway, with its own error.
    """
    if state_path is None:
        return nullcontext()
    return exclusive(state_path.with_name(f"{state_path.name}.lock"), wait=True)


def _month(text: str | None, at: datetime) -> Period:
    """The calendar month alerts are said once in; T must fall in it (its end included)."""
    period = Period.parse(text) if text is not None else Period.month_of(at)
    if period != Period.month_of(period.start):
        raise RatecardError(f"--period {period.label}: alerts are per calendar month; give YYYY-MM")
    if not period.start <= at <= period.end:
        raise RatecardError(f"--at {stamp(at)}: outside --period {period.label}")
    return period


def _webhook(url: str | None, secret_file: Path | None) -> Webhook | None:
    from rating.control.webhook import Webhook

    if url is None:
        if secret_file is not None:
            raise RatecardError("--webhook-secret-file needs --webhook")
        return None
    secret = None
    if secret_file is not None:
        try:
            secret = secret_file.read_bytes().strip()
        except OSError as error:
            raise RatecardError(
                f"--webhook-secret-file {secret_file}: cannot read: {error.strerror}"
            ) from None
        if not secret:
            raise RatecardError(f"--webhook-secret-file {secret_file}: is empty")
    return Webhook.parse(url, secret)


def _crossings(
    opened: Ratecard, samples: list[str], at: datetime, period: Period, options: dict, strict: bool
) -> list[Alert]:
    """Every threshold each quota (at T) and budget (month to T) is at; each source rated
    only when the catalog has something to measure with it."""
    from rating.control.alerts import budget_alerts, quota_alerts

    controls = opened.model.controls
    if not (controls.quotas or controls.budgets):
        _check_sources(samples, period)
    found = []
    if controls.quotas:
        held = opened.holdings(samples, at=at, **options)
        reconcile_state(stamp(at), held.counts, strict=strict)
        found += quota_alerts(opened.quota_status(held), period.label)
    if controls.budgets:
        rated, uses = opened.budget_status(samples, period=period, as_of=at, **options)
        reconcile(
            f"{period.label} to {stamp(rated.period.end)}",
            rated.counts,
            rated.unmatched,
            strict=strict,
        )
        found += budget_alerts(uses, period.label)
    return found


def _check_sources(samples: list[str], period: Period) -> None:
    """Each sample input exists even when nothing reads it (a catalog without quotas and
    budgets): a mistyped path fails as in every other command instead of passing unseen."""
    from rating.load.datasets import sample_paths
    from rating.load.samples.sources import check_exists

    for source in samples:
        for path in sample_paths(source, period):
            check_exists(path)


def _write_lines(out: str, documents: list[dict]) -> None:
    """One compact JSON document per line: to stdout, or appended to the file ``out``."""
    text = "".join(json.dumps(document, ensure_ascii=False) + "\n" for document in documents)
    if out == "-":
        click.echo(text, nl=False)
        return
    try:
        with open(out, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise RatecardError(f"--out {out}: cannot write: {error.strerror}") from None


def _deliver(
    webhook: Webhook, alerts: list[Alert], documents: list[dict]
) -> tuple[list[Alert], str | None]:
    """POST each alert in turn; the ones delivered and, on the first that fails, why."""
    from rating.control.webhook import DeliveryError

    delivered: list[Alert] = []
    for alert, document in zip(alerts, documents, strict=True):
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        key = hashlib.sha256(json.dumps(alert.key).encode("utf-8")).hexdigest()
        try:
            webhook.deliver(body, key)
        except DeliveryError as error:
            left = len(alerts) - len(delivered)
            return delivered, (
                f"--webhook {webhook.shown}: {alert.key[0]} {alert.id} {alert.threshold.value} "
                f"not delivered: {error}; {left:,} alert(s) not recorded as delivered"
            )
        delivered.append(alert)
    return delivered, None
