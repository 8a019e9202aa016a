"""Users of the office: accounts, roles, argon2 passwords, logins, lockout and sessions.

Passwords are stored only as argon2id hashes (argon2-cffi), at the cost set in
parameters/office.yaml (``login.argon2``, never below OWASP's minimum); a hash made at another
cost is replaced at the user's next successful login. A login returns a random
token; the database keeps its SHA-256, so a copy of the database opens no session. A page
carries the session's page key instead (``page_key``), by which its actions find the session
(``page_account``); the key alone opens no page. After
``max_failed`` wrong passwords in a row an account is locked for ``lock_minutes``; a
session ends after ``session_idle_minutes`` unused or ``session_max_hours`` after login
(parameters/office.yaml, ``login``). Every change and every login, failed or not, goes to
the action log in the same transaction.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, insert, select, update

from workbench import params as param_files
from workbench.districts import DISTRICTS
from workbench.errors import AuthError, OfficeError, UsageError
from workbench.office import actionlog, db
from workbench.office.actionlog import Action
from workbench.office.models import User, UserRole, UserSession, now
from workbench.office.roles import Role

USERS, ROLES, SESSIONS = User.__table__, UserRole.__table__, UserSession.__table__
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
BAD_LOGIN_ZH = "用户名或密码错误"


@dataclass(frozen=True)
class Account:
    """A logged-in user as the service layer sees it."""

    id: int
    username: str
    display_name: str
    district_code: str | None
    roles: frozenset[Role]

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)


def login_params() -> dict[str, Any]:
    return param_files.load("office")["login"]


def hasher(login: dict[str, Any] | None = None) -> PasswordHasher:
    """The argon2id hasher of the configured cost (``login.argon2`` of ``login``, default the
    parameters file's)."""
    a = (login or login_params())["argon2"]
    return _hasher(a["memory_kib"], a["time_cost"], a["parallelism"])


@functools.lru_cache(maxsize=4)
def _hasher(memory_kib: int, time_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def page_key(token: str) -> str:
    """The page key of a session token: what a served page may carry (Bokeh copies the page
    request's cookies into the session token embedded in the page, readable by its scripts) in
    place of the token. One-way: the token cannot be recovered from it, so it is no login;
    the web server opens a page or a websocket only for the token's cookie and this very key."""
    return hashlib.sha256(b"workbench page key\0" + token.encode("utf-8")).hexdigest()


def new_password() -> str:
    """A random password of 16 characters (letters and digits, no look-alikes)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def check_password(password: str, username: str) -> None:
    least = login_params()["min_password_length"]
    if len(password) < least:
        raise OfficeError(f"the password must have at least {least} characters",
                          f"密码至少需要 {least} 个字符")
    if password.lower() == username.lower():
        raise OfficeError("the password must not be the user name", "密码不能与用户名相同")


def parse_roles(roles: list[str] | tuple[str, ...]) -> frozenset[Role]:
    out = set()
    for r in roles:
        try:
            out.add(Role(r.strip()))
        except ValueError:
            raise UsageError(f"unknown role {r!r}; roles are {', '.join(x.value for x in Role)}") from None
    if not out:
        raise UsageError("give at least one role")
    return frozenset(out)


def check_district(roles: frozenset[Role], district: str | None) -> str | None:
    """District roles need one of the 17 districts; city roles and admins have none."""
    if any(r.district_scoped for r in roles):
        if district not in DISTRICTS:
            raise UsageError(f"district roles need one of the 17 district codes, not {district!r}")
        return district
    if district:
        raise UsageError(f"city roles and admins work for the whole city: give no district (not {district!r})")
    return None


def _user_row(conn: Connection, username: str) -> Any:
    row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
    if row is None:
        raise OfficeError(f"no user {username!r}", f"用户 {username} 不存在")
    return row


def _account(conn: Connection, row: Any) -> Account:
    roles = frozenset(Role(r) for (r,) in conn.execute(select(ROLES.c.role).where(ROLES.c.user_id == row.id)))
    return Account(row.id, row.username, row.display_name, row.district_code, roles)


def add_user(username: str, display_name: str, roles: list[str] | tuple[str, ...], district: str | None = None,
             password: str | None = None, *, actor: str = "admin", url: str | None = None) -> tuple[Account, str]:
    """Create a user; return the account and its (given or generated) password."""
    if not USERNAME.match(username):
        raise UsageError(f"user name {username!r}: 3-64 lower-case letters, digits, '.', '_' or '-'")
    parsed = parse_roles(roles)
    district = check_district(parsed, district)
    password = password or new_password()
    check_password(password, username)
    eng = db.ready(url)
    with eng.begin() as conn:
        if conn.execute(select(USERS.c.id).where(USERS.c.username == username)).first():
            raise OfficeError(f"user {username!r} already exists", f"用户名 {username} 已存在")
        uid = conn.execute(insert(USERS).values(
            username=username, display_name=display_name or username, district_code=district,
            password_hash=hasher().hash(password), disabled=0, failed_logins=0, password_changed_at=now(),
            created_at=now(), version=1)).inserted_primary_key[0]
        conn.execute(insert(ROLES), [{"user_id": uid, "role": r.value} for r in sorted(parsed)])
        actionlog.append(conn, actor, Action.USER_ADD, username, district,
                         roles=sorted(r.value for r in parsed), display_name=display_name)
        return _account(conn, _user_row(conn, username)), password


def set_disabled(username: str, disabled: bool, *, actor: str = "admin", url: str | None = None) -> None:
    """Disable (ending its sessions) or enable a user."""
    eng = db.ready(url)
    with eng.begin() as conn:
        row = _user_row(conn, username)
        conn.execute(update(USERS).where(USERS.c.id == row.id).values(
            disabled=1 if disabled else 0, failed_logins=0, locked_until=None, version=row.version + 1))
        if disabled:
            _end_sessions(conn, row.id)
        actionlog.append(conn, actor, Action.USER_CHANGE, username, row.district_code,
                         change="disable" if disabled else "enable", enabled=not disabled)


def reset_password(username: str, password: str | None = None, *, actor: str = "admin",
                   url: str | None = None) -> str:
    """Set a new password (generated if not given), unlock, end sessions; return it."""
    password = password or new_password()
    check_password(password, username)
    eng = db.ready(url)
    with eng.begin() as conn:
        row = _user_row(conn, username)
        conn.execute(update(USERS).where(USERS.c.id == row.id).values(
            password_hash=hasher().hash(password), failed_logins=0, locked_until=None, password_changed_at=now(),
            version=row.version + 1))
        _end_sessions(conn, row.id)
        actionlog.append(conn, actor, Action.USER_CHANGE, username, row.district_code, change="reset_password")
    return password


def set_roles(username: str, roles: list[str] | tuple[str, ...], district: str | None = None, *,
              actor: str = "admin", url: str | None = None) -> Account:
    """Replace a user's roles (and district)."""
    parsed = parse_roles(roles)
    district = check_district(parsed, district)
    eng = db.ready(url)
    with eng.begin() as conn:
        row = _user_row(conn, username)
        conn.execute(delete(ROLES).where(ROLES.c.user_id == row.id))
        conn.execute(insert(ROLES), [{"user_id": row.id, "role": r.value} for r in sorted(parsed)])
        conn.execute(update(USERS).where(USERS.c.id == row.id).values(district_code=district,
                                                                        version=row.version + 1))
        _end_sessions(conn, row.id)
        actionlog.append(conn, actor, Action.USER_CHANGE, username, district, change="roles",
                         roles=sorted(r.value for r in parsed))
        return _account(conn, _user_row(conn, username))


def list_users(url: str | None = None) -> list[tuple[Account, bool, datetime | None]]:
    """Every user with whether it is disabled and until when it is locked."""
    eng = db.ready(url)
    with eng.connect() as conn:
        rows = conn.execute(select(USERS).order_by(USERS.c.username)).all()
        at = now()
        return [(_account(conn, r), bool(r.disabled),
                 _utc(r.locked_until) if _utc(r.locked_until) and _utc(r.locked_until) > at else None) for r in rows]


def login(username: str, password: str, *, at: datetime | None = None, url: str | None = None,
          engine: Engine | None = None) -> tuple[Account, str]:
    """Check the password; return the account and a new session token, or raise AuthError
    (the failure is counted and logged first)."""
    at = at or now()
    p = login_params()
    eng = engine or db.ready(url)
    failure: AuthError | None = None
    with eng.begin() as conn:
        row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
        if row is None:
            # the same argon2 work as a known user's wrong password: the time taken does not
            # tell whether the user name exists
            _verify(hasher(p), _decoy_hash(hasher(p)), password)
            actionlog.append(conn, username[:64] or "-", Action.LOGIN_FAILED, username[:128], None,
                             reason="unknown user")
            failure = AuthError(f"login refused for {username!r}: wrong user name or password", BAD_LOGIN_ZH)
        elif row.disabled:
            actionlog.append(conn, username, Action.LOGIN_FAILED, username, row.district_code, reason="disabled")
            failure = AuthError(f"user {username!r} is disabled", "账号已停用，请联系管理员")
        elif _utc(row.locked_until) and _utc(row.locked_until) > at:
            until = _utc(row.locked_until).astimezone().strftime("%H:%M")
            actionlog.append(conn, username, Action.LOGIN_FAILED, username, row.district_code, reason="locked")
            failure = AuthError(f"user {username!r} is locked until {until} after repeated failed logins",
                                f"连续登录失败次数过多，账号已锁定至 {until}")
        elif not _verify(hasher(p), row.password_hash, password):
            failed = row.failed_logins + 1
            locked = at + timedelta(minutes=p["lock_minutes"]) if failed >= p["max_failed"] else None
            conn.execute(update(USERS).where(USERS.c.id == row.id).values(
                failed_logins=0 if locked else failed, locked_until=locked))
            actionlog.append(conn, username, Action.LOGIN_FAILED, username, row.district_code,
                             reason="wrong password", failed=failed, locked=bool(locked))
            if locked:
                failure = AuthError(f"user {username!r} is now locked for {p['lock_minutes']} minutes",
                                    f"连续 {failed} 次密码错误，账号锁定 {p['lock_minutes']} 分钟")
            else:
                failure = AuthError(f"login refused for {username!r}: wrong user name or password", BAD_LOGIN_ZH)
        else:
            token = secrets.token_urlsafe(32)
            changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
            if hasher(p).check_needs_rehash(row.password_hash):  # made at another cost: re-hash now
                changes["password_hash"] = hasher(p).hash(password)
            conn.execute(update(USERS).where(USERS.c.id == row.id).values(**changes))
            conn.execute(insert(SESSIONS).values(token_hash=token_hash(token), user_id=row.id, created_at=at,
                                                 last_seen_at=at, page_key_hash=token_hash(page_key(token))))
            actionlog.append(conn, username, Action.LOGIN, username, row.district_code)
            return _account(conn, row), token
    raise failure


@functools.lru_cache(maxsize=4)
def _decoy_hash(h: PasswordHasher) -> str:
    """A hash of a random password at ``h``'s cost, checked against unknown user names."""
    return h.hash(secrets.token_urlsafe(16))


def _verify(h: PasswordHasher, stored: str, password: str) -> bool:
    try:
        return h.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def session_account(token: str | None, *, at: datetime | None = None, url: str | None = None,
                    engine: Engine | None = None) -> Account:
    """The account of a live session (its last use moved to ``at``), or AuthError."""
    return _live_account(SESSIONS.c.token_hash == token_hash(token) if token else None, at, url, engine)


def page_account(key: str | None, *, at: datetime | None = None, url: str | None = None,
                 engine: Engine | None = None) -> Account:
    """The account of the live session whose page key is ``key`` (its last use moved to
    ``at``), or AuthError: what a served page acts as."""
    return _live_account(SESSIONS.c.page_key_hash == token_hash(key) if key else None, at, url, engine)


def _live_account(which: Any, at: datetime | None, url: str | None, engine: Engine | None) -> Account:
    expired = AuthError("the session has expired; log in again", "登录已过期，请重新登录")
    if which is None:
        raise expired
    at = at or now()
    p = login_params()
    eng = engine or db.ready(url)
    with eng.begin() as conn:
        s = conn.execute(select(SESSIONS).where(which)).first()
        if s is None or s.ended_at is not None:
            raise expired
        if (at - _utc(s.last_seen_at) > timedelta(minutes=p["session_idle_minutes"])
                or at - _utc(s.created_at) > timedelta(hours=p["session_max_hours"])):
            conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash == s.token_hash).values(ended_at=at))
            raise expired
        row = conn.execute(select(USERS).where(USERS.c.id == s.user_id)).one()
        if row.disabled:
            raise AuthError(f"user {row.username!r} is disabled", "账号已停用，请联系管理员")
        conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash == s.token_hash).values(last_seen_at=at))
        return _account(conn, row)


def logout(token: str, *, url: str | None = None, engine: Engine | None = None) -> None:
    eng = engine or db.ready(url)
    with eng.begin() as conn:
        s = conn.execute(select(SESSIONS).where(SESSIONS.c.token_hash == token_hash(token))).first()
        if s is None or s.ended_at is not None:
            return
        conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash == s.token_hash).values(ended_at=now()))
        row = conn.execute(select(USERS).where(USERS.c.id == s.user_id)).one()
        actionlog.append(conn, row.username, Action.LOGOUT, row.username, row.district_code)


def _end_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(update(SESSIONS).where((SESSIONS.c.user_id == user_id) & SESSIONS.c.ended_at.is_(None))
                 .values(ended_at=now()))
