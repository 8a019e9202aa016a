"""Office records kept once per district and period (区县监督上报 and 监督落实完成情况):
submitting or changing one under optimistic locking, and listing them as the access policy
allows. ``district_reports`` and ``implementation`` describe their own fields and call these.

For a kind ``k`` (``district_report``, ``implementation``) submitting is the access action
``k.submit`` and reading ``k.view``, on a ``Target(k, district_code)`` (workbench.access:
district handlers and reviewers submit for their own district; city roles read every
district, district roles their own).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, false, func, insert, select

from workbench import access
from workbench import validators as v
from workbench.districts import NAMES
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.models import now
from workbench.office.versioning import bump, district_of, period_of, stale


def may_submit(account: Account, kind: str, district_code: str) -> bool:
    """Whether ``account`` may submit or change the district's record of ``kind``."""
    return access.decide(account, f"{kind}.submit", access.Target(kind, district_code=district_code)).allowed


def save(account: Account, kind: str, table: Any, log_action: Any, district_code: str, period: str,
         fields: dict[str, Any], version: int | None, url: str | None) -> int:
    """Submit (``version`` None) or change the record of ``kind`` of the district and period;
    return its new version. ``fields`` are already validated."""
    district_code, period = district_of(district_code), period_of(period)
    access.require(account, f"{kind}.submit", access.Target(kind, district_code=district_code))
    at = now()
    with db.ready(url).begin() as conn:
        row = conn.execute(select(table.c.id, table.c.version).where(
            and_(table.c.district_code == district_code, table.c.period == period))).first()
        if row is None:
            if version is not None:
                raise stale(kind, f"{district_code}/{period}", version)
            rid = int(conn.execute(insert(table).values(
                **fields, district_code=district_code, period=period, submitted_by=account.username, submitted_at=at,
                updated_by=account.username, updated_at=at, version=1)).inserted_primary_key[0])
            new, change = 1, "submit"
        else:
            if version is None:  # someone submitted it since the form was opened
                raise stale(kind, f"{district_code}/{period}", version)
            rid = row.id
            new = bump(conn, table, rid, version, kind, {**fields, "updated_by": account.username, "updated_at": at})
            change = "update"
        actionlog.append(conn, account.username, log_action, f"{kind}:{rid}", district_code, change=change,
                         period=period, version=new, **{k: str(val) for k, val in fields.items() if k != "summary"})
        return new


def rows(account: Account, kind: str, table: Any, period: str | None, district_code: str | None, limit: int,
         offset: int, url: str | None) -> tuple[list[dict[str, Any]], int]:
    """One page of the records of ``kind`` ``account`` may read (newest period first), each a
    dict of its columns and ``district_name``, and their total."""
    cond = [access.district_scope(account, table.c.district_code)]
    if not access.decide(account, f"{kind}.view", access.Target(kind)).allowed:
        cond = [false()]
    if period:
        cond.append(table.c.period == period_of(period))
    if district_code:
        cond.append(table.c.district_code == v.CODE_FILTER.clean(district_code))
    where = and_(*cond)
    with db.ready(url).connect() as conn:
        total = conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
        found = conn.execute(select(table).where(where).order_by(table.c.period.desc(), table.c.district_code)
                             .limit(limit).offset(offset)).all()
    out = []
    for r in found:
        d = dict(r._mapping)
        d["district_name"] = NAMES.get(d["district_code"], d["district_code"])
        out.append(d)
    return out, int(total)
