"""Optimistic locking of office records, and the form values every office record shares.

Every office record (a notice, a staff member, a district report, an implementation status)
carries a ``version``: a change names the version the user saw, ``bump`` applies it only if
the record is still at that version, and otherwise raises ``StaleEdit`` (``stale``) so that
the page can say the record changed under the user. ``period_of``, ``district_of`` and
``count`` read the period, district and whole numbers typed into an office form.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, update

from workbench.districts import DISTRICTS
from workbench.errors import OfficeError, StaleEdit, UsageError
from workbench.periods import check_period

PERIOD_ZH = "期间格式应为 YYYYMM，如 202406"
COUNT_LIMIT = 2_000_000_000


def stale(kind: str, record_id: int | str, version: int | None) -> StaleEdit:
    """The refusal of a change to a record that someone else changed since ``version``."""
    return StaleEdit(f"{kind} {record_id} was changed by someone else since version {version}; reload it",
                     "该记录已被他人修改，请刷新后重试", record=f"{kind}:{record_id}")


def bump(conn: Connection, table: Any, record_id: int, version: int, kind: str, values: dict[str, Any]) -> int:
    """Apply ``values`` to record ``record_id`` of ``table`` if it is still at ``version``;
    return the new version (``stale`` otherwise)."""
    done = conn.execute(update(table).where(and_(table.c.id == record_id, table.c.version == version))
                        .values(**values, version=version + 1))
    if done.rowcount != 1:
        raise stale(kind, record_id, version)
    return version + 1


def period_of(value: str | None) -> str:
    """A period ``YYYYMM`` as typed (surrounding blanks dropped)."""
    try:
        return check_period((value or "").strip())
    except UsageError:
        raise OfficeError(f"invalid period {value!r}: expected YYYYMM", PERIOD_ZH) from None


def district_of(value: str | None) -> str:
    """One of the districts (not the city)."""
    if value not in DISTRICTS:
        raise OfficeError(f"unknown district {value!r}", "请选择区县")
    return value


def count(value: int | str | None, zh: str) -> int:
    """A non-negative whole number (empty means 0); ``zh`` names the field."""
    try:
        n = int(str("" if value is None else value).strip() or "0")
    except ValueError:
        raise OfficeError(f"{value!r} is not a whole number ({zh})", f"{zh}须为整数") from None
    if n < 0 or n > COUNT_LIMIT:
        raise OfficeError(f"{zh} out of range", f"{zh}须为非负整数")
    return n
