"""The periodic package for the city discipline inspection and supervision bureau
(与市纪检监察局定期数据传输).

For period P (YYYYMM) the package holds, as UTF-8 CSV files (comma-delimited, header row,
``\\n`` line ends):

* ``escalated_problems.csv``: the problems whose escalation (上传监察局) was approved during
  month P (Beijing time), with their findings (核查结果); the subject key is unmasked, the
  bureau needs it;
* ``escalated_events.csv``: the whole history of those problems;
* ``district_reports.csv``: the district supervision reports (区县监督上报) of P;
* ``implementation_status.csv``: the implementation status (监督落实完成情况) of P;
* ``statistics.csv``: per district, counts and amounts of the problems detected in P;

plus ``manifest.json``: each file's name, row count (header excluded) and SHA-256, and the
action log's anchor (``log_anchor``: chain id, seq and MAC of the newest record,
``actionlog.anchor_snapshot``) read at export time. The export's own log record is the very
next one (seq + 1; the anchor row stays locked) and names the manifest's SHA-256, so the
bureau holds an outside witness of the log's state and the log a witness of the package.
Only city roles export; every export is logged. ``verify`` recomputes a package's manifest
and checks its anchor is well formed; ``check_anchor`` checks it against the office's log.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, case, func, select

from workbench import access, money, outputs, times
from workbench.districts import NAMES
from workbench.errors import OfficeError, UsageError
from workbench.office import actionlog, db
from workbench.office.accounts import Account
from workbench.office.district_reports import REPORT, Rectification
from workbench.office.implementation import IMPL
from workbench.office.models import Problem, ProblemEvent, ProblemFinding, now
from workbench.office.roles import Role
from workbench.office.states import Action, ProblemState
from workbench.office.versioning import period_of
from workbench.periods import add_months

P, EVENT, FINDING = Problem.__table__, ProblemEvent.__table__, ProblemFinding.__table__
MANIFEST = "manifest.json"
KIND = "discipline_inspection_package"

PROBLEM_COLUMNS = ("problem_id", "indicator_code", "subject_type", "subject_key", "district_code", "district_name",
                   "first_period", "last_period", "amount", "state", "deadline", "escalation_approved_at",
                   "escalation_approved_by", "conclusion", "amount_involved", "amount_recovered", "fines",
                   "rectified", "persons_punished", "description")
EVENT_COLUMNS = ("problem_id", "event_id", "at", "actor", "action", "from_state", "to_state", "opinion")
REPORT_COLUMNS = ("district_code", "district_name", "period", "summary", "amount_involved", "amount_recovered",
                  "rectification", "submitted_by", "submitted_at", "updated_by", "updated_at", "version")
STATUS_COLUMNS = ("district_code", "district_name", "period", "inspections", "problems_found", "fund_losses_found",
                  "problems_handled", "losses_recovered", "fines_recovered", "persons_punished", "submitted_by",
                  "submitted_at", "updated_by", "updated_at", "version")
STAT_COLUMNS = ("district_code", "district_name", "problems", "open", "closed", "escalated", "amount",
                "with_findings", "found_true", "amount_involved", "amount_recovered", "rectified")


@dataclass
class Package:
    """A built package: file name -> bytes (CSV files and the manifest)."""

    period: str
    files: dict[str, bytes] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)

    def write(self, out: Path | str) -> Path:
        """Write into folder ``out`` (created; must be empty) or, for a ``.zip`` path, one zip file."""
        out = check_target(out)
        if out.suffix.lower() == ".zip":
            outputs.write_bytes(out, self.zip_bytes())
            return out
        with outputs.atomic_folder(out) as tmp:  # no half-written package on any failure
            for name, data in self.files.items():
                (tmp / name).write_bytes(data)
        return out

    def zip_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in self.files.items():
                z.writestr(f"{self.period}/{name}", data)
        return buf.getvalue()


def check_target(out: Path | str) -> Path:
    """``out`` if a package may be written there: a ``.zip`` path, a new or an empty folder."""
    zipped = Path(out).suffix.lower() == ".zip"
    out = outputs.check_out(out, folder=not zipped)  # the folder it goes into exists (security.md)
    if not zipped and out.exists() and any(out.iterdir()):
        raise UsageError(f"--out {out}: exists and is not an empty folder")
    return out


# ------------------------------------------------------------------ CSV
def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return f"{v:.2f}"
    if isinstance(v, datetime):
        return times.local(v).isoformat(timespec="seconds")  # stored UTC (SQLite keeps no zone)
    return str(v)


def _csv(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows([[_cell(v) for v in r] for r in rows])
    return buf.getvalue().encode("utf-8")


def csv_rows(data: bytes) -> int:
    """Data rows of a CSV file (header excluded; quoted line breaks are one row)."""
    return max(sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8")))) - 1, 0)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------ the data of a period
def month_bounds(period: str) -> tuple[datetime, datetime]:
    """Start and end of month ``period`` in Beijing time."""
    nxt = add_months(period, 1)
    return (datetime(int(period[:4]), int(period[4:]), 1, tzinfo=times.LOCAL),
            datetime(int(nxt[:4]), int(nxt[4:]), 1, tzinfo=times.LOCAL))


def _escalated(conn: Connection, period: str) -> tuple[list[tuple], list[tuple]]:
    start, end = (t.astimezone(UTC) for t in month_bounds(period))  # stored in UTC (SQLite keeps no zone)
    approved = (select(EVENT.c.problem_id, func.max(EVENT.c.at).label("at"), func.max(EVENT.c.actor).label("actor"))
                .where(and_(EVENT.c.action == Action.APPROVE_ESCALATION.value, EVENT.c.at >= start, EVENT.c.at < end))
                .group_by(EVENT.c.problem_id).subquery())
    rows = conn.execute(
        select(P.c.id, P.c.indicator_code, P.c.subject_type, P.c.subject_key, P.c.district_code,
               P.c.first_period, P.c.last_period, P.c.amount, P.c.state, P.c.deadline, approved.c.at,
               approved.c.actor, FINDING.c.conclusion, FINDING.c.amount_involved, FINDING.c.amount_recovered,
               FINDING.c.fines, FINDING.c.rectified, FINDING.c.persons_punished, FINDING.c.description)
        .join(approved, approved.c.problem_id == P.c.id)
        .outerjoin(FINDING, FINDING.c.problem_id == P.c.id)
        .where(P.c.escalation == "approved").order_by(P.c.id)).all()
    problems = [(r[0], r[1], r[2], r[3], r[4], NAMES.get(r[4], r[4]), *r[5:]) for r in rows]
    ids = [r[0] for r in rows]
    events: list[tuple] = []
    for i in range(0, len(ids), 500):  # IN lists of bounded size (Oracle allows 1000)
        events += conn.execute(select(EVENT.c.problem_id, EVENT.c.id, EVENT.c.at, EVENT.c.actor, EVENT.c.action,
                                      EVENT.c.from_state, EVENT.c.to_state, EVENT.c.opinion)
                               .where(EVENT.c.problem_id.in_(ids[i:i + 500]))
                               .order_by(EVENT.c.problem_id, EVENT.c.id)).all()
    events.sort(key=lambda e: (e[0], e[1]))
    return problems, [tuple(e) for e in events]


def _office_rows(conn: Connection, table: Any, columns: tuple[str, ...], period: str) -> list[tuple]:
    out = []
    for r in conn.execute(select(table).where(table.c.period == period).order_by(table.c.district_code)):
        d = dict(r._mapping)
        d["district_name"] = NAMES.get(d["district_code"], d["district_code"])
        if "rectification" in d:
            d["rectification"] = Rectification(d["rectification"]).label
        out.append(tuple(d[c] for c in columns))
    return out


def statistics(conn: Connection, period: str) -> list[tuple]:
    """Per district: problems detected in ``period`` (first ≤ P ≤ last), by state, with findings."""
    closed = P.c.state == ProblemState.CLOSED.value
    rows = conn.execute(
        select(P.c.district_code, func.count(),
               func.sum(case((closed, 0), else_=1)), func.sum(case((closed, 1), else_=0)),
               func.sum(case((P.c.escalation == "approved", 1), else_=0)), func.sum(P.c.amount),
               func.count(FINDING.c.problem_id), func.sum(case((FINDING.c.conclusion == "true", 1), else_=0)),
               func.sum(FINDING.c.amount_involved), func.sum(FINDING.c.amount_recovered),
               func.sum(case((FINDING.c.rectified == 1, 1), else_=0)))
        .outerjoin(FINDING, FINDING.c.problem_id == P.c.id)
        .where(and_(P.c.first_period <= period, P.c.last_period >= period))
        .group_by(P.c.district_code).order_by(P.c.district_code)).all()
    return [(r[0], NAMES.get(r[0], r[0]), int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0),
             money.cents(r[5] or 0), int(r[6] or 0), int(r[7] or 0), money.cents(r[8] or 0), money.cents(r[9] or 0),
             int(r[10] or 0)) for r in rows]


# ------------------------------------------------------------------ export and verify
TARGET = access.Target("package")


def may_export(account: Account) -> bool:
    """Whether ``account`` may export the package (``package.export``)."""
    return access.decide(account, "package.export", TARGET).allowed


def export(account: Account, period: str, *, url: str | None = None) -> Package:
    """Build the package of ``period`` (``package.export``: city roles); the export is logged
    (English in ``str()``, Chinese in ``.zh`` when refused)."""
    access.require(account, "package.export", TARGET)
    period = period_of(period)
    eng = db.ready(url)
    with eng.connect() as conn:
        problems, events = _escalated(conn, period)
        files = {
            "escalated_problems.csv": _csv(PROBLEM_COLUMNS, problems),
            "escalated_events.csv": _csv(EVENT_COLUMNS, events),
            "district_reports.csv": _csv(REPORT_COLUMNS, _office_rows(conn, REPORT, REPORT_COLUMNS, period)),
            "implementation_status.csv": _csv(STATUS_COLUMNS, _office_rows(conn, IMPL, STATUS_COLUMNS, period)),
            "statistics.csv": _csv(STAT_COLUMNS, statistics(conn, period)),
        }
    entries = [{"file": name, "rows": csv_rows(data), "sha256": sha256(data)} for name, data in files.items()]
    with eng.begin() as conn:
        anchor = actionlog.anchor_snapshot(conn)  # locked until the export's own record is written
        manifest = {"kind": KIND, "period": period, "created_at": _cell(now()), "created_by": account.username,
                    "encoding": "UTF-8", "files": entries, "log_anchor": anchor}
        data = (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        actionlog.append(conn, account.username, Action.EXPORT, f"package:{period}", None, kind=KIND,
                         period=period, files={e["file"]: e["rows"] for e in entries}, manifest_sha256=sha256(data))
    return Package(period, {**files, MANIFEST: data}, manifest)


def _read(path: Path) -> dict[str, bytes]:
    if path.is_dir():
        return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}
    with zipfile.ZipFile(path) as z:
        return {Path(n).name: z.read(n) for n in z.namelist() if not n.endswith("/")}


def verify(path: Path | str) -> list[str]:
    """What does not check in a package folder or zip (empty: every file matches its manifest)."""
    try:
        files = _read(Path(path))
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"cannot read {path}: {exc}"]
    if MANIFEST not in files:
        return [f"{MANIFEST} missing"]
    try:
        manifest = json.loads(files.pop(MANIFEST).decode("utf-8"))
        listed = {e["file"]: e for e in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{MANIFEST} unreadable: {exc}"]
    problems = [f"{name}: not in the manifest" for name in sorted(set(files) - set(listed))]
    problems += _anchor_problems(manifest.get("log_anchor"))
    for name, e in listed.items():
        if name not in files:
            problems.append(f"{name}: missing")
            continue
        if sha256(files[name]) != e.get("sha256"):
            problems.append(f"{name}: SHA-256 differs from the manifest")
        try:
            rows = csv_rows(files[name])
        except (UnicodeDecodeError, csv.Error):
            problems.append(f"{name}: not UTF-8 CSV")
            continue
        if rows != e.get("rows"):
            problems.append(f"{name}: {rows} rows, the manifest says {e.get('rows')}")
    return problems


def _anchor_problems(a: Any) -> list[str]:
    """What is wrong with the form of a manifest's ``log_anchor`` (empty: well formed)."""
    if not isinstance(a, dict):
        return [f"{MANIFEST}: no log_anchor"]
    chain, seq, mac = a.get("chain"), a.get("seq"), a.get("mac")
    if not (isinstance(chain, str) and chain and isinstance(seq, int) and seq >= 0 and isinstance(mac, str)
            and len(mac) == 64 and all(c in "0123456789abcdef" for c in mac)):
        return [f"{MANIFEST}: log_anchor is not (chain, seq, 64 hex digits of MAC): {a!r}"]
    if seq == 0 and mac != actionlog.GENESIS:
        return [f"{MANIFEST}: log_anchor at 0 must carry the genesis MAC"]
    return []


