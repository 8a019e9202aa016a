"""Office data kept beside the workflow (workflow.md): notices, staff base information,
district supervision reports, implementation status (models and services).

Permissions (checked here, on the server):

* notices (通知公告): admins publish, change and withdraw; every logged-in user reads.
* staff base information (人员基础信息): admins maintain; admins and city roles read all,
  district roles read their own district's staff.
* district supervision reports (区县监督上报) and implementation status (监督落实完成情况),
  one row per district and period: district handlers and reviewers of that district submit
  and change; city roles read every district; district roles read their own.

Every record carries a ``version``: a change names the version the user saw and is refused
with ``StaleEdit`` when someone else changed the record since. Every change is appended to
the action log in the same transaction. Money is ``Decimal`` with two decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    false,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from workbench import validators as v
from workbench.districts import CITY_CODE, DISTRICTS, NAMES
from workbench.errors import OfficeError, PermissionDenied, StaleEdit, UsageError
from workbench.money import parse as parse_money
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.models import ACTOR, AMOUNT, CODE, DISTRICT, PERIOD, Base, now
from workbench.office.roles import Role
from workbench.periods import check_period

# the fields of the forms (workbench.validators) and the column sizes that hold them
TITLE, NAME, UNIT, POSITION, PHONE = (v.TITLE.limit, v.PERSON_NAME.limit, v.UNIT.limit, v.POSITION.limit,
                                      v.PHONE.limit)
MAX_CONTENT = v.CONTENT.limit   # characters of a notice or a report summary
PHONE_RE = re.compile(r"^[0-9+][0-9 ()-]{5,30}$")
CITY_ROLES = (Role.CITY_HANDLER, Role.CITY_REVIEWER)
DISTRICT_ROLES = (Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER)


# ------------------------------------------------------------------ models
class Notice(Base):
    """通知公告: published by admins, read by everyone; withdrawn notices are kept, hidden."""

    __tablename__ = "office_notice"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE))
    content: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    author: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_office_notice_published_at", "published_at"),)


class StaffMember(Base):
    """人员基础信息: city office staff, district staff and administrators (city ones: 110000)."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    category: Mapped[str] = mapped_column(String(CODE))
    name: Mapped[str] = mapped_column(String(NAME))
    unit: Mapped[str] = mapped_column(String(UNIT))
    district_code: Mapped[str] = mapped_column(String(DISTRICT))
    position: Mapped[str] = mapped_column(String(POSITION))
    phone: Mapped[str] = mapped_column(String(PHONE))
    updated_by: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (Index("ix_staff_member_district_code", "district_code"),)


class DistrictReport(Base):
    """区县监督上报: one per district and period."""

    __tablename__ = "district_report"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(DISTRICT))
    period: Mapped[str] = mapped_column(String(PERIOD))
    summary: Mapped[str] = mapped_column(Text)
    amount_involved: Mapped[Decimal] = mapped_column(AMOUNT)
    amount_recovered: Mapped[Decimal] = mapped_column(AMOUNT)
    rectification: Mapped[str] = mapped_column(String(CODE))
    submitted_by: Mapped[str] = mapped_column(String(ACTOR))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_by: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("district_code", "period", name="uq_district_report_district_period"),
                      Index("ix_district_report_period", "period"))


class ImplementationStatus(Base):
    """监督落实完成情况: one per district and period."""

    __tablename__ = "implementation_status"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(DISTRICT))
    period: Mapped[str] = mapped_column(String(PERIOD))
    inspections: Mapped[int] = mapped_column(Integer)
    problems_found: Mapped[int] = mapped_column(Integer)
    fund_losses_found: Mapped[Decimal] = mapped_column(AMOUNT)
    problems_handled: Mapped[int] = mapped_column(Integer)
    losses_recovered: Mapped[Decimal] = mapped_column(AMOUNT)
    fines_recovered: Mapped[Decimal] = mapped_column(AMOUNT)
    persons_punished: Mapped[int] = mapped_column(Integer)
    submitted_by: Mapped[str] = mapped_column(String(ACTOR))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_by: Mapped[str] = mapped_column(String(ACTOR))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("district_code", "period", name="uq_implementation_status_district_period"),
                      Index("ix_implementation_status_period", "period"))


