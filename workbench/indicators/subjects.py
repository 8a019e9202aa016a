"""Shared builders every business line uses: the runner's columns for a person subject
(subject_key, district_code, amount, evidence) and the contribution rows most checks
start from. Declared once here so that district and amount rules stay the same everywhere."""

from __future__ import annotations

import ibis

from workbench.indicators.context import Context, month_index

MONEY = "decimal(18,2)"


def no_amount() -> ibis.Value:
    """The amount of an indicator that states none ("—")."""
    return ibis.null(MONEY)


def normal_contrib(ctx: Context, insurance: str = "110"):
    """Normal contributions of P (pay_type 1) of an insurance, with the person's id."""
    c = ctx.rows("sb_contrib")
    return ctx.with_ids(c.filter((c.insurance_type == insurance) & (c.pay_type == "1")))


def person_rows(ctx: Context, hits, amount: str | None = None, scheme: str = "sb", **evidence: str):
    """The runner's columns for a person subject: ``hits`` (with ``id``) keyed by id, the district
    from the scheme's person snapshot (smallest person_id), ``amount`` (a column name, or null) and
    evidence (name = column of ``hits``)."""
    district = ctx.person_district(scheme).rename(did="id", ddistrict="district_code")
    j = hits.join(district, hits.id == district.did)
    value = j[amount] if amount else no_amount()
    return j.select(subject_key=j.id, district_code=j.ddistrict, amount=value,
                    **{k: j[v] for k, v in evidence.items()})


def paid_after_death(ctx: Context, pay):
    """Benefit rows (with ``id`` and ``period``) for a period after the id's death month
    (the earliest death date of every agency), with ``death_month``."""
    dead = ctx.death_months().rename(dead_id="id")
    hits = pay.join(dead, pay.id == dead.dead_id)
    return hits.filter(month_index(hits.period) > hits.death_month)
