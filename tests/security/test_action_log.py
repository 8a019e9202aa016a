"""The action log proves itself (security.md), on SQLite and PostgreSQL, through the real
`workbench log verify`: every tampering below ends in exit 1 naming the first bad record, the
cut ("anchor at N, database ends at M") or the direct edit of the business tables; the
untouched log verifies; the key stays outside the database; packages carry the anchor."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from test_office_publish import evaluation

from workbench.cli import main
from workbench.office import accounts, actionlog, db, findings, package, reconcile, workflow
from workbench.office.accounts import Account
from workbench.office.findings import Finding
from workbench.office.models import ActionLog, LogAnchor, Problem, ProblemFinding, User, UserRole
from workbench.office.publish import publish
from workbench.office.roles import Role
from workbench.office.states import Action

PASSWORD = "Correct-Horse-9"
OWN, OTHER = "110105", "110108"
KEYS = [f"11010119900101{i:04d}" for i in range(6)]
DH = Account(1, "dh1", "区县处理人", OWN, frozenset({Role.DISTRICT_HANDLER}))
CH = Account(2, "ch1", "市级处理人", None, frozenset({Role.CITY_HANDLER}))
FINDING = Finding("true", "100.50", "80", "5", True, 1, "已核实，已追回部分。")


@pytest.fixture
def office_log(office: str, home: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Users, a publication of 6 problems, a problem taken through start and findings, a
    reassignment, a disabled user: a log of about a dozen records, every one anchored."""
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    accounts.add_user("ad1", "管理员", ["admin"], None, PASSWORD, url=office)
    accounts.add_user("dh1", "区县处理人", ["district_handler"], OWN, PASSWORD, url=office)
    accounts.add_user("ch1", "市级处理人", ["city_handler"], None, PASSWORD, url=office)
    accounts.add_user("dh2", "另一区处理人", ["district_handler"], OTHER, PASSWORD, url=office)
    accounts.login("dh1", PASSWORD, url=office)
    publish([evaluation("A01", [(k, OWN if i % 2 == 0 else OTHER, "100.50") for i, k in enumerate(KEYS)])],
            "202406", office)
    p = problem_id(office)
    workflow.act(DH, p, Action.START, 1, url=office)
    findings.record_finding(DH, p, 2, FINDING, url=office)
    workflow.act(CH, problem_id(office, KEYS[2]), Action.REASSIGN, 1, "请转交", district="110101", url=office)
    accounts.set_disabled("dh2", True, url=office)
    return office


def problem_id(url: str, key: str = KEYS[0]) -> int:
    with db.engine(url).connect() as conn:
        return conn.execute(select(Problem.id).where(Problem.subject_key == key)).scalar_one()


def newest(url: str) -> int:
    with db.engine(url).connect() as conn:
        return conn.execute(select(ActionLog.seq).order_by(ActionLog.seq.desc()).limit(1)).scalar_one()


def tamper(url: str, *statements: str | Callable) -> None:
    with db.engine(url).begin() as conn:
        for s in statements:
            s(conn) if callable(s) else conn.execute(text(s))


def verify_cli(capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = main(["log", "verify"])
    out = capsys.readouterr()
    return code, out.out, out.err


def broken(capsys: pytest.CaptureFixture, message: str) -> str:
    code, _, err = verify_cli(capsys)
    assert code == 1, err
    assert message in err, err
    assert "Traceback" not in err
    return err


# ------------------------------------------------------------------ untouched
def test_an_untouched_log_verifies_and_every_record_is_anchored(office_log: str, home: Path,
                                                                capsys: pytest.CaptureFixture) -> None:
    code, out, err = verify_cli(capsys)
    assert code == 0, err
    n = newest(office_log)
    assert f"{n} records, chain intact, anchored at record {n}" in out
    lines = actionlog.file_anchors(home / "anchors" / "action_log.anchors")
    assert lines and lines[-1].seq == n and [a.seq for a in lines] == sorted(a.seq for a in lines)
    with db.engine(office_log).connect() as conn:
        assert lines[-1].mac == conn.execute(select(ActionLog.mac).where(ActionLog.seq == n)).scalar_one()
        assert [r.seq for r in conn.execute(select(ActionLog.seq).order_by(ActionLog.seq))] == list(range(1, n + 1))
    # and through the installed command, in a process of its own
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "log", "verify"], capture_output=True, text=True,
                          env=os.environ.copy())
    assert done.returncode == 0 and "chain intact" in done.stdout, done.stderr


