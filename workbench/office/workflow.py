"""The suspected-problem workflow as a service (workflow.md): every action checked on the
server for role, district and state, with optimistic locking.

Every call takes the acting ``Account`` (from ``accounts.session_account``). Who may see and
do what is ``workbench.access`` (the one policy): a district role acts only on its
district's problems and sees no other; city roles see every district and handle the
problems of the city level (110000: ``states.CITY_TRANSITIONS``); admins see no problems.
A state-changing call also takes the ``version`` the user saw: the UPDATE matches ``id`` AND
``version``, so of two people acting on one problem at once one succeeds and the other gets
``StaleEdit`` with nothing saved. Each change appends a ``problem_event`` and an action-log
record in the same transaction (``record``). Findings are ``office.findings``, comments
``office.comments``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, false, func, insert, or_, select, union, update
from sqlalchemy.sql.elements import ColumnElement

from workbench import access, times, validators
from workbench import params as param_files
from workbench.districts import DISTRICTS, NAMES
from workbench.errors import OfficeError, PermissionDenied, StaleEdit
from workbench.masking import id_columns_in, mask_row, mask_subject
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.models import (
    Problem,
    ProblemComment,
    ProblemEvent,
    ProblemFinding,
    now,
)
from workbench.office.states import (
    ACTION_LABELS,
    Action,
    ProblemState,
    allowed_actions,
    is_city_level,
    transition,
)

P, EVENT = Problem.__table__, ProblemEvent.__table__
FINDING, COMMENT = ProblemFinding.__table__, ProblemComment.__table__
NOT_FOUND_ZH = "问题不存在或无权查看"


def office_params() -> dict[str, Any]:
    return param_files.load("office")


def may_unmask(account: Account) -> bool:
    """Whether ``account``'s roles may see full ID numbers (``access``: ``problem.unmask``,
    parameters/office.yaml ``unmask_roles``; each view is logged by ``reveal``)."""
    return access.decide(account, "problem.unmask").allowed


def problem_target(problem: Any) -> access.Target:
    """The access target of a problem row or ``ProblemView``."""
    state = problem.state.value if isinstance(problem.state, ProblemState) else problem.state
    return access.Target("problem", problem.district_code, state)


@dataclass(frozen=True)
class ProblemView:
    """A problem as a user may see it (subject masked for person subjects)."""

    id: int
    indicator_code: str
    subject_type: str
    subject: str
    district_code: str
    district_name: str
    state: ProblemState
    amount: Decimal | None
    first_period: str
    last_period: str
    deadline: datetime | None
    overdue: bool
    escalation: str | None
    deferral_until: datetime | None
    recurrence_of: int | None
    version: int

    @property
    def city_level(self) -> bool:
        """A problem of the city level (110000), handled by the city office (workflow.md)."""
        return is_city_level(self.district_code)


def _view(r: Any, at: datetime) -> ProblemView:
    state = ProblemState(r.state)
    deadline = times.utc(r.deadline)
    return ProblemView(
        id=r.id, indicator_code=r.indicator_code, subject_type=r.subject_type,
        subject=mask_subject(r.subject_type, r.subject_key),
        district_code=r.district_code, district_name=NAMES.get(r.district_code, r.district_code), state=state,
        amount=r.amount, first_period=r.first_period, last_period=r.last_period, deadline=deadline,
        overdue=bool(state.is_open and deadline is not None and deadline < at), escalation=r.escalation,
        deferral_until=times.utc(r.deferral_until), recurrence_of=r.recurrence_of, version=r.version)


def load(conn: Connection, account: Account, problem_id: int) -> Any:
    row = conn.execute(select(P).where(and_(P.c.id == problem_id, access.problem_scope(account)))).first()
    if row is None:
        raise PermissionDenied(f"problem {problem_id} does not exist or is not visible to {account.username}",
                               NOT_FOUND_ZH, problem=problem_id)
    return row


def get(account: Account, problem_id: int, *, url: str | None = None) -> ProblemView:
    with db.ready(url).connect() as conn:
        return _view(load(conn, account, problem_id), now())


@dataclass(frozen=True)
class QueueFilter:
    states: tuple[ProblemState, ...] = ()
    district_code: str | None = None
    indicator_codes: tuple[str, ...] = ()
    period: str | None = None
    open_only: bool = False
    overdue_only: bool = False
    escalated_only: bool = False
    mine: bool = False  # only the problems the account can act on now (``work``)


def work(account: Account) -> ColumnElement[bool]:
    """The problems ``account`` can act on now (its queue's default): a state from which
    ``access`` lets it take a workflow step (district rows for district problems, city-level
    rows for 110000), and for the roles deciding them a pending escalation or deferral request."""
    return _work_where(*work_parts(account))


def _work_where(groups: list[tuple[list[str], list[str]]], requests: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    parts = [and_(P.c.district_code.in_(ds), P.c.state.in_(states)) for ds, states in groups] + requests
    return or_(*parts) if parts else false()


def work_parts(account: Account) -> tuple[list[tuple[list[str], list[str]]], list[ColumnElement[bool]]]:
    """``work`` as its parts: (districts, states) groups (disjoint; each (districts, one state)
    read in deadline order from an index of migration 0015) and the pending escalation and
    deferral requests the account decides (no such index; they may overlap the groups)."""
    from workbench.districts import CITY_CODE
    from workbench.office.states import CITY_TRANSITIONS, TRANSITIONS

    def steps(rows: tuple[Any, ...], district: str) -> frozenset[str]:
        return frozenset(t.source.value for t in rows if access.decide(
            account, f"problem.{t.action.value}", access.Target("problem", district, t.source.value)).allowed)

    by_states: dict[frozenset[str], list[str]] = {}
    for district in access.districts(account):
        by_states.setdefault(steps(TRANSITIONS, district), []).append(district)
    groups = [(ds, sorted(states)) for states, ds in by_states.items() if states]
    city = steps(CITY_TRANSITIONS, CITY_CODE)
    if city:
        groups.append(([CITY_CODE], sorted(city)))
    requests = [and_(pending, P.c.state != ProblemState.CLOSED.value)
                for action, pending in ((Action.APPROVE_ESCALATION, P.c.escalation == "requested"),
                                        (Action.GRANT_DEFERRAL, P.c.deferral_until.is_not(None)))
                if access.decide(account, f"problem.{action.value}").allowed]
    return groups, requests


def queue(account: Account, f: QueueFilter = QueueFilter(), *, limit: int = 50, offset: int = 0,
          url: str | None = None) -> tuple[list[ProblemView], int]:
    """One page of the problems ``account`` may see, oldest deadline first, and the total."""
    at = now()
    cond = [access.problem_scope(account)]
    if f.states:
        cond.append(P.c.state.in_([s.value for s in f.states]))
    if f.open_only or f.overdue_only:
        cond.append(P.c.state != ProblemState.CLOSED.value)
    if f.overdue_only:
        cond.append(P.c.deadline < at)
    if f.district_code:
        cond.append(P.c.district_code == validators.CODE_FILTER.clean(f.district_code))
    if f.indicator_codes:
        cond.append(P.c.indicator_code.in_([validators.CODE_FILTER.clean(c) for c in f.indicator_codes]))
    if f.period:
        validators.CODE_FILTER.clean(f.period)
        cond.append(and_(P.c.first_period <= f.period, P.c.last_period >= f.period))
    if f.escalated_only:
        cond.append(P.c.escalation.is_not(None))
    groups, requests = work_parts(account) if f.mine else ([], [])
    if f.mine:
        cond.append(_work_where(groups, requests))
    where = and_(*cond)
    parts = [and_(P.c.district_code.in_(ds), P.c.state == state) for ds, states in groups for state in states]
    page = select(P).where(where)
    if len(parts) > 1 and not requests and len(access.districts(account)) > 1:
        # the first offset + limit rows of each part, each read in deadline order from an index
        # (migration 0015), instead of the whole work set sorted: the page is among them. A
        # district account's work is read in order from ix_problem_district_deadline as it is;
        # a request part has no such index (SQLite reads none for IS NOT NULL): one query then
        firsts = union(*[select(P.c.id).where(and_(*cond[:-1], part)).order_by(P.c.deadline, P.c.id)
                         .limit(offset + limit).subquery().select() for part in parts])
        page = select(P).where(P.c.id.in_(firsts))
    with db.ready(url).connect() as conn:
        total = conn.execute(select(func.count()).select_from(P).where(where)).scalar_one()
        rows = conn.execute(page.order_by(P.c.deadline, P.c.id).limit(limit).offset(offset)).all()
    return [_view(r, at) for r in rows], int(total)


# ----------------------------------------------------------------------------- actions
def _stale(problem_id: int, version: int) -> StaleEdit:
    return StaleEdit(f"problem {problem_id} was changed by someone else since version {version}; reload it",
                     "该问题已被他人修改，请刷新后重试", problem=problem_id)


def check_version(problem: Any, version: int) -> None:
    if problem.version != version:
        raise _stale(problem.id, version)


def bump(conn: Connection, problem: Any, version: int, values: dict[str, Any]) -> int:
    """Apply ``values`` if the problem is still at ``version`` (checked again by the UPDATE
    itself, which a concurrent transaction cannot slip past); return the new version."""
    done = conn.execute(update(P).where(and_(P.c.id == problem.id, P.c.version == version))
                        .values(**values, version=version + 1, updated_at=now()))
    if done.rowcount != 1:
        raise _stale(problem.id, version)
    return version + 1


def record(conn: Connection, account: Account, problem: Any, action: Action, from_state: str | None,
            to_state: str | None, opinion: str | None = None, **detail: Any) -> None:
    conn.execute(insert(EVENT).values(problem_id=problem.id, at=now(), actor=account.username, action=action.value,
                                      from_state=from_state, to_state=to_state, opinion=opinion,
                                      detail_json=json.dumps(detail, ensure_ascii=False, default=str)
                                      if detail else None))
    actionlog.append(conn, account.username, action.log_action, f"problem:{problem.id}", problem.district_code,
                     problem_action=action.value, from_state=from_state, to_state=to_state, **detail)


def act(account: Account, problem_id: int, action: Action | str, version: int, opinion: str | None = None, *,
        district: str | None = None, deadline: datetime | None = None, url: str | None = None) -> int:
    """Apply a workflow action; return the problem's new version.

    ``opinion``: required for returns and refusals; ``district``: the new district of a
    reassignment; ``deadline``: the requested new deadline of a deferral request."""
    action = Action(action)
    opinion = validators.OPINION.optional().clean(opinion) or None
    with db.ready(url).begin() as conn:
        p = load(conn, account, problem_id)
        check_version(p, version)
        state = ProblemState(p.state)
        try:
            t = transition(state, action, is_city_level(p.district_code))
        except ValueError:
            raise OfficeError(f"action {action.value} is not allowed on problem {problem_id} in state {state.value}",
                              f"当前状态（{state.label}）不能执行“{ACTION_LABELS[action]}”",
                              problem=problem_id) from None
        access.require(account, f"problem.{action.value}", problem_target(p), problem=problem_id)
        if t.opinion_required and not opinion:
            raise OfficeError(f"{action.value} needs an opinion", f"“{ACTION_LABELS[action]}”必须填写意见",
                              problem=problem_id)
        values: dict[str, Any] = {"state": t.target.value}
        detail: dict[str, Any] = {}
        if action is Action.SUBMIT and conn.execute(
                select(FINDING.c.problem_id).where(FINDING.c.problem_id == p.id)).first() is None:
            raise OfficeError("record the findings before submitting", "请先录入核查结果再提交", problem=problem_id)
        if action is Action.REASSIGN:
            if district not in DISTRICTS or district == p.district_code:
                raise OfficeError(f"reassign needs another district code, not {district!r}",
                                  "请选择另一个区县", problem=problem_id)
            values["district_code"] = district
            detail = {"from_district": p.district_code, "to_district": district}
        elif action is Action.ESCALATE:
            _require(p.escalation is None, problem_id, "already escalated", "该问题已申请或已上传监察局")
            values["escalation"] = "requested"
        elif action in (Action.APPROVE_ESCALATION, Action.REFUSE_ESCALATION):
            _require(p.escalation == "requested", problem_id, "no escalation requested", "该问题没有待批的上传申请")
            values["escalation"] = "approved" if action is Action.APPROVE_ESCALATION else None
        elif action is Action.REQUEST_DEFERRAL:
            _require(p.deferral_until is None, problem_id, "a deferral is already requested", "已有待批的缓办申请")
            if deadline is None or (p.deadline is not None and times.utc(deadline) <= times.utc(p.deadline)):
                raise OfficeError("a deferral needs a new deadline later than the current one",
                                  "缓办申请的新期限必须晚于当前期限", problem=problem_id)
            values["deferral_until"] = times.utc(deadline)
            detail = {"requested_deadline": times.utc(deadline).isoformat()}
        elif action in (Action.GRANT_DEFERRAL, Action.REFUSE_DEFERRAL):
            _require(p.deferral_until is not None, problem_id, "no deferral requested", "该问题没有待批的缓办申请")
            values["deferral_until"] = None
            if action is Action.GRANT_DEFERRAL:
                values["deadline"] = p.deferral_until
                detail = {"new_deadline": times.utc(p.deferral_until).isoformat()}
        new_version = bump(conn, p, version, values)
        record(conn, account, p, action, state.value, t.target.value, opinion, **detail)
        return new_version


def _require(ok: bool, problem_id: int, en: str, zh: str) -> None:
    if not ok:
        raise OfficeError(f"problem {problem_id}: {en}", zh, problem=problem_id)


@dataclass(frozen=True)
class Revealed:
    """The full ID numbers of one problem, as shown after a logged view: the subject key and
    the evidence rows unmasked, and the columns that were shown (``subject`` for a person)."""

    subject: str
    evidence: list[dict[str, Any]]
    columns: list[str]


def reveal(account: Account, problem_id: int, purpose: str | None, *, url: str | None = None) -> Revealed:
    """The full ID numbers of a visible problem (its person subject and its evidence) for a
    role that may unmask (``may_unmask``), with the purpose of the view (查看事由, required);
    the view is logged (problem event and action log: the columns shown and the purpose)."""
    with db.ready(url).begin() as conn:
        p = load(conn, account, problem_id)
        access.require(account, "problem.unmask", problem_target(p), problem=problem_id)
        purpose = validators.PURPOSE.clean(purpose)
        rows = _evidence_rows(conn, p)
        columns = (["subject"] if p.subject_type == "person" else []) + id_columns_in(rows)
        if not columns:
            raise OfficeError(f"problem {problem_id} shows no ID number", "该问题没有需要查看的完整号码",
                              problem=problem_id)
        record(conn, account, p, Action.VIEW_ID, None, None, purpose, subject_type=p.subject_type,
                columns=columns, purpose=purpose)
        return Revealed(p.subject_key, rows, columns)


def reveal_subject(account: Account, problem_id: int, purpose: str | None = None, *, url: str | None = None) -> str:
    """The full subject key of ``reveal`` (same checks, same log)."""
    return reveal(account, problem_id, purpose, url=url).subject


def history(account: Account, problem_id: int, *, url: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Events, comments and findings of a visible problem, every text with its ID-number-shaped
    tokens masked (``masking.mask_row``) whoever asks (attachments: ``attachments.listing``)."""
    with db.ready(url).connect() as conn:
        p = load(conn, account, problem_id)

        def rows(table, order) -> list[dict[str, Any]]:
            return [mask_row(r._mapping) for r in conn.execute(select(table).where(table.c.problem_id == p.id)
                                                               .order_by(order))]

        return {"events": rows(EVENT, EVENT.c.id), "comments": rows(COMMENT, COMMENT.c.id),
                "finding": rows(FINDING, FINDING.c.problem_id)}


BULK_ACTIONS = (Action.START, Action.APPROVE, Action.ACCEPT)
"""The actions the work queue offers on several problems at once (none needs an opinion)."""


def bulk_actions(account: Account) -> list[Action]:
    """The bulk actions ``account`` may take on some problem (``access``; what the queue offers)."""
    return [a for a in BULK_ACTIONS if access.decide(account, f"problem.{a.value}").allowed]


def act_many(account: Account, items: list[tuple[int, int]], action: Action | str, opinion: str | None = None, *,
             url: str | None = None) -> dict[int, str | None]:
    """A bulk action: each (problem id, version) on its own through ``act`` (role, district,
    state and version checked against the database); None for success or the Chinese message.

    Refused whole, before any problem is touched: an action that is not a bulk action or that
    none of the account's roles may take, no problem, or an item that is not (id, version)."""
    try:
        action = Action(action)
    except ValueError:
        raise OfficeError(f"unknown bulk action {action!r}", "批量操作无效") from None
    if action not in BULK_ACTIONS:
        raise OfficeError(f"{action.value} is not a bulk action", f"“{ACTION_LABELS[action]}”不能批量执行")
    if action not in bulk_actions(account):
        raise PermissionDenied(f"{account.username} may not {action.value} in bulk",
                               f"您的角色不能批量执行“{ACTION_LABELS[action]}”")
    if not items:
        raise OfficeError("no problem chosen", "请先勾选问题")
    checked: list[tuple[int, int]] = []
    for item in items:
        if (not isinstance(item, tuple) or len(item) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in item)):
            raise OfficeError(f"bulk item {item!r} is not (problem id, version)", "所选问题无效")
        checked.append(item)
    out: dict[int, str | None] = {}
    for problem_id, version in dict(checked).items():
        try:
            act(account, problem_id, action, version, opinion, url=url)
            out[problem_id] = None
        except OfficeError as exc:
            out[problem_id] = exc.zh
    return out


