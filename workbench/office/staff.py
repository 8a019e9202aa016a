"""人员基础信息 (workflow.md, office data): city office staff, district staff and administrators.

Admins maintain the records (``staff.edit``); who reads which district's staff is
``staff.view`` (workbench.access: admins and city roles every district, district roles their
own). City staff and administrators are kept under the city code 110000. Every change names
the version the user saw (``versioning.bump``) and is appended to the action log in the same
transaction; a removal keeps in the log what was removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Identity, Index, Integer, String, and_, delete, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from workbench import access
from workbench import validators as v
from workbench.districts import CITY_CODE, NAMES
from workbench.errors import OfficeError
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.models import ACTOR, CODE, DISTRICT, Base, now
from workbench.office.states import Action
from workbench.office.versioning import bump, district_of, stale

NAME, UNIT, POSITION, PHONE = v.PERSON_NAME.limit, v.UNIT.limit, v.POSITION.limit, v.PHONE.limit
PHONE_RE = re.compile(r"^[0-9+][0-9 ()-]{5,30}$")


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


STAFF = StaffMember.__table__
TARGET = access.Target("staff")


class StaffCategory(StrEnum):
    CITY = "city_office"
    DISTRICT = "district"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"city_office": "市基金监督处人员", "district": "区县基金监督科人员",
                "admin": "综合管理人员"}[self.value]


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


def _fields(s: StaffInput) -> dict[str, str]:
    try:
        category = StaffCategory(s.category)
    except ValueError:
        raise OfficeError(f"unknown staff category {s.category!r}", "请选择人员类别") from None
    district = district_of(s.district_code) if category is StaffCategory.DISTRICT else CITY_CODE
    phone = v.PHONE.clean(s.phone)
    if not PHONE_RE.match(phone):
        raise OfficeError(f"{phone!r} is not a phone number", "联系电话格式不正确")
    return {"category": category.value, "name": v.PERSON_NAME.clean(s.name), "unit": v.UNIT.clean(s.unit),
            "position": v.POSITION.clean(s.position), "phone": phone, "district_code": district}


def _detail(fields: dict[str, str]) -> dict[str, str]:
    return {k: val for k, val in fields.items() if k != "district_code"}


def list_staff(account: Account, *, district_code: str | None = None, url: str | None = None) -> list[StaffView]:
    """The staff ``account`` may see (optionally of one district), by district and name."""
    cond = [access.staff_scope(account, STAFF.c.district_code)]
    if district_code:
        cond.append(STAFF.c.district_code == v.CODE_FILTER.clean(district_code))
    with db.ready(url).connect() as conn:
        rows = conn.execute(select(STAFF).where(and_(*cond))
                            .order_by(STAFF.c.district_code, STAFF.c.category, STAFF.c.name, STAFF.c.id)).all()
    return [StaffView(r.id, StaffCategory(r.category), r.name, r.unit, r.district_code,
                      NAMES.get(r.district_code, r.district_code), r.position, r.phone, r.version) for r in rows]


def add_staff(account: Account, s: StaffInput, *, url: str | None = None) -> int:
    """Add a staff member; return the id."""
    access.require(account, "staff.edit", TARGET)
    fields = _fields(s)
    with db.ready(url).begin() as conn:
        sid = int(conn.execute(insert(STAFF).values(**fields, updated_by=account.username, updated_at=now(),
                                                    version=1)).inserted_primary_key[0])
        actionlog.append(conn, account.username, Action.STAFF, f"staff:{sid}", fields["district_code"],
                         change="add", **_detail(fields))
        return sid


def update_staff(account: Account, staff_id: int, version: int, s: StaffInput, *, url: str | None = None) -> int:
    """Change a staff member; return the new version."""
    access.require(account, "staff.edit", TARGET)
    fields = _fields(s)
    with db.ready(url).begin() as conn:
        new = bump(conn, STAFF, staff_id, version, "staff",
                   {**fields, "updated_by": account.username, "updated_at": now()})
        actionlog.append(conn, account.username, Action.STAFF, f"staff:{staff_id}",
                         fields["district_code"], change="update", **_detail(fields))
        return new


def delete_staff(account: Account, staff_id: int, version: int, *, url: str | None = None) -> None:
    """Remove a staff member; the log keeps what was removed."""
    access.require(account, "staff.edit", TARGET)
    with db.ready(url).begin() as conn:
        row = conn.execute(select(STAFF).where(STAFF.c.id == staff_id)).first()
        done = conn.execute(delete(STAFF).where(and_(STAFF.c.id == staff_id, STAFF.c.version == version)))
        if row is None or done.rowcount != 1:
            raise stale("staff", staff_id, version)
        actionlog.append(conn, account.username, Action.STAFF, f"staff:{staff_id}", row.district_code,
                         change="delete", name=row.name, unit=row.unit, position=row.position)