# ------------------------------------------------------------------ the chain
def test_edited_detail(office_log: str, capsys) -> None:
    tamper(office_log, "UPDATE action_log SET detail_json = '{}' WHERE seq = 3")
    broken(capsys, "record 3: MAC does not verify")


def test_edited_actor(office_log: str, capsys) -> None:
    tamper(office_log, "UPDATE action_log SET actor = 'mallory' WHERE seq = 5")
    broken(capsys, "record 5: MAC does not verify")


def test_deleted_middle_record(office_log: str, capsys) -> None:
    tamper(office_log, "DELETE FROM action_log WHERE seq = 4")
    broken(capsys, "record 4 missing: the sequence jumps from 3 to 5")


def test_deleted_newest_records(office_log: str, capsys) -> None:
    n = newest(office_log)
    tamper(office_log, f"DELETE FROM action_log WHERE seq > {n - 2}")
    broken(capsys, f"anchor at {n}, database ends at {n - 2}")


def test_deleted_newest_records_with_the_database_anchor_fixed(office_log: str, capsys) -> None:
    n = newest(office_log)

    def fix_anchor(conn) -> None:
        mac = conn.execute(select(ActionLog.mac).where(ActionLog.seq == n - 2)).scalar_one()
        conn.execute(update(LogAnchor).values(last_seq=n - 2, last_mac=mac))

    tamper(office_log, f"DELETE FROM action_log WHERE seq > {n - 2}", fix_anchor)
    broken(capsys, f"anchor at {n}, database ends at {n - 2}: the log was truncated")


@pytest.mark.parametrize("guess", ["sha256", "hmac"])
def test_chain_recomputed_without_the_key(office_log: str, capsys, guess: str) -> None:
    """The old unkeyed chain, or an HMAC under a guessed key, recomputed over every record
    and the anchor row: the first record already fails."""
    def recompute(conn) -> None:
        chain = conn.execute(select(LogAnchor.chain)).scalar_one()
        prev = actionlog.GENESIS
        for r in conn.execute(select(ActionLog).order_by(ActionLog.seq)).all():
            if guess == "hmac":
                mac = actionlog.record_mac(b"0" * 32, chain, r.seq, prev, r.at, r.actor, r.action, r.target,
                                           r.district_code, r.detail_json)
            else:
                body = json.dumps([prev, r.seq, r.actor, r.action, r.target, r.detail_json], ensure_ascii=False)
                mac = hashlib.sha256(body.encode()).hexdigest()
            conn.execute(update(ActionLog).where(ActionLog.id == r.id).values(mac=mac))
            prev = mac
        conn.execute(update(LogAnchor).values(last_mac=prev))

    tamper(office_log, "UPDATE action_log SET actor = 'mallory' WHERE seq = 2", recompute)
    broken(capsys, "record 1: MAC does not verify")


def test_table_and_database_anchor_wiped(office_log: str, capsys) -> None:
    n = newest(office_log)
    tamper(office_log, "DELETE FROM action_log", "DELETE FROM log_anchor")
    broken(capsys, f"anchor at {n}, database ends at 0")


def test_table_wiped_and_anchor_row_reset(office_log: str, capsys) -> None:
    n = newest(office_log)
    tamper(office_log, "DELETE FROM action_log", f"UPDATE log_anchor SET last_seq = 0, last_mac = '{'0' * 64}'")
    broken(capsys, f"anchor at {n}, database ends at 0: the log was wiped")


