"""Reconciliation (security.md): the business tables must be what the action log's events imply.

One check per noun, registered with the log actions it reads: ``@register("problem",
"publication", "transition")``. ``reconcile`` reads those records once, in sequence order,
hands each check its own, and returns every discrepancy as one line, such as
"problem 1234: state 已办结, the log says 市级待审核". A module that keeps state the log must
witness (audit findings, annuity submissions) registers its own check the same way.

What the events carry: a publication (one record per run) lists the problems it created or
reopened (state 待处理) and the open problems it moved to another district, as packed id
lists per district (``pack``: id ranges, and one letter per id naming its district, run-length
encoded); a workflow transition names its from and to state and, on reassignment, the new
district; recording findings names the amounts; adding a user names its roles (enabled), a
change of roles the new roles, disabling or enabling the new flag. A database that held
problems or users before its log witnessed them gets one ``log_baseline`` record of what it
held then (migration 0011), the checks' starting point.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from workbench.office.actionlog import Record, records
from workbench.office.models import Problem, ProblemFinding, User, UserRole
from workbench.office.states import Action, ProblemState

P, FINDING, USERS, ROLES = Problem.__table__, ProblemFinding.__table__, User.__table__, UserRole.__table__
AMOUNTS = ("amount_involved", "amount_recovered", "fines")
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
RUN = re.compile(r"([A-Za-z])(\d*)")


@dataclass(frozen=True)
class Check:
    noun: str
    actions: frozenset[str]
    run: Callable[[Connection, list[Record]], list[str]]


CHECKS: dict[str, Check] = {}


def register(noun: str, *actions: str) -> Callable[[Callable], Callable]:
    """Register the check of ``noun``: ``fn(conn, records of actions) -> discrepancies``."""
    def deco(fn: Callable[[Connection, list[Record]], list[str]]) -> Callable:
        if noun in CHECKS:
            raise ValueError(f"a reconciliation check of {noun!r} is registered twice")
        CHECKS[noun] = Check(noun, frozenset(actions), fn)
        return fn
    return deco


def reconcile(conn: Connection) -> list[str]:
    """Every discrepancy between the business tables and the log, noun by noun."""
    mine: dict[str, list[Record]] = {noun: [] for noun in CHECKS}
    wanted = frozenset().union(*(c.actions for c in CHECKS.values()))
    for r in records(conn, wanted):
        for c in CHECKS.values():
            if r.action in c.actions:
                mine[c.noun].append(r)
    out: list[str] = []
    for c in CHECKS.values():
        out += c.run(conn, mine[c.noun])
    return out


# ------------------------------------------------------------------ packed id lists
def pack(pairs: Iterable[tuple[int, str]]) -> dict[str, Any]:
    """(id, district) pairs as id ranges plus one letter per id (run-length encoded)."""
    pairs = sorted(pairs)
    codes = sorted({d for _, d in pairs})
    if len(codes) > len(LETTERS):
        return {"pairs": [[i, d] for i, d in pairs]}
    letter = {d: LETTERS[n] for n, d in enumerate(codes)}
    ranges: list[list[int]] = []
    for i, _ in pairs:
        if ranges and ranges[-1][1] + 1 == i:
            ranges[-1][1] = i
        else:
            ranges.append([i, i])
    runs: list[str] = []
    prev, n = "", 0
    for _, d in pairs:
        c = letter[d]
        if c == prev:
            n += 1
            continue
        if prev:
            runs.append(prev + (str(n) if n > 1 else ""))
        prev, n = c, 1
    if prev:
        runs.append(prev + (str(n) if n > 1 else ""))
    return {"ids": ranges, "districts": codes, "map": "".join(runs)}


def unpack(packed: dict[str, Any] | None) -> Iterator[tuple[int, str]]:
    """The (id, district) pairs of ``pack``."""
    if not packed:
        return
    if "pairs" in packed:
        yield from ((int(i), str(d)) for i, d in packed["pairs"])
        return
    codes = packed["districts"]
    ids = (i for a, b in packed["ids"] for i in range(int(a), int(b) + 1))
    for m in RUN.finditer(packed["map"]):
        d = codes[LETTERS.index(m.group(1))]
        for _ in range(int(m.group(2) or 1)):
            yield next(ids), d


def publication_detail(run_id: int, period: str, created: Iterable[tuple[int, str]],
                       reopened: Iterable[tuple[int, str]], moved: Iterable[tuple[int, str]]) -> dict[str, Any]:
    """The detail of a publication's one log record."""
    return {"run_id": run_id, "period": period, "state": ProblemState.PENDING.value,
            "created": pack(created), "reopened": pack(reopened), "moved": pack(moved)}


