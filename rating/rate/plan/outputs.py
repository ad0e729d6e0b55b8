"""What engines read once every stage ran: line items, counts, unmatched groups."""

from __future__ import annotations

from rating.rate.plan.shape import Shape
from rating.rate.result import LINE_ITEM_ORDER, LINE_ITEM_SCHEMA
from rating.scopes import SCOPE_COLUMNS


def line_items_sql(sh: Shape, label: str, version: str) -> str:
    d, dec = sh.d, "DECIMAL(38,12)"
    wide = d.wide_int
    money = d.money

    # Minimum charges compare and subtract in 10^-12 units: Spark's DECIMAL(38,12)
    # subtraction would drop the last decimal place. The top-up line carries each scope
    # field the group's lines share (null where they differ), so scoped discounts reach it.
    carried = [d.identifier(c) for c in sh.carried]
    below = [d.identifier(c) for c in sh.carried if c != "tenant"]  # the group is one tenant's
    shared = ", ".join(
        f"CASE WHEN min(p.{c}) = max(p.{c}) AND count(p.{c}) = count(*) THEN min(p.{c}) END AS {c}"
        for c in below
    )
    scope = ", ".join(c for c in LINE_ITEM_SCHEMA.names if c in SCOPE_COLUMNS)  # in file order
    labels = "".join(f", {d.identifier(c)}" for c in sh.dimensions)  # after catalog_version
    order = ", ".join(f"{d.identifier(c)} NULLS FIRST" for c in [*LINE_ITEM_ORDER, *sh.dimensions])
    return f"""
        WITH g AS (
          SELECT p.tenant, p.product_id, p.currency, sum(p.amount12) AS sum12,
            max(CAST(e.min12 AS {wide})) AS min12, {shared}
          FROM priced p JOIN entries e USING (entry_idx)
          GROUP BY p.tenant, p.product_id, p.currency
        ),
        biggest AS (
          SELECT p.tenant, p.product_id, p.currency,
            min_by(p.entry_idx, p.gpos) AS entry_idx
          FROM priced p JOIN entries e USING (entry_idx) JOIN g
            ON g.tenant IS NOT DISTINCT FROM p.tenant AND g.product_id = p.product_id
               AND g.currency = p.currency AND CAST(e.min12 AS {wide}) = g.min12
          GROUP BY p.tenant, p.product_id, p.currency
        ),
        top_up AS (
          SELECT g.product_id, g.currency, b.entry_idx,
            {", ".join(f"g.{c}" for c in carried)}, {money("g.min12 - g.sum12")} AS amount
          FROM g JOIN biggest b
            ON b.tenant IS NOT DISTINCT FROM g.tenant AND b.product_id = g.product_id
               AND b.currency = g.currency
          WHERE g.min12 IS NOT NULL AND g.sum12 < g.min12
        ),
        lines AS (
          SELECT {", ".join(f"p.{c}" for c in carried)}, p.resource_id,
            p.resource_type, p.resource_name, p.product_id, e.product_name, e.seller_id,
            e.seller_product_group, e.service_category, e.usage_type,
            {money("p.q12")} AS quantity, e.unit,
            CAST(e.list_price AS {dec}) AS unit_price, {money("p.amount12")} AS amount,
            e.currency, p.start_us, p.end_us
          FROM priced p JOIN entries e USING (entry_idx)
          UNION ALL
          SELECT {", ".join(f"u.{c}" for c in carried)}, NULL,
            e.resource_type, NULL, u.product_id,
            e.product_name, e.seller_id, e.seller_product_group, e.service_category,
            'minimum charge',
            CAST(1 AS {dec}), '1', u.amount, u.amount, u.currency, {sh.p0}, {sh.p1}
          FROM top_up u JOIN entries e USING (entry_idx)
        )
        SELECT {d.literal(label)} AS period, {scope},
          resource_id, resource_type, resource_name, product_id, product_name, seller_id,
          seller_product_group, service_category, usage_type,
          CAST(quantity AS {dec}) AS quantity, unit,
          unit_price, CAST(amount AS {dec}) AS amount, currency,
          {d.timestamp_us("start_us")} AS {d.identifier("start")},
          {d.timestamp_us("end_us")} AS {d.identifier("end")},
          {d.literal(version)} AS catalog_version{labels}
        FROM lines
        ORDER BY {order}"""


def counts_sql(sh: Shape) -> str:
    """One row: duplicates, rated, unmatched, outside_period and missing_state.

    missing_state counts resources whose earliest row is an update or delete
    inside the period (a resource's first row always starts a run).
    """
    return f"""
    SELECT (SELECT COALESCE(sum(n - 1), 0) FROM dupkeys) AS duplicates,
      COALESCE(sum(n) FILTER (WHERE status = 'rated'), 0) AS rated,
      COALESCE(sum(n) FILTER (WHERE status = 'unmatched'), 0) AS unmatched,
      COALESCE(sum(n) FILTER (WHERE status = 'outside_period'), 0) AS outside_period,
      (SELECT count(*) FROM (
         SELECT min(t) AS first_t,
           min(CASE WHEN event IN ('update', 'delete') THEN t END) AS blind_t
         FROM runs GROUP BY resource_id
       ) f WHERE blind_t = first_t AND first_t >= {sh.p0} AND first_t < {sh.p1}
      ) AS missing_state
    FROM status"""


UNMATCHED_SQL = """
    SELECT resource_type, sum(n) AS samples, count(DISTINCT resource_id) AS resources,
      min(resource_id) AS first_id
    FROM status WHERE status = 'unmatched'
    GROUP BY resource_type ORDER BY resource_type"""
