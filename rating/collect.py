"""``ratecard collect``: run an importer on a schedule into a partitioned Parquet dataset.

Each tick runs the command (an argument list, never through a shell) with
``RATECARD_TICK`` set to the tick's time, reads its stdout as JSON Lines,
validates it as every reader does and appends it to
``OUT/period=YYYY-MM/<tick>-<random>.parquet`` (the month of the samples'
time, so a month's rating reads one partition: :mod:`rating.load.datasets`).

The dataset holds only what was observed: a tick whose command fails, runs
into the next tick or prints one invalid record is logged as one line and
skipped whole, and ticks missed while the process was suspended are logged,
never back-filled — sample-and-hold (capped at ``rate --interval``) turns
them into a gap, not a guess. Files appear complete or not at all: each is
written under a hidden temporary name in its partition and renamed once every
file of the tick is written. Ticks are multiples of the interval since the
epoch, and the interval divides a day, so every UTC day and month starts on a
tick. The clock and the sleep are injected (:class:`Clock`) so tests need not wait.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rating.convert import flat_schema
from rating.errors import RatecardError
from rating.load.datasets import partition_name
from rating.load.samples import RejectSink, open_samples
from rating.model import ResourceType
from rating.period import EPOCH

TICK_VARIABLE = "RATECARD_TICK"
_DAY = timedelta(days=1)
_POLL_SECONDS = 0.1  # how often a running command is checked for a stop request
_GRACE_SECONDS = 5.0  # how long a command told to stop has before it is killed

Log = Callable[[str], None]
Stopping = Callable[[], bool]


class TickSkipped(RatecardError):
    """Why a tick wrote nothing: the command failed, or its output was invalid."""

    exit_code = 1


class Clock(Protocol):
    """Wall-clock time and a sleep; the real one wakes early on SIGTERM and SIGINT."""

    def now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


@dataclass(frozen=True)
class Job:
    """What to run, how often, where to write, and the types its samples are checked against."""

    command: tuple[str, ...]
    every: timedelta
    out: Path
    resource_types: tuple[ResourceType, ...]


def check_every(every: timedelta, option: str) -> timedelta:
    """``every`` if it divides a day, so that every UTC day (and month) starts on a tick."""
    if every > _DAY or _DAY % every:
        raise RatecardError(f"{option}: must divide a day (e.g. 5m, 15m, 1h, 6h, 1d)")
    return every


def floor_tick(moment: datetime, every: timedelta) -> datetime:
    """The tick at or before ``moment``."""
    return EPOCH + (moment - EPOCH) // every * every


def stamp(moment: datetime) -> str:
    """A tick as ``RATECARD_TICK`` and the log show it: RFC 3339, UTC, whole seconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def run(job: Job, clock: Clock, stopping: Stopping, log: Log) -> None:
    """Collect on every tick from the next one on, until ``stopping()``."""
    start = clock.now()
    due = floor_tick(start, job.every)
    if due < start:
        due += job.every
    log(f"first tick {stamp(due)}, then every {job.every}")
    while not stopping():
        now = clock.now()
        if now < due:
            clock.sleep((due - now).total_seconds())
            continue
        current = floor_tick(now, job.every)
        if current > due:
            _log_missed(log, due, current, job.every)
            due = current
        collect_tick(job, due, stopping, log)
        due += job.every


def _log_missed(log: Log, due: datetime, current: datetime, every: timedelta) -> None:
    count = (current - due) // every
    span = stamp(due) if count == 1 else f"{stamp(due)} to {stamp(current - every)}"
    log(f"missed {count} tick(s), {span}: not running then (suspended?); not back-filled")


def collect_tick(job: Job, tick: datetime, stopping: Stopping, log: Log) -> bool:
    """One tick: run, validate, write; False (and one log line) when it was skipped."""
    try:
        with tempfile.TemporaryDirectory(prefix="ratecard-collect-") as scratch:
            output = Path(scratch) / "stdout.jsonl"
            _run_command(job, tick, output, stopping)
            table = _validated(output, job.resource_types)
        written = _write_tick(job.out, tick, table)
    except RatecardError as error:
        log(f"{stamp(tick)}: tick skipped: {error}")
        return False
    where = f" to {', '.join(written)}" if written else ""
    log(f"{stamp(tick)}: wrote {table.num_rows} samples{where}")
    return True


