"""Publishing an indicator run into the office: problems, evidence, events, run hits.

``publish(evaluations, period)`` writes everything of a run in ONE transaction (a failed
run publishes nothing; its run record says ``failed`` with the error). For each hit:

* an open problem exists for (indicator_code, subject_key): it is updated (last period =
  the later of the two, amount, district, parameters, SQL, indicator version), event
  ``redetected``;
* else, if the latest problem of that key is closed (已办结): a new problem linked to it by
  ``recurrence_of``, event ``reopened``;
* else a new problem (待处理), event ``published``.

The evidence of (problem, period) is replaced, at most ``evidence_limit`` rows kept, so
publishing the same period twice changes nothing but the events and the run records.
Work is done in bulk: existing problems of the run's indicators are read in one query
(per 900 codes), inserts and updates are executemany statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from workbench import params as param_files
from workbench.districts import CITY_CODE, DISTRICT_CODES
from workbench.errors import WorkbenchError
from workbench.indicators.runner import Evaluation, Problem
from workbench.money import cents
from workbench.office import actionlog, db, reconcile
from workbench.office.models import OfficeLock, ProblemEvent, ProblemEvidence, RunHit, RunIndicator, now
from workbench.office.models import Problem as ProblemRow
from workbench.office.runs import RunSummary, dumps, fail_run, start_run, succeed_run
from workbench.office.states import SYSTEM, Action, ProblemState
from workbench.periods import check_period

CHUNK = 900           # IN-list size (Oracle allows 1000)

P = ProblemRow.__table__
EVIDENCE = ProblemEvidence.__table__
EVENT = ProblemEvent.__table__
HIT = RunHit.__table__
RUN_INDICATOR = RunIndicator.__table__
LOCK = OfficeLock.__table__
CLOSED = ProblemState.CLOSED.value


def route(district_code: str | None) -> str:
    """The office a problem goes to: its district, or the city (110000) for the city level
    and any code that is not a district."""
    code = (district_code or "").strip()
    return code if code in DISTRICT_CODES else CITY_CODE


def publish(evaluations: Sequence[Evaluation], period: str, url: str | None = None, *,
            only: list[str] | None = None, evidence_limit: int | None = None) -> RunSummary:
    """Publish the evaluations of ``period`` to the office database; return the run's counts.
    ``evidence_limit``: evidence rows kept per problem (default: parameters/office.yaml)."""
    check_period(period)
    if evidence_limit is None:
        evidence_limit = int(param_files.load("office")["evidence_rows"])
    if evidence_limit < 0:
        raise WorkbenchError(f"evidence_limit must be 0 or more, not {evidence_limit}")
    eng = db.ready(url)
    params = {e.indicator.code: e.params for e in evaluations}
    run_id = start_run(eng, period, only, params)
    summary = RunSummary(run_id=run_id, period=period, status="running")
    try:
        with eng.begin() as conn:
            _publish(conn, summary, evaluations, period, evidence_limit)
            succeed_run(conn, summary)
    except BaseException as exc:
        try:
            fail_run(eng, run_id, exc)
        except Exception as record_exc:  # the database went away: keep the original error
            exc.add_note(f"(the run record {run_id} could not be marked failed: {db.first_line(record_exc)})")
        summary.status, summary.error = "failed", str(exc)
        raise
    return summary


@dataclass
class _Hit:
    evaluation: Evaluation
    problem: Problem


def _publish(conn: Connection, summary: RunSummary, evaluations: Sequence[Evaluation], period: str,
             evidence_limit: int) -> None:
    _lock(conn)
    run_id = summary.run_id
    hits: dict[tuple[str, str], _Hit] = {}
    for e in evaluations:
        for p in e.problems:
            key = (p.indicator_code, p.subject_key)
            if key in hits:
                raise WorkbenchError(f"indicator {p.indicator_code} reports subject {p.subject_key!r} twice",
                                     indicator=p.indicator_code, period=period)
            hits[key] = _Hit(e, p)
    codes = sorted({e.indicator.code for e in evaluations})
    summary.evaluated, summary.hits = len(codes), len(hits)

    open_rows, closed_rows = _existing(conn, codes)
    at = now()
    inserts: list[dict[str, Any]] = []   # new and reopened problems
    insert_keys: list[tuple[str, str]] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    problem_ids: dict[tuple[str, str], int] = {}

    params_text = {id(e): dumps(e.params) for e in evaluations}
    deadline_days = param_files.load("office")["deadline_days"]
    for key, h in hits.items():
        e, p = h.evaluation, h.problem
        fields = {
            "indicator_version": e.indicator.version,
            "subject_type": p.subject_type,
            "district_code": route(p.district_code),
            "amount": cents(p.amount),
            "params_json": params_text[id(e)],
            "last_run_id": run_id,
            "updated_at": at,
        }
        old = open_rows.get(key)
        if old is not None:
            updates.append({"b_id": old["id"], **fields, "last_period": max(old["last_period"], period),
                            "first_period": min(old["first_period"], period), "version": old["version"] + 1})
            problem_ids[key] = old["id"]
            events.append(_event(old["id"], run_id, at, Action.REDETECTED, old["state"], old["state"],
                                 _detail(period, p, len(p.evidence), previous_amount=old["amount"],
                                         previous_last_period=old["last_period"])))
            continue
        closed = closed_rows.get(key)
        inserts.append({**fields, "indicator_code": p.indicator_code, "subject_key": p.subject_key,
                        "first_period": period, "last_period": period, "state": ProblemState.PENDING.value,
                        "deadline": at + timedelta(days=deadline_days[e.indicator.severity.name.lower()]),
                        "recurrence_of": closed["id"] if closed else None,
                        "version": 1, "created_at": at})
        insert_keys.append(key)
    summary.updated = len(updates)
    summary.reopened = sum(1 for r in inserts if r["recurrence_of"] is not None)
    summary.new = len(inserts) - summary.reopened

    if updates:
        stmt = (update(P).where(P.c.id == bindparam("b_id"))
                .values({c: bindparam(c) for c in updates[0] if c != "b_id"}))
        conn.execute(stmt, updates)
        for chunk in _chunks([u["b_id"] for u in updates]):
            conn.execute(delete(EVIDENCE).where(EVIDENCE.c.problem_id.in_(chunk), EVIDENCE.c.period == period))
    if inserts:
        new_ids = _insert_problems(conn, inserts, insert_keys, codes)
        for key, new_id, r in zip(insert_keys, new_ids, inserts, strict=True):
            problem_ids[key] = new_id
            p = hits[key].problem
            action = Action.REOPENED if r["recurrence_of"] is not None else Action.PUBLISHED
            extra = {"recurrence_of": r["recurrence_of"]} if r["recurrence_of"] is not None else {}
            events.append(_event(problem_ids[key], run_id, at, action, None, ProblemState.PENDING.value,
                                 _detail(period, p, len(p.evidence), **extra)))

    evidence = [{"problem_id": problem_ids[key], "period": period, "row_no": i + 1, "row_json": dumps(row)}
                for key, h in hits.items() for i, row in enumerate(h.problem.evidence[:evidence_limit])]
    _insert_all(conn, EVIDENCE, evidence)
    _insert_all(conn, EVENT, events)
    _insert_all(conn, HIT, [{"run_id": run_id, "indicator_code": p.indicator_code, "subject_type": p.subject_type,
                             "subject_key": p.subject_key, "district_code": p.district_code, "amount": cents(p.amount),
                             "problem_id": problem_ids[key]}
                            for key, h in hits.items() for p in [h.problem]])
    per_code: dict[str, int] = {}
    for code, _ in hits:
        per_code[code] = per_code.get(code, 0) + 1
    _insert_all(conn, RUN_INDICATOR, [{"run_id": run_id, "indicator_code": e.indicator.code,
                                       "indicator_version": e.indicator.version,
                                       "hits": per_code.get(e.indicator.code, 0), "seconds": round(e.seconds, 3),
                                       "params_json": params_text[id(e)], "sql_text": e.sql}
                                      for e in {e.indicator.code: e for e in evaluations}.values()])
    # one log record for the run: what it created or reopened (待处理) and moved, per district
    old_district = {r["id"]: r["district_code"] for r in open_rows.values()}
    new = [(problem_ids[k], r["district_code"], r["recurrence_of"] is not None)
           for k, r in zip(insert_keys, inserts, strict=True)]
    actionlog.append(conn, SYSTEM, Action.PUBLICATION, f"run:{run_id}", None, **reconcile.publication_detail(
        run_id, period, [(i, d) for i, d, again in new if not again], [(i, d) for i, d, again in new if again],
        [(u["b_id"], u["district_code"]) for u in updates if old_district[u["b_id"]] != u["district_code"]]))


def _lock(conn: Connection) -> None:
    """Serialize publications: lock the 'publish' row until this transaction ends
    (a row lock on PostgreSQL and Oracle, the write lock on SQLite)."""
    done = conn.execute(update(LOCK).where(LOCK.c.name == "publish").values(locked_at=now()))
    if not done.rowcount:
        conn.execute(insert(LOCK), {"name": "publish", "locked_at": now()})


def _existing(conn: Connection, codes: list[str]) -> tuple[dict, dict]:
    """Open problems and the latest closed problem per (indicator_code, subject_key)."""
    open_rows: dict[tuple[str, str], dict[str, Any]] = {}
    closed_rows: dict[tuple[str, str], dict[str, Any]] = {}
    cols = [P.c.id, P.c.indicator_code, P.c.subject_key, P.c.state, P.c.first_period, P.c.last_period,
            P.c.amount, P.c.version, P.c.district_code]
    for chunk in _chunks(codes):
        for r in conn.execute(select(*cols).where(P.c.indicator_code.in_(chunk)).order_by(P.c.id)):
            m = dict(r._mapping)
            key = (m["indicator_code"], m["subject_key"])
            (closed_rows if m["state"] == CLOSED else open_rows)[key] = m
    return open_rows, closed_rows


def _insert_problems(conn: Connection, rows: list[dict[str, Any]], keys: list[tuple[str, str]],
                     codes: list[str]) -> list[int]:
    """Insert the problems; their ids in the order of ``rows``.

    The ids are read back (each inserted key now has exactly one open problem, the run
    holding the publish lock): several times faster on PostgreSQL than an ordered
    executemany RETURNING, and the same on every database."""
    _insert_all(conn, P, rows)
    open_rows, _ = _existing(conn, codes)
    return [open_rows[k]["id"] for k in keys]


def _insert_all(conn: Connection, table, rows: list[dict[str, Any]], batch: int = 10_000) -> None:
    for start in range(0, len(rows), batch):
        conn.execute(insert(table), rows[start:start + batch])


def _event(problem_id: int, run_id: int, at, action: Action, from_state: str | None, to_state: str | None,
           detail: dict[str, Any]) -> dict[str, Any]:
    return {"problem_id": problem_id, "at": at, "actor": SYSTEM, "action": action.value, "from_state": from_state,
            "to_state": to_state, "opinion": None, "detail_json": dumps(detail), "run_id": run_id}


def _detail(period: str, p: Problem, evidence_rows: int, **extra: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {"period": period, "amount": None if p.amount is None else str(cents(p.amount)),
                              "district_code": p.district_code, "evidence_rows": evidence_rows}
    if route(p.district_code) != p.district_code:
        detail["routed_to"] = route(p.district_code)
    for k, v in extra.items():
        detail[k] = str(v) if isinstance(v, Decimal) else v
    return detail


def _chunks(items: Iterable, size: int = CHUNK) -> Iterable[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
