"""Users of the office: accounts, roles, argon2 passwords, logins, throttling and sessions.

Passwords are stored only as argon2id hashes (argon2-cffi), at the cost set in
parameters/office.yaml (``login.argon2``, never below OWASP's minimum); a hash made at another
cost is replaced at the user's next successful login. A login returns a random
token; the database keeps its SHA-256, so a copy of the database opens no session. A page
carries the session's page key instead (``page_key``), by which its actions find the session
(``page_account``); the key alone opens no page.

Failed logins are throttled, never punished with a lock-out (security.md): every attempt is a
``login_attempt`` row (user name as typed, source address), written before the password is
checked so that concurrent attempts count each other. A (name, address) pair whose last
``throttle_pair.failures`` attempts all failed within ``within_minutes`` is refused for
``block_minutes`` without checking the password; an address with ``throttle_address.failures``
failures within its window gets ``TooManyAttempts`` (HTTP 429) for its ``block_minutes``.
Failures from one address never stop the right password from another, and only an admin
disables an account. A wrong name, a wrong password, a disabled account and a throttled
pair are one refusal (``BAD_LOGIN_ZH``) after the same argon2 work; the action log records the
true reason. A session ends after ``session_idle_minutes`` unused or ``session_max_hours``
after login (parameters/office.yaml, ``login``); a login beyond ``serve.max_sessions_per_user``
ends the user's oldest sessions; logout, a password change or reset, a change of roles and
disabling end sessions server-side. Every change and every login, failed or not, goes to the
action log in the same transaction.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, insert, select, update

from workbench import params as param_files
from workbench import times, validators
from workbench.districts import DISTRICTS
from workbench.errors import AuthError, OfficeError
from workbench.office import actionlog, db
from workbench.office.models import KEY, LoginAttempt, User, UserRole, UserSession, now
from workbench.office.roles import Role
from workbench.office.states import Action
from workbench.validators import PASSWORD, USER_NAME

USERS, ROLES, SESSIONS = User.__table__, UserRole.__table__, UserSession.__table__
ATTEMPTS = LoginAttempt.__table__
PRUNE_EVERY = 256  # every so many login attempts, attempts older than any window are deleted
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
BAD_LOGIN_ZH = "用户名或密码错误"
TOO_MANY_ZH = "该地址登录尝试次数过多，请稍后再试"
# login_attempt.ok: a failure (or an attempt still being checked), a success, a refusal unchecked
FAILED, SUCCEEDED, REFUSED = 0, 1, 2


class TooManyAttempts(AuthError):
    """Too many failed logins from one source address (HTTP 429); says nothing of any name."""


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
    validators.PASSWORD.clean(password)
    least = login_params()["min_password_length"]
    if len(password) < least:
        raise OfficeError(f"the password must have at least {least} characters",
                          f"密码至少需要 {least} 个字符")
    if password.lower() == username.lower():
        raise OfficeError("the password must not be the user name", "密码不能与用户名相同")


def parse_roles(roles: list[str] | tuple[str, ...]) -> frozenset[Role]:
    """The roles named (codes of README's roles table); ``OfficeError`` (exit 2) naming the codes."""
    out = set()
    for r in roles:
        try:
            out.add(Role(str(r).strip()))
        except ValueError:
            raise OfficeError(f"unknown role {r!r}; roles are {', '.join(x.value for x in Role)}",
                              "角色不存在") from None
    if not out:
        raise OfficeError("give at least one role", "请至少选择一个角色")
    return frozenset(out)


def check_district(roles: frozenset[Role], district: str | None, *, drop_unused: bool = False) -> str | None:
    """The district to store: district roles need one of the 17 districts; city roles and
    admins work for the whole city and have none. The one rule for the CLI and the users page;
    a district given for city roles is refused, or dropped with ``drop_unused`` (the users page,
    whose district select still shows the user's former district when roles change)."""
    district = (district or "").strip() or None
    if any(r.district_scoped for r in roles):
        if district not in DISTRICTS:
            scoped = ", ".join(sorted(r.value for r in roles if r.district_scoped))
            codes = ", ".join(f"{code} {name}" for code, name in DISTRICTS.items())
            what = f"district {district!r} is not one of the 17 districts" if district else \
                f"{scoped} is a district role and needs --district"
            raise OfficeError(f"{what}; district codes: {codes}", "区县角色须选择所属区县")
        return district
    if district and not drop_unused:
        raise OfficeError(f"city roles and admins work for the whole city: give no district (not {district!r})",
                          "市级角色和综合管理人员不属于区县，请不要选择所属区县")
    return None


def check_username(username: str) -> str:
    if not USERNAME.fullmatch(username):
        raise OfficeError(f"user name {username!r} is not valid: 3-64 lower-case letters, digits, '.', '_' or '-'",
                          "用户名须为 3–64 位小写字母、数字、“.”、“_”或“-”，以字母或数字开头")
    return username


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
    username = validators.USER_NAME.clean(username)
    display_name = validators.DISPLAY_NAME.optional().clean(display_name)
    check_username(username)
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
    username = validators.USER_NAME.clean(username)
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
    username = validators.USER_NAME.clean(username)
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
    username = validators.USER_NAME.clean(username)
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


def list_users(url: str | None = None) -> list[tuple[Account, bool]]:
    """Every user with whether it is disabled (failed logins throttle a name and address or an
    address, never lock an account)."""
    eng = db.ready(url)
    with eng.connect() as conn:
        rows = conn.execute(select(USERS).order_by(USERS.c.username)).all()
        return [(_account(conn, r), bool(r.disabled)) for r in rows]


def display_names(usernames: set[str] | list[str] | tuple[str, ...], *, url: str | None = None) -> dict[str, str]:
    """Login name -> display name of those of ``usernames`` that are users (what history and
    comments show instead of login names; a name that is no user is left out)."""
    wanted = sorted({u for u in usernames if u})
    if not wanted:
        return {}
    with db.ready(url).connect() as conn:
        rows = conn.execute(select(USERS.c.username, USERS.c.display_name).where(USERS.c.username.in_(wanted)))
        return {r.username: r.display_name or r.username for r in rows}


def login(username: str, password: str, *, address: str = "-", at: datetime | None = None,
          url: str | None = None, engine: Engine | None = None) -> tuple[Account, str]:
    """Check the password of a login from ``address`` (the client's source address); return the
    account and a new session token. Raise TooManyAttempts when the address is throttled, else
    one AuthError (``BAD_LOGIN_ZH``) for a wrong name or password, a disabled account or a
    throttled (name, address) pair; the true reason goes to the action log."""
    at = at or now()
    p = login_params()
    h = hasher(p)
    eng = engine or db.ready(url)
    typed = username
    if USER_NAME.problem(username):  # no such user; kept printable (PostgreSQL takes no U+0000)
        username = ascii(username)[:KEY]
    name, address = username[:KEY], (address or "-")[:64]
    pair, per_address = p["throttle_pair"], p["throttle_address"]
    horizon = max(t["within_minutes"] + t["block_minutes"] for t in (pair, per_address))
    with eng.begin() as conn:  # counted before any check, so that concurrent attempts see each other
        conn.execute(delete(ATTEMPTS).where((ATTEMPTS.c.address == address)
                                            & (ATTEMPTS.c.at < at - timedelta(minutes=horizon))))
        attempt = conn.execute(insert(ATTEMPTS).values(at=at, username=name, address=address, ok=FAILED)
                               ).inserted_primary_key[0]
        if attempt % PRUNE_EVERY == 0:  # now and then, the rows of addresses that never came back
            conn.execute(delete(ATTEMPTS).where(ATTEMPTS.c.at < at - timedelta(minutes=horizon)))
    with eng.connect() as conn:
        others = (ATTEMPTS.c.address == address) & (ATTEMPTS.c.id != attempt) & (ATTEMPTS.c.at <= at)
        address_blocked = _throttled(conn, others & (ATTEMPTS.c.ok == FAILED), per_address, at)
        pair_blocked = not address_blocked and _throttled(
            conn, others & (ATTEMPTS.c.username == name) & (ATTEMPTS.c.ok != REFUSED), pair, at)
        row = conn.execute(select(USERS).where(USERS.c.username == username)).first()
    district = row.district_code if row is not None else None
    actor = username[:64] or "-"

    def refuse(ok: int, reason: str, **detail: Any) -> None:
        with eng.begin() as conn:
            conn.execute(update(ATTEMPTS).where(ATTEMPTS.c.id == attempt).values(ok=ok))
            actionlog.append(conn, actor, Action.LOGIN_FAILED, username[:128], district, reason=reason,
                             address=address, **detail)

    if address_blocked:  # no password work: the address has had its share
        refuse(REFUSED, "address throttled")
        raise TooManyAttempts(f"too many failed logins from {address}", TOO_MANY_ZH)
    # one argon2 check whatever the case, so the time taken tells nothing either
    real = row is not None and not pair_blocked and typed == username
    right = _verify(h, row.password_hash if real else _decoy_hash(h), password[:PASSWORD.limit])
    right = right and real and PASSWORD.problem(password) is None
    bad = AuthError(f"login refused for {username!r}: wrong user name or password", BAD_LOGIN_ZH)
    if pair_blocked:
        refuse(REFUSED, "pair throttled")
        raise bad
    if row is None:
        refuse(FAILED, "unknown user")
        raise bad
    if not right:
        refuse(FAILED, "wrong password")
        raise bad
    if row.disabled:
        refuse(FAILED, "disabled")
        raise bad
    token = secrets.token_urlsafe(32)
    with eng.begin() as conn:
        conn.execute(update(ATTEMPTS).where(ATTEMPTS.c.id == attempt).values(ok=SUCCEEDED))
        changes: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
        if h.check_needs_rehash(row.password_hash):  # made at another cost: re-hash now
            changes["password_hash"] = h.hash(password)
        conn.execute(update(USERS).where(USERS.c.id == row.id).values(**changes))
        conn.execute(insert(SESSIONS).values(token_hash=token_hash(token), user_id=row.id, created_at=at,
                                             last_seen_at=at, page_key_hash=token_hash(page_key(token))))
        ended = _end_oldest_sessions(conn, row.id, token_hash(token), at)
        detail = {"ended_sessions": ended} if ended else {}
        actionlog.append(conn, username, Action.LOGIN, username, row.district_code, address=address, **detail)
        return _account(conn, row), token


def _throttled(conn: Connection, attempts: Any, limit: dict[str, int], at: datetime) -> bool:
    """Whether the newest ``limit["failures"]`` of ``attempts`` all failed, within
    ``within_minutes`` of each other, the newest less than ``block_minutes`` before ``at``."""
    n = limit["failures"]
    last = conn.execute(select(ATTEMPTS.c.at, ATTEMPTS.c.ok).where(attempts)
                        .order_by(ATTEMPTS.c.at.desc(), ATTEMPTS.c.id.desc()).limit(n)).all()
    if len(last) < n or any(r.ok != FAILED for r in last):
        return False
    newest, oldest = times.utc(last[0].at), times.utc(last[-1].at)
    return (newest - oldest <= timedelta(minutes=limit["within_minutes"])
            and at - newest < timedelta(minutes=limit["block_minutes"]))


def _end_oldest_sessions(conn: Connection, user_id: int, keep: str, at: datetime) -> int:
    """End the user's oldest open sessions beyond ``serve.max_sessions_per_user`` (the new
    session ``keep`` counts and stays); return how many were ended."""
    most = int(param_files.load("office")["serve"]["max_sessions_per_user"])
    open_ = conn.execute(select(SESSIONS.c.token_hash).where(
        (SESSIONS.c.user_id == user_id) & SESSIONS.c.ended_at.is_(None) & (SESSIONS.c.token_hash != keep))
        .order_by(SESSIONS.c.created_at.desc(), SESSIONS.c.last_seen_at.desc())).scalars().all()
    ending = open_[most - 1:]
    if ending:
        conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash.in_(ending)).values(ended_at=at))
    return len(ending)


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


