"""The one access policy: may this user do this action on this object, and if not, why.

Every service of every module asks here (``require`` before acting, ``problem_scope`` /
``district_scope`` in the WHERE of what it lists); pages ask ``decide`` only to hide what
would be refused. The rules are the spec's (README, Roles; workflow.md):

* **Roles and scopes.** ``district_handler`` and ``district_reviewer`` act in their own
  district only (the account's ``district_code``; an account of a district role without a
  valid district may do nothing district-scoped). They never act on a problem of the city
  level (110000): the city office handles those. ``city_handler`` and ``city_reviewer`` act
  in every district and on the city level. ``admin`` (综合管理人员) administers users,
  notices, staff information, the log and documents, and sees no problems.
  ``annuity_reporter`` acts only on its own institution's annuity reports: the account's
  ``institution`` (an attribute the account will carry when the annuity module binds
  reporters, ``users add --institution``); a reporter without an institution may do
  nothing, and a target without an institution is refused to it.
* **Problem actions** (``problem.<workflow action>``) follow the state table of
  ``office.states``: the transition of the action from the problem's state, for a district
  or a city-level problem (``states.transition(state, action, city_level)``), names the roles;
  the role must also cover the problem's district. ``problem.finding`` (核查结果) belongs to
  whoever may submit the findings from that state; ``problem.comment`` to whoever sees the
  problem; ``problem.attach`` to whoever sees it while it is open; ``problem.unmask`` (full
  ID numbers) to the roles of ``parameters/office.yaml`` ``unmask_roles`` that see it.
* A user may hold several roles: an action is allowed when one of them allows it.

``Target`` names the object: its kind and, where it matters, its district, state and
institution. Without a target (or without a district / state in it) ``decide`` answers
whether the account may take the action on *some* object: what a page or a menu asks.

Action names are dotted strings, all in ``ACTIONS`` (the value is the Chinese name used in
refusals). A name not in ``ACTIONS`` is a programming error (``ValueError``), never a
silent refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement

from workbench.districts import CITY_CODE, DISTRICTS
from workbench.errors import PermissionDenied
from workbench.office.roles import Role
from workbench.office.states import ACTION_LABELS, Action, ProblemState, allowed_actions, table, transition

if TYPE_CHECKING:
    from workbench.office.accounts import Account

CITY_ROLES = frozenset({Role.CITY_HANDLER, Role.CITY_REVIEWER})
DISTRICT_ROLES = frozenset(r for r in Role if r.district_scoped)
OFFICE_ROLES = CITY_ROLES | DISTRICT_ROLES

# Problem events of the state table (transitions and the any-open actions): problem.<value>.
WORKFLOW_ACTIONS: tuple[Action, ...] = tuple(dict.fromkeys(
    a for level in (False, True) for (_s, a) in table(level)))

ACTIONS: dict[str, str] = {
    "problem.view": "查看问题",
    **{f"problem.{a.value}": ACTION_LABELS[a] for a in WORKFLOW_ACTIONS},
    "problem.finding": ACTION_LABELS[Action.FINDING],
    "problem.comment": ACTION_LABELS[Action.COMMENT],
    "problem.attach": ACTION_LABELS[Action.ATTACH],
    "problem.unmask": ACTION_LABELS[Action.VIEW_ID],
    "notice.view": "查看通知公告",
    "notice.publish": "发布、修改或撤回通知公告",
    "staff.view": "查看人员基础信息",
    "staff.edit": "维护人员基础信息",
    "district_report.view": "查看区县监督上报",
    "district_report.submit": "上报区县监督情况",
    "implementation.view": "查看监督落实完成情况",
    "implementation.submit": "上报监督落实完成情况",
    "statistics.view": "查看问题统计",
    "statistics.archive": "归档问题统计",
    "scoring.view": "查看考核评分",
    "scoring.extra": "录入额外得分",
    "package.export": "导出纪检监察数据包",
    "users.admin": "管理用户",
    "log.review": "日志审查",
    "documents.verify": "核验文档库",
    "annuity_report.view": "查看年金报表",
    "annuity_report.submit": "报送年金报表",
    "annuity_report.review": "审核年金报表",
}
"""Every action name and its Chinese name."""

ADMIN_ONLY_ZH = "只有综合管理人员可以执行此操作"
CITY_ONLY_ZH = "只有市级处理人或审核人可以执行此操作"
NOT_VISIBLE_ZH = "问题不存在或无权查看"
CITY_LEVEL_ZH = "市级问题由市基金监督处办理，区县角色不能操作"
OTHER_DISTRICT_ZH = "只能查看或办理本区县的数据"
NO_DISTRICT_ZH = "您的账号未设置所属区县，不能执行此操作"
NO_INSTITUTION_ZH = "您的账号未关联年金机构，不能执行此操作"
OTHER_INSTITUTION_ZH = "只能查看或报送本机构的年金报表"
NO_ROLE_ZH = "您的角色不能执行此操作"


@dataclass(frozen=True)
class Target:
    """What an action is on: its kind ("problem", "notice", "staff", "district_report",
    "implementation", "statistics", "scoring", "package", "users", "log", "documents",
    "annuity_report"), and where it matters its district, its state (a ``ProblemState`` value
    for problems) and its annuity institution."""

    kind: str
    district_code: str | None = None
    state: str | None = None
    institution: str | None = None


class Decision(NamedTuple):
    allowed: bool
    reason: str  # Chinese, "" when allowed


ALLOW = Decision(True, "")


def _deny(reason: str) -> Decision:
    return Decision(False, reason)


# ----------------------------------------------------------------------------- scopes
def _own_district(account: Account) -> str | None:
    """The district a district role of ``account`` works in (None: none valid)."""
    code = account.district_code
    return code if code in DISTRICTS else None


def institution_of(account: Account) -> str | None:
    """The annuity institution (USCC) an ``annuity_reporter`` account is bound to; None until
    the account carries one (then the reporter may do nothing)."""
    value = getattr(account, "institution", None)
    return str(value) if value else None


def _district_ok(role: Role, account: Account, district: str | None) -> str:
    """"" when ``role`` of ``account`` covers ``district`` (None: some district), else why not."""
    if role in CITY_ROLES:
        return ""
    if role in DISTRICT_ROLES:
        own = _own_district(account)
        if own is None:
            return NO_DISTRICT_ZH
        if district is None or district == own:
            return ""
        return CITY_LEVEL_ZH if district == CITY_CODE else OTHER_DISTRICT_ZH
    return ""  # admin and annuity_reporter rules carry no district


def _institution_ok(account: Account, institution: str | None) -> str:
    own = institution_of(account)
    if own is None:
        return NO_INSTITUTION_ZH
    if institution is None or institution == own:
        return ""
    return OTHER_INSTITUTION_ZH


def _first(account: Account, roles: frozenset[Role], check: Callable[[Role], str], refused: str) -> Decision:
    """Allowed when one of ``account``'s roles in ``roles`` passes ``check`` (its reason "");
    otherwise the reason of the first held role that failed, or ``refused`` if none is held."""
    reasons = []
    for role in sorted(account.roles & roles):
        why = check(role)
        if not why:
            return ALLOW
        reasons.append(why)
    return _deny(reasons[0] if reasons else refused)


# ----------------------------------------------------------------------------- rules
def unmask_roles() -> frozenset[Role]:
    """The roles that may see full ID numbers (parameters/office.yaml ``unmask_roles``)."""
    from workbench import params

    return frozenset(Role(r) for r in params.load("office")["unmask_roles"])


def _state(target: Target | None) -> ProblemState | None:
    if target is None or target.state is None:
        return None
    return ProblemState(target.state)


def _problem_view(account: Account, target: Target | None) -> Decision:
    district = target.district_code if target else None
    return _first(account, OFFICE_ROLES, lambda r: _district_ok(r, account, district), NOT_VISIBLE_ZH)


def _levels(target: Target | None) -> tuple[bool, ...]:
    if target is None or target.district_code is None:
        return (False, True)
    return (target.district_code == CITY_CODE,)


def _workflow(account: Account, action: Action, target: Target | None) -> Decision:
    """A transition (or any-open action) of the state table."""
    label = ACTION_LABELS[action]
    seen = _problem_view(account, target) if target and target.district_code else ALLOW
    if not seen.allowed:
        return seen
    state = _state(target)
    roles: set[Role] = set()
    for city_level in _levels(target):
        states = [state] if state is not None else list(ProblemState)
        for s in states:
            if action in allowed_actions(s, city_level):
                roles |= {Role(r) for r in transition(s, action, city_level).roles}
    if not roles:
        shown = state.label if state is not None else ""
        return _deny(f"该问题当前状态（{shown}）不能执行“{label}”")
    district = target.district_code if target else None
    return _first(account, frozenset(roles), lambda r: _district_ok(r, account, district),
                  f"您无权对该问题执行“{label}”")


def _finding(account: Account, target: Target | None) -> Decision:
    """核查结果: whoever may submit the findings from the problem's state."""
    decision = _workflow(account, Action.SUBMIT, target)
    if decision.allowed:
        return decision
    city = target is not None and target.district_code == CITY_CODE
    if not _problem_view(account, target).allowed:
        return _problem_view(account, target)
    if city:
        return _deny("只有市级处理人在“市级处理中”状态下可以录入核查结果")
    return _deny("只有本区县处理人在“区县处理中”状态下可以录入核查结果")


