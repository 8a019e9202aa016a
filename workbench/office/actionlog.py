"""The append-only action log (日志审查) that proves itself (security.md): every login, failed
login, view of an unmasked ID number, state change, publication, export and admin change.

Records are numbered ``seq`` 1, 2, 3… without gaps. Each record's ``mac`` is an HMAC-SHA256,
under a key kept outside the office database, of the previous record's MAC and the record's
own content (the log's ``chain`` id, seq, time, actor, action, target, district, detail):
without the key nobody can recompute the chain. The key is ``WORKBENCH_HOME/keys/log.key``
(32 random bytes, mode 0600 in a 0700 folder, created on first use; two processes starting
at once agree: it is written under a temporary name and hard-linked into place, the loser
reads the winner's), or the file named by ``WORKBENCH_LOG_KEY_FILE`` (never created).

The ``log_anchor`` row holds the chain id and the newest (seq, MAC), moved in the
transaction of every append. Appends are serialized in the database, across threads and
server processes alike: ``append`` *writes* the anchor row before reading it, so it holds
PostgreSQL's row lock, or SQLite's single write lock, from before its read until its commit
(tests/test_office_concurrency.py appends from two processes at once).

The newest (seq, MAC) is also written outside the database: one whole line per committed
transaction that appended, to ``WORKBENCH_HOME/anchors/action_log.anchors``. Only committed
records may be anchored, so the line is written by an Engine ``commit`` listener in this
order: lock the anchor file (``flock``), commit the DBAPI connection itself, append the
line, unlock; SQLAlchemy's own commit that follows is then a no-op. A failed commit raises
before the line is written; the file lock, taken while the transaction still holds the
anchor row, keeps the lines in sequence order even though the next writer may commit the
moment ours is done; a savepoint rolled back restores the anchor pending before it.
(SQLAlchemy has no after-commit event on a Connection; a Session ``after_commit`` would miss
the services that use Core connections.) ``anchor_snapshot``
gives the same (chain, seq, MAC) to the discipline-inspection package and, later, to
backups and archives.

``verify`` checks every MAC, the sequence, the database anchor and the file anchor, and
names the first thing that does not check; ``workbench.office.reconcile`` then checks the
business tables against what the log's events imply.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event, func, insert, select, update

from workbench import times
from workbench.config import settings
from workbench.errors import OfficeError
from workbench.office.models import ActionLog, LogAnchor, now
from workbench.office.states import Action  # the one action type (log records: states.LOG_ACTIONS)

try:  # POSIX; elsewhere the lines are still whole (O_APPEND), only their order is not kept
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOG, ANCHOR = ActionLog.__table__, LogAnchor.__table__
CHAIN = "action_log"  # the name of the log_anchor row
GENESIS = "0" * 64    # the "previous MAC" of record 1
KEY_BYTES = 32
KEY_ENV = "WORKBENCH_LOG_KEY_FILE"
ANCHOR_FILE = "action_log.anchors"
_PENDING = "workbench_log_anchor"  # Connection.info key: the anchor to write once committed
_SAVED = "workbench_log_anchor_savepoints"  # the pending anchor as each open savepoint began
_log = logging.getLogger(__name__)


class LogKeyMissing(OfficeError):
    """The log key file does not exist (and is not to be created here)."""


# ------------------------------------------------------------------ the key
def key_path() -> Path:
    """``WORKBENCH_LOG_KEY_FILE`` or ``WORKBENCH_HOME/keys/log.key``."""
    named = os.environ.get(KEY_ENV)
    return Path(named) if named else settings().home / "keys" / "log.key"


def load_key(*, create: bool = True) -> bytes:
    """The log key; created on first use at the default place when ``create``."""
    path = key_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if not create or os.environ.get(KEY_ENV):
            raise LogKeyMissing(f"the action log key {path} is missing",
                                f"日志密钥文件 {path} 不存在，无法校验日志") from None
        data = _create_key(path)
    except OSError as exc:
        raise OfficeError(f"the action log key {path} cannot be read: {exc.strerror or exc}",
                          f"无法读取日志密钥文件 {path}") from None
    if len(data) < 16:
        raise OfficeError(f"the action log key {path} is too short ({len(data)} bytes)", f"日志密钥文件 {path} 无效")
    return data


def _private_dir(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    with contextlib.suppress(OSError):  # a folder made by someone else stays theirs
        os.chmod(folder, 0o700)


def _create_key(path: Path) -> bytes:
    """Write 32 random bytes to ``path`` (0600) atomically; whoever links first wins."""
    _private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_bytes(KEY_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made the key first: then theirs is the key
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


# ------------------------------------------------------------------ the MAC

def record_mac(key: bytes, chain: str, seq: int, prev_mac: str, at: datetime, actor: str, action: str,
               target: str | None, district_code: str | None, detail_json: str) -> str:
    """HMAC-SHA256 of the previous MAC and every field of the record."""
    body = json.dumps([chain, seq, prev_mac, times.utc(at).strftime("%Y-%m-%dT%H:%M:%S.%f"), actor, action, target,
                       district_code, detail_json], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), sha256).hexdigest()


def new_chain_id() -> str:
    return uuid.uuid4().hex


# ------------------------------------------------------------------ appending
def _anchor_row(conn: Connection) -> Any:
    return conn.execute(select(ANCHOR.c.chain, ANCHOR.c.last_seq, ANCHOR.c.last_mac)
                        .where(ANCHOR.c.name == CHAIN)).first()


def _locked_anchor(conn: Connection) -> Any:
    """The anchor row, write-locked until the caller's transaction ends (PostgreSQL: this
    row; SQLite: the database); an OfficeError if it is gone (nothing is logged without it)."""
    conn.execute(update(ANCHOR).where(ANCHOR.c.name == CHAIN).values(last_seq=ANCHOR.c.last_seq))
    row = _anchor_row(conn)
    if row is None:
        raise OfficeError("the action log's anchor row (log_anchor) is missing: run `workbench log verify`",
                          "操作日志的链头锚点缺失，系统拒绝继续记录，请联系管理员核查日志")
    return row


def append(conn: Connection, actor: str, action: Action | str, target: str | None = None,
           district_code: str | None = None, **detail: Any) -> int:
    """Append one record (``action``: one of ``states.LOG_ACTIONS``) in the caller's
    transaction; return its sequence number."""
    action = str(action)
    anchor = _locked_anchor(conn)  # the write lock first, then the read
    key = load_key()
    at, seq = now(), anchor.last_seq + 1
    detail_json = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    mac = record_mac(key, anchor.chain, seq, anchor.last_mac, at, actor, action, target, district_code, detail_json)
    conn.execute(insert(LOG).values(seq=seq, at=at, actor=actor, action=action, target=target,
                                    district_code=district_code, detail_json=detail_json, mac=mac))
    conn.execute(update(ANCHOR).where(ANCHOR.c.name == CHAIN).values(last_seq=seq, last_mac=mac))
    conn.info[_PENDING] = (anchor.chain, seq, mac)
    return seq


def anchor_snapshot(conn: Connection) -> dict[str, Any]:
    """The newest committed (chain, seq, MAC), for a package, backup or archive manifest.
    Call it in the transaction that also logs the export: the anchor row stays locked, so
    the export's own record is the very next one (seq + 1)."""
    row = _locked_anchor(conn)
    return {"chain": row.chain, "seq": int(row.last_seq), "mac": row.last_mac}


