"""Users, argon2 passwords, throttling (never lock-out), sessions and the hash-chained action log, on SQLite and
PostgreSQL, through the service layer and the `workbench users` / `workbench log verify` CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from workbench.errors import AuthError, OfficeError
from workbench.office import accounts, actionlog, db
from workbench.office.models import ActionLog, User, now
from workbench.office.roles import Role

PASSWORD = "Correct-Horse-9"


def user(office: str, name: str = "dh1", roles=("district_handler",), district: str | None = "110105"):
    return accounts.add_user(name, "区县处理人", list(roles), district, PASSWORD, url=office)[0]


def log_rows(office: str) -> list:
    with db.engine(office).connect() as conn:
        return conn.execute(select(ActionLog).order_by(ActionLog.id)).all()


def test_password_is_stored_as_argon2_and_login_gives_a_session(office: str) -> None:
    acc = user(office)
    assert acc.roles == {Role.DISTRICT_HANDLER} and acc.district_code == "110105"
    with db.engine(office).connect() as conn:
        stored = conn.execute(select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    logged, token = accounts.login("dh1", PASSWORD, url=office)
    assert logged == acc
    assert accounts.session_account(token, url=office) == acc
    with db.engine(office).connect() as conn:  # only the token's hash is kept
        assert token not in str(conn.execute(text("SELECT token_hash FROM user_session")).all())
    accounts.logout(token, url=office)
    with pytest.raises(AuthError) as e:
        accounts.session_account(token, url=office)
    assert e.value.zh == "登录已过期，请重新登录"
    assert [r.action for r in log_rows(office)] == ["user_add", "login", "logout"]


def test_passwords_are_hashed_at_the_configured_cost_and_old_hashes_are_replaced(office: str) -> None:
    from argon2 import PasswordHasher

    cost = accounts.login_params()["argon2"]
    prefix = f"$argon2id$v=19$m={cost['memory_kib']},t={cost['time_cost']},p={cost['parallelism']}$"
    user(office)

    def stored() -> str:
        with db.engine(office).connect() as conn:
            return conn.execute(select(User.password_hash)).scalar_one()

    assert stored().startswith(prefix)
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)  # an earlier cost
    with db.engine(office).begin() as conn:
        conn.execute(User.__table__.update().values(password_hash=old))
    with pytest.raises(AuthError):
        accounts.login("dh1", "wrong-password", url=office)
    assert stored() == old  # a failed login changes nothing
    accounts.login("dh1", PASSWORD, url=office)
    assert stored().startswith(prefix) and stored() != old
    accounts.login("dh1", PASSWORD, url=office)  # and the new hash checks


def test_argon2_cost_below_owasp_minimum_is_refused() -> None:
    from workbench import params
    from workbench.errors import ParameterError

    data = params.load_raw("office")
    for key, low in (("memory_kib", 16384), ("time_cost", 1), ("parallelism", 0)):
        weak = {**data, "login": {**data["login"], "argon2": {**data["login"]["argon2"], key: low}}}
        with pytest.raises(ParameterError, match=f"login.argon2.{key}"):
            params.validate("office", weak, "office.yaml")


def test_wrong_passwords_throttle_the_pair_but_never_lock_the_account(office: str) -> None:
    """security.md: failures throttle (name, address), never the account (tests/security has the rest)."""
    user(office)
    limit = accounts.login_params()["throttle_pair"]["failures"]
    t0 = now()
    for _ in range(limit + 2):
        with pytest.raises(AuthError) as e:
            accounts.login("dh1", "wrong-password", address="192.0.2.1", at=t0, url=office)
        assert e.value.zh == "用户名或密码错误"
    with pytest.raises(AuthError) as e:  # throttled pair: even the right password, same refusal
        accounts.login("dh1", PASSWORD, address="192.0.2.1", at=t0 + timedelta(minutes=1), url=office)
    assert e.value.zh == "用户名或密码错误"
    # from another address the right password works at once: nobody locks a user out
    assert accounts.login("dh1", PASSWORD, address="192.0.2.2", at=t0, url=office)[0].username == "dh1"
    later = t0 + timedelta(minutes=accounts.login_params()["throttle_pair"]["block_minutes"] + 1)
    assert accounts.login("dh1", PASSWORD, address="192.0.2.1", at=later, url=office)[0].username == "dh1"
    with db.engine(office).connect() as conn:  # nothing of a lock-out is stored
        assert conn.execute(select(User.username).where(User.locked_until.is_not(None))).all() == []
    failed = [r for r in log_rows(office) if r.action == "login_failed"]
    assert len(failed) == limit + 3


def test_unknown_user_and_disabled_user_are_refused_and_logged(office: str) -> None:
    user(office)
    with pytest.raises(AuthError):
        accounts.login("nobody", PASSWORD, url=office)
    _, token = accounts.login("dh1", PASSWORD, url=office)
    accounts.set_disabled("dh1", True, url=office)
    with pytest.raises(AuthError):  # disabling ends the sessions
        accounts.session_account(token, url=office)
    with pytest.raises(AuthError) as e:  # the same refusal as a wrong password (security.md)
        accounts.login("dh1", PASSWORD, url=office)
    assert e.value.zh == accounts.BAD_LOGIN_ZH
    accounts.set_disabled("dh1", False, url=office)
    assert accounts.login("dh1", PASSWORD, url=office)


def test_unknown_user_costs_the_same_password_check(office: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown user name gets an argon2 check at the configured cost, as a wrong password
    does, so the time of a refusal does not tell whether the name exists."""
    user(office)
    checked: list[tuple[str, str]] = []
    real = accounts._verify

    def spy(h, stored, password):
        checked.append((stored, password))
        return real(h, stored, password)

    monkeypatch.setattr(accounts, "_verify", spy)
    for name in ("nobody", "dh1"):
        with pytest.raises(AuthError) as e:
            accounts.login(name, "wrong password 123", url=office)
        assert e.value.zh == accounts.BAD_LOGIN_ZH
    assert [pw for _, pw in checked] == ["wrong password 123"] * 2
    decoy, stored = checked[0][0], checked[1][0]
    assert decoy.startswith("$argon2id$") and decoy.split("$")[3] == stored.split("$")[3]  # same cost


