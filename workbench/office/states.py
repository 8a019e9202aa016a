"""Problem states (workflow.md, 疑似问题) and the transitions allowed between them.

The stored value of a state is its ASCII code (portable column, stable in URLs and
exports); ``label`` is the Chinese name shown to people. ``TRANSITIONS`` is the table of
workflow.md: (from state, action) -> (to state, roles allowed), for district problems and,
in ``CITY_TRANSITIONS``, for problems of the city level (subject district 110000: the city
office handles and approves them, no district steps). Actions applicable to any open state
(reassign, escalate, deferral) are in ``ANY_OPEN`` (both levels). ``transition(state, action,
city_level)`` is the one lookup. Who may take a transition on which problem (roles, district
scope) is decided by ``workbench.access``; applying it (opinion required, event appended) is
the workflow service's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workbench.districts import CITY_CODE


class ProblemState(StrEnum):
    PENDING = "pending"                    # 待处理 (issued by the monthly run)
    DISTRICT_HANDLING = "district_handling"  # 区县处理中
    DISTRICT_REVIEW = "district_review"    # 区县待审核
    CITY_HANDLING = "city_handling"        # 市级处理中 (city-level problems only)
    CITY_REVIEW = "city_review"            # 市级待审核
    CITY_APPROVAL = "city_approval"        # 市级待审批
    CLOSED = "closed"                      # 已办结

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_open(self) -> bool:
        return self is not ProblemState.CLOSED

    @classmethod
    def from_label(cls, label: str) -> ProblemState:
        for state, text in LABELS.items():
            if text == label or state.value == label:
                return state
        raise ValueError(f"unknown problem state {label!r}")


LABELS: dict[ProblemState, str] = {
    ProblemState.PENDING: "待处理",
    ProblemState.DISTRICT_HANDLING: "区县处理中",
    ProblemState.DISTRICT_REVIEW: "区县待审核",
    ProblemState.CITY_HANDLING: "市级处理中",
    ProblemState.CITY_REVIEW: "市级待审核",
    ProblemState.CITY_APPROVAL: "市级待审批",
    ProblemState.CLOSED: "已办结",
}

OPEN_STATES: tuple[ProblemState, ...] = tuple(s for s in ProblemState if s.is_open)


class Action(StrEnum):
    """The office's one action vocabulary: what happens to a problem (the ``action`` column of
    ``problem_event``, ``PROBLEM_EVENTS``) and what the action log records (the ``action``
    column of ``action_log``, ``LOG_ACTIONS``). A problem event is logged as ``log_action``
    (a state change as ``TRANSITION``). Stored values never change: the log's MACs cover them."""

    # problem events
    PUBLISHED = "published"        # created by a run (system)
    REDETECTED = "redetected"      # an open problem detected again (system)
    REOPENED = "reopened"          # a closed problem detected again: new problem linked to it (system)
    START = "start"                # 开始处理
    SUBMIT = "submit"              # 提交核查结果
    APPROVE = "approve"            # 审核通过 / 审批通过
    RETURN = "return"              # 退回 (opinion required)
    ACCEPT = "accept"              # 市级受理
    REASSIGN = "reassign"          # 协调委派
    ESCALATE = "escalate"          # 上传监察局 (requested)
    APPROVE_ESCALATION = "approve_escalation"
    REFUSE_ESCALATION = "refuse_escalation"  # opinion required
    REQUEST_DEFERRAL = "request_deferral"  # 缓缴申请
    GRANT_DEFERRAL = "grant_deferral"
    REFUSE_DEFERRAL = "refuse_deferral"    # opinion required
    COMMENT = "comment"            # 意见交流 (a problem event and a log record)
    ATTACH = "attach"
    VIEW_ID = "view_id"            # unmasked ID number viewed
    FINDING = "finding"            # 核查结果 recorded or changed
    # action-log records
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    UNMASKED_VIEW = "view_unmasked_id"  # the log record of VIEW_ID
    TRANSITION = "transition"           # the log record of a problem's workflow step or finding
    ATTACHMENT = "attachment"           # the log record of ATTACH
    EXPORT = "export"
    USER_ADD = "user_add"
    USER_CHANGE = "user_change"
    EXTRA_SCORE = "extra_score"
    ARCHIVE = "statistics_archive"
    NOTICE = "notice"
    STAFF = "staff_change"
    DISTRICT_REPORT = "district_report"
    IMPLEMENTATION = "implementation_status"
    PUBLICATION = "publication"
    BASELINE = "log_baseline"  # what the office held when the log began to witness it (migration 0011)

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]

    @property
    def log_action(self) -> Action:
        """The action-log record of a problem event."""
        return _LOGGED_AS.get(self, Action.TRANSITION)


PROBLEM_EVENTS: tuple[Action, ...] = tuple(Action)[:tuple(Action).index(Action.FINDING) + 1]
LOG_ACTIONS: tuple[Action, ...] = (Action.COMMENT, *tuple(Action)[tuple(Action).index(Action.LOGIN):])
_LOGGED_AS = {Action.VIEW_ID: Action.UNMASKED_VIEW, Action.COMMENT: Action.COMMENT, Action.ATTACH: Action.ATTACHMENT}


SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    source: ProblemState
    action: Action
    target: ProblemState
    roles: tuple[str, ...]
    opinion_required: bool = False