def check_anchor(path: Path | str, *, url: str | None = None) -> list[str]:
    """What does not agree between a package's anchor and the office's action log: the log
    must hold record ``seq`` with that MAC and, next, the export record naming this manifest."""
    try:
        data = _read(Path(path)).get(MANIFEST)
        manifest = json.loads(data.decode("utf-8")) if data is not None else None
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        return [f"cannot read the manifest of {path}: {exc}"]
    if manifest is None:
        return [f"{MANIFEST} missing"]
    a = manifest.get("log_anchor")
    problems = _anchor_problems(a)
    if problems:
        return problems
    log, anchor = actionlog.LOG, actionlog.ANCHOR
    with db.ready(url).connect() as conn:
        chain = conn.execute(select(anchor.c.chain).where(anchor.c.name == actionlog.CHAIN)).scalar_one_or_none()
        rows = {r.seq: r for r in conn.execute(select(log.c.seq, log.c.mac, log.c.action, log.c.detail_json)
                                               .where(log.c.seq.in_([a["seq"], a["seq"] + 1])))}
    if chain != a["chain"]:
        return [f"log_anchor: chain {a['chain']}, the office's log is chain {chain}"]
    if a["seq"] and (a["seq"] not in rows or rows[a["seq"]].mac != a["mac"]):
        return [f"log_anchor: record {a['seq']} of the log is not the one anchored (the log was changed)"]
    export = rows.get(a["seq"] + 1)
    if export is None or export.action != Action.EXPORT \
            or json.loads(export.detail_json).get("manifest_sha256") != sha256(data):
        return [f"log_anchor: record {a['seq'] + 1} of the log is not the export of this manifest"]
    return []


