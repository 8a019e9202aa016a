"""security.md "Login (web)", sessions: at most ``serve.max_sessions_per_user`` at once (the
oldest ended first); logout, a password change or reset and disabling end sessions on the
server; logout is a POST carrying its CSRF token. Service level on SQLite and PostgreSQL, real
HTTP against `workbench serve`, and the header's 退出 button in chromium."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from web_support import PASSWORD, http_login, login, server_process, serving

from workbench import params
from workbench.errors import AuthError
from workbench.office import accounts
from workbench.office.models import now
from workbench.web import auth
from workbench.web.auth import COOKIE

NEW = "New-Password-77"
SETUP = f"""
from workbench.office import accounts
accounts.add_user("dh1", "测试", ["district_handler"], "110105", {PASSWORD!r})
accounts.add_user("dh2", "测试二", ["district_handler"], "110108", {PASSWORD!r})
"""


def alive(token: str, office: str) -> bool:
    try:
        accounts.session_account(token, url=office)
    except AuthError:
        return False
    return True


# ------------------------------------------------------------------ the service
def test_a_login_beyond_the_limit_ends_the_oldest_session(office: str) -> None:
    accounts.add_user("dh1", "测试", ["district_handler"], "110105", PASSWORD, url=office)
    most = params.load("office")["serve"]["max_sessions_per_user"]
    assert most == 5
    t0 = now()
    tokens = [accounts.login("dh1", PASSWORD, address="192.0.2.1", at=t0 + timedelta(seconds=i), url=office)[1]
              for i in range(most)]
    assert all(alive(t, office) for t in tokens)
    sixth = accounts.login("dh1", PASSWORD, address="192.0.2.1", at=t0 + timedelta(seconds=most), url=office)[1]
    assert [alive(t, office) for t in tokens] == [False] + [True] * (most - 1)
    assert alive(sixth, office)
    seventh = accounts.login("dh1", PASSWORD, address="192.0.2.2", at=t0 + timedelta(seconds=most + 1),
                             url=office)[1]
    assert [alive(t, office) for t in [*tokens, sixth, seventh]] == [False, False] + [True] * (most - 2) + [True] * 2


def test_logout_reset_change_and_disabling_end_sessions_on_the_server(office: str) -> None:
    accounts.add_user("dh1", "测试", ["district_handler"], "110105", PASSWORD, url=office)
    one, two, three = (accounts.login("dh1", PASSWORD, url=office)[1] for _ in range(3))
    accounts.logout(one, url=office)
    assert not alive(one, office) and alive(two, office)
    with pytest.raises(AuthError):  # the page key of an ended session opens nothing either
        accounts.page_account(accounts.page_key(one), url=office)

    # a password change: the old password checked, the other sessions ended, this one kept
    with pytest.raises(AuthError) as e:
        accounts.change_password(two, "not-the-password", NEW, url=office)
    assert e.value.zh == "当前密码不正确" and alive(three, office)
    accounts.change_password(two, PASSWORD, NEW, url=office)
    assert alive(two, office) and not alive(three, office)
    with pytest.raises(AuthError):
        accounts.login("dh1", PASSWORD, url=office)
    four = accounts.login("dh1", NEW, url=office)[1]

    accounts.reset_password("dh1", PASSWORD, url=office)  # an admin's reset: every session ends
    assert not alive(two, office) and not alive(four, office)
    five = accounts.login("dh1", PASSWORD, url=office)[1]
    accounts.set_disabled("dh1", True, url=office)
    assert not alive(five, office)
    accounts.set_disabled("dh1", False, url=office)
    assert not alive(five, office)  # enabling again brings no session back


# ------------------------------------------------------------------ over HTTP
def logout_token(home: Path, session: str) -> str:
    """The token the logout form of a page of ``session`` carries (the header reaches the
    browser over the websocket): made from the served home's server key, as the server does."""
    assert (home / "keys" / "web.key").stat().st_mode & 0o077 == 0  # the key: the server's only
    return auth.logout_token(accounts.page_key(session))


def page(base: str, token: str) -> httpx.Response:
    return httpx.get(base + "/", cookies={COOKIE: token}, timeout=120)


def test_http_sixth_login_ends_the_first_and_logout_ends_the_session(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    with server_process(home, SETUP, procs=1) as (base, _):
        tokens = []
        for _ in range(6):
            with httpx.Client(timeout=120) as c:
                r = http_login(c, base, "dh1")
                assert r.status_code == 302
                tokens.append(r.cookies[COOKIE])
        r = page(base, tokens[0])
        assert r.status_code == 302 and "login" in r.headers["location"]  # the oldest ended
        for t in tokens[1:]:
            assert page(base, t).status_code == 200

        own = tokens[-1]
        # GET does not log out; nor does a POST without the page's token or with another's
        assert httpx.get(base + "/logout", cookies={COOKIE: own}, timeout=120).status_code == 405
        other = http_login(httpx.Client(timeout=120), base, "dh2").cookies[COOKIE]
        foreign = logout_token(home, other)
        for data in ({}, {"csrf": ""}, {"csrf": "0" * 64}, {"csrf": foreign}):
            r = httpx.post(base + "/logout", data=data, cookies={COOKIE: own}, timeout=120)
            assert r.status_code == 403, data
        assert page(base, own).status_code == 200  # still logged in

        token = logout_token(home, own)
        r = httpx.post(base + "/logout", data={"csrf": token}, cookies={COOKIE: own}, timeout=120)
        assert r.status_code == 302 and r.headers["location"] == "/login"
        assert 'wb_session=""' in r.headers["set-cookie"]
        # the server ended it: the same cookie, sent again, opens nothing
        r = page(base, own)
        assert r.status_code == 302 and "login" in r.headers["location"]
        assert page(base, other).status_code == 200


@pytest.mark.browser
def test_the_headers_logout_button_ends_the_session(tmp_path: Path, browser) -> None:
    """In chromium: the page works under the Content-Security-Policy (no violation reported),
    and 退出 in its header posts the logout form, lands on the login page and ends the session."""
    with serving(tmp_path / "home", SETUP) as base:
        page_ = login(browser, base, "dh1")
        violations: list[str] = []
        page_.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page_.reload()
        page_.get_by_text("我的工作队列").first.wait_for()
        token = {c["name"]: c["value"] for c in page_.context.cookies()}[COOKIE]
        page_.locator("#wb-logout").click()
        page_.wait_for_url(re.compile(r".*/login$"))
        page_.locator("#username").wait_for()
        assert COOKIE not in {c["name"] for c in page_.context.cookies()}
        r = page(base, token)
        assert r.status_code == 302 and "login" in r.headers["location"]
        assert violations == []