def _attach(account: Account, target: Target | None) -> Decision:
    seen = _problem_view(account, target)
    if not seen.allowed:
        return seen
    state = _state(target)
    if state is not None and not state.is_open:
        return _deny("已办结的问题不能再上传附件")
    return ALLOW


def _unmask(account: Account, target: Target | None) -> Decision:
    seen = _problem_view(account, target)
    if not seen.allowed:
        return seen
    return ALLOW if frozenset(account.roles) & unmask_roles() else _deny("您的角色不能查看完整身份号码")


def _roles(roles: frozenset[Role], refused: str) -> Callable[[Account, Target | None], Decision]:
    """Held one of ``roles``, no further scope."""
    def rule(account: Account, target: Target | None) -> Decision:
        return ALLOW if account.roles & roles else _deny(refused)
    return rule


def _districts_rule(roles: frozenset[Role], refused: str) -> Callable[[Account, Target | None], Decision]:
    """Held one of ``roles`` covering the target's district."""
    def rule(account: Account, target: Target | None) -> Decision:
        district = target.district_code if target else None
        return _first(account, roles, lambda r: _district_ok(r, account, district), refused)
    return rule


def _annuity(with_admin: bool) -> Callable[[Account, Target | None], Decision]:
    def rule(account: Account, target: Target | None) -> Decision:
        if with_admin and Role.ADMIN in account.roles:
            return ALLOW
        if Role.ANNUITY_REPORTER in account.roles:
            why = _institution_ok(account, target.institution if target else None)
            return _deny(why) if why else ALLOW
        return _deny(NO_ROLE_ZH)
    return rule