def test_session_expires_when_idle_and_after_its_maximum(office: str) -> None:
    user(office)
    p = accounts.login_params()
    t0 = now()
    _, token = accounts.login("dh1", PASSWORD, at=t0, url=office)
    step = timedelta(minutes=p["session_idle_minutes"] - 1)
    at = t0
    while at + step < t0 + timedelta(hours=p["session_max_hours"]):
        at += step
        accounts.session_account(token, at=at, url=office)  # used in time: still alive
    with pytest.raises(AuthError):
        accounts.session_account(token, at=t0 + timedelta(hours=p["session_max_hours"], minutes=1), url=office)
    _, token = accounts.login("dh1", PASSWORD, at=t0, url=office)
    with pytest.raises(AuthError):
        accounts.session_account(token, at=t0 + timedelta(minutes=p["session_idle_minutes"] + 1), url=office)


def test_a_page_key_names_its_live_session_but_is_no_login(office: str) -> None:
    """What a served page carries (``page_key``) finds the page's session for its actions, until
    logout, expiry or the user's disabling; it is not the token and opens no session itself;
    the database keeps only its hash."""
    acc = user(office)
    user(office, "dh2", district="110108")
    p = accounts.login_params()
    t0 = now()
    _, token = accounts.login("dh1", PASSWORD, at=t0, url=office)
    _, other = accounts.login("dh2", PASSWORD, at=t0, url=office)
    key = accounts.page_key(token)
    assert key != token and token not in key and key != accounts.page_key(other)
    assert accounts.page_account(key, at=t0, url=office) == acc
    assert accounts.page_account(accounts.page_key(other), at=t0, url=office).username == "dh2"
    for bad in (None, "", token, accounts.token_hash(token), accounts.token_hash(key)):
        with pytest.raises(AuthError):
            accounts.page_account(bad, at=t0, url=office)
    with pytest.raises(AuthError):
        accounts.session_account(key, at=t0, url=office)  # a page key is no login
    with db.engine(office).connect() as conn:
        stored = str(conn.execute(text("SELECT token_hash, page_key_hash FROM user_session")).all())
    assert token not in stored and key not in stored
    with pytest.raises(AuthError):  # idle expiry
        accounts.page_account(key, at=t0 + timedelta(minutes=p["session_idle_minutes"] + 1), url=office)
    _, token = accounts.login("dh1", PASSWORD, url=office)
    accounts.page_account(accounts.page_key(token), url=office)
    accounts.logout(token, url=office)
    with pytest.raises(AuthError):
        accounts.page_account(accounts.page_key(token), url=office)
    key = accounts.page_key(accounts.login("dh1", PASSWORD, url=office)[1])
    accounts.set_disabled("dh1", True, url=office)
    with pytest.raises(AuthError):
        accounts.page_account(key, url=office)