NOTICE, STAFF = Notice.__table__, StaffMember.__table__
REPORT, IMPL = DistrictReport.__table__, ImplementationStatus.__table__


class StaffCategory(StrEnum):
    CITY = "city_office"
    DISTRICT = "district"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"city_office": "市基金监督处人员", "district": "区县基金监督科人员",
                "admin": "综合管理人员"}[self.value]


class Rectification(StrEnum):
    DONE = "done"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"

    @property
    def label(self) -> str:
        return {"done": "已整改", "in_progress": "整改中", "not_started": "未整改"}[self.value]


# ------------------------------------------------------------------ validation
def count(value: int | str | None, zh: str) -> int:
    """A non-negative whole number (empty means 0)."""
    try:
        n = int(str("" if value is None else value).strip() or "0")
    except ValueError:
        raise OfficeError(f"{value!r} is not a whole number ({zh})", f"{zh}须为整数") from None
    if n < 0 or n > 2_000_000_000:
        raise OfficeError(f"{zh} out of range", f"{zh}须为非负整数")
    return n


def period_of(value: str | None) -> str:
    try:
        return check_period((value or "").strip())
    except UsageError:
        raise OfficeError(f"invalid period {value!r}: expected YYYYMM", "期间格式应为 YYYYMM，如 202406") from None


def _district(value: str | None) -> str:
    if value not in DISTRICTS:
        raise OfficeError(f"unknown district {value!r}", "请选择区县")
    return value


def _stale(kind: str, record_id: int | str, version: int | None) -> StaleEdit:
    return StaleEdit(f"{kind} {record_id} was changed by someone else since version {version}; reload it",
                     "该记录已被他人修改，请刷新后重试", record=f"{kind}:{record_id}")


def _bump(conn: Connection, table: Any, record_id: int, version: int, kind: str, values: dict[str, Any]) -> int:
    """Apply ``values`` if the record is still at ``version``; return the new version."""
    done = conn.execute(update(table).where(and_(table.c.id == record_id, table.c.version == version))
                        .values(**values, version=version + 1))
    if done.rowcount != 1:
        raise _stale(kind, record_id, version)
    return version + 1


def _require(ok: bool, en: str, zh: str) -> None:
    if not ok:
        raise PermissionDenied(en, zh)


# ------------------------------------------------------------------ notices
@dataclass(frozen=True)
class NoticeView:
    id: int
    title: str
    content: str
    published_at: datetime
    author: str
    version: int


def _notice_view(r: Any) -> NoticeView:
    return NoticeView(r.id, r.title, r.content, r.published_at, r.author, r.version)


def _notice_fields(title: str, content: str) -> dict[str, str]:
    return {"title": v.TITLE.clean(title), "content": v.CONTENT.clean(content)}


def _admin(account: Account, what: str) -> None:
    _require(account.has(Role.ADMIN), f"{account.username} may not {what}", "只有综合管理人员可以执行此操作")


def list_notices(account: Account, *, limit: int = 20, offset: int = 0,
                 url: str | None = None) -> tuple[list[NoticeView], int]:
    """One page of the published notices, newest first, and their number (everyone reads)."""
    where = NOTICE.c.withdrawn == 0
    with db.ready(url).connect() as conn:
        total = conn.execute(select(func.count()).select_from(NOTICE).where(where)).scalar_one()
        rows = conn.execute(select(NOTICE).where(where).order_by(NOTICE.c.published_at.desc(), NOTICE.c.id.desc())
                            .limit(limit).offset(offset)).all()
    return [_notice_view(r) for r in rows], int(total)