# ------------------------------------------------------------------ problems
def _label(state: str | None) -> str:
    try:
        return ProblemState(state).label
    except ValueError:
        return str(state)


def _amount(value: Any) -> Decimal | None:
    try:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _problem_id(target: str | None) -> int | None:
    if target and target.startswith("problem:"):
        try:
            return int(target[len("problem:"):])
        except ValueError:
            return None
    return None


def baseline_detail(conn: Connection) -> dict[str, Any]:
    """What the office holds now, as a log record's detail: the starting point of the checks
    for a database that had problems or users before its log witnessed them (migration 0011)."""
    by_state: dict[str, list[tuple[int, str]]] = {}
    for r in conn.execute(select(P.c.id, P.c.state, P.c.district_code)):
        by_state.setdefault(r.state, []).append((r.id, r.district_code))
    findings = {str(r.problem_id): [str(_amount(r._mapping[k])) for k in AMOUNTS]
                for r in conn.execute(select(FINDING.c.problem_id, *(FINDING.c[k] for k in AMOUNTS)))}
    roles: dict[int, list[str]] = {}
    for uid, role in conn.execute(select(ROLES.c.user_id, ROLES.c.role)):
        roles.setdefault(uid, []).append(role)
    users = {u.username: {"roles": sorted(roles.get(u.id, [])), "enabled": not u.disabled}
             for u in conn.execute(select(USERS.c.id, USERS.c.username, USERS.c.disabled))}
    return {"problems": {state: pack(pairs) for state, pairs in by_state.items()}, "findings": findings,
            "users": users}


@register("problem", Action.PUBLICATION, Action.TRANSITION, Action.BASELINE)
def check_problems(conn: Connection, log: list[Record]) -> list[str]:
    """Each problem's state, district and findings amounts against the log."""
    state: dict[int, str] = {}
    district: dict[int, str] = {}
    amounts: dict[int, tuple[Decimal | None, ...]] = {}
    for r in log:
        d = r.detail
        if r.action == Action.BASELINE:
            for st, packed in d.get("problems", {}).items():
                for pid, code in unpack(packed):
                    state[pid], district[pid] = st, code
            for pid, values in d.get("findings", {}).items():
                amounts[int(pid)] = tuple(_amount(v) for v in values)
            continue
        if r.action == Action.PUBLICATION:
            for kind in ("created", "reopened"):
                for pid, code in unpack(d.get(kind)):
                    state[pid], district[pid] = d.get("state", ProblemState.PENDING.value), code
            for pid, code in unpack(d.get("moved")):
                district[pid] = code
            continue
        pid = _problem_id(r.target)
        if pid is None:
            continue
        if d.get("to_state"):
            state[pid] = d["to_state"]
        if d.get("to_district"):
            district[pid] = d["to_district"]
        if d.get("problem_action") == "finding":
            amounts[pid] = tuple(_amount(d.get(k)) for k in AMOUNTS)
    out: list[str] = []
    seen: set[int] = set()
    for row in conn.execute(select(P.c.id, P.c.state, P.c.district_code).order_by(P.c.id)
                            .execution_options(yield_per=10_000)):
        seen.add(row.id)
        if row.id not in state:
            out.append(f"problem {row.id}: state {_label(row.state)}, the log has no record of this problem")
            continue
        if row.state != state[row.id]:
            out.append(f"problem {row.id}: state {_label(row.state)}, the log says {_label(state[row.id])}")
        if row.id in district and row.district_code != district[row.id]:
            out.append(f"problem {row.id}: district {row.district_code}, the log says {district[row.id]}")
    out += [f"problem {pid}: missing from the database, the log says {_label(s)}"
            for pid, s in sorted(state.items()) if pid not in seen]
    found: set[int] = set()
    for row in conn.execute(select(FINDING.c.problem_id, *(FINDING.c[k] for k in AMOUNTS))
                            .order_by(FINDING.c.problem_id).execution_options(yield_per=10_000)):
        pid = row.problem_id
        found.add(pid)
        logged = amounts.get(pid)
        if logged is None:
            out.append(f"problem {pid}: findings recorded (amount_involved {row.amount_involved}), "
                       "the log has no findings")
            continue
        for k, want in zip(AMOUNTS, logged, strict=True):
            got = _amount(row._mapping[k])
            if want is not None and got != want:
                out.append(f"problem {pid}: {k} {got}, the log says {want}")
    out += [f"problem {pid}: no findings, the log says amount_involved {a[0]}"
            for pid, a in sorted(amounts.items()) if pid not in found and pid in seen]
    return out