def _evidence_rows(conn: Connection, problem: Any) -> list[dict[str, Any]]:
    """The evidence rows kept with ``problem``, unmasked (newest period first)."""
    from workbench.office.models import ProblemEvidence

    ev = ProblemEvidence.__table__
    rows = conn.execute(select(ev.c.period, ev.c.row_json).where(ev.c.problem_id == problem.id)
                        .order_by(ev.c.period.desc(), ev.c.row_no)).all()
    return [{"期间": period, **json.loads(text)} for period, text in rows]


def evidence(account: Account, problem_id: int, *, url: str | None = None) -> list[dict[str, Any]]:
    """The evidence rows kept with a visible problem (newest period first), ID numbers masked
    (``masking.mask_row``) whoever asks: full numbers only through ``reveal``."""
    with db.ready(url).connect() as conn:
        return [mask_row(r) for r in _evidence_rows(conn, load(conn, account, problem_id))]


def possible_actions(account: Account, view: ProblemView) -> list[Action]:
    """The workflow actions ``account`` may take on the problem now (for the buttons; the
    service checks again when one is taken)."""
    out = []
    where = problem_target(view)
    for action in allowed_actions(view.state, view.city_level):
        if not access.decide(account, f"problem.{action.value}", where).allowed:
            continue
        if action is Action.ESCALATE and view.escalation is not None:
            continue
        if action in (Action.APPROVE_ESCALATION, Action.REFUSE_ESCALATION) and view.escalation != "requested":
            continue
        if action is Action.REQUEST_DEFERRAL and view.deferral_until is not None:
            continue
        if action in (Action.GRANT_DEFERRAL, Action.REFUSE_DEFERRAL) and view.deferral_until is None:
            continue
        out.append(action)
    return out
