"""How the engine loads samples and runs stages: one Arrow stream, memory fallbacks."""

from __future__ import annotations

import duckdb
import pytest
from ratefixtures import make_catalog, samples_table

from rating.errors import RatecardError
from rating.period import Period
from rating.rate import engine
from rating.rate.plan import Stage

OCT = Period.parse("2026-10")


class ScarceMemory:
    """A DuckDB connection whose CREATE statements run out of memory on more than one
    thread (or always): DuckDB's behaviour on a large aggregate under a tight limit."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, even_alone: bool = False) -> None:
        self.con = con
        self.even_alone = even_alone

    def execute(self, sql: str) -> duckdb.DuckDBPyConnection:
        threads = self.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
        if sql.startswith("CREATE") and (threads > 1 or self.even_alone):
            raise duckdb.OutOfMemoryException("could not allocate block")
        return self.con.execute(sql)


def test_a_stage_out_of_memory_runs_again_on_one_thread() -> None:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    engine._materialize(ScarceMemory(con), Stage("answer", "SELECT 42 AS a"))
    assert con.execute("SELECT a FROM answer").fetchall() == [(42,)]
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(2,)]


def test_a_stage_out_of_memory_on_one_thread_is_a_clear_error() -> None:
    con = duckdb.connect()
    con.execute("SET threads = 2")
    with pytest.raises(RatecardError, match="'answer' ran out of memory: raise RATECARD_MEMORY"):
        engine._materialize(ScarceMemory(con, even_alone=True), Stage("answer", "SELECT 42 AS a"))
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(2,)]


def test_batches_of_other_shapes_join_the_first_ones_stream() -> None:
    rows = [{"time": f"2026-10-01T0{h}:00:00Z", "traits": {"vcpu": h}} for h in range(4)]
    whole = samples_table(rows)
    first, second = whole.slice(0, 2).to_batches()[0], whole.slice(2).to_batches()[0]
    # Later batches may lack a column (null) or carry one the first has not (dropped).
    narrower = second.drop_columns(["resource_name"]).append_column("extra", second.column(0))
    expected = engine.rate(make_catalog(), whole.to_batches(), OCT)
    actual = engine.rate(make_catalog(), [first.slice(0, 0), first, narrower], OCT)
    assert actual.line_items.equals(expected.line_items)
    assert actual.counts == expected.counts
