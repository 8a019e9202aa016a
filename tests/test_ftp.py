"""Intake from a real FTP server on loopback (pyftpdlib)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from deliveries import delivery

pytest.importorskip("pyftpdlib")
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer

P = "202406"
ID = "110105198001011238"
PERSONS = [f"P{i},{ID},张三,1,19800101,1,110105,U1,1,20050101" for i in range(4)]
PASSWORD = "s3cret-Pa55"


@pytest.fixture
def ftp(tmp_path):
    """An FTP server serving ``tmp_path/drop`` to user ``wb`` on a free loopback port."""
    drop = tmp_path / "drop"
    drop.mkdir()
    auth = DummyAuthorizer()
    auth.add_user("wb", PASSWORD, str(drop), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": auth, "passive_ports": None})
    server = FTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2}, daemon=True)
    thread.start()
    yield drop, port
    server.close_all()


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "workbench.cli", *args], capture_output=True,
                          text=True, env=env, timeout=300)


def test_intake_over_ftp_with_credentials_in_url(home, ftp, tmp_path):
    drop, port = ftp
    delivery(drop, P, {"sb_person": PERSONS, "ref_death": [f"{ID},张三,20240101,1,20240105"]},
             encoding="GB18030")
    report = tmp_path / "r.json"
    done = cli("intake", "--landing", f"ftp://wb:{PASSWORD}@127.0.0.1:{port}/", "--period", P,
               "--report", str(report))
    assert done.returncode == 0, done.stderr
    data = json.loads(report.read_text())
    assert data["tables"]["sb_person"]["loaded"] == 4 and data["tables"]["ref_death"]["loaded"] == 1
    assert PASSWORD not in done.stdout + done.stderr + report.read_text()
    assert (home / "deliveries" / P / "sb_person.csv").is_file()  # kept copy of what arrived
    from workbench.warehouse import Warehouse

    with Warehouse() as wh:
        log = wh.table("intake_log").to_pyarrow().to_pylist()
    assert log and all(PASSWORD not in str(r["source"]) for r in log)
    assert log[0]["source"].startswith(f"ftp://wb@127.0.0.1:{port}")


def test_credentials_from_netrc_and_environment(home, ftp, tmp_path, monkeypatch):
    drop, port = ftp
    delivery(drop, P, {"sb_person": PERSONS})
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login wb password {PASSWORD}\n")
    netrc.chmod(0o600)
    import os

    env = {**os.environ, "NETRC": str(netrc)}
    done = cli("intake", "--landing", f"ftp://127.0.0.1:{port}/", "--period", P, env=env)
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "WORKBENCH_FTP_USER": "wb", "WORKBENCH_FTP_PASSWORD": PASSWORD,
           "NETRC": str(tmp_path / "none")}
    done = cli("intake", "--landing", f"ftp://127.0.0.1:{port}/", "--period", P, env=env)
    assert done.returncode == 0, done.stderr


def test_wrong_password_is_one_line_without_the_password(home, ftp):
    _, port = ftp
    done = cli("intake", "--landing", f"ftp://wb:wrong-{PASSWORD}@127.0.0.1:{port}/", "--period", P)
    assert done.returncode == 2  # the environment (cli.md exit codes)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused login for user 'wb'" in lines[0]
    assert PASSWORD not in done.stderr + done.stdout
    assert not (home / "deliveries").exists()  # a failed fetch leaves no empty folder behind


def test_missing_file_on_server_is_refused_others_load(home, ftp):
    drop, port = ftp
    delivery(drop, P, {"sb_person": PERSONS, "ref_death": [f"{ID},张三,20240101,1,20240105"]})
    (drop / P / "ref_death.csv").unlink()
    done = cli("intake", "--landing", f"ftp://wb:{PASSWORD}@127.0.0.1:{port}", "--period", P)
    assert done.returncode == 3
    assert "ref_death" in done.stdout and "not on the server" in done.stdout
    assert "sb_person" in done.stdout and "loaded         4" in done.stdout


def test_missing_period_on_server(home, ftp):
    _, port = ftp
    done = cli("intake", "--landing", f"ftp://wb:{PASSWORD}@127.0.0.1:{port}/", "--period", P)
    assert done.returncode == 3  # no manifest: the delivery is refused whole (security.md)
    assert done.stderr.count("\n") == 1 and "manifest missing" in done.stderr
    assert not (home / "deliveries" / P).exists()  # nothing kept of a refused fetch
