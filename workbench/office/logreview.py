"""Log review (日志审查): search the hash-chained action log and verify its chain
(``log.review``, workbench.access: admins).

``search`` filters by actor, action, date range (local calendar days, both ends included)
and target (a prefix: ``problem:12`` or ``problem:``), newest first, one page at a time:
the filtering, counting and paging happen in SQL (indexes ``(actor, at)`` and
``(action, at)``), so a long log stays fast. What it returns is masked (``workbench.masking``:
ID numbers in actors, targets and details, e.g. a failed login typed with one), the log
itself keeps what happened.

``detail_zh`` puts a record's detail in words for the page: Chinese labels for its keys
(``problem_action`` 操作, ``from_state`` 原状态, ...), states, actions, districts, roles,
conclusions and the other codes by their Chinese labels, amounts in 元, dates as local days,
lists of problems by their number; ``target_zh`` names the record's object (``problem:12`` 问题 12).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, true

from workbench import access, money, times
from workbench.districts import NAMES
from workbench.errors import OfficeError
from workbench.masking import mask_row, mask_text
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.actionlog import Verification
from workbench.office.district_reports import Rectification
from workbench.office.findings import Conclusion
from workbench.office.models import ActionLog
from workbench.office.roles import Role
from workbench.office.staff import StaffCategory
from workbench.office.states import ACTION_LABELS as PROBLEM_ACTION_LABELS
from workbench.office.states import LOG_ACTIONS, Action, ProblemState

LOG = ActionLog.__table__
TARGET = access.Target("log")
PAGE_SIZE = 50
MAX_PAGE = 500

# The log's actions by their one label (states.Action): the log page's filter and its rows.
ACTION_LABELS: dict[str, str] = {a.value: a.label for a in LOG_ACTIONS}


@dataclass(frozen=True)
class LogEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    district_code: str | None
    detail: dict[str, Any]

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    @property
    def target_label(self) -> str:
        return target_zh(self.target)

    @property
    def detail_pairs(self) -> list[tuple[str, str]]:
        return detail_zh(self.detail)


@dataclass(frozen=True)
class LogFilter:
    actor: str | None = None
    action: str | None = None
    since: date | None = None   # first local day included
    until: date | None = None   # last local day included
    target: str | None = None   # prefix


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"detail": text}
    return value if isinstance(value, dict) else {"detail": value}


def search(account: Account, f: LogFilter = LogFilter(), *, limit: int = PAGE_SIZE, offset: int = 0,
           url: str | None = None) -> tuple[list[LogEntry], int]:
    """One page of the log records matching ``f``, newest first, and how many match."""
    access.require(account, "log.review", TARGET)
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise OfficeError(f"bad page: limit {limit}, offset {offset}", "分页参数无效")
    if f.since and f.until and f.since > f.until:
        raise OfficeError("the start date is after the end date", "开始日期晚于结束日期")
    cond = [true()]
    if f.actor and f.actor.strip():
        cond.append(LOG.c.actor == f.actor.strip())
    if f.action and f.action.strip():
        cond.append(LOG.c.action == f.action.strip())
    if f.since:
        cond.append(LOG.c.at >= times.start_of(f.since))
    if f.until:
        cond.append(LOG.c.at < times.start_of(f.until + timedelta(days=1)))
    if f.target and f.target.strip():
        cond.append(LOG.c.target.startswith(f.target.strip(), autoescape=True))
    where = and_(*cond)
    cols = [LOG.c.id, LOG.c.at, LOG.c.actor, LOG.c.action, LOG.c.target, LOG.c.district_code, LOG.c.detail_json]
    with db.ready(url).connect() as conn:
        total = conn.execute(select(func.count()).select_from(LOG).where(where)).scalar_one()
        rows = conn.execute(select(*cols).where(where).order_by(LOG.c.id.desc()).limit(limit).offset(offset)).all()
    return [LogEntry(r.id, r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC), mask_text(r.actor), r.action,
                     None if r.target is None else mask_text(r.target), r.district_code,
                     mask_row(_detail(r.detail_json))) for r in rows], int(total)


def verify(account: Account, *, url: str | None = None) -> Verification:
    """Walk the whole chain (``actionlog.verify``) and, when it holds, reconcile the office's
    business state with it (``reconcile.reconcile``), as ``workbench log verify`` does."""
    from workbench.office.reconcile import reconcile

    access.require(account, "log.review", TARGET)
    with db.ready(url).connect() as conn:
        result = actionlog.verify(conn)
        if result.ok:
            result.discrepancies = reconcile(conn)
        return result


def verification_zh(v: Verification) -> str:
    """The result of ``verify`` in Chinese."""
    if v.ok:
        return f"日志链完整：共 {v.records} 条记录，均未被修改或删除；业务数据与日志一致"
    if v.discrepancies:
        shown = "；".join(v.discrepancies[:5]) + ("……" if len(v.discrepancies) > 5 else "")
        return f"日志链完整，但有 {len(v.discrepancies)} 处业务数据与日志不符（被直接修改）：{shown}"
    if v.broken_at is not None:
        return (f"日志链已被破坏：第 {v.broken_at} 号记录校验失败（记录在写入后被修改，"
                f"或其前面的记录被删除、插入或调换）。详情：{v.reason}")
    if "key" in v.reason:
        return f"无法校验日志：日志密钥文件缺失（{v.reason}）"
    if v.anchor is not None and v.anchor > v.database_end:
        return (f"日志链已被破坏：库外锚点记到第 {v.anchor} 号记录，数据库只到第 {v.database_end} 号"
                f"（{'日志被清空' if v.database_end == 0 else '最新的记录被删除'}）")
    return f"日志链已被破坏：{v.reason}"


# ------------------------------------------------------------------ details in words
KEY_LABELS: dict[str, str] = {
    "problem_action": "操作", "from_state": "原状态", "to_state": "新状态", "state": "状态", "opinion": "意见",
    "from_district": "原区县", "to_district": "新区县", "requested_deadline": "申请的新期限",
    "new_deadline": "新期限", "change": "变更", "period": "期间", "version": "版本", "title": "标题",
    "reason": "原因", "name": "姓名", "unit": "单位", "position": "职务", "phone": "联系电话",
    "category": "人员类别", "score": "额外得分", "roles": "角色", "display_name": "显示名称", "enabled": "启用",
    "address": "来源地址", "cells": "归档的统计单元数", "problems": "问题", "amount": "问题金额", "kind": "类型",
    "files": "文件", "manifest_sha256": "清单校验值（SHA-256）", "conclusion": "核查结论",
    "amount_involved": "涉及金额", "amount_recovered": "追回金额", "fines": "罚款", "rectification": "整改情况",
    "inspections": "检查次数", "problems_found": "发现问题数", "fund_losses_found": "发现基金损失金额",
    "problems_handled": "已处理问题数", "losses_recovered": "追回损失金额", "fines_recovered": "收缴罚款金额",
    "persons_punished": "处理处罚人数", "comment_id": "评论编号", "filename": "文件名",
    "sha256": "文件校验值（SHA-256）", "size": "大小", "subject_type": "对象类型", "columns": "显示的列",
    "purpose": "查看目的", "run_id": "运行编号", "created": "新建问题", "reopened": "重新发现并新建的问题",
    "moved": "改派区县的问题", "ended_sessions": "结束的会话",
    "findings": "核查结果", "users": "用户", "detail": "详情", "username": "用户名", "district_code": "区县",
}
CHANGE_LABELS = {"publish": "发布", "update": "修改", "withdraw": "撤回", "add": "新增", "delete": "删除",
                 "submit": "上报", "disable": "停用", "enable": "启用", "reset_password": "重置密码",
                 "roles": "修改角色", "change_password": "修改密码"}
SUBJECT_LABELS = {"person": "人员", "unit": "单位", "district": "区县"}
REASON_LABELS = {  # why a login failed (accounts.login); any other reason (an extra score's) is free text
    "unknown user": "用户不存在", "wrong password": "密码错误", "disabled": "用户已停用",
    "address throttled": "该地址尝试过于频繁，已暂时拒绝", "pair throttled": "该用户在该地址尝试过于频繁，已暂时拒绝",
    "wrong current password on a password change": "修改密码时原密码错误"}
TARGET_LABELS = {"problem": "问题", "notice": "通知公告", "staff": "人员信息", "district_report": "区县监督上报",
                 "implementation": "落实情况", "score": "考核评分", "period": "统计期间", "package": "纪检监察数据包",
                 "run": "指标运行"}
AMOUNT_KEYS = frozenset({"amount", "amount_involved", "amount_recovered", "fines", "fund_losses_found",
                         "losses_recovered", "fines_recovered"})
DATE_KEYS = frozenset({"requested_deadline", "new_deadline"})
PACKED_KEYS = frozenset({"created", "reopened", "moved"})
_CODES: dict[str, Any] = {
    "problem_action": lambda v: PROBLEM_ACTION_LABELS[Action(v)],
    "from_state": lambda v: ProblemState(v).label, "to_state": lambda v: ProblemState(v).label,
    "state": lambda v: ProblemState(v).label,
    "from_district": lambda v: NAMES[v], "to_district": lambda v: NAMES[v], "district_code": lambda v: NAMES[v],
    "change": lambda v: CHANGE_LABELS[v], "conclusion": lambda v: Conclusion(v).label,
    "rectification": lambda v: Rectification(v).label, "category": lambda v: StaffCategory(v).label,
    "subject_type": lambda v: SUBJECT_LABELS[v], "reason": lambda v: REASON_LABELS.get(v, v),
}


def _yes(value: bool) -> str:
    return "是" if value else "否"


def _count(packed: Any) -> str:
    """How many problems a packed list (``reconcile.pack``) names."""
    try:
        if "pairs" in packed:
            return f"{len(packed['pairs'])} 个"
        return f"{sum(int(b) - int(a) + 1 for a, b in packed['ids'])} 个"
    except (KeyError, TypeError, ValueError):
        return _plain(packed)


def _plain(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _yes(value)
    if isinstance(value, list | tuple):
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items()) or "—"
    return str(value)


def _role(value: Any) -> str:
    try:
        return Role(value).label
    except ValueError:
        return str(value)


def value_zh(key: str, value: Any) -> str:
    """One detail value in words (codes by their labels; an unknown code as it is)."""
    if value is None:
        return "—"
    try:
        if key in _CODES:
            return _CODES[key](value)
        if key in AMOUNT_KEYS:
            return f"{money.text(value)} 元"
        if key in DATE_KEYS:
            return times.day_text(datetime.fromisoformat(str(value)))
    except (KeyError, ValueError, ArithmeticError, TypeError):
        return _plain(value)
    if key in PACKED_KEYS:
        return _count(value)
    if key == "roles":
        return "、".join(_role(r) for r in value) if isinstance(value, list) else _role(value)
    if key == "enabled":
        return _yes(bool(value))
    if key == "files" and isinstance(value, dict):
        return "；".join(f"{name} {rows} 行" for name, rows in value.items()) or "—"
    if key == "size" and isinstance(value, int):
        return f"{value:,} 字节"
    if key == "problems" and isinstance(value, dict):  # a baseline: problems per state
        return "；".join(f"{value_zh('state', st)} {_count(p)}" for st, p in value.items()) or "—"
    if key in ("findings", "users") and isinstance(value, dict):
        return f"{len(value)} 个"
    if key == "columns" and isinstance(value, list):
        return "、".join("对象" if c == "subject" else str(c) for c in value) or "—"
    return _plain(value)


def detail_zh(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """A log record's detail (as ``search`` returns it: already masked) as Chinese
    (label, value) pairs, in the record's order; a key without a label keeps its name, and
    every value is masked once more (a code's label never holds an ID number, free text may)."""
    return [(KEY_LABELS.get(k, k), mask_text(value_zh(k, v))) for k, v in detail.items()]


def target_zh(target: str | None) -> str:
    """``problem:12`` as ``问题 12``; a target of no known kind (a user name) as it is."""
    if not target:
        return "—"
    kind, sep, rest = target.partition(":")
    if sep and kind in TARGET_LABELS:
        return f"{TARGET_LABELS[kind]} {rest}".strip()
    return target