ADMIN = frozenset({Role.ADMIN})
SUBMIT_ZH = "只有本区县的处理人或审核人可以上报本区县的数据"

RULES: dict[str, Callable[[Account, Target | None], Decision]] = {
    "problem.view": _problem_view,
    "problem.finding": _finding,
    "problem.comment": _problem_view,
    "problem.attach": _attach,
    "problem.unmask": _unmask,
    "notice.view": lambda account, target: ALLOW if account.roles else _deny(NO_ROLE_ZH),
    "notice.publish": _roles(ADMIN, ADMIN_ONLY_ZH),
    "staff.view": _districts_rule(ADMIN | OFFICE_ROLES, NO_ROLE_ZH),
    "staff.edit": _roles(ADMIN, ADMIN_ONLY_ZH),
    "district_report.view": _districts_rule(OFFICE_ROLES, NO_ROLE_ZH),
    "district_report.submit": _districts_rule(DISTRICT_ROLES, SUBMIT_ZH),
    "implementation.view": _districts_rule(OFFICE_ROLES, NO_ROLE_ZH),
    "implementation.submit": _districts_rule(DISTRICT_ROLES, SUBMIT_ZH),
    "statistics.view": _districts_rule(OFFICE_ROLES, NO_ROLE_ZH),
    "statistics.archive": _roles(CITY_ROLES, CITY_ONLY_ZH),
    "scoring.view": _districts_rule(OFFICE_ROLES, NO_ROLE_ZH),
    "scoring.extra": _roles(CITY_ROLES, CITY_ONLY_ZH),
    "package.export": _roles(CITY_ROLES, "只有市级处理人或审核人可以导出纪检监察数据包"),
    "users.admin": _roles(ADMIN, ADMIN_ONLY_ZH),
    "log.review": _roles(ADMIN, ADMIN_ONLY_ZH),
    "documents.verify": _roles(ADMIN, ADMIN_ONLY_ZH),
    "annuity_report.view": _annuity(with_admin=True),
    "annuity_report.submit": _annuity(with_admin=True),
    "annuity_report.review": _roles(ADMIN, ADMIN_ONLY_ZH),
}
for _a in WORKFLOW_ACTIONS:
    RULES[f"problem.{_a.value}"] = (lambda a: lambda account, target: _workflow(account, a, target))(_a)
