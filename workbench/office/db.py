"""The office database: engine and sessions from a SQLAlchemy URL, and its migrations.

URLs come from ``settings().office_url`` (``WORKBENCH_OFFICE_DB``) unless given. Short
forms are accepted: ``postgres://`` and ``postgresql://`` mean psycopg 3, ``oracle://``
means python-oracledb. SQLite runs with foreign keys on, a busy timeout and (a file) in WAL
mode, so that readers in several server processes go on while one process writes. A database
that cannot be reached raises one ``OfficeDatabaseError`` line naming the URL (password
hidden) and the driver's first line of explanation.

Engines are per process: a forked child (``workbench serve --procs N``) drops the pools it
inherited without closing them (``Engine.dispose(close=False)``, at fork), so no connection is
ever shared by two processes; ``release()`` closes this process's pools before forking.

The schema belongs to Alembic (``migrations/``): ``upgrade(url)`` applies every revision,
``ready(url)`` does so once per process before the first use.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from workbench.config import settings
from workbench.errors import WorkbenchError, first_line

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 32_768  # page cache per connection (SQLite's default, 2 MiB, held a tenth of 200,000 problems)
CONNECT_TIMEOUT_S = 10

_engines: dict[str, Engine] = {}
_ready: set[str] = set()
_lock = threading.Lock()


class OfficeDatabaseError(WorkbenchError):
    """The office database cannot be reached, opened or migrated."""


def normalize(url: str | None = None) -> str:
    """The full SQLAlchemy URL (default: the configured office database)."""
    url = url or settings().office_url
    for short, full in (("postgres://", "postgresql+psycopg://"), ("postgresql://", "postgresql+psycopg://"),
                        ("oracle://", "oracle+oracledb://")):
        if url.startswith(short):
            return full + url[len(short):]
    return url


def shown(url: str) -> str:
    """The URL as it may be printed (password hidden)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def unreachable(url: str, exc: BaseException) -> OfficeDatabaseError:
    return OfficeDatabaseError(f"office database {shown(url)} cannot be reached: {first_line(exc)}")


def engine(url: str | None = None) -> Engine:
    """The (cached) engine of ``url``; nothing is connected yet."""
    full = normalize(url)
    with _lock:
        eng = _engines.get(full)
        if eng is None:
            eng = _engines[full] = _create(full)
    return eng


def _create(full: str) -> Engine:
    try:
        parsed = make_url(full)
    except ArgumentError as exc:
        raise OfficeDatabaseError(f"office database URL {full!r} is not valid: {first_line(exc)}") from None
    backend = parsed.get_backend_name()
    kwargs: dict = {"pool_pre_ping": True}
    if backend == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise OfficeDatabaseError(
                    f"office database {shown(full)} cannot be reached: cannot create its folder "
                    f"({exc.strerror or exc})") from None
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    elif backend == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    try:
        eng = create_engine(full, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise OfficeDatabaseError(f"office database URL {shown(full)} is not usable: {first_line(exc)}") from None
    if backend == "sqlite":
        event.listen(eng, "connect", _sqlite_pragmas)
    return eng


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # negative: KiB, filled only as pages are read
    # WAL (kept in the file once set): readers do not wait for a writer, nor a writer for
    # readers; writers still take turns (one write lock per database, waited for up to the
    # busy timeout). An in-memory database answers "memory" and stays so.
    try:
        if cur.execute("PRAGMA journal_mode").fetchone()[0].lower() not in ("wal", "memory"):
            cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # another connection holds the database right now: the next connection switches it
    cur.close()


def check(url: str | None = None) -> Engine:
    """The engine of ``url`` after one successful connection, else ``OfficeDatabaseError``."""
    eng = engine(url)
    try:
        with eng.connect():
            pass
    except (DBAPIError, SQLAlchemyError, OSError) as exc:
        raise unreachable(str(eng.url), exc) from None
    return eng


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` on the office database."""
    from alembic import command

    eng = check(url)
    try:
        with eng.begin() as conn:
            command.upgrade(_alembic_config(conn), revision)
    except DBAPIError as exc:
        raise OfficeDatabaseError(f"migrating the office database {shown(str(eng.url))} failed: "
                                  f"{first_line(exc)}") from None


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """``alembic downgrade <revision>`` (``base`` drops every office table)."""
    from alembic import command

    eng = check(url)
    with eng.begin() as conn:
        command.downgrade(_alembic_config(conn), revision)


def current(url: str | None = None) -> str | None:
    """The revision the database is at (None: not migrated)."""
    from alembic.runtime.migration import MigrationContext

    eng = check(url)
    with eng.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head()


def ready(url: str | None = None) -> Engine:
    """The engine of ``url``, reachable and migrated to head (checked once per process)."""
    full = normalize(url)
    eng = check(full)
    if full not in _ready:
        if current(full) != head():
            upgrade(full)
        _ready.add(full)
    return eng


def has_schema(url: str | None = None) -> bool:
    """Whether the office tables exist (read-only callers skip an empty database)."""
    eng = check(url)
    with eng.connect() as conn:
        return inspect(conn).has_table("indicator_run")


def release() -> None:
    """Close every pooled connection of this process (before forking server processes)."""
    with _lock:
        engines = list(_engines.values())
    for eng in engines:
        eng.dispose()


def _after_fork_in_child() -> None:
    """In a forked child: forget the parent's pooled connections without closing them (closing
    would end the parent's PostgreSQL sessions or SQLite handles); the next use connects anew."""
    global _lock
    _lock = threading.Lock()  # in case another thread of the parent held it at the fork
    for eng in list(_engines.values()):
        eng.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def forget(url: str | None = None) -> None:
    """Drop the cached engine of ``url`` (tests that drop and recreate a database)."""
    full = normalize(url)
    with _lock:
        eng = _engines.pop(full, None)
        _ready.discard(full)
    if eng is not None:
        eng.dispose()


@contextmanager
def session(url: str | None = None, *, migrate: bool = True) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    eng = ready(url) if migrate else check(url)
    factory = sessionmaker(eng, expire_on_commit=False)
    with factory() as s:
        try:
            with s.begin():
                yield s
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise unreachable(str(eng.url), exc) from None
            raise
