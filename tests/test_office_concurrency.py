"""Several processes writing to one office database at once, as the processes of `workbench
serve --procs N` do: the action log's hash chain stays one chain (``workbench log verify``
passes), no append is lost, and nobody is told "database is locked"; on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select, text

from workbench.office import accounts, actionlog, db
from workbench.office.models import ActionLog

PASSWORD = "Correct-Horse-9"
APPENDS, LOGINS = 60, 4
WRITER = f"""
import sys, time
from pathlib import Path
from sqlalchemy import select
from workbench.office import accounts, actionlog, db
from workbench.office.models import LogAnchor

url, who, go = sys.argv[1:]
eng = db.ready(url)
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.005)
for i in range({APPENDS}):
    if i % ({APPENDS} // {LOGINS}) == 0:
        accounts.login(who, "{PASSWORD}", url=url)  # a login: user row, session and log record
    with eng.begin() as conn:
        conn.execute(select(LogAnchor.last_seq)).all()  # a read first, as the services do
        actionlog.append(conn, who, "test", f"{{who}}:{{i}}", None, i=i)
"""


def test_two_processes_append_at_once_and_the_chain_holds(office: str, tmp_path: Path) -> None:
    for name in ("proc1", "proc2"):
        accounts.add_user(name, name, ["city_handler"], None, PASSWORD, url=office)
    db.release()  # nothing of this process is connected while the writers run
    go = tmp_path / "go"
    env = {**os.environ, "WORKBENCH_HOME": str(tmp_path / "home")}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, office, name, str(go)], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for name in ("proc1", "proc2")]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        t0 = time.perf_counter()
        go.touch()
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outs]
    assert time.perf_counter() - t0 < 300

    with db.engine(office).connect() as conn:
        result = actionlog.verify(conn)
        rows = conn.execute(select(ActionLog.actor, ActionLog.target).where(ActionLog.action == "test")
                            .order_by(ActionLog.id)).all()
        logins = conn.execute(select(ActionLog.actor).where(ActionLog.action == "login")).all()
        if office.startswith("sqlite"):
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    assert result.ok, result.reason
    assert result.records == 2 + 2 * APPENDS + 2 * LOGINS
    for who in ("proc1", "proc2"):  # every append of each writer, in its order
        assert [t for a, t in rows if a == who] == [f"{who}:{i}" for i in range(APPENDS)]
        assert sum(a == who for (a,) in logins) == LOGINS
    actors = [a for a, _ in rows]
    assert any(x != y for x, y in itertools.pairwise(actors)), "the writers never interleaved"
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "log", "verify"], capture_output=True, text=True,
                          env={**env, "WORKBENCH_OFFICE_DB": office})
    assert done.returncode == 0 and "chain intact" in done.stdout, done.stderr
    # one whole anchor line per committed append, in sequence order, the newest the highest
    lines = (tmp_path / "home" / "anchors" / actionlog.ANCHOR_FILE).read_text().splitlines()
    anchors = actionlog.file_anchors(tmp_path / "home" / "anchors" / actionlog.ANCHOR_FILE)
    assert len(anchors) == len(lines) == result.records
    assert [a.seq for a in anchors] == list(range(1, result.records + 1))


def test_a_forked_child_connects_anew_and_leaves_the_parents_connection_alone(office: str) -> None:
    eng = db.ready(office)
    with eng.connect() as conn:
        mine = conn.connection.dbapi_connection
    pid = os.fork()
    if pid == 0:  # the child: the inherited pool is dropped (not closed); a query connects anew
        code = 1
        try:
            child = db.engine(office)
            with child.connect() as conn:
                fresh = conn.connection.dbapi_connection is not mine
                code = 0 if fresh and conn.execute(text("SELECT 1")).scalar_one() == 1 else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    with eng.connect() as conn:  # the parent's pooled connection is the same and still works
        assert conn.connection.dbapi_connection is mine
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
