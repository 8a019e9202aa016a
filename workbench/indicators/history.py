"""Which months a person's pension contributions cover, up to period P.

``covered_months`` reads the compact ``contrib_history`` that intake maintains (one row
per delivery period, person and year, months as 12-bit masks); ``covered_months_scan``
answers the same question from the raw ``sb_contrib`` rows of every loaded period. Tests
show both agree; indicators use the compact one. Both take a table of the person_ids of
interest so that only their rows are read.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from workbench.indicators.context import Context, month_index

BITS = ibis.memtable({"bit": list(range(12))})


def covered_months(ctx: Context, persons: ir.Table, count_backpay: bool = False) -> ir.Table:
    """Distinct (person_id, month) with a normal 110 contribution for that month paid in a
    period up to P (with ``count_backpay``, back-payments count too)."""
    h = ctx.history("contrib_history")
    h = h.semi_join(persons, h.person_id == persons.person_id)
    x = h.cross_join(BITS)
    covered = (x.normal_mask // (2 ** x.bit)) % 2 == 1
    if count_backpay:
        covered |= (x.backpay_mask // (2 ** x.bit)) % 2 == 1
    return x.filter(covered).select("person_id", month=x.year * 12 + x.bit).distinct()


def covered_months_scan(ctx: Context, persons: ir.Table, count_backpay: bool = False) -> ir.Table:
    """The same as ``covered_months`` from a full scan of raw contribution rows."""
    c = ctx.history("sb_contrib")
    types = ["1", "2"] if count_backpay else ["1"]
    c = c.filter((c.insurance_type == "110") & c.pay_type.isin(types))
    c = c.semi_join(persons, c.person_id == persons.person_id)
    return c.select("person_id", month=month_index(c.period)).distinct()
