"""The alert state file: which alerts were already delivered, so a rerun says nothing twice.

A JSON document ``{"version": 1, "delivered": [{"kind", "holder", "id",
"threshold", "period", "at"}, …]}``, sorted, replaced atomically (a temporary
file beside it, then :func:`os.replace`, by :func:`rating.cache.write_private`):
a crash leaves the old state or the new one, never half of either. A missing
file is an empty state (the first run); anything else that is not such a
document is one error naming the file, never silently reset — resetting would
say every alert again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rating.cache import write_private
from rating.control.alerts import AlertKey
from rating.errors import RatecardError
from rating.period import Period

VERSION = 1
_FIELDS = ("kind", "holder", "id", "threshold", "period")
KEPT_MONTHS = 12  # months of alerts before the run's own month the state remembers


def load_state(path: Path) -> dict[AlertKey, str]:
    """Each delivered alert's key and when it was said; empty when ``path`` does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise RatecardError(f"--state {path}: cannot read: {_reason(error)}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise RatecardError(
            f"--state {path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except RecursionError:  # [[[[… deeper than Python's stack
        raise RatecardError(f"--state {path}: not JSON (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise RatecardError(
            f"--state {path}: not a ratecard alert state file (expected version {VERSION})"
        )
    entries = document.get("delivered")
    if not isinstance(entries, list):
        raise RatecardError(f"--state {path}: field delivered: expected a list")
    state: dict[AlertKey, str] = {}
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(name), str) for name in (*_FIELDS, "at")
        ):
            raise RatecardError(
                f"--state {path}: delivered[{number}]: expected texts "
                + ", ".join((*_FIELDS, "at"))
            )
        key: AlertKey = tuple(entry[name] for name in _FIELDS)  # type: ignore[assignment]
        state[key] = entry["at"]
    return state


def save_state(path: Path, state: dict[AlertKey, str]) -> None:
    """Replace ``path`` with ``state`` atomically (owner-only, as the cache's files)."""
    entries = [
        dict(zip((*_FIELDS, "at"), (*key, at), strict=True)) for key, at in sorted(state.items())
    ]
    data = json.dumps({"version": VERSION, "delivered": entries}, indent=1) + "\n"
    try:
        write_private(path, data.encode("utf-8"))
    except OSError as error:
        raise RatecardError(f"--state {path}: cannot write: {_reason(error)}") from None


def recent(state: dict[AlertKey, str], month: Period) -> dict[AlertKey, str]:
    """``state`` without the alerts of months ending over :data:`KEPT_MONTHS` before ``month``.

    An alert is said once per month, so older entries only matter to a run for
    a month that long ago; without this the file grows by every alert ever said
    and is read whole on every run. An entry whose month does not parse is kept.
    """
    oldest = month.start.year * 12 + month.start.month - 1 - KEPT_MONTHS
    return {key: at for key, at in state.items() if _months(key[4]) >= oldest}


def _months(label: str) -> int:
    """A ``YYYY-MM`` label as a count of months (larger than any when it is none)."""
    try:
        start = Period.parse(label).start
    except RatecardError:
        return sys.maxsize
    return start.year * 12 + start.month - 1


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error)