def publish_notice(account: Account, title: str, content: str, *, url: str | None = None) -> int:
    """Publish a notice (admins); return its id."""
    _admin(account, "publish notices")
    fields = _notice_fields(title, content)
    with db.ready(url).begin() as conn:
        at = now()
        nid = int(conn.execute(insert(NOTICE).values(**fields, published_at=at, updated_at=at, author=account.username,
                                                     withdrawn=0, version=1)).inserted_primary_key[0])
        actionlog.append(conn, account.username, actionlog.Action.NOTICE, f"notice:{nid}", None,
                         change="publish", title=fields["title"])
        return nid


def update_notice(account: Account, notice_id: int, version: int, title: str, content: str, *,
                  url: str | None = None) -> int:
    """Change a notice's title and content (admins); return its new version."""
    _admin(account, "change notices")
    fields = _notice_fields(title, content)
    with db.ready(url).begin() as conn:
        new = _bump(conn, NOTICE, notice_id, version, "notice", {**fields, "updated_at": now()})
        actionlog.append(conn, account.username, actionlog.Action.NOTICE, f"notice:{notice_id}", None,
                         change="update", title=fields["title"], version=new)
        return new


def withdraw_notice(account: Account, notice_id: int, version: int, *, url: str | None = None) -> None:
    """Withdraw a notice (admins): kept in the database, no longer listed."""
    _admin(account, "withdraw notices")
    with db.ready(url).begin() as conn:
        _bump(conn, NOTICE, notice_id, version, "notice", {"withdrawn": 1, "updated_at": now()})
        actionlog.append(conn, account.username, actionlog.Action.NOTICE, f"notice:{notice_id}", None,
                         change="withdraw")


# ------------------------------------------------------------------ staff base information
@dataclass(frozen=True)
class StaffInput:
    category: StaffCategory | str
    name: str
    unit: str
    position: str
    phone: str
    district_code: str | None = None  # district staff only; city staff and admins are 110000


@dataclass(frozen=True)
class StaffView:
    id: int
    category: StaffCategory
    name: str
    unit: str
    district_code: str
    district_name: str
    position: str
    phone: str
    version: int


def _staff_fields(s: StaffInput) -> dict[str, str]:
    try:
        category = StaffCategory(s.category)
    except ValueError:
        raise OfficeError(f"unknown staff category {s.category!r}", "请选择人员类别") from None
    district = _district(s.district_code) if category is StaffCategory.DISTRICT else CITY_CODE
    phone = v.PHONE.clean(s.phone)
    if not PHONE_RE.match(phone):
        raise OfficeError(f"{phone!r} is not a phone number", "联系电话格式不正确")
    return {"category": category.value, "name": v.PERSON_NAME.clean(s.name), "unit": v.UNIT.clean(s.unit),
            "position": v.POSITION.clean(s.position), "phone": phone, "district_code": district}


def _detail(fields: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in fields.items() if k != "district_code"}


def staff_visible(account: Account) -> ColumnElement[bool]:
    """The staff rows ``account`` may read."""
    if account.has(Role.ADMIN, *CITY_ROLES):
        return true()
    if account.has(*DISTRICT_ROLES) and account.district_code:
        return STAFF.c.district_code == account.district_code
    return false()


def list_staff(account: Account, *, district_code: str | None = None, url: str | None = None) -> list[StaffView]:
    """The staff ``account`` may see (optionally of one district), by district and name."""
    cond = [staff_visible(account)]
    if district_code:
        cond.append(STAFF.c.district_code == v.CODE_FILTER.clean(district_code))
    with db.ready(url).connect() as conn:
        rows = conn.execute(select(STAFF).where(and_(*cond))
                            .order_by(STAFF.c.district_code, STAFF.c.category, STAFF.c.name, STAFF.c.id)).all()
    return [StaffView(r.id, StaffCategory(r.category), r.name, r.unit, r.district_code,
                      NAMES.get(r.district_code, r.district_code), r.position, r.phone, r.version) for r in rows]