assert set(RULES) == set(ACTIONS), set(RULES) ^ set(ACTIONS)


# ----------------------------------------------------------------------------- API
def decide(account: Account, action: str, target: Target | None = None) -> Decision:
    """Whether ``account`` may take ``action`` (a name of ``ACTIONS``) on ``target`` (None:
    on some object), with the Chinese reason when not."""
    try:
        rule = RULES[action]
    except KeyError:
        raise ValueError(f"unknown access action {action!r}") from None
    return rule(account, target)


def require(account: Account, action: str, target: Target | None = None, **context: object) -> None:
    """``PermissionDenied`` (English for the log and CLI, the Chinese reason in ``zh``, and
    ``context`` such as the object's id) unless ``decide`` allows it."""
    allowed, reason = decide(account, action, target)
    if not allowed:
        where = ""
        if target is not None:
            parts = [f"{k}={v}" for k, v in (("district", target.district_code), ("state", target.state),
                                              ("institution", target.institution)) if v]
            where = f" on {target.kind}" + (f" ({', '.join(parts)})" if parts else "")
        raise PermissionDenied(f"{account.username} may not {action}{where}", reason, action=action, **context)


def district_scope(account: Account, column: Any) -> ColumnElement[bool]:
    """The WHERE of the rows, by a district ``column``, that ``account`` may see: every row
    for a city role, its district's rows for a district role, none otherwise (admins see no
    problems; staff rules differ: ``staff_scope``)."""
    if account.roles & CITY_ROLES:
        return true()
    own = _own_district(account) if account.roles & DISTRICT_ROLES else None
    return column == own if own else false()


def staff_scope(account: Account, column: Any) -> ColumnElement[bool]:
    """The staff rows ``account`` may read: admins and city roles all, district roles their own."""
    if Role.ADMIN in account.roles:
        return true()
    return district_scope(account, column)


def problem_scope(account: Account) -> ColumnElement[bool]:
    """The WHERE of the problems ``account`` may see (``problem.view``)."""
    from workbench.office.models import Problem

    return district_scope(account, Problem.__table__.c.district_code)


def districts(account: Account, *, city_level: bool = False) -> tuple[str, ...]:
    """The district codes whose data ``account`` may see: the 17 districts for a city role, its
    own for a district role, none otherwise; with ``city_level`` the city level (110000) too
    for a city role (problems of the city level; it has no scores or district reports)."""
    if account.roles & CITY_ROLES:
        return (*DISTRICTS, CITY_CODE) if city_level else tuple(DISTRICTS)
    own = _own_district(account) if account.roles & DISTRICT_ROLES else None
    return (own,) if own else ()


def roles_for(action: str) -> frozenset[Role]:
    """The roles that may take ``action`` on some object (page registry, help texts)."""
    if action not in RULES:
        raise ValueError(f"unknown access action {action!r}")
    out = set()
    for role in Role:
        probe = _Probe(role)
        if decide(probe, action).allowed:  # type: ignore[arg-type]
            out.add(role)
    return frozenset(out)


@dataclass(frozen=True)
class _Probe:
    """A stand-in account holding one role with a valid scope (``roles_for``)."""

    role: Role
    username: str = "probe"
    district_code: str | None = None
    institution: str | None = "probe"

    def __post_init__(self) -> None:
        if self.role in DISTRICT_ROLES:
            object.__setattr__(self, "district_code", next(iter(DISTRICTS)))

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset({self.role})

    def has(self, *roles: Role) -> bool:
        return self.role in roles
