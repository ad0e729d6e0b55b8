"""``--interval`` and ``--interval-for``: how long a sample stands for, for every rating command.

A sample holds until the resource's next sample, at most this long (a missed
scrape is a gap, not a price); one setting for ``rate``, ``report`` and
``export``, so the three price a fleet the same way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import timedelta

import click

from rating.errors import RatecardError

_DURATION = re.compile(r"^(\d+)(s|m|min|h|d)$", re.ASCII)
_LONGEST = timedelta(days=366)  # a sample covering more than a year is a typo, not a setting
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str, option: str) -> timedelta:
    """``30m``, ``1h``, ``90s``, ``1d`` as a positive timedelta."""
    match = _DURATION.match(text.strip())
    if not match or int(match[1]) == 0:
        raise RatecardError(f"{option} {text!r}: expected a positive duration like 30m, 1h, 1d")
    amount = min(int(match[1]), 10**8)  # anything this large is over the limit in any unit
    duration = timedelta(**{_UNITS[match[2]]: amount})
    if duration > _LONGEST:
        raise RatecardError(f"{option} {text!r}: at most 366d")
    return duration


def intervals_by_type(items: tuple[str, ...]) -> dict[str, timedelta]:
    """``--interval-for TYPE=DURATION`` values by resource type."""
    by_type = {}
    for item in items:
        type_id, sep, value = item.partition("=")
        if not sep or not type_id:
            raise RatecardError(f"--interval-for {item!r}: expected TYPE=DURATION, e.g. vm=30m")
        if type_id in by_type:  # which one wins would be a guess: the user meant one
            raise RatecardError(f"--interval-for {item!r}: {type_id} is given twice")
        by_type[type_id] = parse_duration(value, "--interval-for")
    return by_type


def interval_options(command: Callable) -> Callable:
    """Add the options; the command receives ``interval: timedelta`` and
    ``interval_for: dict[str, timedelta]``."""

    @click.option(
        "--interval", default="1h", show_default=True, help="Sample interval: 30s, 5min, 1h, 1d."
    )
    @click.option(
        "--interval-for",
        "interval_for",
        multiple=True,
        metavar="TYPE=DURATION",
        help="Sample interval of one resource type (repeatable).",
    )
    @functools.wraps(command)
    def wrapped(*args, interval: str, interval_for: tuple[str, ...], **kwargs):
        return command(
            *args,
            interval=parse_duration(interval, "--interval"),
            interval_for=intervals_by_type(interval_for),
            **kwargs,
        )

    return wrapped
