"""security.md "Login (web)": throttling per (user name, source address) and per address,
never a lock-out; one refusal for a wrong name, a wrong password, a disabled account and a
throttled pair; the CSRF token of the login form; the source address (trusted proxies only);
where a login lands (``?next=``). Service level on SQLite and PostgreSQL (``office``), and real
HTTP against `workbench serve` (a second client address is a second loopback address)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from web_support import PASSWORD, http_login, login_form, office_parameters, server_process

from workbench.errors import AuthError
from workbench.office import accounts, db
from workbench.office.models import ActionLog, LoginAttempt, now
from workbench.web.auth import COOKIE, safe_next

OTHER = "Other-Password-9"
SETUP = f"""
from workbench.office import accounts
accounts.add_user("dh1", "测试", ["district_handler"], "110105", {PASSWORD!r})
accounts.add_user("ad1", "管理员", ["admin"], None, {PASSWORD!r})
accounts.add_user("gone", "停用", ["city_handler"], None, {PASSWORD!r})
accounts.set_disabled("gone", True)
"""


def users(office: str) -> None:
    accounts.add_user("dh1", "测试", ["district_handler"], "110105", PASSWORD, url=office)
    accounts.add_user("ad1", "管理员", ["admin"], None, PASSWORD, url=office)


def refused(office: str, name: str, password: str, address: str, **kw) -> AuthError:
    with pytest.raises(AuthError) as e:
        accounts.login(name, password, address=address, url=office, **kw)
    return e.value


def reasons(office: str) -> list[tuple[str, str | None]]:
    with db.engine(office).connect() as conn:
        rows = conn.execute(select(ActionLog.action, ActionLog.detail_json).order_by(ActionLog.id)).all()
    return [(a, (re.search(r'"reason": "([^"]+)"', d or "") or [None, None])[1]) for a, d in rows]


# ------------------------------------------------------------------ the service
def test_a_throttled_pair_is_refused_without_a_password_check_and_never_locks_the_user(
        office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    users(office)
    pair = accounts.login_params()["throttle_pair"]
    t0 = now()
    for _ in range(pair["failures"]):
        assert refused(office, "ad1", "guess-1234", "198.51.100.7", at=t0).zh == accounts.BAD_LOGIN_ZH
    checked: list[str] = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, stored, pw: checked.append(stored) or real(h, stored, pw))
    # the right password from the throttled pair: the same refusal, checked against the decoy only
    e = refused(office, "ad1", PASSWORD, "198.51.100.7", at=t0 + timedelta(minutes=1))
    assert e.zh == accounts.BAD_LOGIN_ZH and not isinstance(e, accounts.TooManyAttempts)
    assert checked == [accounts._decoy_hash(accounts.hasher())]
    # the same user from another address, at the same moment: in (an admin included)
    assert accounts.login("ad1", PASSWORD, address="198.51.100.8", at=t0 + timedelta(minutes=1), url=office)
    # another name from the throttled address is not throttled by this pair
    assert accounts.login("dh1", PASSWORD, address="198.51.100.7", at=t0 + timedelta(minutes=1), url=office)
    # the block ends after block_minutes; more failures before then do not lengthen it
    refused(office, "ad1", PASSWORD, "198.51.100.7", at=t0 + timedelta(minutes=pair["block_minutes"] - 1))
    assert accounts.login("ad1", PASSWORD, address="198.51.100.7",
                          at=t0 + timedelta(minutes=pair["block_minutes"], seconds=1), url=office)
    assert [r for r in reasons(office) if r[0] == "login_failed"] == (
        [("login_failed", "wrong password")] * pair["failures"] + [("login_failed", "pair throttled")] * 2)


def test_attempts_of_addresses_that_never_come_back_are_pruned(office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    users(office)
    monkeypatch.setattr(accounts, "PRUNE_EVERY", 1)
    p = accounts.login_params()
    horizon = max(t["within_minutes"] + t["block_minutes"] for t in (p["throttle_pair"], p["throttle_address"]))
    t0 = now()
    for i in range(3):
        refused(office, "ad1", "guess-1234", f"203.0.113.{i}", at=t0)

    def kept() -> set[str]:
        with db.engine(office).connect() as conn:
            return set(conn.execute(select(LoginAttempt.address)).scalars())

    accounts.login("dh1", PASSWORD, address="198.51.100.9", at=t0 + timedelta(minutes=horizon - 1), url=office)
    assert kept() == {"203.0.113.0", "203.0.113.1", "203.0.113.2", "198.51.100.9"}  # still within a window
    accounts.login("dh1", PASSWORD, address="198.51.100.9", at=t0 + timedelta(minutes=horizon + 1), url=office)
    assert kept() == {"198.51.100.9"}


def test_failures_spread_over_more_than_the_window_do_not_throttle_and_a_success_resets_the_pair(
        office: str) -> None:
    users(office)
    pair = accounts.login_params()["throttle_pair"]
    t0 = now() - timedelta(hours=2)
    step = timedelta(minutes=pair["within_minutes"] / (pair["failures"] - 1) + 1)
    for i in range(pair["failures"] * 2):  # never `failures` of them within the window
        refused(office, "dh1", "guess-1234", "198.51.100.9", at=t0 + i * step)
    assert accounts.login("dh1", PASSWORD, address="198.51.100.9", at=t0 + 10 * step, url=office)
    t1 = now()
    for _ in range(pair["failures"] - 1):
        refused(office, "dh1", "guess-1234", "198.51.100.10", at=t1)
    accounts.login("dh1", PASSWORD, address="198.51.100.10", at=t1, url=office)  # the user's own success
    refused(office, "dh1", "typo-12345", "198.51.100.10", at=t1)
    assert accounts.login("dh1", PASSWORD, address="198.51.100.10", at=t1, url=office)


def test_an_address_with_too_many_failures_gets_429_whatever_the_names(office: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    users(office)
    limit = accounts.login_params()["throttle_address"]
    t0 = now()
    for i in range(limit["failures"]):  # 20 different names, none of them throttled as a pair
        e = refused(office, "dh1" if i < 2 else f"user{i}", f"guess-{i}", "203.0.113.5", at=t0)
        assert not isinstance(e, accounts.TooManyAttempts)
    checked: list[str] = []
    monkeypatch.setattr(accounts, "_verify", lambda *a: checked.append("x") or True)
    for name, password in (("dh1", PASSWORD), ("somebody", "x")):
        e = refused(office, name, password, "203.0.113.5", at=t0 + timedelta(minutes=1))
        assert isinstance(e, accounts.TooManyAttempts) and e.zh == accounts.TOO_MANY_ZH
        assert "dh1" not in e.zh and "somebody" not in e.zh  # about the address, never a name
    assert checked == []  # no password work for a throttled address
    monkeypatch.undo()
    assert accounts.login("dh1", PASSWORD, address="203.0.113.6", at=t0, url=office)  # another address
    # refusals during the block are not failures: it ends block_minutes after the last failure
    assert accounts.login("dh1", PASSWORD, address="203.0.113.5",
                          at=t0 + timedelta(minutes=limit["block_minutes"], seconds=1), url=office)
    assert reasons(office).count(("login_failed", "address throttled")) == 2


def test_one_refusal_for_all_with_the_same_password_work_and_the_true_reason_logged(
        office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    users(office)
    accounts.add_user("gone", "停用", ["city_handler"], None, PASSWORD, url=office)
    accounts.set_disabled("gone", True, url=office)
    pair = accounts.login_params()["throttle_pair"]
    for _ in range(pair["failures"]):
        refused(office, "ad1", "guess-1234", "192.0.2.50")
    checked: list[str] = []
    real = accounts._verify
    monkeypatch.setattr(accounts, "_verify", lambda h, stored, pw: checked.append(stored) or real(h, stored, pw))
    got = [refused(office, name, password, "192.0.2.50")
           for name, password in (("nobody", PASSWORD), ("dh1", "wrong-password"), ("gone", PASSWORD),
                                  ("ad1", PASSWORD), ("bad\x00name\u202e", PASSWORD))]
    assert {(type(e), e.zh) for e in got} == {(AuthError, accounts.BAD_LOGIN_ZH)}
    assert len(checked) == len(got)  # exactly one argon2 check each, all at the configured cost
    assert len({s.split("$")[3] for s in checked}) == 1
    assert [r for _, r in reasons(office)[-5:]] == ["unknown user", "wrong password", "disabled",
                                                   "pair throttled", "unknown user"]


# ------------------------------------------------------------------ over HTTP
def client(address: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (any 127.x address is loopback)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=120)


def error_of(r: httpx.Response) -> str:
    return re.search(r'<div class="error" id="error" role="alert">([^<]*)</div>', r.text).group(1)


def office_rows(home: Path, table) -> list:
    """The rows of ``table`` in the office database of a served home (SQLite)."""
    url = f"sqlite:///{home / 'office.sqlite'}"
    try:
        with db.engine(url).connect() as conn:
            return conn.execute(select(table)).all()
    finally:
        db.forget(url)


def test_http_one_refusal_throttled_pair_and_429_per_address(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with server_process(home, SETUP, procs=1) as (base, _):
        pair = accounts.login_params()["throttle_pair"]["failures"]
        with client() as c:
            for _ in range(pair):
                assert http_login(c, base, "dh1", "guess-1234").status_code == 401
            answers = {"wrong name": http_login(c, base, "nobody", PASSWORD),
                       "wrong password": http_login(c, base, "ad1", "wrong-password"),
                       "disabled": http_login(c, base, "gone", PASSWORD),
                       "throttled pair": http_login(c, base, "dh1", PASSWORD)}
        for why, r in answers.items():
            assert r.status_code == 401 and COOKIE not in r.cookies, why
            assert error_of(r) == accounts.BAD_LOGIN_ZH, why
        bodies = {re.sub(r'id="username" name="username" value="[^"]*"', "", r.text) for r in answers.values()}
        assert len(bodies) == 1  # the very same page, but for the name typed back into the form

        # the throttled user logs in at once from another address (a second loopback address)
        with client("127.0.0.2") as c:
            r = http_login(c, base, "dh1", PASSWORD)
            assert r.status_code == 302 and COOKIE in r.cookies
        with client() as c:  # and the pair stays refused
            assert http_login(c, base, "dh1", PASSWORD).status_code == 401

        # 20 failures from one address, whatever the names: 429 for every login from it
        limit = accounts.login_params()["throttle_address"]["failures"]
        with client("127.0.0.3") as c:
            for i in range(limit):
                assert http_login(c, base, f"name{i % 7}", "guess-1234").status_code == 401
            for name, password in (("ad1", PASSWORD), ("nobody", "x")):
                r = http_login(c, base, name, password)
                assert r.status_code == 429 and COOKIE not in r.cookies
                assert error_of(r) == accounts.TOO_MANY_ZH and int(r.headers["retry-after"]) > 0
        with client("127.0.0.4") as c:
            assert http_login(c, base, "ad1", PASSWORD).status_code == 302
    attempts = office_rows(home, LoginAttempt)
    assert {a.address for a in attempts} == {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}
    assert all(u.locked_until is None and u.failed_logins == 0 for u in office_rows(home, accounts.USERS))


def test_http_csrf_token_is_checked_before_any_password(tmp_path: Path) -> None:
    """A login POST without the form's token, with a wrong one, or with a token that belongs
    to another pre-login cookie is 403, and nothing is checked: no attempt counted, nothing
    logged, no session, even with the right password."""
    home = tmp_path / "home"
    with server_process(home, SETUP, procs=1) as (base, _), client() as c, client() as other:
        token = login_form(c, base)
        foreign = login_form(other, base)  # a valid token, of someone else's cookie
        right = {"username": "ad1", "password": PASSWORD}
        for data, cookies in (({**right}, None), ({**right, "csrf": ""}, None),
                              ({**right, "csrf": "0" * 64}, None), ({**right, "csrf": foreign}, None),
                              ({**right, "csrf": token}, {})):  # the token without its cookie
            if cookies is None:
                r = c.post(base + "/login", data=data)
            else:
                r = httpx.post(base + "/login", data=data, timeout=120)
            assert r.status_code == 403 and COOKIE not in r.cookies, data
            assert error_of(r) == "页面已失效，请刷新后重试"
        assert office_rows(home, LoginAttempt) == []
        assert [a for a in office_rows(home, ActionLog) if a.action.startswith("login")] == []
        r = c.post(base + "/login", data={**right, "csrf": token})  # the form's own token: in
        assert r.status_code == 302 and COOKIE in r.cookies
    assert len(office_rows(home, LoginAttempt)) == 1


def test_http_forwarded_for_is_believed_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    home = tmp_path / "home"
    params = office_parameters(tmp_path, "serve", trusted_proxies=["127.0.0.2/32"])
    with server_process(home, SETUP, params, procs=1) as (base, _):
        forwarded = {"X-Forwarded-For": "198.51.100.77, 127.0.0.2"}
        with client("127.0.0.1") as c:  # not a proxy of ours: its header is ignored
            c.headers.update(forwarded)
            assert http_login(c, base, "dh1", "guess-1234").status_code == 401
        with client("127.0.0.2") as c:  # the proxy: the nearest untrusted hop is the client
            c.headers.update(forwarded)
            assert http_login(c, base, "dh1", "guess-1234").status_code == 401
    assert [a.address for a in office_rows(home, LoginAttempt)] == ["127.0.0.1", "198.51.100.77"]


def test_parameters_of_throttling_and_proxies_are_validated() -> None:
    from workbench import params
    from workbench.errors import ParameterError

    data = params.load_raw("office")
    assert "max_failed" not in data["login"] and "lock_minutes" not in data["login"]
    for section, key, bad in (("serve", "trusted_proxies", ["not-an-address"]), ("serve", "secure_cookies", "yes"),
                              ("serve", "max_sessions_per_user", 0),
                              ("login", "throttle_pair", {"failures": 0, "within_minutes": 15, "block_minutes": 15})):
        with pytest.raises(ParameterError, match=f"{section}.{key}"):
            params.validate("office", {**data, section: {**data[section], key: bad}}, "office.yaml")


# ------------------------------------------------------------------ where a login lands
@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "\\\\evil.example", "javascript:alert(1)", "/\t/evil.example",
                                    "http:/evil.example", " /problem", "/login", "evil.example/x", ""])
def test_next_off_site_lands_on_the_queue(target: str) -> None:
    assert safe_next(target) == "/"


def test_http_next_is_honoured_for_a_same_site_path_and_refused_off_site(tmp_path: Path) -> None:
    with server_process(tmp_path / "home", SETUP, procs=1) as (base, _), client() as c:
        r = c.get(base + "/problem?id=5")  # Bokeh sends the anonymous to the login with next=
        assert r.status_code == 302 and "next=%2Fproblem%3Fid%3D5" in r.headers["location"]
        r = http_login(c, base, "dh1", PASSWORD, next_="/problem?id=5")
        assert r.status_code == 302 and r.headers["location"] == "/problem?id=5"
        for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
                       "/\t/evil.example"):
            r = http_login(c, base, "dh1", PASSWORD, next_=target)
            assert r.status_code == 302 and r.headers["location"] == "/", target


@pytest.mark.postgres
def test_throttling_holds_across_server_processes_on_postgresql(tmp_path: Path, pg_database: str) -> None:
    """Two server processes on one PostgreSQL office database: the pair's failures count
    together whichever process answers."""
    import psycopg

    with psycopg.connect(pg_database.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db.forget(pg_database)
    pair = accounts.login_params()["throttle_pair"]["failures"]
    with server_process(tmp_path / "home", SETUP, procs=2, office=pg_database) as (base, _):
        for _ in range(pair):  # a new connection each time: either process may answer
            with client() as c:
                assert http_login(c, base, "dh1", "guess-1234").status_code == 401
        for _ in range(4):
            with client() as c:
                assert http_login(c, base, "dh1", PASSWORD).status_code == 401
        with client("127.0.0.2") as c:
            assert http_login(c, base, "dh1", PASSWORD).status_code == 302
    try:
        with db.engine(pg_database).connect() as conn:
            assert conn.execute(select(func.count()).select_from(LoginAttempt)).scalar_one() == pair + 5
    finally:
        db.forget(pg_database)