def add_staff(account: Account, s: StaffInput, *, url: str | None = None) -> int:
    """Add a staff member (admins); return the id."""
    _admin(account, "maintain staff information")
    fields = _staff_fields(s)
    with db.ready(url).begin() as conn:
        sid = int(conn.execute(insert(STAFF).values(**fields, updated_by=account.username, updated_at=now(),
                                                    version=1)).inserted_primary_key[0])
        actionlog.append(conn, account.username, actionlog.Action.STAFF, f"staff:{sid}", fields["district_code"],
                         change="add", **_detail(fields))
        return sid


def update_staff(account: Account, staff_id: int, version: int, s: StaffInput, *, url: str | None = None) -> int:
    """Change a staff member (admins); return the new version."""
    _admin(account, "maintain staff information")
    fields = _staff_fields(s)
    with db.ready(url).begin() as conn:
        new = _bump(conn, STAFF, staff_id, version, "staff",
                    {**fields, "updated_by": account.username, "updated_at": now()})
        actionlog.append(conn, account.username, actionlog.Action.STAFF, f"staff:{staff_id}",
                         fields["district_code"], change="update", **_detail(fields))
        return new


def delete_staff(account: Account, staff_id: int, version: int, *, url: str | None = None) -> None:
    """Remove a staff member (admins); the log keeps what was removed."""
    _admin(account, "maintain staff information")
    with db.ready(url).begin() as conn:
        row = conn.execute(select(STAFF).where(STAFF.c.id == staff_id)).first()
        done = conn.execute(delete(STAFF).where(and_(STAFF.c.id == staff_id, STAFF.c.version == version)))
        if row is None or done.rowcount != 1:
            raise _stale("staff", staff_id, version)
        actionlog.append(conn, account.username, actionlog.Action.STAFF, f"staff:{staff_id}", row.district_code,
                         change="delete", name=row.name, unit=row.unit, position=row.position)


# ------------------------------------------------------------------ district reports and implementation status
def district_visible(account: Account, table: Any) -> ColumnElement[bool]:
    """The district reports / implementation rows ``account`` may read."""
    if account.has(*CITY_ROLES):
        return true()
    if account.has(*DISTRICT_ROLES) and account.district_code:
        return table.c.district_code == account.district_code
    return false()


def may_submit(account: Account, district_code: str) -> bool:
    """Whether ``account`` may submit or change the district's reports and status."""
    return account.has(*DISTRICT_ROLES) and account.district_code == district_code


@dataclass(frozen=True)
class ReportInput:
    summary: str
    amount_involved: Decimal | str
    amount_recovered: Decimal | str
    rectification: Rectification | str


@dataclass(frozen=True)
class StatusInput:
    inspections: int | str
    problems_found: int | str
    fund_losses_found: Decimal | str
    problems_handled: int | str
    losses_recovered: Decimal | str
    fines_recovered: Decimal | str
    persons_punished: int | str


def _report_fields(r: ReportInput) -> dict[str, Any]:
    try:
        rect = Rectification(r.rectification)
    except ValueError:
        raise OfficeError(f"unknown rectification status {r.rectification!r}", "请选择整改情况") from None
    return {"summary": v.SUMMARY.clean(r.summary),
            "amount_involved": parse_money(r.amount_involved, "涉及金额"),
            "amount_recovered": parse_money(r.amount_recovered, "追回金额"), "rectification": rect.value}


def _status_fields(s: StatusInput) -> dict[str, Any]:
    return {"inspections": count(s.inspections, "检查次数"), "problems_found": count(s.problems_found, "发现问题数"),
            "fund_losses_found": parse_money(s.fund_losses_found, "发现基金损失金额"),
            "problems_handled": count(s.problems_handled, "已处理问题数"),
            "losses_recovered": parse_money(s.losses_recovered, "追回损失金额"),
            "fines_recovered": parse_money(s.fines_recovered, "收缴罚款金额"),
            "persons_punished": count(s.persons_punished, "处理处罚人数")}


