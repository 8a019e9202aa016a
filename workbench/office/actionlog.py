"""The append-only action log (日志审查): every login, failed login, view of an unmasked ID
number, state change, export and admin change, hash-chained.

Each record's ``hash`` is the SHA-256 of the previous record's hash and the record's own
fields; the ``log_anchor`` row holds the number of records and the newest hash and is moved
in the same transaction as every append. Appends are serialized in the database, across
threads and server processes alike: ``append`` *writes* the anchor row before reading it, so
it holds PostgreSQL's row lock, or SQLite's single write lock, from before its read until its
commit; the next append waits (SQLite: up to the busy timeout) and then reads the new anchor.
Reading the anchor first would let two processes chain onto the same record
(tests/test_office_concurrency.py appends from two processes at once). ``verify``
walks the chain: an edited record no longer matches its hash, a deleted or reordered one
breaks the link to its successor, deleted newest records no longer match the anchor.
Someone who can rewrite the whole table and the anchor could forge a new chain; the anchor's
hash goes into every discipline-inspection package as the outside witness (docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from workbench.office.models import ActionLog, LogAnchor, now

LOG, ANCHOR = ActionLog.__table__, LogAnchor.__table__
CHAIN = "action_log"
GENESIS = "0" * 64


class Action:
    """Action names written to the log."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    VIEW_ID = "view_unmasked_id"
    TRANSITION = "transition"
    COMMENT = "comment"
    ATTACH = "attachment"
    EXPORT = "export"
    USER_ADD = "user_add"
    USER_CHANGE = "user_change"
    EXTRA_SCORE = "extra_score"
    ARCHIVE = "statistics_archive"
    NOTICE = "notice"
    STAFF = "staff_change"
    DISTRICT_REPORT = "district_report"
    IMPLEMENTATION = "implementation_status"


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def record_hash(prev_hash: str, at: datetime, actor: str, action: str, target: str | None,
                district_code: str | None, detail_json: str) -> str:
    body = json.dumps([prev_hash, _utc(at).strftime("%Y-%m-%dT%H:%M:%S.%f"), actor, action, target,
                       district_code, detail_json], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append(conn: Connection, actor: str, action: str, target: str | None = None,
           district_code: str | None = None, **detail: Any) -> int:
    """Append one record in the caller's transaction; return its id."""
    # the write lock first (PostgreSQL: this row; SQLite: the database), then the read
    conn.execute(update(ANCHOR).where(ANCHOR.c.name == CHAIN).values(records=ANCHOR.c.records))
    anchor = conn.execute(select(ANCHOR.c.records, ANCHOR.c.last_hash).where(ANCHOR.c.name == CHAIN)).one()
    at = now()
    detail_json = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = record_hash(anchor.last_hash, at, actor, action, target, district_code, detail_json)
    new_id = conn.execute(insert(LOG).values(at=at, actor=actor, action=action, target=target,
                                             district_code=district_code, detail_json=detail_json,
                                             prev_hash=anchor.last_hash, hash=digest)).inserted_primary_key[0]
    conn.execute(update(ANCHOR).where(ANCHOR.c.name == CHAIN).values(
        records=anchor.records + 1, last_id=new_id, last_hash=digest))
    return int(new_id)


@dataclass
class Verification:
    records: int
    broken_at: int | None = None  # id of the first record that does not check, or None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.reason


def verify(conn: Connection) -> Verification:
    """Walk the whole chain in id order; report the first record that does not check."""
    expected_prev, count, last_id = GENESIS, 0, 0
    rows = conn.execute(select(LOG).order_by(LOG.c.id).execution_options(yield_per=5000))
    for r in rows:
        count += 1
        if r.prev_hash != expected_prev:
            return Verification(count, r.id, f"record {r.id} does not follow the record before it "
                                             "(a record was deleted, inserted or reordered)")
        if record_hash(r.prev_hash, r.at, r.actor, r.action, r.target, r.district_code, r.detail_json) != r.hash:
            return Verification(count, r.id, f"record {r.id} was changed after it was written")
        expected_prev, last_id = r.hash, r.id
    anchor = conn.execute(select(ANCHOR).where(ANCHOR.c.name == CHAIN)).one()
    if anchor.records != count or anchor.last_hash != expected_prev:
        return Verification(count, None, f"the log ends at record {last_id} ({count} records) but its anchor "
                                         f"says {anchor.records} records ending at {anchor.last_id}: "
                                         "the newest records were deleted")
    return Verification(count)