# ------------------------------------------------------------------ the anchor file
def anchor_file() -> Path:
    return settings().home / "anchors" / ANCHOR_FILE


@event.listens_for(Engine, "commit")
def _commit_then_anchor(conn: Connection) -> None:
    """Commit first, then write the anchor line (see the module docstring)."""
    conn.info.pop(_SAVED, None)
    pending = conn.info.pop(_PENDING, None)
    if pending is None:
        return
    chain, seq, mac = pending
    path = anchor_file()
    _private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        conn.connection.dbapi_connection.commit()  # raises on failure: no line for an uncommitted record
        line = json.dumps({"chain": chain, "seq": seq, "mac": mac,
                           "at": now().isoformat(timespec="microseconds")}, separators=(",", ":")) + "\n"
        try:
            os.write(fd, line.encode("ascii"))  # one write of one short line: whole, appended at the end
        except OSError as exc:  # committed already: say so, the log itself is intact
            _log.error("action log record %s committed but its anchor could not be written to %s: %s",
                       seq, path, exc)
    finally:
        os.close(fd)  # and the file lock with it


@event.listens_for(Engine, "rollback")
def _forget_anchor(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)
    conn.info.pop(_SAVED, None)


@event.listens_for(Engine, "savepoint")
def _keep_anchor(conn: Connection, _name: str | None) -> None:
    conn.info.setdefault(_SAVED, []).append(conn.info.get(_PENDING))  # a stack: savepoints nest