KINDS: dict[str, tuple[Any, str]] = {"district_report": (REPORT, actionlog.Action.DISTRICT_REPORT),
                                     "implementation": (IMPL, actionlog.Action.IMPLEMENTATION)}


def _save(account: Account, kind: str, district_code: str, period: str, fields: dict[str, Any],
          version: int | None, url: str | None) -> int:
    table, log_action = KINDS[kind]
    district_code, period = _district(district_code), period_of(period)
    _require(may_submit(account, district_code), f"{account.username} may not submit for district {district_code}",
             "只有本区县的处理人或审核人可以上报本区县的数据")
    at = now()
    with db.ready(url).begin() as conn:
        row = conn.execute(select(table.c.id, table.c.version).where(
            and_(table.c.district_code == district_code, table.c.period == period))).first()
        if row is None:
            if version is not None:
                raise _stale(kind, f"{district_code}/{period}", version)
            rid = int(conn.execute(insert(table).values(
                **fields, district_code=district_code, period=period, submitted_by=account.username, submitted_at=at,
                updated_by=account.username, updated_at=at, version=1)).inserted_primary_key[0])
            new, change = 1, "submit"
        else:
            if version is None:  # someone submitted it since the form was opened
                raise _stale(kind, f"{district_code}/{period}", version)
            rid = row.id
            new = _bump(conn, table, rid, version, kind, {**fields, "updated_by": account.username, "updated_at": at})
            change = "update"
        actionlog.append(conn, account.username, log_action, f"{kind}:{rid}", district_code, change=change,
                         period=period, version=new, **{k: str(v) for k, v in fields.items() if k != "summary"})
        return new


def save_report(account: Account, district_code: str, period: str, r: ReportInput, version: int | None = None, *,
                url: str | None = None) -> int:
    """Submit (``version`` None) or change the district's report of ``period``; return its version."""
    return _save(account, "district_report", district_code, period, _report_fields(r), version, url)


def save_status(account: Account, district_code: str, period: str, s: StatusInput, version: int | None = None, *,
                url: str | None = None) -> int:
    """Submit (``version`` None) or change the district's implementation status of ``period``."""
    return _save(account, "implementation", district_code, period, _status_fields(s), version, url)


def _rows(account: Account, table: Any, period: str | None, district_code: str | None, limit: int, offset: int,
          url: str | None) -> tuple[list[dict[str, Any]], int]:
    cond = [district_visible(account, table)]
    if period:
        cond.append(table.c.period == period_of(period))
    if district_code:
        cond.append(table.c.district_code == v.CODE_FILTER.clean(district_code))
    where = and_(*cond)
    with db.ready(url).connect() as conn:
        total = conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
        rows = conn.execute(select(table).where(where).order_by(table.c.period.desc(), table.c.district_code)
                            .limit(limit).offset(offset)).all()
    out = []
    for r in rows:
        d = dict(r._mapping)
        d["district_name"] = NAMES.get(d["district_code"], d["district_code"])
        out.append(d)
    return out, int(total)


def list_reports(account: Account, *, period: str | None = None, district_code: str | None = None,
                 limit: int = 50, offset: int = 0, url: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of the district reports ``account`` may read (newest period first) and the total."""
    return _rows(account, REPORT, period, district_code, limit, offset, url)


def list_status(account: Account, *, period: str | None = None, district_code: str | None = None,
                limit: int = 50, offset: int = 0, url: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """One page of the implementation status rows ``account`` may read and the total."""
    return _rows(account, IMPL, period, district_code, limit, offset, url)


def get_report(account: Account, district_code: str, period: str, *, url: str | None = None) -> dict[str, Any] | None:
    rows, _ = _rows(account, REPORT, period, district_code, 1, 0, url)
    return rows[0] if rows else None


def get_status(account: Account, district_code: str, period: str, *, url: str | None = None) -> dict[str, Any] | None:
    rows, _ = _rows(account, IMPL, period, district_code, 1, 0, url)
    return rows[0] if rows else None