def _run_command(job: Job, tick: datetime, output: Path, stopping: Stopping) -> None:
    """Run the command with its stdout in ``output``; stop it on a stop request or at the
    next tick. Its own session, so stopping it stops a pipeline it started too."""
    environment = {**os.environ, TICK_VARIABLE: stamp(tick)}
    deadline = time.monotonic() + job.every.total_seconds()
    try:
        with output.open("wb") as stdout:
            process = subprocess.Popen(
                job.command,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                env=environment,
                start_new_session=True,
            )
    except OSError as error:
        raise TickSkipped(f"cannot run {job.command[0]!r}: {error.strerror or error}") from None
    try:
        while process.poll() is None:
            if stopping():
                raise TickSkipped("stop requested while the command ran; tick abandoned")
            if time.monotonic() > deadline:
                raise TickSkipped(f"command still running after {job.every}; stopped")
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=_POLL_SECONDS)
    finally:
        _end(process)
    if process.returncode < 0:
        raise TickSkipped(f"command killed by signal {-process.returncode}")
    if process.returncode > 0:
        raise TickSkipped(f"command exited with status {process.returncode}")


def _end(process: subprocess.Popen) -> None:
    """Terminate the command's process group if it still runs; kill it after a grace period."""
    if process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _validated(output: Path, resource_types: tuple[ResourceType, ...]) -> pa.Table:
    """The command's samples as flat columns; one rejected record fails the tick."""
    rejects = RejectSink(keep=1)
    reader = open_samples([str(output)], resource_types, rejects=rejects)
    table = pa.Table.from_batches(list(reader), schema=reader.schema)
    if rejects.count:
        first = replace(rejects.first[0], source_file="stdout")
        raise TickSkipped(f"invalid output, {rejects.count} record(s) rejected; first: {first}")
    kept, flat = flat_schema(reader.schema)
    return pa.Table.from_arrays(table.select(kept).columns, schema=flat)


def _write_tick(out: Path, tick: datetime, table: pa.Table) -> list[str]:
    """One file per month of the samples' time; all renamed into place only once all are
    written. The names come from the tick and a random token, never from the data."""
    name = f"{tick:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}.parquet"
    files = [(out / partition_name(month) / name, rows) for month, rows in _by_month(table)]
    partials = [path.with_name(f".{name}.partial") for path, _ in files]
    try:
        for (path, rows), partial in zip(files, partials, strict=True):
            path.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("xb") as file:
                pq.write_table(rows, file)
                file.flush()
                os.fsync(file.fileno())
        for (path, _), partial in zip(files, partials, strict=True):
            partial.replace(path)
    except OSError as error:
        raise TickSkipped(f"cannot write in {out}: {error.strerror or error}") from None
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)
    return [path.relative_to(out).as_posix() for path, _ in files]


def _by_month(table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    months = pc.strftime(table.column("time"), format="%Y-%m")
    for month in sorted(set(months.to_pylist())):
        yield month, table.filter(pc.equal(months, month))


class Signals:
    """SIGTERM and SIGINT as a stop request, and a sleep they cut short.

    The handlers only record the signal: the current tick then ends at its next
    safe point (a running command is stopped, a write completes). The
    interpreter's wakeup file descriptor makes a pending ``select`` return at once.
    """

    def __init__(self) -> None:
        self.received: str | None = None
        self._wakeup = -1

    def stopping(self) -> bool:
        return self.received is not None

    @contextmanager
    def installed(self) -> Iterator[Signals]:
        read_end, write_end = os.pipe()
        for end in (read_end, write_end):
            os.set_blocking(end, False)
        previous_fd = signal.set_wakeup_fd(write_end)
        previous = {number: signal.signal(number, self._handle) for number in _STOP_SIGNALS}
        self._wakeup = read_end
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            signal.set_wakeup_fd(previous_fd)
            os.close(read_end)
            os.close(write_end)

    def _handle(self, number: int, frame: FrameType | None) -> None:
        self.received = signal.Signals(number).name

    def sleep(self, seconds: float) -> None:
        if self.received is None:
            select.select([self._wakeup], [], [], max(seconds, 0.0))
        with suppress(BlockingIOError):
            os.read(self._wakeup, 4096)


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@dataclass(frozen=True)
class SystemClock:
    """The wall clock, sleeping until a stop signal at the latest."""

    signals: Signals

    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        self.signals.sleep(seconds)