@event.listens_for(Engine, "release_savepoint")
def _drop_kept_anchor(conn: Connection, _name: str, _context: Any) -> None:
    with contextlib.suppress(IndexError):
        conn.info.get(_SAVED, []).pop()


@event.listens_for(Engine, "rollback_savepoint")
def _restore_anchor(conn: Connection, _name: str, _context: Any) -> None:
    """A savepoint rolled back takes its appends with it: the anchor to write is the one before."""
    try:
        before = conn.info.get(_SAVED, []).pop()
    except IndexError:
        before = None
    if before is None:
        conn.info.pop(_PENDING, None)
    else:
        conn.info[_PENDING] = before


@dataclass(frozen=True)
class FileAnchor:
    chain: str
    seq: int
    mac: str


def file_anchors(path: Path | None = None) -> list[FileAnchor]:
    """The anchor lines in file order (an unreadable line is skipped)."""
    path = path or anchor_file()
    out: list[FileAnchor] = []
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        try:
            d = json.loads(line)
            out.append(FileAnchor(str(d["chain"]), int(d["seq"]), str(d["mac"])))
        except (ValueError, KeyError, TypeError):
            continue
    return out


def newest_anchor(chain: str | None, anchors: Iterable[FileAnchor]) -> FileAnchor | None:
    """The highest-sequence anchor of ``chain`` (any chain: the chain of the last line)."""
    anchors = list(anchors)
    if chain is None:
        if not anchors:
            return None
        chain = anchors[-1].chain
    mine = [a for a in anchors if a.chain == chain]
    return max(mine, key=lambda a: a.seq) if mine else None


# ------------------------------------------------------------------ verification
@dataclass
class Verification:
    records: int
    broken_at: int | None = None  # seq of the first record that does not check, or None
    reason: str = ""
    chain: str | None = None
    database_end: int = 0
    anchor: int | None = None     # seq of the newest file anchor
    discrepancies: list[str] = field(default_factory=list)  # the office against the log (reconcile)
    inconclusive: bool = False    # the check could not be completed (the key is missing): exit 4

    @property
    def ok(self) -> bool:
        return self.broken_at is None and not self.reason and not self.discrepancies


@dataclass(frozen=True)
class Record:
    seq: int
    at: datetime
    actor: str
    action: str
    target: str | None
    district_code: str | None
    detail: dict[str, Any]


def records(conn: Connection, actions: Iterable[str] | None = None) -> Iterator[Record]:
    """The records (of ``actions``), in sequence order, with their detail parsed."""
    q = select(LOG.c.seq, LOG.c.at, LOG.c.actor, LOG.c.action, LOG.c.target, LOG.c.district_code,
               LOG.c.detail_json).order_by(LOG.c.seq)
    if actions is not None:
        q = q.where(LOG.c.action.in_(sorted(set(actions))))
    for r in conn.execute(q.execution_options(yield_per=5000)):
        try:
            detail = json.loads(r.detail_json)
        except ValueError:
            detail = {}
        yield Record(r.seq, r.at, r.actor, r.action, r.target, r.district_code,
                     detail if isinstance(detail, dict) else {})