def test_bad_user_input_is_refused_with_one_message(office: str) -> None:
    with pytest.raises(OfficeError, match="unknown role") as refused:
        accounts.add_user("x1y", "", ["boss"], None, PASSWORD, url=office)
    assert refused.value.exit_code == 2 and refused.value.zh == "角色不存在"  # one rule for the CLI and the page
    with pytest.raises(OfficeError, match="17 district"):
        accounts.add_user("x1y", "", ["district_handler"], "110000", PASSWORD, url=office)
    with pytest.raises(OfficeError, match="no district") as refused:
        accounts.add_user("x1y", "", ["city_handler"], "110105", PASSWORD, url=office)
    assert refused.value.zh == "市级角色和综合管理人员不属于区县，请不要选择所属区县"
    with pytest.raises(OfficeError, match="at least"):
        accounts.add_user("x1y", "", ["admin"], None, "short", url=office)
    user(office)
    with pytest.raises(OfficeError) as e:
        user(office)
    assert e.value.zh == "用户名 dh1 已存在"
    assert [a.username for a, _ in accounts.list_users(url=office)] == ["dh1"]


def test_reset_and_roles(office: str) -> None:
    user(office)
    new = accounts.reset_password("dh1", url=office)
    with pytest.raises(AuthError):
        accounts.login("dh1", PASSWORD, url=office)
    assert accounts.login("dh1", new, url=office)
    acc = accounts.set_roles("dh1", ["district_handler", "district_reviewer"], "110108", url=office)
    assert acc.roles == {Role.DISTRICT_HANDLER, Role.DISTRICT_REVIEWER} and acc.district_code == "110108"
    acc = accounts.set_roles("dh1", ["city_reviewer"], None, url=office)
    assert acc.district_code is None


def test_log_verify_detects_edit_deletion_and_truncation(office: str) -> None:
    user(office)
    for _ in range(3):
        accounts.login("dh1", PASSWORD, url=office)
    eng = db.engine(office)
    with eng.connect() as conn:
        assert actionlog.verify(conn).ok and actionlog.verify(conn).records == 4
    with eng.begin() as conn:  # an edited record
        conn.execute(text("UPDATE action_log SET actor = 'someone' WHERE id = 2"))
    with eng.connect() as conn:
        v = actionlog.verify(conn)
    assert not v.ok and v.broken_at == 2 and v.reason == "record 2: MAC does not verify"
    with eng.begin() as conn:
        conn.execute(text("UPDATE action_log SET actor = 'dh1' WHERE id = 2"))
        assert actionlog.verify(conn).ok
        conn.execute(text("DELETE FROM action_log WHERE id = 3"))  # a deleted record
    with eng.connect() as conn:
        v = actionlog.verify(conn)
    assert not v.ok and v.broken_at == 3 and v.reason == "record 3 missing: the sequence jumps from 2 to 4"


def test_log_verify_detects_deleted_newest_records(office: str) -> None:
    user(office)
    accounts.login("dh1", PASSWORD, url=office)
    eng = db.engine(office)
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM action_log WHERE id = (SELECT MAX(id) FROM action_log)"))
    with eng.connect() as conn:
        v = actionlog.verify(conn)
    assert not v.ok and "newest records were deleted" in v.reason


def test_cli_users_and_log_verify(office: str, tmp_path, monkeypatch) -> None:
    url = office
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))  # this process logs with the CLI's key too
    env = {"WORKBENCH_OFFICE_DB": url, "WORKBENCH_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}

    def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "workbench.cli", *args], env=env, input=stdin,
                              capture_output=True, text=True)

    r = cli("users", "add", "ch1", "--name", "市级处理人", "--role", "city_handler")
    assert r.returncode == 0, r.stderr
    password = r.stdout.split("password: ")[1].strip()
    assert accounts.login("ch1", password, url=url)[0].roles == {Role.CITY_HANDLER}
    r = cli("users", "add", "dh9", "--role", "district_handler", "--district", "999999")
    assert r.returncode == 2 and r.stderr.startswith("Error: district '999999' is not one of the 17 districts")
    assert "Traceback" not in r.stderr and "110105 朝阳区" in r.stderr  # the codes listed
    assert cli("users", "disable", "ch1").returncode == 0
    assert "disabled" in cli("users", "list").stdout
    r = cli("users", "reset", "ghost")
    assert r.returncode == 2 and r.stderr.strip() == "Error: no user 'ghost'"  # a bad argument (exit codes)
    r = cli("log", "verify")
    assert r.returncode == 0 and "chain intact" in r.stdout
    with db.engine(url).begin() as conn:
        conn.execute(text("UPDATE action_log SET detail_json = '{}' WHERE id = 1"))
    r = cli("log", "verify")
    assert r.returncode == 1 and "record 1: MAC does not verify" in r.stderr