def test_anchor_row_deleted(office_log: str, capsys) -> None:
    n = newest(office_log)
    tamper(office_log, "DELETE FROM log_anchor")
    broken(capsys, f"the log_anchor row is missing: anchor at {n}, database ends at {n}")
    with pytest.raises(Exception) as e:  # nothing more is logged (nor done) without it
        accounts.login("dh1", PASSWORD, url=office_log)
    assert "锚点" in getattr(e.value, "zh", "")


def test_records_reordered(office_log: str, capsys) -> None:
    tamper(office_log, "UPDATE action_log SET seq = -1 WHERE seq = 3", "UPDATE action_log SET seq = 3 WHERE seq = 4",
           "UPDATE action_log SET seq = 4 WHERE seq = -1")
    broken(capsys, "record 3: MAC does not verify")


def test_forged_record_inserted(office_log: str, capsys) -> None:
    n = newest(office_log)

    def forge(conn) -> None:
        mac = hmac.new(b"guess", b"forged", hashlib.sha256).hexdigest()
        conn.execute(ActionLog.__table__.insert().values(
            seq=n + 1, at=actionlog.now(), actor="ad1", action="user_change", target="dh2", district_code=OTHER,
            detail_json=json.dumps({"change": "enable", "enabled": True}), mac=mac))
        conn.execute(update(LogAnchor).values(last_seq=n + 1, last_mac=mac))
        conn.execute(update(User).where(User.username == "dh2").values(disabled=0))

    tamper(office_log, forge)
    broken(capsys, f"record {n + 1}: MAC does not verify")


# ------------------------------------------------------------------ reconciliation
def test_problem_state_edited(office_log: str, capsys) -> None:
    p = problem_id(office_log)
    tamper(office_log, lambda c: c.execute(update(Problem).where(Problem.id == p).values(state="closed")))
    broken(capsys, f"problem {p}: state 已办结, the log says 区县处理中")


def test_problem_district_edited(office_log: str, capsys) -> None:
    p, q = problem_id(office_log, KEYS[1]), problem_id(office_log, KEYS[2])
    tamper(office_log, lambda c: c.execute(update(Problem).where(Problem.id == p).values(district_code=OWN)),
           lambda c: c.execute(update(Problem).where(Problem.id == q).values(district_code=OWN)))
    err = broken(capsys, f"problem {p}: district {OWN}, the log says {OTHER}")
    assert f"problem {q}: district {OWN}, the log says 110101" in err  # the reassignment is the log's word


def test_findings_amount_edited(office_log: str, capsys) -> None:
    p = problem_id(office_log)
    tamper(office_log, lambda c: c.execute(update(ProblemFinding).where(ProblemFinding.problem_id == p)
                                           .values(amount_recovered="99.00", fines="0")))
    err = broken(capsys, f"problem {p}: amount_recovered 99.00, the log says 80.00")
    assert f"problem {p}: fines 0.00, the log says 5.00" in err


def test_problem_inserted_or_deleted(office_log: str, capsys) -> None:
    p = problem_id(office_log, KEYS[5])
    tamper(office_log, f"DELETE FROM problem_evidence WHERE problem_id = {p}",
           f"DELETE FROM problem_event WHERE problem_id = {p}", f"DELETE FROM run_hit WHERE problem_id = {p}",
           f"DELETE FROM problem WHERE id = {p}")
    broken(capsys, f"problem {p}: missing from the database, the log says 待处理")


def test_user_role_edited(office_log: str, capsys) -> None:
    def promote(conn) -> None:
        uid = conn.execute(select(User.id).where(User.username == "dh1")).scalar_one()
        conn.execute(update(UserRole).where(UserRole.user_id == uid).values(role="admin"))

    tamper(office_log, promote)
    broken(capsys, "user dh1: roles admin, the log says district_handler")


def test_user_disabled_flag_edited(office_log: str, capsys) -> None:
    tamper(office_log, lambda c: c.execute(update(User).where(User.username == "dh2").values(disabled=0)),
           lambda c: c.execute(update(User).where(User.username == "ch1").values(disabled=1)))
    err = broken(capsys, "user dh2: enabled, the log says disabled")
    assert "user ch1: disabled, the log says enabled" in err


