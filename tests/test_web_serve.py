"""`workbench serve --procs 2` over HTTP (no browser): two server processes share the port,
both serve pages, a session opened through one is honoured and ended through any, the action
log stays one chain, and stopping the server stops both processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from web_support import PASSWORD, server_process

USERS = ("dh1", "dh2", "ch1", "ad1")
SETUP = f"""
from workbench.office import accounts
for user, role, district in [("dh1", "district_handler", "110105"), ("dh2", "district_handler", "110108"),
                             ("ch1", "city_handler", None), ("ad1", "admin", None)]:
    accounts.add_user(user, "测试" + user, [role], district, {PASSWORD!r})
"""


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_two_processes_serve_logins_and_pages(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with server_process(home, SETUP, procs=2) as (base, proc):
        deadline = time.time() + 60
        while len(children(proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.2)
        workers = children(proc.pid)
        assert len(workers) == 2, workers

        def login(user: str) -> str:
            r = httpx.post(base + "/login", data={"username": user, "password": PASSWORD}, timeout=120)
            assert r.status_code == 302 and r.headers["location"] == "/", r.text[-500:]
            return r.cookies["wb_session"]

        with ThreadPoolExecutor(8) as pool:
            tokens = list(pool.map(login, [*USERS, *USERS]))

        def page(token: str) -> None:
            r = httpx.get(base + "/", cookies={"wb_session": token}, timeout=120)
            assert r.status_code == 200 and "基金监督工作台" in r.text

        # pages are built on the event loop, so a busy process leaves the next connection to the
        # other one: within a few rounds of concurrent loads both processes have built pages
        used = dict.fromkeys(workers, 0.0)
        for _ in range(5):
            before = {w: cpu_seconds(w) for w in workers}
            with ThreadPoolExecutor(8) as pool:
                list(pool.map(page, tokens))
            for w in workers:
                used[w] += cpu_seconds(w) - before[w]
            if min(used.values()) > 0.1:
                break
        assert min(used.values()) > 0.1, used

        # a session ended through whichever process answers is refused by every process
        assert httpx.get(base + "/logout", cookies={"wb_session": tokens[0]}, timeout=120).status_code == 302
        for _ in range(6):
            r = httpx.get(base + "/", cookies={"wb_session": tokens[0]}, timeout=120)
            assert r.status_code == 302 and "login" in r.headers["location"]
        for t in tokens[1:3]:
            page(t)

    time.sleep(1)
    assert all(not Path(f"/proc/{w}").exists() or "zombie" in Path(f"/proc/{w}/status").read_text()
               for w in workers), "a server process outlived `workbench serve`"
    env = {**os.environ, "WORKBENCH_HOME": str(home)}
    env.pop("WORKBENCH_OFFICE_DB", None)
    done = subprocess.run([sys.executable, "-m", "workbench.cli", "log", "verify"], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0 and "chain intact" in done.stdout, done.stdout + done.stderr
    assert f"{4 + 8 + 1} records" in done.stdout  # 4 users added, 8 logins, 1 logout