def verify(conn: Connection, *, anchors: Path | None = None) -> Verification:
    """Walk the whole chain in sequence order; report the first thing that does not check."""
    row = _anchor_row(conn)
    lines = file_anchors(anchors)
    first = conn.execute(select(LOG.c.seq).order_by(LOG.c.seq).limit(1)).scalar_one_or_none()
    end = conn.execute(select(func.max(LOG.c.seq))).scalar_one_or_none() or 0
    count = conn.execute(select(func.count()).select_from(LOG)).scalar_one()
    chain = row.chain if row is not None else _chain_of_records(conn, lines)
    file_anchor = newest_anchor(chain, lines)
    v = Verification(int(count), chain=chain, database_end=int(end),
                     anchor=file_anchor.seq if file_anchor else None)
    if row is None:
        v.reason = (f"the log_anchor row is missing: anchor at {v.anchor if file_anchor else 'none'}, "
                    f"database ends at {end}")
        return v
    if first is None and file_anchor is None and row.last_seq == 0:
        return v  # a log that never had a record
    try:
        key = load_key(create=False)
    except LogKeyMissing:
        v.reason = (f"the action log key {key_path()} is missing: the MACs of the {count} records cannot be "
                    "checked")
        v.inconclusive = True
        return v
    expected, prev_mac, anchored_mac = 1, GENESIS, None
    q = select(LOG).order_by(LOG.c.seq).execution_options(yield_per=5000)
    for r in conn.execute(q):
        if r.seq != expected:
            v.broken_at = expected
            v.reason = (f"record {expected} missing: the sequence jumps from {expected - 1} to {r.seq}"
                        if r.seq > expected else f"record {r.seq}: sequence number out of order")
            return v
        mac = record_mac(key, chain, r.seq, prev_mac, r.at, r.actor, r.action, r.target, r.district_code,
                         r.detail_json)
        if not hmac.compare_digest(mac, r.mac):
            v.broken_at, v.reason = r.seq, f"record {r.seq}: MAC does not verify"
            return v
        if file_anchor is not None and r.seq == file_anchor.seq:
            anchored_mac = r.mac
        prev_mac, expected = r.mac, expected + 1
    if row.last_seq != end or row.last_mac != prev_mac:
        v.reason = (f"anchor at {row.last_seq}, database ends at {end} (the log_anchor row): "
                    + ("the newest records were deleted" if row.last_seq > end else "the anchor row was changed"))
        return v
    if file_anchor is None:
        if end:
            v.reason = f"no anchor of this log in {anchors or anchor_file()}: database ends at {end}"
        return v
    if file_anchor.seq > end:
        v.reason = (f"anchor at {file_anchor.seq}, database ends at {end}: the log was "
                    + ("wiped" if end == 0 else "truncated"))
    elif anchored_mac != file_anchor.mac:
        v.broken_at = file_anchor.seq
        v.reason = (f"anchor at {file_anchor.seq}, database ends at {end}: record {file_anchor.seq} is not the "
                    "record anchored (the log was rewritten)")
    return v


def _chain_of_records(conn: Connection, lines: list[FileAnchor]) -> str | None:
    """Without the anchor row: the chain whose first anchor line names record 1's MAC…
    or, the table being empty too, the chain of the last anchor line."""
    first = conn.execute(select(LOG.c.seq, LOG.c.mac).order_by(LOG.c.seq).limit(1)).first()
    if first is not None:
        for a in lines:
            if a.seq == first.seq and a.mac == first.mac:
                return a.chain
    return lines[-1].chain if lines else None