def test_user_inserted_directly(office_log: str, capsys) -> None:
    def insert_user(conn) -> None:
        uid = conn.execute(User.__table__.insert().values(
            username="mallory", display_name="x", password_hash="x", disabled=0, failed_logins=0,
            password_changed_at=actionlog.now(), created_at=actionlog.now(), version=1)).inserted_primary_key[0]
        conn.execute(UserRole.__table__.insert().values(user_id=uid, role="admin"))

    tamper(office_log, insert_user)
    broken(capsys, "user mallory: roles admin, the log has no record of this user")


# ------------------------------------------------------------------ the key
def test_key_file_is_private_and_outside_the_database(office_log: str, home: Path) -> None:
    key = home / "keys" / "log.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert len(key.read_bytes()) == actionlog.KEY_BYTES
    anchors = home / "anchors"
    assert stat.S_IMODE(anchors.stat().st_mode) == 0o700
    with db.engine(office_log).connect() as conn:  # the key is nowhere in the database
        dump = " ".join(str(v) for t in (ActionLog, LogAnchor) for r in conn.execute(select(t)) for v in r)
    assert key.read_bytes().hex() not in dump


def test_missing_key_is_reported(office_log: str, home: Path, capsys) -> None:
    (home / "keys" / "log.key").unlink()
    code, _, err = verify_cli(capsys)
    assert code == 4, err  # inconclusive: the check could not be completed (exit codes)
    assert err.startswith("Error: action log not verified: the action log key") and err.count("\n") == 1
    assert "log.key is missing" in err and "cannot be checked" in err


def test_key_named_by_the_environment(office: str, home: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    named = tmp_path / "secret" / "office-log.key"
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    monkeypatch.setenv(actionlog.KEY_ENV, str(named))
    with pytest.raises(actionlog.LogKeyMissing):  # never created: production provides it
        accounts.add_user("ad1", "管理员", ["admin"], None, PASSWORD, url=office)
    named.parent.mkdir()
    named.write_bytes(os.urandom(32))
    accounts.add_user("ad1", "管理员", ["admin"], None, PASSWORD, url=office)
    assert not (home / "keys" / "log.key").exists()
    assert verify_cli(capsys)[0] == 0
    named.write_bytes(os.urandom(32))  # another key: nothing verifies
    broken(capsys, "record 1: MAC does not verify")


def test_processes_starting_at_once_agree_on_one_key(home: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: actionlog.load_key(), range(16)))
    assert len(keys) == 1 and (home / "keys" / "log.key").read_bytes() in keys
    assert [p.name for p in (home / "keys").iterdir()] == ["log.key"]  # no temporary file left


# ------------------------------------------------------------------ commits, packages, publications
def test_only_committed_records_are_anchored(office_log: str, home: Path) -> None:
    before = actionlog.file_anchors(home / "anchors" / "action_log.anchors")
    with pytest.raises(RuntimeError), db.engine(office_log).begin() as conn:
        actionlog.append(conn, "ad1", "test", "x", None)
        raise RuntimeError("rolled back")
    assert actionlog.file_anchors(home / "anchors" / "action_log.anchors") == before
    with db.engine(office_log).connect() as conn:
        assert actionlog.verify(conn).ok


def test_a_savepoint_rolled_back_takes_its_anchor_with_it(office_log: str, home: Path) -> None:
    n = newest(office_log)
    with db.engine(office_log).begin() as conn:
        actionlog.append(conn, "ad1", "test", "kept", None)
        with pytest.raises(RuntimeError), conn.begin_nested():
            actionlog.append(conn, "ad1", "test", "undone", None)
            raise RuntimeError("rolled back to the savepoint")
    anchors = actionlog.file_anchors(home / "anchors" / "action_log.anchors")
    assert anchors[-1].seq == n + 1 == newest(office_log)
    with db.engine(office_log).connect() as conn:
        assert actionlog.verify(conn).ok


