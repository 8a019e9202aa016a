"""`workbench serve --procs 2` over HTTP (no browser): two server processes share the port,
both serve pages, a session opened through one is honoured and ended through any, the action
log stays one chain, and stopping the server stops both processes. And over HTTP and
websockets: a page carries its session's page key, never the session token, and a page key
opens nothing without its own session's cookie."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from bokeh.util.token import generate_jwt_token, generate_session_id, get_session_id, get_token_payload
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect
from web_support import PASSWORD, http_login, server_process

from workbench.office.accounts import page_key
from workbench.web.auth import COOKIE, PAGE_COOKIE, logout_token

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


def logout(base: str, token: str) -> httpx.Response:
    """POST the logout form of a page of ``token``'s session (its token made with the served
    home's key, WORKBENCH_HOME here, as the page's header carries it)."""
    csrf = logout_token(page_key(token))
    return httpx.post(base + "/logout", data={"csrf": csrf}, cookies={COOKIE: token}, timeout=120)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_two_processes_serve_logins_and_pages(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(home))  # the server's key makes the logout token
    with server_process(home, SETUP, procs=2) as (base, proc):
        deadline = time.time() + 60
        while len(children(proc.pid)) < 2 and time.time() < deadline:
            time.sleep(0.2)
        workers = children(proc.pid)
        assert len(workers) == 2, workers

        def login(user: str) -> str:
            with httpx.Client(timeout=120) as c:
                r = http_login(c, base, user)
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
        assert logout(base, tokens[0]).status_code == 302
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


def bokeh_token(html: str) -> str:
    """The Bokeh session token a served page embeds for its websocket."""
    found = re.findall(r'"token":\s*"([^"]+)"', html)
    assert len(found) == 1, html[-2000:]
    return found[0]


def websocket(base: str, cookies: dict[str, str], token: str) -> int:
    """Open a page's websocket as Bokeh's client does (the token in Sec-WebSocket-Protocol)
    with these cookies: 101 when accepted, else the refusal's status."""
    async def connect() -> int:
        headers = {"Origin": base, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        request = HTTPRequest(base.replace("http://", "ws://") + "/ws", headers=headers)
        try:
            conn = await websocket_connect(request, subprotocols=["bokeh", token])
        except HTTPClientError as exc:
            return exc.code
        conn.close()
        return 101

    return asyncio.run(connect())


def forged(session_id: str, key: str) -> str:
    """A Bokeh token of our own making (Bokeh does not sign them here) holding ``key``."""
    return generate_jwt_token(session_id, extra_payload={"headers": {}, "cookies": {PAGE_COOKIE: key},
                                                         "arguments": {}})


def test_a_page_key_opens_nothing_without_its_own_sessions_cookie(tmp_path: Path, monkeypatch) -> None:
    """The page embeds a Bokeh token holding the session's page key and no session token (no
    such cookie, no Cookie header). A page request or websocket that brings or names one
    session's page key (in a Bokeh token, or the Bokeh session id of a page open under it) with
    another session's cookie, or none, is refused; a page key sent as a cookie is ignored; after
    logout the page's own websocket is refused too."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path / "home"))
    with server_process(tmp_path / "home", SETUP, procs=1) as (base, _):
        cookies = {}
        for user in ("dh1", "dh2"):
            with httpx.Client(timeout=120) as c:
                r = http_login(c, base, user)
            assert r.status_code == 302 and set(r.cookies) == {COOKIE}
            cookies[user] = dict(r.cookies)
        own, other = cookies["dh1"], cookies["dh2"]
        key, other_key = page_key(own[COOKIE]), page_key(other[COOKIE])

        r = httpx.get(base + "/", cookies=own, timeout=120)
        assert r.status_code == 200 and "基金监督工作台" in r.text and own[COOKIE] not in r.text
        token = bokeh_token(r.text)
        payload = get_token_payload(token)
        assert payload["cookies"] == {PAGE_COOKIE: key}
        assert not {"Cookie", "Authorization"} & set(payload["headers"])
        assert own[COOKIE] not in json.dumps(payload) and own[COOKIE] not in token

        def refused(r: httpx.Response) -> bool:
            return r.status_code == 302 and "login" in r.headers["location"] and key not in r.text

        assert refused(httpx.get(base + "/", cookies={PAGE_COOKIE: key}, timeout=120))  # a page key is no login
        # a page key sent as a cookie is not what the page gets: its own session's is
        r = httpx.get(base + "/", cookies={**other, PAGE_COOKIE: key}, timeout=120)
        assert get_token_payload(bokeh_token(r.text))["cookies"] == {PAGE_COOKIE: other_key}
        # a page request bringing dh1's token or naming dh1's open page, with dh2's cookie
        for query in (f"bokeh-token={token}", f"bokeh-session-id={get_session_id(token)}", "bokeh-token=x"):
            assert refused(httpx.get(f"{base}/?{query}", cookies=other, timeout=120)), query
            assert refused(httpx.get(f"{base}/?{query}", timeout=120)), query
        assert refused(httpx.get(base + "/", headers={"Bokeh-Session-Id": get_session_id(token)}, cookies=other,
                                 timeout=120))

        # dh1's page's websocket: with dh1's cookie only
        assert websocket(base, own, token) == 101
        for cookies_sent in (other, {}, {PAGE_COOKIE: key}, {**other, PAGE_COOKIE: key}):
            assert websocket(base, cookies_sent, token) == 403, cookies_sent
        # dh1's key in a token for a page this process has not built (one built by another process)
        assert websocket(base, other, forged(generate_session_id(), key)) == 403
        assert websocket(base, own, forged(generate_session_id(), key)) == 101  # rebuilt from the token
        # dh2's own key in a token naming dh1's open page
        assert websocket(base, other, forged(get_session_id(token), other_key)) == 403
        mine = bokeh_token(httpx.get(base + "/", cookies=other, timeout=120).text)
        assert websocket(base, other, mine) == 101  # dh2's own page

        assert logout(base, own[COOKIE]).status_code == 302
        assert websocket(base, own, token) == 403
