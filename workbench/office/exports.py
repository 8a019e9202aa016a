"""``workbench problems export``: the problems detected by the run of a period (cli.md).

For period P, each indicator is taken from its latest *succeeded* run of P (runs with
``--only`` cover different subsets; a run covers an indicator also when it found
nothing), and every detection of that run is written: UTF-8 CSV, header
``indicator_code,period,subject_type,subject_key,district_code,amount``, sorted by
indicator_code then subject_key (code-point order, the same on every database), amount
with two decimals or empty. District-level evaluations (subject_type ``district``) are left
out: cli.md fixes the export's subject types to person, unit, case, appraisal and
application; those problems are still published into the office and routed to the district.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, and_, func, select

from workbench.errors import UsageError
from workbench.money import cents
from workbench.office import db
from workbench.office.models import IndicatorRun, RunHit, RunIndicator
from workbench.office.runs import SUCCEEDED
from workbench.outputs import atomic_write, check_out
from workbench.periods import check_period

HEADER = ("indicator_code", "period", "subject_type", "subject_key", "district_code", "amount")
EXCLUDED_SUBJECTS = frozenset({"district"})  # not a subject type of the export (cli.md)

RUN = IndicatorRun.__table__
RI = RunIndicator.__table__
HIT = RunHit.__table__


@dataclass(frozen=True)
class Hit:
    indicator_code: str
    subject_type: str
    subject_key: str
    district_code: str
    amount: Decimal | None
    run_id: int


def latest_hits(period: str, url: str | None = None, codes: list[str] | None = None) -> list[Hit]:
    """The detections of P, each indicator from its latest succeeded run of P, sorted.

    UsageError when no run of P succeeded (naming the periods that have runs)."""
    check_period(period)
    eng = db.ready(url)
    with eng.connect() as conn:
        latest = _latest_runs(conn, period)
        if latest is None:
            raise UsageError(_no_run_message(conn, period), period=period)
        rows = conn.execute(
            select(HIT.c.indicator_code, HIT.c.subject_type, HIT.c.subject_key, HIT.c.district_code,
                   HIT.c.amount, HIT.c.run_id)
            .join(latest, and_(HIT.c.run_id == latest.c.run_id, HIT.c.indicator_code == latest.c.indicator_code)))
        hits = [Hit(*r) for r in rows if codes is None or r.indicator_code in codes]
    hits.sort(key=lambda h: (h.indicator_code, h.subject_key))
    return hits


def _latest_runs(conn: Connection, period: str):
    """Subquery (indicator_code, run_id) of each indicator's latest succeeded run of P, or None."""
    sub = (select(RI.c.indicator_code, func.max(RI.c.run_id).label("run_id"))
           .join(RUN, RUN.c.id == RI.c.run_id)
           .where(RUN.c.period == period, RUN.c.status == SUCCEEDED)
           .group_by(RI.c.indicator_code)).subquery("latest")
    found = conn.execute(select(func.count()).select_from(sub)).scalar_one()
    return sub if found else None


def _no_run_message(conn: Connection, period: str) -> str:
    last = conn.execute(select(RUN.c.id, RUN.c.status, RUN.c.error).where(RUN.c.period == period)
                        .order_by(RUN.c.id.desc()).limit(1)).first()
    if last is not None:
        why = f": {last.error.splitlines()[0]}" if last.error else ""
        return (f"no succeeded indicator run for period {period} (latest run {last.id} is {last.status}{why}); "
                f"run `workbench indicators --period {period}`")
    periods = sorted({p for (p,) in conn.execute(select(RUN.c.period).where(RUN.c.status == SUCCEEDED)
                                                 .distinct())})
    known = f" (periods with runs: {', '.join(periods[-6:])})" if periods else " (no run has been published yet)"
    return f"no indicator run for period {period}{known}; run `workbench indicators --period {period}` first"


def export_problems(period: str, out: Path | str, url: str | None = None) -> int:
    """Write the problems export of ``period`` to ``out`` (district-level evaluations left out);
    return the number of rows. ``out`` is checked before anything is read and written atomically."""
    out = check_out(out)
    hits = [h for h in latest_hits(period, url) if h.subject_type not in EXCLUDED_SUBJECTS]
    with atomic_write(out, newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for h in hits:
            amount = "" if h.amount is None else f"{cents(h.amount):.2f}"
            w.writerow((h.indicator_code, period, h.subject_type, h.subject_key, h.district_code, amount))
    return len(hits)


def published_keys(period: str, codes: list[str], url: str | None = None) -> dict[str, set[str]]:
    """Per indicator, the subject keys of its latest succeeded run of P ({} when none; read-only:
    an office database without tables is not created)."""
    check_period(period)
    if not db.has_schema(url):
        return {}
    try:
        hits = latest_hits(period, url, codes)
    except UsageError:
        return {}
    keys: dict[str, set[str]] = {}
    for h in hits:
        keys.setdefault(h.indicator_code, set()).add(h.subject_key)
    return keys