def test_package_manifest_carries_the_anchor(office_log: str, tmp_path: Path) -> None:
    url = office_log
    with db.engine(url).connect() as conn:
        a = conn.execute(select(LogAnchor)).one()
    pkg = package.export(CH, "202406", url=url)
    assert pkg.manifest["log_anchor"] == {"chain": a.chain, "seq": a.last_seq, "mac": a.last_mac}
    out = pkg.write(tmp_path / "pkg")
    assert package.verify(out) == [] and package.check_anchor(out, url=url) == []
    with db.engine(url).connect() as conn:  # the export's own record is the next one and names the manifest
        export = conn.execute(select(ActionLog).where(ActionLog.seq == a.last_seq + 1)).one()
        assert export.action == "export" and json.loads(export.detail_json)["manifest_sha256"] == \
            hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest()
        assert actionlog.verify(conn).ok
    assert main(["package", "verify", str(out), "--against-log"]) == 0
    tamper(url, f"DELETE FROM action_log WHERE seq >= {a.last_seq}")  # the log cut back behind the package
    assert any("not the one anchored" in p for p in package.check_anchor(out, url=url))
    forged = json.loads((out / "manifest.json").read_text())
    forged["log_anchor"]["mac"] = "x"
    (out / "manifest.json").write_text(json.dumps(forged))
    assert any("log_anchor is not" in p for p in package.verify(out))


def test_publication_is_one_compact_record_and_reopened_problems_reconcile(office: str, home: Path,
                                                                           monkeypatch, capsys) -> None:
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    districts = ["110101", "110102", "110105", "110106", "110108", "110000"]
    hits = [(f"11010119800101{i:04d}", districts[i % len(districts)], "10") for i in range(3000)]
    publish([evaluation("A01", hits, evidence_rows=0)], "202405", office)
    with db.engine(office).connect() as conn:
        recs = conn.execute(select(ActionLog).where(ActionLog.action == "publication")).all()
    assert len(recs) == 1 and len(recs[0].detail_json) < 8000  # ~2 bytes a problem here
    detail = json.loads(recs[0].detail_json)
    assert sum(1 for _ in reconcile.unpack(detail["created"])) == 3000
    # close one, move one by redetection, publish again: the closed one reopens as a new problem
    p, q = problem_id(office, hits[0][0]), problem_id(office, hits[1][0])
    tamper(office, lambda c: c.execute(update(Problem).where(Problem.id == p).values(state="closed")))
    tamper(office, lambda c: actionlog.append(c, "system", "transition", f"problem:{p}", hits[0][1],
                                              problem_action="approve", from_state="pending", to_state="closed"))
    moved = [(hits[1][0], "110108", "10"), *hits[2:3]]
    publish([evaluation("A01", [hits[0], *moved])], "202406", office)
    assert verify_cli(capsys)[0] == 0
    with db.engine(office).connect() as conn:
        last = json.loads(conn.execute(select(ActionLog.detail_json).where(ActionLog.action == "publication")
                                       .order_by(ActionLog.seq.desc()).limit(1)).scalar_one())
        new = conn.execute(select(Problem.id).where(Problem.recurrence_of == p)).scalar_one()
    assert list(reconcile.unpack(last["reopened"])) == [(new, hits[0][1])]
    assert list(reconcile.unpack(last["moved"])) == [(q, "110108")] and not last["created"]["ids"]
    tamper(office, lambda c: c.execute(update(Problem).where(Problem.id == q).values(district_code=hits[1][1])))
    broken(capsys, f"problem {q}: district {hits[1][1]}, the log says 110108")


def test_pack_round_trip() -> None:
    pairs = [(1, "b"), (2, "b"), (3, "a"), (7, "a"), (8, "c"), (9, "b")]
    packed = reconcile.pack(pairs)
    assert packed["ids"] == [[1, 3], [7, 9]] and list(reconcile.unpack(packed)) == pairs
    assert list(reconcile.unpack(reconcile.pack([]))) == []


