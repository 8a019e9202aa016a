"""Log review (日志审查): search the hash-chained action log and verify its chain, admins only.

``search`` filters by actor, action, date range (local calendar days, both ends included)
and target (a prefix: ``problem:12`` or ``problem:``), newest first, one page at a time:
the filtering, counting and paging happen in SQL (indexes ``(actor, at)`` and
``(action, at)``), so a long log stays fast. What it returns is masked (``workbench.masking``:
ID numbers in actors, targets and details, e.g. a failed login typed with one), the log
itself keeps what happened.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select, true

from workbench.errors import OfficeError
from workbench.masking import mask_row, mask_text
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.actionlog import Action, Verification
from workbench.office.admin import require_admin
from workbench.office.models import ActionLog

LOG = ActionLog.__table__
PAGE_SIZE = 50
MAX_PAGE = 500

ACTION_LABELS: dict[str, str] = {
    Action.LOGIN: "登录",
    Action.LOGIN_FAILED: "登录失败",
    Action.LOGOUT: "退出",
    Action.VIEW_ID: "查看完整证件号码",
    Action.TRANSITION: "问题流转",
    Action.COMMENT: "评论",
    Action.ATTACH: "附件",
    Action.EXPORT: "导出",
    Action.USER_ADD: "新增用户",
    Action.USER_CHANGE: "修改用户",
    # names other parts of the office log (looked up by value: absent names show as their code)
    "extra_score": "加减分",
    "statistics_archive": "统计归档",
    "notice": "通知公告",
    "staff_change": "人员信息",
    "district_report": "区县监督报告",
    "implementation_status": "落实情况",
}


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


@dataclass(frozen=True)
class LogFilter:
    actor: str | None = None
    action: str | None = None
    since: date | None = None   # first local day included
    until: date | None = None   # last local day included
    target: str | None = None   # prefix


def _start_of(day: date) -> datetime:
    """Local midnight of ``day`` in UTC (the log stores UTC)."""
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return {"detail": text}
    return value if isinstance(value, dict) else {"detail": value}


def search(account: Account, f: LogFilter = LogFilter(), *, limit: int = PAGE_SIZE, offset: int = 0,
           url: str | None = None) -> tuple[list[LogEntry], int]:
    """One page of the log records matching ``f``, newest first, and how many match."""
    require_admin(account, "review the action log")
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
        cond.append(LOG.c.at >= _start_of(f.since))
    if f.until:
        cond.append(LOG.c.at < _start_of(f.until + timedelta(days=1)))
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

    require_admin(account, "verify the action log")
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