SEEN_EVERY = timedelta(seconds=30)
"""A session's last use is written again only when it is this much older (the idle limit counts
in minutes; every page and websocket checks the session several times)."""


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
        if (at - times.utc(s.last_seen_at) > timedelta(minutes=p["session_idle_minutes"])
                or at - times.utc(s.created_at) > timedelta(hours=p["session_max_hours"])):
            conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash == s.token_hash).values(ended_at=at))
            raise expired
        row = conn.execute(select(USERS).where(USERS.c.id == s.user_id)).one()
        if row.disabled:
            raise AuthError(f"user {row.username!r} is disabled", "账号已停用，请联系管理员")
        if not timedelta(0) <= at - times.utc(s.last_seen_at) < SEEN_EVERY:  # a page's several checks: one write
            conn.execute(update(SESSIONS).where(SESSIONS.c.token_hash == s.token_hash).values(last_seen_at=at))
        return _account(conn, row)


def change_password(token: str, old: str, new: str, *, url: str | None = None) -> None:
    """A user's change of their own password, in the session of ``token``: the old password
    checked, the new one checked and stored, every other session of the user ended."""
    account = session_account(token, url=url)
    check_password(new, account.username)
    h = hasher()
    eng = db.ready(url)
    with eng.connect() as conn:
        stored = conn.execute(select(USERS.c.password_hash).where(USERS.c.id == account.id)).scalar_one()
    if not _verify(h, stored, old):
        with eng.begin() as conn:
            actionlog.append(conn, account.username, Action.LOGIN_FAILED, account.username, account.district_code,
                             reason="wrong current password on a password change")
        raise AuthError(f"user {account.username!r}: the current password is wrong", "当前密码不正确")
    with eng.begin() as conn:
        row = _user_row(conn, account.username)
        conn.execute(update(USERS).where(USERS.c.id == row.id).values(
            password_hash=h.hash(new), password_changed_at=now(), version=row.version + 1))
        conn.execute(update(SESSIONS).where((SESSIONS.c.user_id == row.id) & SESSIONS.c.ended_at.is_(None)
                                            & (SESSIONS.c.token_hash != token_hash(token))).values(ended_at=now()))
        actionlog.append(conn, account.username, Action.USER_CHANGE, account.username, row.district_code,
                         change="change_password")


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