def anchor_in_log(manifest: dict[str, Any], *, url: str | None = None) -> bool:
    """Whether the office's action log still holds the package's anchor record (same seq and MAC)."""
    a = manifest["log_anchor"]
    if _anchor_problems(a):
        return False
    if a["seq"] == 0:
        return True
    log = actionlog.LOG
    with db.ready(url).connect() as conn:
        got = conn.execute(select(log.c.mac).where(log.c.seq == a["seq"])).scalar_one_or_none()
    return got == a["mac"]


# ------------------------------------------------------------------ command line
def cli_account(username: str | None, url: str | None = None) -> Account:
    """The account a CLI export runs as: the named user (who must hold a city role), or the
    operator at the server's shell (``cli``, treated as a city handler)."""
    if not username:
        return Account(0, "cli", "命令行操作员", None, frozenset({Role.CITY_HANDLER}))
    from workbench.office.accounts import list_users

    for acc, disabled in list_users(url):
        if acc.username == username:
            if disabled:
                raise OfficeError(f"user {username!r} is disabled", f"用户 {username} 已停用")
            return acc
    raise OfficeError(f"no user {username!r}", f"用户 {username} 不存在")


def cli_main(args: argparse.Namespace) -> int:
    """``workbench package export|verify``."""
    if args.action == "export":
        check_target(args.out)  # before the export is logged
        pkg = export(cli_account(args.user), args.period)
        out = pkg.write(args.out)
        for e in pkg.manifest["files"]:
            print(f"{e['file']:<28} {e['rows']:>8} rows  {e['sha256']}")
        a = pkg.manifest["log_anchor"]
        print(f"wrote the package of {pkg.period} to {out} (log anchor: record {a['seq']}, MAC {a['mac']})")
        return 0
    problems = verify(args.path)
    if not problems and getattr(args, "against_log", False):
        problems = check_anchor(args.path)
    for p in problems:
        print(f"Error: {p}")
    if not problems:
        print(f"{args.path}: every file matches the manifest")
    return 1 if problems else 0