# ------------------------------------------------------------------ users
@register("user", Action.USER_ADD, Action.USER_CHANGE, Action.BASELINE)
def check_users(conn: Connection, log: list[Record]) -> list[str]:
    """Each user's roles and enabled flag against the log."""
    roles: dict[str, tuple[str, ...]] = {}
    enabled: dict[str, bool] = {}
    for r in log:
        name, d = r.target or "", r.detail
        if r.action == Action.BASELINE:
            for user, state in d.get("users", {}).items():
                roles[user], enabled[user] = tuple(sorted(state["roles"])), bool(state["enabled"])
            continue
        if r.action == Action.USER_ADD:
            roles[name], enabled[name] = tuple(sorted(d.get("roles", ()))), bool(d.get("enabled", True))
        elif "roles" in d:
            roles[name] = tuple(sorted(d["roles"]))
        if r.action == Action.USER_CHANGE and d.get("change") in ("disable", "enable"):
            enabled[name] = bool(d.get("enabled", d["change"] == "enable"))
    have: dict[int, list[str]] = {}
    for uid, role in conn.execute(select(ROLES.c.user_id, ROLES.c.role)):
        have.setdefault(uid, []).append(role)
    out: list[str] = []
    seen: set[str] = set()
    for u in conn.execute(select(USERS.c.id, USERS.c.username, USERS.c.disabled).order_by(USERS.c.username)):
        seen.add(u.username)
        got = tuple(sorted(have.get(u.id, ())))
        if u.username not in roles:
            out.append(f"user {u.username}: roles {', '.join(got) or '-'}, the log has no record of this user")
            continue
        if got != roles[u.username]:
            out.append(f"user {u.username}: roles {', '.join(got) or '-'}, "
                       f"the log says {', '.join(roles[u.username]) or '-'}")
        on = not u.disabled
        if u.username in enabled and on != enabled[u.username]:
            out.append(f"user {u.username}: {'enabled' if on else 'disabled'}, "
                       f"the log says {'enabled' if enabled[u.username] else 'disabled'}")
    out += [f"user {name}: missing from the database, the log says roles {', '.join(r) or '-'}"
            for name, r in sorted(roles.items()) if name not in seen]
    return out


# ------------------------------------------------------------------ command line
def cli_verify(url: str | None = None) -> int:
    """``workbench log verify``: the chain, then the business state; exit 0 only if both hold."""
    import sys

    from workbench.office import actionlog, db

    with db.ready(url).connect() as conn:
        result = actionlog.verify(conn)
        if result.inconclusive:  # nothing found wrong, but the check could not be completed
            print(f"Error: action log not verified: {result.reason}", file=sys.stderr)
            return 4
        if not result.ok:
            print(f"Error: action log broken: {result.reason}", file=sys.stderr)
            return 1
        found = reconcile(conn)
    for line in found:
        print(f"Error: {line}", file=sys.stderr)
    if found:
        print(f"Error: {len(found)} discrepancies between the office database and its action log", file=sys.stderr)
        return 1
    anchored = f", anchored at record {result.anchor}" if result.anchor else ""
    print(f"action log: {result.records} records, chain intact{anchored}; the office database agrees with the log")
    return 0