S, A = ProblemState, Action

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.PENDING, A.START, S.DISTRICT_HANDLING, ("district_handler",)),
    Transition(S.DISTRICT_HANDLING, A.SUBMIT, S.DISTRICT_REVIEW, ("district_handler",)),
    Transition(S.DISTRICT_REVIEW, A.APPROVE, S.CITY_REVIEW, ("district_reviewer",)),
    Transition(S.DISTRICT_REVIEW, A.RETURN, S.DISTRICT_HANDLING, ("district_reviewer",), opinion_required=True),
    Transition(S.CITY_REVIEW, A.ACCEPT, S.CITY_APPROVAL, ("city_handler",)),
    Transition(S.CITY_REVIEW, A.RETURN, S.DISTRICT_HANDLING, ("city_handler",), opinion_required=True),
    Transition(S.CITY_APPROVAL, A.APPROVE, S.CLOSED, ("city_reviewer",)),
    Transition(S.CITY_APPROVAL, A.RETURN, S.CITY_REVIEW, ("city_reviewer",), opinion_required=True),
)
"""The district rows of workflow.md (a problem of one of the 17 districts)."""

CITY_TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.PENDING, A.START, S.CITY_HANDLING, ("city_handler",)),
    Transition(S.CITY_HANDLING, A.SUBMIT, S.CITY_APPROVAL, ("city_handler",)),
    Transition(S.CITY_APPROVAL, A.APPROVE, S.CLOSED, ("city_reviewer",)),
    Transition(S.CITY_APPROVAL, A.RETURN, S.CITY_HANDLING, ("city_reviewer",), opinion_required=True),
)
"""The city-level rows of workflow.md (a problem of subject district 110000)."""

# Actions on any open problem: (action, resulting state or None = unchanged, roles, opinion required).
ANY_OPEN: tuple[tuple[Action, ProblemState | None, tuple[str, ...], bool], ...] = (
    (A.REASSIGN, S.PENDING, ("city_handler",), False),           # 待处理 in the new district
    (A.ESCALATE, None, ("city_handler",), False),                # flagged, stays in the workflow
    (A.APPROVE_ESCALATION, None, ("city_reviewer",), False),
    (A.REFUSE_ESCALATION, None, ("city_reviewer",), True),
    (A.REQUEST_DEFERRAL, None, ("district_handler",), False),
    (A.GRANT_DEFERRAL, None, ("city_reviewer",), False),         # sets the new deadline
    (A.REFUSE_DEFERRAL, None, ("city_reviewer",), True),
)


def _table(rows: tuple[Transition, ...]) -> dict[tuple[ProblemState, Action], Transition]:
    out = {(t.source, t.action): t for t in rows}
    states = {t.source for t in rows} | {t.target for t in rows}
    for state in (s for s in OPEN_STATES if s in states):
        for action, target, roles, opinion in ANY_OPEN:
            out[(state, action)] = Transition(state, action, target or state, roles, opinion)
    return out


ALLOWED: dict[tuple[ProblemState, Action], Transition] = _table(TRANSITIONS)
"""(state, action) -> transition for district problems."""
CITY_ALLOWED: dict[tuple[ProblemState, Action], Transition] = _table(CITY_TRANSITIONS)
"""(state, action) -> transition for city-level problems (110000)."""


def table(city_level: bool = False) -> dict[tuple[ProblemState, Action], Transition]:
    """The transitions of a district problem, or of a city-level one."""
    return CITY_ALLOWED if city_level else ALLOWED


def is_city_level(district_code: str | None) -> bool:
    """Whether a problem of ``district_code`` is of the city level (110000: the city office
    handles it; README, Districts)."""
    return district_code == CITY_CODE


def allowed_actions(state: ProblemState, city_level: bool = False) -> list[Action]:
    """The workflow actions possible from ``state`` (none from 已办结)."""
    return [action for (source, action) in table(city_level) if source is state]


def transition(state: ProblemState, action: Action, city_level: bool = False) -> Transition:
    """The transition of ``action`` from ``state`` for a district problem or, with
    ``city_level``, a city-level one; ValueError naming both if not allowed."""
    try:
        return table(city_level)[(state, action)]
    except KeyError:
        possible = ", ".join(a.value for a in allowed_actions(state, city_level)) or "none"
        level = "city-level " if city_level else ""
        raise ValueError(f"action {action.value!r} is not allowed from {state.label} on a {level}problem "
                         f"(allowed: {possible})") from None


ACTION_LABELS: dict[Action, str] = {
    A.PUBLISHED: "发布", A.REDETECTED: "再次发现", A.REOPENED: "复发重开", A.START: "开始处理",
    A.SUBMIT: "提交核查结果", A.APPROVE: "通过", A.RETURN: "退回", A.ACCEPT: "市级受理",
    A.REASSIGN: "协调委派", A.ESCALATE: "申请上传监察局", A.APPROVE_ESCALATION: "批准上传监察局",
    A.REFUSE_ESCALATION: "不同意上传监察局", A.REQUEST_DEFERRAL: "缓办申请", A.GRANT_DEFERRAL: "批准缓办",
    A.REFUSE_DEFERRAL: "不予缓办", A.COMMENT: "意见交流", A.ATTACH: "上传附件", A.VIEW_ID: "查看完整身份号码",
    A.FINDING: "录入核查结果",
    A.LOGIN: "登录", A.LOGIN_FAILED: "登录失败", A.LOGOUT: "退出", A.UNMASKED_VIEW: "查看完整证件号码",
    A.TRANSITION: "问题流转", A.ATTACHMENT: "附件", A.EXPORT: "导出", A.USER_ADD: "新增用户",
    A.USER_CHANGE: "修改用户", A.EXTRA_SCORE: "加减分", A.ARCHIVE: "统计归档", A.NOTICE: "通知公告",
    A.STAFF: "人员信息", A.DISTRICT_REPORT: "区县监督报告", A.IMPLEMENTATION: "落实情况",
    A.PUBLICATION: "发布问题", A.BASELINE: "日志起点",
}