def test_checks_are_one_per_noun() -> None:
    assert {"problem", "user"} <= set(reconcile.CHECKS)
    with pytest.raises(ValueError, match="twice"):
        reconcile.register("problem", "x")(lambda conn, log: [])


def test_an_empty_new_log_verifies(office: str, home: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    db.ready(office)
    code, out, err = verify_cli(capsys)
    assert code == 0 and "0 records, chain intact" in out, err
    assert not (home / "keys").exists()  # verifying creates no key


def test_migration_seals_the_records_of_the_old_chain(office: str, home: Path, monkeypatch, capsys) -> None:
    """0011 numbers the records already there and seals them with the key (the first release
    with the log); downgrading writes the old SHA-256 chain back."""
    from datetime import UTC, datetime

    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    db.upgrade(office, "0010_login_attempt")
    eng = db.engine(office)
    at = datetime(2026, 11, 30, 8, 0, 0, 123456, tzinfo=UTC)
    with eng.begin() as conn:
        for i in range(3):
            conn.execute(text("INSERT INTO action_log (at, actor, action, target, district_code, detail_json, "
                              "prev_hash, hash) VALUES (:at, 'ad1', 'login', 'ad1', NULL, :d, 'x', 'y')"),
                         {"at": at, "d": json.dumps({"n": i})})
    db.upgrade(office)
    with eng.connect() as conn:
        v = actionlog.verify(conn)
        assert v.ok and v.records == 3 and v.anchor == 3, v.reason
        assert [r.seq for r in conn.execute(select(ActionLog.seq).order_by(ActionLog.id))] == [1, 2, 3]
    assert verify_cli(capsys)[0] == 0
    db.downgrade(office, "0010_login_attempt")
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT prev_hash, hash, detail_json FROM action_log ORDER BY id")).all()
        anchor = conn.execute(text("SELECT records, last_hash FROM log_anchor")).one()
    assert rows[0].prev_hash == "0" * 64 and rows[1].prev_hash == rows[0].hash and anchor == (3, rows[2].hash)
    body = json.dumps(["0" * 64, at.strftime("%Y-%m-%dT%H:%M:%S.%f"), "ad1", "login", "ad1", None, rows[0].detail_json],
                      ensure_ascii=False, separators=(",", ":"))
    assert rows[0].hash == hashlib.sha256(body.encode()).hexdigest()
    db.upgrade(office)


def test_migration_gives_an_office_with_data_a_baseline(office: str, home: Path, monkeypatch, capsys) -> None:
    """An office that held problems and users before 0011: one log_baseline record of them,
    from which `log verify` reconciles; a later direct edit is still caught."""
    monkeypatch.setenv("WORKBENCH_OFFICE_DB", office)
    accounts.add_user("dh1", "区县处理人", ["district_handler"], OWN, PASSWORD, url=office)
    publish([evaluation("A01", [(KEYS[0], OWN, "100.50"), (KEYS[1], OTHER, "20")])], "202406", office)
    p = problem_id(office)
    workflow.act(DH, p, Action.START, 1, url=office)
    findings.record_finding(DH, p, 2, FINDING, url=office)
    db.downgrade(office, "0010_login_attempt")
    db.upgrade(office)
    with db.engine(office).connect() as conn:
        base = conn.execute(select(ActionLog).where(ActionLog.action == "log_baseline")).one()
        assert base.seq == conn.execute(select(ActionLog.seq).order_by(ActionLog.seq.desc())).first()[0]
    detail = json.loads(base.detail_json)
    assert detail["users"] == {"dh1": {"roles": ["district_handler"], "enabled": True}}
    assert detail["findings"] == {str(p): ["100.50", "80.00", "5.00"]}
    assert verify_cli(capsys)[0] == 0
    tamper(office, lambda c: c.execute(update(ProblemFinding).where(ProblemFinding.problem_id == p)
                                       .values(amount_involved="1.00")))
    broken(capsys, f"problem {p}: amount_involved 1.00, the log says 100.50")
